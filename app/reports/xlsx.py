"""The XLSX export writer: rows handed over batch by batch, written into a one-sheet workbook on disk
by ``rustpy-xlsxwriter`` (a binding of the Rust ``rust_xlsxwriter``) in a process of its own.

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
  Only a named audit log export's details can be that long: the API takes at most 10,000 characters a field.
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

**A process of its own.** The library holds the interpreter lock while it turns rows into cells,
so in a thread it and the database reading took turns on one core. The writer is a child Python
(``python -m app.reports.xlsx``, ~0.1 s to start): the rows are read and converted here while they
are written there. It is a plain child process, not ``multiprocessing``'s: those load the parent's
main module again (the whole application, for the ``diaspora-desk`` command).

**Constant memory.** The library runs in constant-memory mode: each row goes to its temporary file
as it is written (an anonymous file in the system's temporary folder, deleted as it is created),
then the workbook is zipped into :attr:`XlsxWriter.file`, a file without a name (so a server
killed mid-export leaves no personal data on disk; the system frees it). Batches go to the writer
through a pipe: :meth:`XlsxWriter.rows` waits while the pipe is full, so rows are never held faster
than they are written (a pipe holds 64 KB on Linux: less than one batch of case rows).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
import math
import os
import subprocess
import sys
import tempfile
from collections.abc import Callable, Iterable, Iterator, Sequence
from multiprocessing.connection import Connection
from multiprocessing.reduction import ForkingPickler
from pathlib import Path
from typing import Any, BinaryIO

from rustpy_xlsxwriter import Format, validate_sheet_name, write_worksheet

from app.reports.writers import Column, ColumnKind, as_text

logger = logging.getLogger("app.reports")

MAX_TEXT = 32_767
"""Excel's limit of characters in one cell."""
MAX_ROWS = 1_048_576 - 1
"""Excel's limit of rows in a sheet, less the header row: the most rows an export can hold."""
CUT_MARK = " […] (cut at Excel's 32,767 characters a cell; the CSV export holds the whole text)"
"""Ends a text cut to fit a cell, so that the cut is seen."""
_EPOCH = dt.datetime(1899, 12, 30)
DATE_FORMAT = "yyyy-mm-dd"
DATETIME_FORMAT = "yyyy-mm-dd hh:mm:ss"
TEXT_KINDS: frozenset[ColumnKind] = frozenset({"text", "phone", "document"})
WRITER_MODULE = "app.reports.xlsx"
"""The writer process's module, run with ``python -m``."""
# How long close() and a failure wait for the writer process to say how it ended.
_OUTCOME_SECONDS = 10
_NONE = type(None)
_CLOCK_TICKS = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100
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
WriterObserver = Callable[[int], None]
_observers: list[WriterObserver] = []  # see observing_writers()


@contextlib.contextmanager
def observing_writers(observer: WriterObserver) -> Iterator[None]:
    """While the block runs, ``observer(pid)`` is called with the process id of each XLSX writer
    process as it starts: from the thread that made the :class:`XlsxWriter`, once the process
    runs and before anything is handed to it, so the observer (a monitor; a test stopping or
    killing the writer) always sees it, however short its life. An observer's error fails that
    writer's start (its process stopped, nothing left)."""
    _observers.append(observer)
    try:
        yield
    finally:
        _observers.remove(observer)


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


def write_sheet(batches: Iterable[Batch], path: Path, columns: Sequence[Column], sheet_name: str) -> None:
    """Write ``batches`` (rows of values in column order) as the one sheet ``sheet_name`` of a
    workbook at ``path``: a bold, frozen header row of the column names, then one row per row.

    Raises ``ValueError`` for a row of another width, the library's own errors
    (``UnicodeEncodeError`` for text that is not valid Unicode, such as a lone surrogate;
    ``RuntimeError`` for a sheet past Excel's 1,048,576 rows), ``OSError`` from the disk, and the
    errors of converting a value to text.
    """
    record = _record_maker(columns)

    def records() -> Iterator[Record]:
        empty = True
        for batch in batches:
            for row in batch:
                yield record(row)
            empty = False
            del batch  # not held while the next one is awaited
        if empty:  # the library takes the header row from the first record's keys
            yield dict.fromkeys(c.name for c in columns)

    formats = {c.name: Format().set_num_format(_FORMATS[c.kind]) for c in columns if c.kind in _FORMATS}
    write_worksheet(
        records(),
        path,
        sheet_name=sheet_name,
        freeze_row=1,
        bold_headers=True,
        datetime_format=DATETIME_FORMAT,
        column_widths=[float(c.width) for c in columns],
        column_formats=formats,
    )


def _serve(rows_fd: int, outcome_fd: int) -> None:
    """The writer process: reads ``(path, columns, sheet_name)`` then batches from ``rows_fd``
    until ``None``, written by :func:`write_sheet`; then sends ``None`` (done) or the exception that
    stopped it on ``outcome_fd``. An end of input before ``None`` (the export discarded, the
    application gone) stops it silently."""
    rows, out = Connection(rows_fd, writable=False), Connection(outcome_fd, readable=False)

    def batches() -> Iterator[Batch]:
        while (batch := rows.recv()) is not None:
            yield batch

    outcome: BaseException | None = None
    try:
        path, columns, sheet_name = rows.recv()
        write_sheet(batches(), Path(path), columns, sheet_name)
    except EOFError:
        return
    except BaseException as exc:  # handed to the caller by rows() or close()
        outcome = exc
    try:
        message = ForkingPickler.dumps(outcome)
        ForkingPickler.loads(message)  # an exception that does not come back whole goes as text
    except Exception:
        message = ForkingPickler.dumps(RuntimeError(f"{type(outcome).__name__}: {outcome}"))
    with contextlib.suppress(OSError):  # already discarded
        out.send_bytes(message)


