"""Streaming rows from the database to an HTTP client in constant memory.

* Rows are read on a dedicated read-only connection: on PostgreSQL a ``REPEATABLE READ READ ONLY``
  transaction (one snapshot, a server-side cursor through asyncpg); on SQLite a deferred
  transaction (``BEGIN DEFERRED``: a WAL snapshot that never blocks writers). Only one batch is in
  memory, and it is read from the cursor in small round trips (see ``FETCH_SIZE``).
* :func:`stream_records` (the exports whose rows are read by position) reads PostgreSQL through
  asyncpg's own cursor, no SQLAlchemy row objects, and asks for the next batch before the current
  one is converted and written, so the server produces it meanwhile; their ids are read as text
  (:func:`uuids_as_text`).
* CSV is encoded a few rows at a time; XLSX batches are handed to the workbook's writer process
  (:class:`~app.reports.xlsx.XlsxWriter`, constant memory) and the finished file is then streamed
  from disk.
* :class:`ExportResponse` always closes the row generator — when the client disconnects, when the
  stream fails or when it ends — so the cursor, connection and temporary file are released at once.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator, Mapping, Sequence
from contextlib import asynccontextmanager
from typing import Any, TypeVar

import anyio
from sqlalchemy import Select, Text, Uuid, cast
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, AsyncResult
from starlette.responses import StreamingResponse
from starlette.types import Receive, Scope, Send

from app.core.db import READ_ONLY_OPTION
from app.reports.errors import ExportFailed
from app.reports.writers import Column, CsvWriter
from app.reports.xlsx import XlsxWriter

T = TypeVar("T")

logger = logging.getLogger("app.reports")

# Rows handed down the pipeline at once: converted, written, one worker-thread hop for XLSX.
BATCH_SIZE = 500
# Rows read from the server-side cursor per fetch. asyncpg's adapter reads the first 50 rows of a
# fetch in one round trip and the rest in another, and a round trip's result usually arrives in
# one network read, i.e. one ``bytes`` block as big as the whole result (~240 bytes a case row).
# Fetching whole batches meant a ~108 KB block per batch (450 rows); the CSV chunks and lists
# allocated meanwhile settle in the hole the previous block left, so now and then the next one
# finds no free space that large and the C heap grows by another ~150 KB, for good: the longer
# the export, the higher its peak memory. Reads of ~12 KB and ~24 KB fit in the holes that exist.
FETCH_SIZE = 150
FILE_CHUNK = 64 * 1024
# Rows per CSV chunk sent to the client (~40–55 KB of case rows, two chunks a batch). Each chunk
# passes through every middleware's ``send`` and is copied once more by the server's chunked
# framing: at 50 rows a chunk that was ~2 µs of CPU a row; at 250, peak memory measured the same
# (bench/exports.py: growth 1.6–1.9 MiB at 100,000 rows either way).
CSV_ROWS_PER_CHUNK = 250
Batch = Sequence[Any]
AnySelect = Select[*tuple[Any, ...]]
RowSource = Callable[[AsyncConnection], AsyncIterator[Batch]]
FinishCallback = Callable[[int, bool], Awaitable[None]]
CountCallback = Callable[[int], None]
"""Given the rows the stream will send, counted in its own snapshot before it reads any; what it
raises ends the stream before its first byte (a problem, with ``ExportResponse(hold_headers=True)``)."""
Count = tuple[Select[int], CountCallback]
"""A statement counting a stream's rows, and the :data:`CountCallback` given its result."""


@asynccontextmanager
async def closing(iterator: AsyncIterator[T]) -> AsyncIterator[AsyncIterator[T]]:
    """``iterator``, closed on exit (``aclose``, for an async generator), whatever ends the block:
    its ``finally`` clauses (a cursor's close) run now, in order, not when the loop's finaliser
    gets to an abandoned generator."""
    try:
        yield iterator
    finally:
        close = getattr(iterator, "aclose", None)
        if close is not None:
            await close()


