"""The XLSX export writer: rows handed over batch by batch, written into a one-sheet workbook on disk
by ``rustpy-xlsxwriter`` (a binding of the Rust ``rust_xlsxwriter``) in a thread of its own.

**Typed and inert.** Each cell is typed by its :class:`~app.reports.writers.Column`'s kind, and
takes its column's format (the library sets formats per column, not per cell):

* text, phone and document columns: every value is a string cell — a string as it is, any other
  value as :func:`~app.reports.writers.as_text` writes it (``12`` → ``"12"``, a date →
  ``"1990-05-17"``, which the column's text format would otherwise show as a serial number) — and
  the column is formatted as text (``@``): its cells, and the cells typed into it later.
  ``+221771234567`` and ``0012345`` read back exact.
* date columns ``yyyy-mm-dd``, timestamp columns ``yyyy-mm-dd hh:mm:ss``: dates and timestamps are
  date cells, timestamps converted to UTC (naive ones taken as the host's local time).
* int columns: numbers (a non-finite float as text); booleans are boolean cells in any column
  but a text one; any other value is text.
* ``None`` and ``""`` are empty cells. Text longer than Excel's 32,767 characters a cell is cut to
  them and ends with :data:`CUT_MARK` (the library would refuse it and fail the whole export).
  Only the audit log's details can be that long: the API takes at most 10,000 characters a field.
* A timestamp is the day number Excel reads (days since 1899-12-30, a fraction for the time), so
  that fractions of a second are kept (the library writes a ``datetime`` to the second).
* An export of more than :data:`MAX_ROWS` rows cannot be an XLSX: the exports refuse it before
  they start (:func:`app.reports.service.prepare_export`).

Formula-looking text (:mod:`app.core.spreadsheet`) is a string cell, never a formula, and the cell
is formatted as text: Excel (and LibreOffice) keep what is typed or re-entered in such a cell as
text, so re-editing ``=HYPERLINK(…)`` leaves it inert. The writer before this one also gave those
cells, and only those, Excel's "quote prefix"; this library styles columns, not single cells. A
quote prefix on whole text columns was weighed and left out: it would add protection only for a
cell whose number format someone changes first, and would show an apostrophe before every name in
the formula bar.

**Constant memory.** The library runs in constant-memory mode: each row goes to its temporary file
as it is written (an anonymous file in the system's temporary folder, deleted as it is created),
then the workbook is zipped into :attr:`XlsxWriter.path`. Between the caller and the
writing thread sits a queue of at most :data:`QUEUE_BATCHES` batches: :meth:`XlsxWriter.rows`
waits while it is full, so rows are never held faster than they are written.
"""

from __future__ import annotations

import datetime as dt
import enum
import math
import queue
import tempfile
import threading
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

from rustpy_xlsxwriter import Format, validate_sheet_name, write_worksheet

from app.reports.writers import Column, ColumnKind, as_text

MAX_TEXT = 32_767
"""Excel's limit of characters in one cell."""
MAX_ROWS = 1_048_576 - 1
"""Excel's limit of rows in a sheet, less the header row: the most rows an export can hold."""
CUT_MARK = " […] (cut at Excel's 32,767 characters a cell; the CSV export holds the whole text)"
"""Ends a text cut to fit a cell, so that the cut is seen."""
_EPOCH = dt.datetime(1899, 12, 30)
QUEUE_BATCHES = 2
"""Batches handed over and not yet taken by the writing thread, at most."""
DATE_FORMAT = "yyyy-mm-dd"
DATETIME_FORMAT = "yyyy-mm-dd hh:mm:ss"
TEXT_KINDS: frozenset[ColumnKind] = frozenset({"text", "phone", "document"})
THREAD_NAME = "xlsx-writer"
# How often a caller waiting for room in the queue checks that the writing thread still runs.
_POLL_SECONDS = 0.05
_NONE = type(None)
# The types each kind of column writes as they are (a str also needs to fit in a cell); any other
# value goes through the column's conversion. A datetime is never among them: it goes to UTC.
_AS_IS: dict[ColumnKind, frozenset[type]] = {
    **dict.fromkeys(TEXT_KINDS, frozenset({str, _NONE})),
    "int": frozenset({str, _NONE, bool, int, dt.date}),
    **dict.fromkeys(("date", "datetime", "bool"), frozenset({str, _NONE, bool, dt.date})),
}
_FORMATS: dict[ColumnKind, str] = {**dict.fromkeys(TEXT_KINDS, "@"), "date": DATE_FORMAT, "datetime": DATETIME_FORMAT}

Batch = Sequence[Sequence[Any]]
Record = dict[str, Any]


class _Signal(enum.Enum):
    END = "end"  # no more rows: finish the workbook
    ABORT = "abort"  # the export was abandoned


class _Abandoned(Exception):
    """Raised inside the writing thread to stop the library when :meth:`XlsxWriter.discard` comes
    before :meth:`XlsxWriter.close`."""


def _as_cell_text(value: Any) -> str:
    text = as_text(value)
    return text if len(text) <= MAX_TEXT else text[: MAX_TEXT - len(CUT_MARK)] + CUT_MARK


def excel_serial(value: dt.datetime) -> float:
    """``value`` in UTC as Excel's day number (1900 date system: days since 1899-12-30, the time a
    fraction of a day); ``value`` naive is taken as the host's local time."""
    return (value.astimezone(dt.UTC).replace(tzinfo=None) - _EPOCH) / dt.timedelta(days=1)


