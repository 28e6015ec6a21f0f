"""Export file writers: CSV (UTF-8 with BOM, ``,`` or ``;``) and XLSX (typed columns), both inert.

**Formula injection** (OWASP "CSV Injection"): which text a spreadsheet could evaluate is decided
by one rule, :mod:`app.core.spreadsheet` (leading white space skipped, full-width triggers, tab,
CR and LF included). Whatever a registrant typed must stay text:

* CSV: such a cell is prefixed with an apostrophe (``'=HYPERLINK(…)``), and every text field is
  quoted so a separator inside a value can never start a new cell. The only exception is a cell
  that is exactly an E.164 phone number (``+221771234567``), written verbatim so it reads back
  exact. (A spreadsheet opening a CSV may still *display* it as a number; the XLSX export is the
  one to open in a spreadsheet.)
* XLSX: text is always written with ``write_string`` (a string cell is never a formula) and a
  formula-looking cell also carries Excel's "quote prefix" style, so re-editing
  it in Excel keeps it text. Values stay exact — ``+221771234567`` and document numbers are text
  cells, dates are date cells (``yyyy-mm-dd``), timestamps are UTC date-times, counts are numbers.

XLSX uses xlsxwriter's ``constant_memory`` mode: each row is flushed to a temporary file as it is
written; the finished workbook is then streamed from disk, so memory stays flat at any size.
"""

from __future__ import annotations

import csv
import datetime as dt
import re
import tempfile
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import xlsxwriter  # type: ignore[import-untyped]

from app.core.spreadsheet import needs_quote, neutralise

ColumnKind = Literal["text", "int", "date", "datetime", "phone", "document", "bool"]
BOM = "\ufeff"


@dataclass(frozen=True)
class Column:
    """One export column: header, kind (how it is typed in XLSX) and width in characters."""

    name: str
    kind: ColumnKind = "text"
    width: int = 16


def _csv_value(value: Any) -> Any:
    if type(value) is str:
        return neutralise(value)
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return value
    if isinstance(value, dt.datetime):
        return value.astimezone(dt.UTC).isoformat().replace("+00:00", "Z")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, uuid.UUID):
        return str(value)
    return neutralise(str(value))


# Types csv.writer already writes as _csv_value would: numbers bare, dates (str() is ISO 8601),
# UUIDs and None ("") quoted. Any other value goes through _csv_value.
_CSV_AS_IS = frozenset({int, float, dt.date, uuid.UUID, type(None)})


def _csv_cells(row: Sequence[Any], as_is: frozenset[type] = _CSV_AS_IS) -> list[Any]:
    return [v if type(v) in as_is else (neutralise(v) if type(v) is str else _csv_value(v)) for v in row]


class _Lines(list[bytes]):
    """The file ``csv.writer`` writes to: keeps each line it writes, UTF-8 encoded.

    Not an ``io.StringIO``: once truncated for reuse, a StringIO holds 4 bytes per character and
    grows by repeated ``realloc`` for every chunk (up to ~75 KB for 100 case rows), which fragments
    the C heap of a long export. Lines of a few hundred bytes come from Python's small-object
    allocator instead, and a chunk is then a single ``bytes`` block of exactly its size.
    """

    def write(self, text: str) -> int:
        self.append(text.encode("utf-8"))
        return len(text)


class CsvWriter:
    """Encodes header and rows as UTF-8 CSV chunks; the first chunk starts with the BOM.

    ``delimiter`` is ``,`` or ``;`` (French-locale spreadsheets expect ``;``). Numbers are
    unquoted, every other field quoted; dates ISO 8601, timestamps ISO 8601 in UTC (``Z``).
    """

    def __init__(self, columns: Sequence[Column], *, delimiter: str = ",") -> None:
        if delimiter not in {",", ";"}:
            raise ValueError("delimiter must be ',' or ';'")
        self.columns = list(columns)
        self._lines = _Lines()
        self._writer = csv.writer(self._lines, delimiter=delimiter, quoting=csv.QUOTE_NONNUMERIC, lineterminator="\r\n")

    def _take(self) -> bytes:
        data = b"".join(self._lines)
        self._lines.clear()
        return data

    def header(self) -> bytes:
        self._lines.write(BOM)
        self._writer.writerow([c.name for c in self.columns])
        return self._take()

    def rows(self, rows: Iterable[Sequence[Any]]) -> bytes:
        self._writer.writerows(map(_csv_cells, rows))
        return self._take()