@asynccontextmanager
async def read_only_connection(engine: AsyncEngine) -> AsyncIterator[AsyncConnection]:
    """A connection in a read-only snapshot transaction, rolled back (shielded) on exit."""
    conn = await engine.connect()
    try:
        # Not cut by a client going away: a BEGIN cancelled midway leaves the driver's connection
        # in doubt, and the pool then throws it away instead of taking it back.
        with anyio.CancelScope(shield=True):
            if engine.dialect.name == "postgresql":
                conn = await conn.execution_options(isolation_level="REPEATABLE READ", postgresql_readonly=True)
                await conn.begin()
                # An export reads each row of its statement once: compiling the statement (JIT,
                # which PostgreSQL turns on for a costly plan such as 100,000 cases joined to
                # their consents) costs more than it saves (~50 ms before the first row arrives).
                await conn.exec_driver_sql("SELECT set_config('jit', 'off', true)")
            else:
                conn = await conn.execution_options(**{READ_ONLY_OPTION: True})
                await conn.begin()
        yield conn
    finally:
        with anyio.CancelScope(shield=True):
            await conn.close()


async def _next_batch(result: AsyncResult[Any], size: int) -> list[Any]:
    """The next ``size`` rows of ``result`` (fewer at the end, [] when done), ``FETCH_SIZE`` per fetch."""
    rows: list[Any] = []
    while len(rows) < size:
        with anyio.CancelScope(shield=True):  # see stream_batches
            part = await result.fetchmany(min(FETCH_SIZE, size - len(rows)))
        if not part:
            break
        rows += part
    return rows


async def stream_batches(conn: AsyncConnection, stmt: AnySelect, size: int = BATCH_SIZE) -> AsyncIterator[Batch]:
    """The rows of ``stmt`` in batches of ``size`` through a server-side cursor.

    Each layer of the pipeline drops its batch before asking for the next one, so at most one
    batch is alive while the next is fetched (``del`` below and in the writers' loops).

    A cancellation (the client went away) takes effect once the statement or fetch in flight has
    returned: cut midway, it would leave the driver's connection in doubt, and the pool would throw
    it away (on SQLite, with its close left pending) instead of taking it back.
    """
    with anyio.CancelScope(shield=True):
        result = await conn.stream(stmt.execution_options(yield_per=FETCH_SIZE))
    try:
        while rows := await _next_batch(result, size):
            yield rows
            del rows
    finally:
        with anyio.CancelScope(shield=True):
            await result.close()


RECORD_BATCH = BATCH_SIZE
"""Rows per batch read through asyncpg's cursor (:func:`stream_records`): ~120 KB of case rows, two
batches alive at once (one being written, the next arriving)."""


def driver_statement(conn: AsyncConnection, stmt: AnySelect) -> tuple[str, list[Any]]:
    """``stmt`` compiled for asyncpg: its SQL (``$n`` placeholders, IN lists expanded) and its
    parameters, each passed through its type's bind processing (UTC times, UUIDs) as SQLAlchemy
    would."""
    compiled = stmt.compile(dialect=conn.dialect, compile_kwargs={"render_postcompile": True})
    params = compiled.construct_params()
    processors: Mapping[str, Any] = compiled._bind_processors  # the processing execute() applies
    values = []
    for name in compiled.positiontup or ():
        value = params[name]
        process = processors.get(name)
        values.append(process(value) if process is not None else value)
    return str(compiled), values


def uuids_as_text(stmt: AnySelect) -> AnySelect:
    """``stmt`` with each UUID column it selects read as text, in the form ``str(uuid)`` writes
    (``3f2a…-…``, lower case): for PostgreSQL's rows read straight from asyncpg, whose UUID objects
    the cycle collector tracks. The three ids of each of 100,000 case rows set off ~370 collections,
    one of them a pass over the server's whole heap (~0.25 s of CPU an export); strings are not
    tracked. Not for SQLite, which stores a UUID without its hyphens. Filters and order stay on
    the UUIDs themselves."""
    return stmt.with_only_columns(
        *(cast(c, Text) if isinstance(c.type, Uuid) else c for c in stmt.selected_columns),
        maintain_column_froms=True,
    )