class XlsxWriter:
    """A one-sheet workbook written by a process of its own into :attr:`file`, a temporary file
    without a name in ``tmpdir`` (default: the system's temporary folder), readable by this process
    only.

    The sheet (``sheet_name`` cut to Excel's 31 characters) has a bold header row of the column
    names, frozen, then one row per row handed to :meth:`rows`; columns have their widths (in
    characters) and formats. Call :meth:`close` to finish the workbook, then read it from
    :attr:`file` (from its start: ``seek(0)``), and always :meth:`discard` it in the end, also
    after a failure. :meth:`rows` and :meth:`close` wait for the writer process: from async code
    call them in a worker thread.

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
        # A file without a name (Linux: O_TMPFILE; elsewhere unlinked as soon as it is made): a
        # server killed mid-export leaves no personal data on disk, the system frees it.
        self.file: BinaryIO = tempfile.TemporaryFile(dir=tmpdir)  # noqa: SIM115 - closed by discard()
        rows_read, rows_write = os.pipe()
        outcome_read, outcome_write = os.pipe()
        try:
            self._process = subprocess.Popen(  # noqa: S603 - this interpreter, this module
                [sys.executable, "-m", WRITER_MODULE, str(rows_read), str(outcome_write)],
                pass_fds=(rows_read, outcome_write, self.file.fileno()),
                stdin=subprocess.DEVNULL,
            )
        except BaseException:
            for fd in (rows_write, outcome_read):
                os.close(fd)
            self.file.close()
            raise
        finally:
            for fd in (rows_read, outcome_write):
                os.close(fd)
        self._error: BaseException | None = None
        self._conn = Connection(rows_write, readable=False)
        self._outcome = Connection(outcome_read, writable=False)
        try:
            for observer in list(_observers):
                observer(self._process.pid)
            # the writer opens the file anew through the descriptor it inherited
            self._send((f"/dev/fd/{self.file.fileno()}", self.columns, self.sheet_name))
        except BaseException:  # the caller gets no writer to discard: nothing may be left
            self.discard()
            raise

    def _send(self, message: Any) -> None:
        try:
            self._conn.send(message)
        except OSError:  # the writer stopped: it says why
            raise self._stopped() from None

    def _stopped(self) -> BaseException:
        """What stopped the writer process (the same each time it is asked): its own error, else
        a ``RuntimeError``."""
        if self._error is None:
            try:
                if self._outcome.poll(_OUTCOME_SECONDS):
                    self._error = self._outcome.recv()
            except (EOFError, OSError):
                pass
        if self._error is None:
            with contextlib.suppress(subprocess.TimeoutExpired):
                self._process.wait(_OUTCOME_SECONDS)
            self._error = RuntimeError(f"the XLSX writer process stopped (exit status {self._process.returncode})")
        return self._error

    def rows(self, rows: Batch) -> int:
        """Hand a batch of rows (each a sequence of values in column order) to the writer process;
        returns how many. Waits while the pipe is full.

        Raises the writer's error if it has stopped (see :meth:`close`).
        """
        if self._error is not None:
            raise self._error
        if rows:
            self._send(rows if type(rows[0]) in (list, tuple) else [tuple(row) for row in rows])
        return len(rows)

    def close(self) -> None:
        """Finish the workbook: waits until every row handed over is written and the file zipped.

        Raises what stopped the writer, the file then being incomplete: the errors of
        :func:`write_sheet`, or ``RuntimeError`` if the process died.
        """
        self._send(None)
        try:
            outcome = self._outcome.recv()
        except (EOFError, OSError):
            raise self._stopped() from None
        self._process.wait()
        if outcome is not None:
            self._error = outcome
            raise outcome

    def cpu_seconds(self) -> float | None:
        """CPU time (user + system, seconds) the writer process has used so far, from
        ``/proc/<pid>/stat``; None where there is no such file (not Linux) or the process is gone.
        A writer that uses none while it is waited on is stalled (stopped, or stuck on a disk)."""
        try:
            fields = Path(f"/proc/{self._process.pid}/stat").read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            return None
        return (int(fields[11]) + int(fields[12])) / _CLOCK_TICKS

    def discard(self) -> None:
        """Stop the writer process if it still runs (dropping the rows not written yet), wait for
        it, and close the file (the system frees it). Harmless twice, after a failure, and after
        :meth:`close`. A process that does not end within 10 s of ``SIGKILL`` (blocked inside the
        kernel on a disk that does not answer) is left to end on its own, said in the log."""
        if self._process.poll() is None:
            self._process.kill()
        try:
            self._process.wait(_OUTCOME_SECONDS)
        except subprocess.TimeoutExpired:
            pid = self._process.pid
            logger.error("the XLSX writer process %s does not end after SIGKILL; left to end on its own", pid)
        self._conn.close()
        self._outcome.close()
        self.file.close()


if __name__ == "__main__":  # the writer process: python -m app.reports.xlsx ROWS_FD OUTCOME_FD
    _serve(int(sys.argv[1]), int(sys.argv[2]))