class XlsxWriter:
    """Writes a one-sheet workbook to a temporary file in constant memory; :meth:`close` finishes it.

    The caller streams :attr:`path` afterwards and calls :meth:`discard` to delete it. xlsxwriter
    is synchronous: call :meth:`rows` and :meth:`close` from a worker thread.
    """

    def __init__(
        self, columns: Sequence[Column], *, sheet_name: str = "export", tmpdir: Path | None = None, header: bool = True
    ) -> None:
        self.columns = list(columns)
        handle = tempfile.NamedTemporaryFile(prefix="export-", suffix=".xlsx", dir=tmpdir, delete=False)  # noqa: SIM115
        handle.close()
        self.path = Path(handle.name)
        self._book = xlsxwriter.Workbook(
            str(self.path),
            {"constant_memory": True, "tmpdir": str(tmpdir) if tmpdir else None, "strings_to_formulas": False},
        )
        self._sheet = self._book.add_worksheet(sheet_name[:31])
        self._bold = self._book.add_format({"bold": True})
        self._date = self._book.add_format({"num_format": "yyyy-mm-dd"})
        self._datetime = self._book.add_format({"num_format": "yyyy-mm-dd hh:mm:ss"})
        self._text = self._book.add_format({"num_format": "@"})
        self._quoted = self._book.add_format({"num_format": "@", "quote_prefix": True})
        for j, column in enumerate(self.columns):
            self._sheet.set_column(j, j, column.width, self._text if column.kind in {"phone", "document"} else None)
            if header:
                self._sheet.write_string(0, j, column.name, self._bold)
        if header:
            self._sheet.freeze_panes(1, 0)
        self._next_row = 1 if header else 0

    def _write(self, i: int, j: int, kind: ColumnKind, value: Any) -> None:
        sheet = self._sheet
        if value is None:
            return
        if isinstance(value, bool):
            sheet.write_boolean(i, j, value)
        elif isinstance(value, int | float) and kind == "int":
            sheet.write_number(i, j, value)
        elif isinstance(value, dt.datetime):
            sheet.write_datetime(i, j, value.astimezone(dt.UTC).replace(tzinfo=None), self._datetime)
        elif isinstance(value, dt.date):
            sheet.write_datetime(i, j, value, self._date)
        else:
            text = str(value)
            sheet.write_string(i, j, text, self._quoted if needs_quote(text) else self._text)

    def rows(self, rows: Iterable[Sequence[Any]]) -> int:
        """Append rows (each in column order); returns how many were written."""
        count = 0
        for row in rows:
            for j, value in enumerate(row):
                self._write(self._next_row, j, self.columns[j].kind, value)
            self._next_row += 1
            count += 1
        return count

    def close(self) -> None:
        """Finish the workbook file (writes the zip container)."""
        self._book.close()

    def discard(self) -> None:
        """Delete the temporary file."""
        self.path.unlink(missing_ok=True)


def content_disposition(filename: str) -> str:
    """An RFC 6266 ``attachment`` header value: an ASCII fallback plus ``filename*`` (RFC 8187).

    ``"indicateurs été.csv"`` → ``attachment; filename="indicateurs ete.csv";
    filename*=UTF-8''indicateurs%20%C3%A9t%C3%A9.csv``; a name with nothing left in ASCII falls
    back to ``export`` with its extension (``"تقرير.csv"`` → ``filename="export.csv"``).
    """
    import unicodedata
    from urllib.parse import quote

    ascii_name = unicodedata.normalize("NFKD", filename).encode("ascii", "ignore").decode()
    ascii_name = re.sub(r"[^A-Za-z0-9._ -]", "_", ascii_name).strip()
    stem, dot, suffix = ascii_name.rpartition(".")
    if not (stem if dot else suffix).strip(" ._"):  # nothing of the name left in ASCII
        ascii_name = f"export.{suffix}" if dot and suffix else "export"
    header = f'attachment; filename="{ascii_name}"'
    if ascii_name != filename:
        header += f"; filename*=UTF-8''{quote(filename, safe='')}"
    return header