async def stream_records(
    conn: AsyncConnection,
    stmt: AnySelect,
    size: int = RECORD_BATCH,
    *,
    before_next: Callable[[Batch], Awaitable[Any]] | None = None,
) -> AsyncIterator[Batch]:
    """The rows of ``stmt`` in batches of ``size``: asyncpg records on PostgreSQL (read by
    position, as SQLAlchemy rows are), :func:`stream_batches` elsewhere.

    The next batch is requested before the current one is handed on, so the server produces it
    while this process converts and writes. ``before_next(batch)`` (a query the batch needs on
    the same connection, e.g. consents) runs first, before that request: one connection runs one
    statement at a time.
    """
    if conn.dialect.name != "postgresql":
        async with closing(stream_batches(conn, stmt, size)) as batches:
            async for batch in batches:
                if before_next is not None:
                    await before_next(batch)
                yield batch
        return
    driver = (await conn.get_raw_connection()).driver_connection
    assert driver is not None
    sql, params = driver_statement(conn, stmt)
    if not driver.is_in_transaction():  # SQLAlchemy opens the snapshot at the first statement
        await conn.exec_driver_sql("SELECT 1")
    cursor = await driver.cursor(sql, *params)
    pending: asyncio.Task[list[Any]] | None = None
    try:
        rows = await cursor.fetch(size)
        while rows:
            if before_next is not None:
                await before_next(rows)
            pending = asyncio.ensure_future(cursor.fetch(size)) if len(rows) == size else None
            if pending is not None:
                await asyncio.sleep(0)  # let it send its request before the batch is worked on
            # Handed over without a reference kept here, so a consumer that drops the batch once
            # converted frees its records (and their UUIDs) at once, before the cycle collector
            # moves them to an older generation (whose walks an export would otherwise set off).
            handed = [rows]
            del rows
            yield handed.pop()
            if pending is None:
                return
            rows = await pending
            pending = None
    finally:
        if pending is not None:  # the consumer stopped early: let the request in flight finish
            with anyio.CancelScope(shield=True), contextlib.suppress(Exception):
                await pending  # the connection is released next whatever happened


async def _counted(
    engine: AsyncEngine,
    source: RowSource,
    on_finish: FinishCallback | None,
    body: Callable[[AsyncIterator[Batch]], AsyncIterator[bytes]],
    count: Count | None,
) -> AsyncIterator[bytes]:
    written, completed = 0, False

    async def rows_in(conn: AsyncConnection) -> AsyncIterator[Batch]:
        # The count is the snapshot's first read (on SQLite, what starts it), so it counts the
        # rows read next, whatever was committed since the request counted them.
        if count is not None:
            with anyio.CancelScope(shield=True):  # see stream_batches
                found = int((await conn.execute(count[0])).scalar_one())
            count[1](found)
        async with closing(source(conn)) as batches:
            async for batch in batches:
                yield batch
                del batch

    async def batches(conn: AsyncConnection) -> AsyncIterator[Batch]:
        nonlocal written
        async with closing(rows_in(conn)) as found:
            async for batch in found:
                yield batch
                written += len(batch)
                del batch

    try:
        # Each generator of the pipeline is closed here, in order, however the stream ends: an
        # abandoned one would close its cursor only when the loop's finaliser got to it, after the
        # connection had gone back to the pool (on SQLite, with its read still open).
        async with (
            read_only_connection(engine) as conn,
            closing(batches(conn)) as rows,
            closing(body(rows)) as chunks,
        ):
            async for chunk in chunks:
                yield chunk
        completed = True
    finally:
        if on_finish is not None:
            with anyio.CancelScope(shield=True):
                try:
                    await on_finish(written, completed)
                except Exception:
                    logger.exception("could not record the end of an export")


