"""Export file writers: CSV (UTF-8 with BOM, ``,`` or ``;``) here, XLSX in :mod:`app.reports.xlsx`;
both typed by :class:`Column` and both inert.

**Formula injection** (OWASP "CSV Injection"): which text a spreadsheet could evaluate is decided
by one rule, :mod:`app.core.spreadsheet` (leading white space skipped, full-width triggers, tab,
CR and LF included). Whatever a registrant typed must stay text:

* CSV: such a cell is prefixed with an apostrophe (``'=HYPERLINK(…)``), and every text field is
  quoted so a separator inside a value can never start a new cell. A phone number is no exception:
  ``'+221771234567`` (written bare, a spreadsheet opening the CSV would turn it into the number
  2.21771E+11); drop the apostrophe to read it back exact, or open the XLSX export.
* XLSX: text is always a string cell (never a formula), in a column formatted as text (``@``), so
  re-editing it in a spreadsheet keeps it text (see :mod:`app.reports.xlsx`). Values stay exact —
  ``+221771234567`` and document numbers are text cells, dates are date cells (``yyyy-mm-dd``),
  timestamps are UTC date-times, counts are numbers.
"""

from __future__ import annotations

import csv
import datetime as dt
import re
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from app.core.spreadsheet import RISKY_FIRST, neutralise

ColumnKind = Literal["text", "int", "date", "datetime", "phone", "document", "bool"]
BOM = "\ufeff"


@dataclass(frozen=True)
class Column:
    """One export column: header, kind (how it is typed in XLSX) and width in characters."""

    name: str
    kind: ColumnKind = "text"
    width: int = 16


def as_text(value: Any) -> str:
    """A value as an export writes it as text: ``str`` for text and numbers, ``true``/``false``,
    dates ISO 8601 (``1990-05-17``), timestamps ISO 8601 in UTC (``2026-03-01T09:30:00Z``; a
    naive one is taken as the host's local time), UUIDs in their hyphenated form. Not neutralised."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dt.datetime):
        return value.astimezone(dt.UTC).isoformat().replace("+00:00", "Z")
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def _csv_value(value: Any) -> Any:
    if type(value) is str:
        return neutralise(value)
    if value is None:
        return ""
    if isinstance(value, int | float) and not isinstance(value, bool):
        return value
    return neutralise(as_text(value))


# Types csv.writer already writes as _csv_value would: numbers bare, dates (str() is ISO 8601),
# UUIDs and None ("") quoted. Any other value goes through _csv_value.
_CSV_AS_IS = frozenset({int, float, dt.date, uuid.UUID, type(None)})


def _csv_cells(
    row: Sequence[Any], as_is: frozenset[type] = _CSV_AS_IS, risky: frozenset[str] = RISKY_FIRST
) -> list[Any]:
    # A text whose first character can start no formula (almost every one) is taken as it is
    # without a call; the others go through neutralise().
    return [v if (t := type(v)) in as_is or (t is str and (not v or v[0] not in risky)) else _csv_value(v) for v in row]


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