def _as_typed(value: Any, *, numbers: bool) -> Any:
    if isinstance(value, bool):
        return value
    if isinstance(value, dt.datetime):
        return excel_serial(value)
    if isinstance(value, dt.date):
        return value
    if numbers and isinstance(value, int):
        return int(value)
    if numbers and isinstance(value, float) and math.isfinite(value):
        return float(value)
    return _as_cell_text(value)


def _conversion(kind: ColumnKind) -> Callable[[Any], Any]:
    if kind in TEXT_KINDS:
        return _as_cell_text
    numbers = kind == "int"
    return lambda value: _as_typed(value, numbers=numbers)


def _record_maker(columns: Sequence[Column]) -> Callable[[Sequence[Any]], Record]:
    """The function turning one row (values in column order, as many as ``columns``) into the
    record the library writes: ``{column name: cell value}``, each value typed as the module
    docstring says. Raises ``ValueError`` for a row of another width."""
    plan = [(c.name, _AS_IS[c.kind], _conversion(c.kind)) for c in columns]
    limit = MAX_TEXT

    def record(row: Sequence[Any]) -> Record:
        return {
            name: v if ((t := type(v)) is not str or len(v) <= limit) and t in as_is else convert(v)
            for (name, as_is, convert), v in zip(plan, row, strict=True)
        }

    return record


class XlsxWriter:
    """A one-sheet workbook written to a private temporary file (0600) by a thread of its own.

    The sheet (``sheet_name`` cut to Excel's 31 characters) has a bold header row of the column
    names, frozen, then one row per row handed to :meth:`rows`; columns have their widths (in
    characters) and formats. Call :meth:`close` to finish the file at :attr:`path`, then stream it,
    and always :meth:`discard` it in the end, also after a failure. :meth:`rows` and :meth:`close`
    wait for the writing thread: from async code call them in a worker thread.

    Raises ``ValueError`` for a sheet name Excel refuses (``[]:*?/\\``, empty) or two columns of one
    name (the library takes a row as a record keyed by column name).
    """

    def __init__(self, columns: Sequence[Column], *, sheet_name: str = "export", tmpdir: Path | None = None) -> None:
        self.columns = list(columns)
        names = [c.name for c in self.columns]
        if len(set(names)) != len(names):
            raise ValueError(f"column names must be distinct: {names}")
        self.sheet_name = sheet_name[:31]
        if not validate_sheet_name(self.sheet_name):
            raise ValueError(f"not a sheet name Excel accepts: {self.sheet_name!r}")
        handle = tempfile.NamedTemporaryFile(prefix="export-", suffix=".xlsx", dir=tmpdir, delete=False)  # noqa: SIM115
        handle.close()
        self.path = Path(handle.name)
        self._batches: queue.Queue[Batch | _Signal] = queue.Queue(maxsize=QUEUE_BATCHES)
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._write, name=THREAD_NAME, daemon=True)
        self._thread.start()

    def _records(self) -> Iterator[Record]:
        """The records of the batches handed over, read by the library in the writing thread."""
        record = _record_maker(self.columns)
        empty = True
        while (batch := self._batches.get()) is not _Signal.END:
            if batch is _Signal.ABORT:
                raise _Abandoned("the export was discarded before it was finished")
            for row in batch:
                yield record(row)
            empty = False
            del batch  # not held while the next one is awaited
        if empty:  # the library takes the header row from the first record's keys
            yield dict.fromkeys(c.name for c in self.columns)

    def _write(self) -> None:
        try:
            # Made in this thread, the library's objects are only ever used where they were made.
            formats = {c.name: Format().set_num_format(_FORMATS[c.kind]) for c in self.columns if c.kind in _FORMATS}
            write_worksheet(
                self._records(),
                self.path,
                sheet_name=self.sheet_name,
                freeze_row=1,
                bold_headers=True,
                datetime_format=DATETIME_FORMAT,
                column_widths=[float(c.width) for c in self.columns],
                column_formats=formats,
            )
        except BaseException as exc:  # handed to the caller by rows() or close()
            self._error = exc

    def _put(self, item: Batch | _Signal) -> None:
        while self._thread.is_alive():
            try:
                self._batches.put(item, timeout=_POLL_SECONDS)
                return
            except queue.Full:
                continue
        if self._error is not None:
            raise self._error
        raise RuntimeError("the workbook is already closed")

    def rows(self, rows: Batch) -> int:
        """Hand a batch of rows (each a sequence of values in column order) to the writing thread;
        returns how many. The batch is read later: do not change it afterwards. Waits while
        :data:`QUEUE_BATCHES` batches are waiting already.

        Raises the writing thread's error if it has stopped (see :meth:`close`).
        """
        if rows:
            self._put(rows)
        return len(rows)

    def close(self) -> None:
        """Finish the workbook: waits until every row handed over is written and the file zipped.

        Raises what stopped the writing thread, the file then being incomplete: ``ValueError`` for
        a row of the wrong width, the library's own errors (``UnicodeEncodeError`` for text that is
        not valid Unicode, such as a lone surrogate; ``RuntimeError`` for a sheet past Excel's
        1,048,576 rows), ``OSError`` from the disk, or an error converting a value to text.
        """
        self._put(_Signal.END)
        self._thread.join()
        if self._error is not None:
            raise self._error

    def discard(self) -> None:
        """Stop the writing thread if it still runs (dropping the rows not written yet), wait for
        it, and delete the file. Harmless twice, after a failure, and after :meth:`close`."""
        if self._thread.is_alive():
            while True:  # make room: only the caller puts, so the signal then fits
                try:
                    self._batches.get_nowait()
                except queue.Empty:
                    break
            self._batches.put_nowait(_Signal.ABORT)
            self._thread.join()
        self.path.unlink(missing_ok=True)