def csv_stream(
    engine: AsyncEngine,
    source: RowSource,
    columns: Sequence[Column],
    *,
    delimiter: str = ",",
    on_finish: FinishCallback | None = None,
    count: Count | None = None,
) -> AsyncIterator[bytes]:
    """The CSV bytes of ``source``'s rows, batch by batch (header first, BOM included).
    ``count``: see :data:`Count`.

    The first chunk (the header) comes once the first batch has been read, or the rows found to
    be none: served with ``ExportResponse(..., hold_headers=True)``, a database that cannot be
    reached (no connection to be had, the server down, the query failing) answers a problem
    instead of a 200 cut short after its header."""

    async def body(batches: AsyncIterator[Batch]) -> AsyncIterator[bytes]:
        writer = CsvWriter(columns, delimiter=delimiter)
        header: bytes | None = writer.header()
        async for batch in batches:
            if header is not None:
                yield header
                header = None
            for start in range(0, len(batch), CSV_ROWS_PER_CHUNK):
                chunk = writer.rows(batch[start : start + CSV_ROWS_PER_CHUNK])
                yield chunk
                del chunk
            del batch
        if header is not None:  # no rows
            yield header

    return _counted(engine, source, on_finish, body, count)


@contextlib.contextmanager
def _writer_failure() -> Iterator[None]:
    """The XLSX writer's errors (its process died, the disk, a value it could not write) as
    :class:`~app.reports.errors.ExportFailed`, the cause logged."""
    try:
        yield
    except Exception as exc:
        logger.error("the XLSX writer failed", exc_info=exc)
        raise ExportFailed(
            "The export file could not be written; nothing was sent. Try again, or choose a shorter period.",
            detail_fr="Le fichier de l'export n'a pas pu être écrit ; rien n'a été envoyé. "
            "Réessayez, ou choisissez une période plus courte.",
        ) from exc


class WriterStalled(RuntimeError):
    """The XLSX writer process used no CPU for the stall limit while it was waited on."""


WRITER_STALL_SECONDS = 60.0
"""Default stall limit (``EXPORT_WRITER_STALL_SECONDS``)."""
_STALL_CHECK_SECONDS = 1.0  # how often the writer's CPU time is read while it is waited on


async def _on_writer(writer: XlsxWriter, stall_seconds: float, call: Callable[..., T], *args: Any) -> T:
    """``call(*args)`` (a method of ``writer`` that waits for its process) in a worker thread.

    The wait can always be cut: a cancellation (the client went away) abandons the thread at once,
    and the caller's ``discard()`` then kills the process, which ends the thread's wait. Raises
    :class:`WriterStalled` when the process uses no CPU for ``stall_seconds`` meanwhile (stopped,
    or stuck on a disk that does not answer), so a stalled writer never holds the export's place
    for good; a slow but working writer (reading, zipping) keeps using CPU and is waited for.
    """
    outcome: dict[str, Any] = {}
    async with anyio.create_task_group() as group:

        async def run() -> None:
            try:
                outcome["value"] = await anyio.to_thread.run_sync(call, *args, abandon_on_cancel=True)
            except Exception as exc:  # raised below, outside the group (not as an ExceptionGroup)
                outcome["error"] = exc
            group.cancel_scope.cancel()

        group.start_soon(run)
        used: float | None = None  # read at the first check only: most calls end well before it
        idle = 0.0
        while True:
            await anyio.sleep(_STALL_CHECK_SECONDS)
            now = writer.cpu_seconds()
            idle = idle + _STALL_CHECK_SECONDS if now is not None and now == used else 0.0
            used = now
            if idle >= stall_seconds:
                outcome["error"] = WriterStalled(f"the XLSX writer process used no CPU for {idle:.0f} s")
                group.cancel_scope.cancel()
    if "error" in outcome:
        raise outcome["error"]
    return outcome["value"]  # type: ignore[no-any-return]


