"""Run a register import for a desk (reports: :mod:`app.imports.reports`).

Rows are matched and turned into registrants in memory (:class:`~app.imports.matching.BatchMatcher`
for duplicates, :class:`~app.registrants.prepare.AreaIndex` for areas, no query per row), then
stored :data:`~app.imports.run.CHUNK_ROWS` at a time (:class:`~app.imports.run.ImportRun`).

How it stays fast and leaves the server responsive: every step that is CPU work (reading the
file, preparing and validating rows, matching and building a chunk's rows, numbering them and
building their audit events) runs in a worker thread, so the event loop only sends the round
trips and keeps answering other requests (a login) meanwhile. A chunk's registrants are plain
column values (:func:`app.registrants.bulk.build`), not ORM objects, written with one bulk insert
per table (:mod:`app.core.bulk`: a binary ``COPY`` on PostgreSQL, an ``executemany`` on SQLite):
registrants, phones, documents, match keys, audit payloads, ``registrant.create`` audit events,
``import_rows``. Registration numbers come in one block per chunk.
The rows, which stay alive in all their forms for the whole run, are kept out of the garbage
collector's scans (:mod:`app.core.collector`): rescanning them cost about a fifth of a real run's
CPU at 20,000 rows, and each full collection stopped the event loop too.

Transactions of a real run (PostgreSQL and SQLite alike):

1. the batch (``status`` ``running``) and its ``import.start`` audit event are committed first, as
   soon as the run holds the desk's lock (before the rows are prepared: listed from the start);
2. every chunk of :data:`~app.imports.run.CHUNK_ROWS` rows is one transaction: its registrants (numbered in file
   order, with their phones, documents, match keys and ``registrant.create`` audit events), its
   ``import_rows`` and the renewal of the run's lease on its desk (PostgreSQL), together or not at
   all; one chunk is stored at a time while the next ones are matched
   (:meth:`~app.imports.run.ImportRun.write`);
3. the last transaction sets the batch's counts and ``status`` ``completed`` and records
   ``import.run``, before the lock is given back.

Between chunks nothing is held that another request needs: no row lock (the desk row is not
locked; the one-import-per-desk rule is a lease row on PostgreSQL, taken and renewed in short
transactions, or a lock on a file beside the database on SQLite, where each chunk takes the write
lock only while it is stored), no counter row (numbers come from the series' sequence, drawn for
each chunk on a short session of their own, :meth:`~app.imports.run.ImportRun.numbers`), no
connection while the file is parsed and its rows prepared and validated (the registry is read in
between, in short read-only transactions ended before each step of CPU work,
:func:`~app.imports.holding.read_step`, that take no SQLite write lock). An import holds at most one
pooled connection at any moment, and one import of the process uses one at a time
(:func:`~app.imports.holding.database_turn`). Nothing waits for the desk
either: an import sent while another of its desk runs is refused at once (409
``import-already-running``, :func:`~app.imports.holding.desk_import_lock`), holding no connection.

**What a failure leaves** (an error, the database gone, the process killed): every chunk committed
before it, whole, the chunks in progress not at all: registrants and ``import_rows`` of the rows
before some line L, each row with its outcome and audit event, nothing from line L on. The batch
says ``interrupted`` (with the counts of the rows it holds) when the failure let the process
record it; else its stored ``status`` stays ``running`` but it is shown ``interrupted``, as no run
holds the desk's lock any more (on PostgreSQL once its lease expires,
:func:`app.imports.batches.shown_status`), and the next real run
of the desk stores it so (:func:`app.imports.batches.mark_dead_runs_interrupted`). **Re-running
the same file resumes it**: the rows already
stored come out ``already_imported`` / ``already_flagged`` (their fingerprints), the others are
imported as if the first run had never stopped. On PostgreSQL numbers drawn for the chunk that
failed, and for the chunks after it that were numbered or stored meanwhile (rolled back), are not
reused (a gap, see :mod:`app.core.numbering`).

A dry run does the same work in memory, builds the same report and writes nothing (not even an
audit event, not a number drawn).

Outcomes (each data row gets exactly one): ``imported``; ``flagged`` (the registry found possible
duplicates among existing registrants or rows imported earlier in the same file, or the row is
identical to an earlier row: not created, held in the batch with its candidates for an agent,
never merged); ``rejected`` (with a reason); on a re-run, ``already_imported`` /
``already_flagged`` for a row whose fingerprint an earlier batch of the same desk imported or
held. Imports of one desk run one at a time: a second one is refused at once, a dry run too while
a real run goes on; dry runs of one desk run side by side.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import logging
import time
import uuid
from collections.abc import Callable, Mapping, Sequence
from pathlib import PurePosixPath
from typing import Any

import anyio.to_thread
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from app.audit import service as audit
from app.calendars.service import local_date
from app.core.collector import frozen_working_set
from app.core.config import Settings
from app.core.context import Actor
from app.core.db import utcnow
from app.core.i18n import size
from app.core.ids import new_id
from app.core.text import require_storable, storable
from app.desks import service as desks
from app.imports.batches import mark_dead_runs_interrupted
from app.imports.errors import RegisterTooLarge
from app.imports.holding import LEASE_SECONDS, database_turn, desk_import_lock, end_reads, read_step
from app.imports.matching import BatchMatcher, region_codes
from app.imports.models import ImportBatch, ImportRow
from app.imports.reading import SourceRow, read_register
from app.imports.reports import build_report
from app.imports.rows import PreparedRow, prepare_row
from app.imports.run import ImportRun, read_row
from app.imports.schemas import ImportReport, RowReport, counts_of
from app.imports.workbook import ReadLimits
from app.registrants.matching import PersonKeys
from app.registrants.prepare import AreaIndex
from app.registrants.schemas import RegistrantCreate

_CHUNK = 500
logger = logging.getLogger("app.imports")
SETTLE_ROWS = 1_000
"""Rows prepared or read between two ``settle()`` of the working set (see :func:`_prepare_rows`)."""


async def run_import(
    session: AsyncSession,
    *,
    actor: Actor,
    desk_code: str,
    content: bytes,
    filename: str | None,
    dry_run: bool,
    max_bytes: int,
    document_patterns: Mapping[str, str] | None = None,
    delimiter: str | None = None,
    limits: ReadLimits | None = None,
    lease_seconds: float = LEASE_SECONDS,
) -> ImportReport:
    """Import the register ``content`` (the file's bytes) into the desk ``desk_code``.

    Returns the report (also stored, with the batch, unless ``dry_run``). Raises before writing
    anything: ``RegisterTooLarge`` (413) over ``max_bytes``; ``UnknownDesk`` (422);
    ``NotFound`` for a desk the actor does not belong to; the file problems of
    :func:`app.imports.reading.read_register` (413/415/422, within ``limits``; ``delimiter``
    forces a CSV delimiter); ``ValidationFailed`` (422) for a desk code or file name the text
    rule of :mod:`app.core.text` refuses; ``ImportAlreadyRunning`` (409) at once while another
    import of the desk runs (:func:`~app.imports.holding.desk_import_lock`; on PostgreSQL a lease
    of ``lease_seconds``, renewed while the run lives). Reading and row preparation run in a
    worker thread, with no transaction of ``session`` open (the one it has is ended first: it has
    only read).
    """
    started = time.perf_counter()
    require_storable(desk_code, ["desk_code"])
    if filename is not None:
        require_storable(filename, ["file", "filename"])
    filename = PurePosixPath((filename or "").replace("\\", "/")).name[:255] or None
    if len(content) > max_bytes:
        raise RegisterTooLarge(
            f"The file is {size(len(content), 'en')}; the import limit is {size(max_bytes, 'en')}.",
            detail_fr=f"Le fichier fait {size(len(content))} ; la limite d'import est de {size(max_bytes)}.",
        )
    # What the request read so far (its actor) ends here: no connection (nor SQLite lock) is held
    # while the file is parsed.
    await end_reads(session)
    # Parsing is CPU-bound (charset detection, CSV, XLSX XML): a worker thread keeps the event loop
    # answering other requests meanwhile; the read's own bounds (rows, bytes, time) end it.
    table = await anyio.to_thread.run_sync(
        functools.partial(read_register, content, filename=filename, delimiter=delimiter, limits=limits)
    )
    table.columns = {name: storable(header) for name, header in table.columns.items()}
    table.ignored_columns = [storable(header) for header in table.ignored_columns]
    desk = await desks.get_by_code(session, code=desk_code)
    await desks.get(session, actor=actor, desk_id=desk.id)  # NotFound outside the actor's desks
    desks.require_open(desk)
    sha256 = hashlib.sha256(content).hexdigest()
    # One import at a time per desk: another one sent meanwhile is refused at once (409), holding
    # nothing; the same file sent again afterwards sees the first's rows as already imported.
    # The rows in all their forms stay alive for the whole run: kept out of the garbage collector's
    # scans (app.core.collector), which otherwise cost about a fifth of the run's CPU.
    # The registry is read in two short read-only transactions, ended before each step of CPU work.
    with frozen_working_set() as settle:
        settle()  # the rows just read
        async with desk_import_lock(session, desk=desk, dry_run=dry_run, seconds=lease_seconds) as lock:
            batch = ImportBatch(
                id=new_id(),
                desk_id=desk.id,
                actor_id=actor.user_id,
                actor_label=actor.email,
                filename=filename,
                file_sha256=sha256,
                file_size=len(content),
                file_format=table.file_format,
                encoding=table.encoding,
                delimiter=table.delimiter,
                columns=table.columns,
                ignored_columns=table.ignored_columns,
                status="running",
            )
            details = {"filename": filename, "file_sha256": sha256, "file_format": table.file_format}
            # The batch is stored (running) as soon as the run holds the desk, before its rows are
            # prepared: listed from the start. A batch of the desk still running is a dead run's.
            async with database_turn():
                previous = await _previous(session, desk.id, sha256)
                if not dry_run:
                    await mark_dead_runs_interrupted(session, desk.id)
                    session.add(batch)
                    await session.flush()
                    await _record(session, actor, "import.start", (batch.id, batch.desk_id), details)
                    await lock.own(session, batch.id)
                await session.commit()
            run: ImportRun | None = None
            try:
                prepared = await anyio.to_thread.run_sync(
                    functools.partial(
                        _prepare_rows,
                        table.rows,
                        desk_country=desk.country,
                        filename=filename,
                        patterns=document_patterns,
                        settle=settle,
                        today=local_date(desk, utcnow()),
                    )
                )
                settle()
                async with read_step(session):
                    fingerprints = [p.fingerprint for p in prepared]
                    earlier = await _earlier_outcomes(session, desk_id=desk.id, fingerprints=fingerprints)
                    regions = await region_codes(session)
                    areas = await AreaIndex.load(session, ["SN", desk.country])
                # Validating every row and computing its keys is CPU work: in a worker thread, like parsing.
                first_read = await anyio.to_thread.run_sync(
                    functools.partial(
                        _read_rows, [p for p in prepared if p.fingerprint not in earlier], regions, settle=settle
                    )
                )
                settle()
                matcher = BatchMatcher(desk_ids=actor.desk_ids)
                await matcher.preload(
                    session, [keys for _, keys in first_read.values()], step=functools.partial(read_step, session)
                )
                matcher.regions = regions
                run = ImportRun(
                    session=session,
                    actor=actor,
                    desk=desk,
                    batch=batch,
                    earlier=earlier,
                    matcher=matcher,
                    areas=areas,
                    document_patterns=document_patterns,
                    dry_run=dry_run,
                    first_read=first_read,
                    lock=lock,
                )
                settle()
                await run.process_all(prepared, settle)
            except BaseException:
                if not dry_run:
                    stored = run.reports[: run.stored_rows] if run is not None else []
                    await _interrupted(session, actor, (batch.id, batch.desk_id), stored, details, started)
                raise
            counts = await anyio.to_thread.run_sync(counts_of, run.reports)
            batch.counts = counts.model_dump()
            batch.duration_ms = int((time.perf_counter() - started) * 1000)
            batch.status = "completed"
            if not dry_run:  # stored before the lease is given back (shown_status)
                async with database_turn():
                    await _record(
                        session,
                        actor,
                        "import.run",
                        (batch.id, batch.desk_id),
                        {**details, "counts": counts.model_dump()},
                    )
                    await session.commit()
        report = await anyio.to_thread.run_sync(
            functools.partial(
                build_report, batch, desk=desk, rows=run.reports, previous=previous, dry_run=dry_run, sha256=sha256
            )
        )
        report.duration_ms = int((time.perf_counter() - started) * 1000)
        # The run's rows in all their forms, freed a slice at a time in a worker thread: dropped at
        # once on return, freeing them stopped the event loop for half a second (app.core.collector).
        await anyio.to_thread.run_sync(run.release, prepared, table.rows)
        return report


async def _record(
    session: AsyncSession, actor: Actor, action: str, batch: tuple[uuid.UUID, uuid.UUID], details: Mapping[str, Any]
) -> None:
    """Audit ``action`` on the batch ``(id, desk id)``."""
    batch_id, desk_id = batch
    await audit.record(
        session,
        actor=actor,
        action=action,
        entity_type="import_batch",
        entity_id=batch_id,
        desk_id=desk_id,
        details=details,
    )


async def _interrupted(
    session: AsyncSession,
    actor: Actor,
    batch: tuple[uuid.UUID, uuid.UUID],
    stored: list[RowReport],
    details: Mapping[str, Any],
    started: float,
) -> None:
    """After a failure: drop the chunks in progress, mark the batch ``(id, desk id)``
    ``interrupted`` with the counts of the rows it holds (``stored``: the reports of the chunks
    committed; audited ``import.run``), if the database still answers.

    The batch's ids are read before the rollback: it expires every object of the session, and
    reading an expired attribute would be a query outside the session's awaitable calls (one
    that SQLAlchemy's asyncio extension refuses, ``MissingGreenlet``)."""
    with anyio.CancelScope(shield=True):
        try:
            await session.rollback()
            counts = counts_of(stored).model_dump()
            async with database_turn():
                await session.execute(
                    update(ImportBatch)
                    .where(ImportBatch.id == batch[0])
                    .values(
                        status="interrupted", counts=counts, duration_ms=int((time.perf_counter() - started) * 1000)
                    )
                )
                await _record(session, actor, "import.run", batch, {**details, "counts": counts, "interrupted": True})
                await session.commit()
        except Exception:
            logger.exception("could not mark import batch %s interrupted", batch[0])


async def _previous(session: AsyncSession, desk_id: uuid.UUID, sha256: str) -> list[uuid.UUID]:
    """The desk's earlier batches of the same file (``sha256``), oldest first."""
    found = await session.execute(
        select(ImportBatch.id)
        .where(ImportBatch.desk_id == desk_id, ImportBatch.file_sha256 == sha256)
        .order_by(ImportBatch.created_at)
    )
    return list(found.scalars())


def read_limits(settings: Settings) -> ReadLimits:
    """The read bounds configured in ``settings`` (``IMPORT_MAX_*``)."""
    return ReadLimits(
        max_rows=settings.import_max_rows,
        max_columns=settings.import_max_columns,
        max_uncompressed_bytes=settings.import_max_uncompressed_bytes,
        max_compression_ratio=settings.import_max_compression_ratio,
        max_zip_members=settings.import_max_zip_members,
        max_seconds=settings.import_max_parse_seconds,
    )


def _prepare_rows(
    rows: Sequence[SourceRow],
    *,
    desk_country: str,
    filename: str | None,
    patterns: Mapping[str, str] | None,
    settle: Callable[[], None],
    today: dt.date,
) -> list[PreparedRow]:
    """Every row prepared (CPU only: a worker thread runs it), its dates judged against ``today``
    (the desk's local date: a register's dates are the desk's days), ``settle()`` called every
    :data:`SETTLE_ROWS` rows (what is alive then leaves the collector's scans, see
    :mod:`app.core.collector`: otherwise each full collection rescans all the rows prepared so far,
    up to half a second with the event loop stopped)."""
    out = []
    for done, row in enumerate(rows, 1):
        out.append(
            prepare_row(row, desk_country=desk_country, filename=filename, document_patterns=patterns, today=today)
        )
        if done % SETTLE_ROWS == 0:
            settle()
    return out


async def _earlier_outcomes(
    session: AsyncSession, *, desk_id: uuid.UUID, fingerprints: Sequence[str]
) -> dict[str, list[tuple[str, uuid.UUID | None]]]:
    """``fingerprint → [(outcome, registrant_id), …]`` of the rows earlier batches imported or held,
    those imported first, then in the order they were stored: the n-th row of a file with a
    fingerprint is the n-th of these (the same file run again finds each row's own outcome: a row
    flagged as a copy of an earlier one stays ``already_flagged``), a row past the last the last."""
    found: dict[str, list[tuple[str, uuid.UUID | None]]] = {}
    unique = sorted(set(fingerprints))
    for start in range(0, len(unique), _CHUNK):
        stmt = (
            select(ImportRow.row_fingerprint, ImportRow.outcome, ImportRow.registrant_id)
            .where(
                ImportRow.desk_id == desk_id,
                ImportRow.row_fingerprint.in_(unique[start : start + _CHUNK]),
                ImportRow.outcome.in_(("imported", "flagged")),
            )
            .order_by(ImportRow.outcome != "imported", ImportRow.id)
        )
        for fingerprint, outcome, registrant_id in await session.execute(stmt):
            found.setdefault(fingerprint, []).append((outcome, registrant_id))
    return found


def _read_rows(
    rows: Sequence[PreparedRow], regions: Mapping[str, str], *, settle: Callable[[], None]
) -> dict[int, tuple[RegistrantCreate, PersonKeys]]:
    """Line → :func:`app.imports.run.read_row` of each row the registry would take (``settle`` as
    in :func:`_prepare_rows`)."""
    out = {}
    for done, row in enumerate(rows, 1):
        if read := read_row(row, regions):
            out[row.line] = read
        if done % SETTLE_ROWS == 0:
            settle()
    return out