def xlsx_stream(
    engine: AsyncEngine,
    source: RowSource,
    columns: Sequence[Column],
    *,
    sheet_name: str = "export",
    on_finish: FinishCallback | None = None,
    stall_seconds: float = WRITER_STALL_SECONDS,
    count: Count | None = None,
) -> AsyncIterator[bytes]:
    """The XLSX bytes of ``source``'s rows: written to a temporary file, then streamed from it.
    ``count`` as for :func:`csv_stream`.

    Nothing is yielded before the last row is written (serve it with ``ExportResponse(...,
    hold_headers=True)``). The writer's failures raise ``ExportFailed`` (500), and so does a writer
    process that uses no CPU for ``stall_seconds`` while it is waited on (:func:`_on_writer`).
    However the stream ends (finished, failed, cancelled — a cancellation is never held up by the
    writer), the writer process is stopped and the file (it has no name) closed before the
    generator returns. ``on_finish`` gets the rows of the file once any of it was sent, else 0.
    """

    sent = False  # whether any byte of the file left: before that, nothing of its rows did

    async def body(batches: AsyncIterator[Batch]) -> AsyncIterator[bytes]:
        nonlocal sent
        with _writer_failure():
            writer = await anyio.to_thread.run_sync(lambda: XlsxWriter(columns, sheet_name=sheet_name))
        try:
            async for batch in batches:  # the database's errors pass as they are
                with _writer_failure():
                    await _on_writer(writer, stall_seconds, writer.rows, batch)
                del batch
            with _writer_failure():
                await _on_writer(writer, stall_seconds, writer.close)
            workbook = anyio.wrap_file(writer.file)  # closed by discard()
            await workbook.seek(0)
            while chunk := await workbook.read(FILE_CHUNK):
                sent = True
                yield chunk
        finally:
            with anyio.CancelScope(shield=True):  # it waits for the writer process: never cut short
                await anyio.to_thread.run_sync(writer.discard)

    async def finished(rows_written: int, completed: bool) -> None:
        # A file cut while it streams counts every row it holds: part of a zip can be recovered.
        assert on_finish is not None
        await on_finish(rows_written if sent else 0, completed)

    return _counted(engine, source, finished if on_finish is not None else None, body, count)


class ExportResponse(StreamingResponse):
    """A streaming response that always closes its body generator, releasing DB resources, then
    calls :attr:`on_close` if set (to give back the export's place, :mod:`app.reports.slots`).

    With ``hold_headers`` the status line and headers wait for the body's first chunk (an XLSX
    export's first bytes come once its whole file is written, a CSV export's once its first rows
    are read): a failure before it raises to the app's problem handlers, so the client gets a
    problem (RFC 9457) instead of a 200 and a cut body. A failure after it can only cut the body
    short.
    """

    on_close: Callable[[], None] | None = None

    def __init__(
        self,
        content: AsyncIterator[bytes],
        status_code: int = 200,
        headers: Mapping[str, str] | None = None,
        media_type: str | None = None,
        *,
        hold_headers: bool = False,
    ) -> None:
        super().__init__(content, status_code=status_code, headers=headers, media_type=media_type)
        self._source = content
        self._hold_headers = hold_headers

    async def _hold_for_first_chunk(self, receive: Receive) -> bool:
        """Pull the body's first chunk while listening for the client going away: True when the
        response is to be sent (the chunk goes first), False when the client left before it.
        Raises what pulling it raised (nothing has been sent)."""
        source = self._source
        outcome: dict[str, Any] = {}
        async with anyio.create_task_group() as group:

            async def pull() -> None:
                try:
                    outcome["chunk"] = await anext(source, None)
                except Exception as exc:  # raised below, outside the group (not as an ExceptionGroup)
                    outcome["error"] = exc
                group.cancel_scope.cancel()

            async def listen() -> None:
                await self.listen_for_disconnect(receive)
                group.cancel_scope.cancel()

            group.start_soon(pull)
            group.start_soon(listen)
        if "error" in outcome:
            raise outcome["error"]
        if "chunk" not in outcome:
            return False
        first = outcome["chunk"]

        async def the_rest() -> AsyncIterator[bytes]:
            if first is not None:
                yield first
            async for chunk in source:
                yield chunk

        self.body_iterator = the_rest()
        return True

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        try:
            if self._hold_headers and not await self._hold_for_first_chunk(receive):
                return  # the client went away: nothing to send
            await super().__call__(scope, receive, send)
        finally:
            try:
                with anyio.CancelScope(shield=True):
                    for iterator in (self.body_iterator, self._source):  # outermost first
                        closer = getattr(iterator, "aclose", None)
                        if closer is not None:
                            await closer()
            finally:
                if self.on_close is not None:
                    self.on_close()
