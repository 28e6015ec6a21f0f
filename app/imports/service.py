"""Run a register import for a desk (reports: :mod:`app.imports.reports`).

Rows are matched and turned into registrants in memory (:class:`~app.imports.matching.BatchMatcher`
for duplicates, :class:`~app.registrants.prepare.AreaIndex` for areas, no query per row), then
stored :data:`CHUNK_ROWS` at a time.

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

1. the batch (``status`` ``running``) and its ``import.start`` audit event are committed first;
2. every chunk of :data:`CHUNK_ROWS` rows is one transaction: its registrants (numbered in file
   order, with their phones, documents, match keys and ``registrant.create`` audit events) and its
   ``import_rows``, together or not at all;
3. the last transaction sets the batch's counts and ``status`` ``completed`` and records
   ``import.run``.

Between chunks nothing is held that another request needs: no row lock (the desk row is not
locked; the one-import-per-desk rule is a PostgreSQL advisory lock on a connection of its own, or
a claim in the process on SQLite, where each chunk takes the write lock only while it is stored),
no counter row (numbers come from the series' sequence, drawn for each chunk on a short session of
their own: a run holds up to three pooled connections, that one, its own and the advisory lock's;
see :meth:`_Run.numbers`), no connection
of the session while the file is parsed and its rows prepared and validated (the registry is read
in between, in read-only transactions that take no SQLite write lock). Nothing waits for the desk
either: an import sent while another of its desk runs is refused at once (409
``import-already-running``, :func:`desk_import_lock`), holding no connection.

**What a failure leaves** (an error, the database gone, the process killed): every chunk committed
before it, whole, the chunk in progress not at all: registrants and ``import_rows`` of the rows
before some line L, each row with its outcome and audit event, nothing from line L on. The batch
says ``interrupted`` (with the counts of the rows it holds) when the failure let the process
record it, else it stays ``running``. **Re-running the same file resumes it**: the rows already
stored come out ``already_imported`` / ``already_flagged`` (their fingerprints), the others are
imported as if the first run had never stopped. On PostgreSQL numbers drawn for the chunk that
failed, and for the next one when they were drawn while it was stored, are not reused (a gap, see
:mod:`app.core.numbering`).

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

import asyncio
import datetime as dt
import functools
import hashlib
import logging
import time
import uuid
import weakref
from collections.abc import AsyncIterator, Callable, Collection, Mapping, Sequence
from contextlib import asynccontextmanager
from pathlib import PurePosixPath
from typing import Any, cast

import anyio.to_thread
from pydantic import ValidationError
from sqlalchemy import Table, select, text, update
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from app.audit import service as audit
from app.core.bulk import Prepared, prepare
from app.core.collector import frozen_working_set, release
from app.core.config import Settings
from app.core.context import Actor
from app.core.db import READ_ONLY_OPTION, create_sessionmaker
from app.core.errors import Problem, ValidationFailed
from app.core.text import require_storable, storable
from app.desks import service as desks
from app.desks.models import Desk
from app.imports.errors import ImportAlreadyRunning, RegisterTooLarge
from app.imports.matching import BatchMatcher, person_keys, region_code, region_codes
from app.imports.models import ImportBatch, ImportRow
from app.imports.reading import SourceRow, read_register
from app.imports.reports import build_report
from app.imports.rows import PreparedRow, prepare_row
from app.imports.schemas import ImportReport, RowCandidate, RowReport, RowWarning, counts_of
from app.imports.wording import field_fr, refusal_fr
from app.imports.workbook import ReadLimits
from app.registrants import bulk
from app.registrants import service as registrants
from app.registrants.matching import PersonKeys, only_digits
from app.registrants.pool import Known
from app.registrants.prepare import AreaIndex
from app.registrants.schemas import DuplicateCandidate, RegistrantCreate

# Fields the registry may refuse that only cost the row that field (dropped with a warning).
DROPPABLE = frozenset(
    {"email", "phones", "documents", "origin_region", "place_of_birth", "host_city", "occupation", "arrival_date",
     "status_category", "residence_status"}
)  # fmt: skip
_CHUNK = 500
CHUNK_ROWS = 200
"""Rows matched and stored per transaction by a real run (see the module docstring): what a failure
loses, and how long one chunk's work runs before the next commit."""
SETTLE_ROWS = 1_000
"""Rows prepared or read between two ``settle()`` of the working set (see :func:`_prepare_rows`)."""
_IMPORT_ROWS = cast(Table, ImportRow.__table__)
logger = logging.getLogger("app.imports")


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
) -> ImportReport:
    """Import the register ``content`` (the file's bytes) into the desk ``desk_code``.

    Returns the report (also stored, with the batch, unless ``dry_run``). Raises before writing
    anything: ``RegisterTooLarge`` (413) over ``max_bytes``; ``UnknownDesk`` (422);
    ``NotFound`` for a desk the actor does not belong to; the file problems of
    :func:`app.imports.reading.read_register` (413/415/422, within ``limits``; ``delimiter``
    forces a CSV delimiter); ``ValidationFailed`` (422) for a desk code or file name the text
    rule of :mod:`app.core.text` refuses; ``ImportAlreadyRunning`` (409) at once while another
    import of the desk runs (:func:`desk_import_lock`). Reading and row preparation run in a
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
            f"The file is {len(content)} bytes; the import limit is {max_bytes} bytes.",
            detail_fr=f"Le fichier fait {len(content)} octets ; la limite d'import est de {max_bytes} octets.",
        )
    # What the request read so far (its actor) ends here: no connection (nor SQLite lock) is held
    # while the file is parsed.
    await _end_reads(session)
    # Parsing is CPU-bound (charset detection, CSV, XLSX XML): a worker thread keeps the event loop
    # answering other requests meanwhile; the read's own bounds (rows, bytes, time) end it.
    table = await anyio.to_thread.run_sync(
        functools.partial(read_register, content, filename=filename, delimiter=delimiter, limits=limits)
    )
    table.columns = {name: storable(header) for name, header in table.columns.items()}
    table.ignored_columns = [storable(header) for header in table.ignored_columns]
    desk = await desks.get_by_code(session, code=desk_code)
    await desks.get(session, actor=actor, desk_id=desk.id)  # NotFound outside the actor's desks
    sha256 = hashlib.sha256(content).hexdigest()
    # One import at a time per desk: another one sent meanwhile is refused at once (409), holding
    # nothing; the same file sent again afterwards sees the first's rows as already imported.
    # The rows in all their forms stay alive for the whole run: kept out of the garbage collector's
    # scans (app.core.collector), which otherwise cost about a fifth of the run's CPU.
    # The registry is read in two short read-only transactions, ended before each step of CPU work.
    with frozen_working_set() as settle:
        settle()  # the rows just read
        async with desk_import_lock(session, desk=desk, dry_run=dry_run):
            prepared = await anyio.to_thread.run_sync(
                functools.partial(
                    _prepare_rows,
                    table.rows,
                    desk_country=desk.country,
                    filename=filename,
                    patterns=document_patterns,
                    settle=settle,
                )
            )
            settle()
            await _begin_reads(session)
            previous = list(
                (
                    await session.execute(
                        select(ImportBatch.id)
                        .where(ImportBatch.desk_id == desk.id, ImportBatch.file_sha256 == sha256)
                        .order_by(ImportBatch.created_at)
                    )
                ).scalars()
            )
            earlier = await _earlier_outcomes(session, desk_id=desk.id, fingerprints=[p.fingerprint for p in prepared])
            regions = await region_codes(session)
            areas = await AreaIndex.load(session, ["SN", desk.country])
            await _end_reads(session)
            # Validating every row and computing its keys is CPU work: in a worker thread, like parsing.
            first_read = await anyio.to_thread.run_sync(
                functools.partial(
                    _read_rows, [p for p in prepared if p.fingerprint not in earlier], regions, settle=settle
                )
            )
            settle()
            matcher = BatchMatcher(desk_ids=actor.desk_ids)
            await _begin_reads(session)
            await matcher.preload(session, [keys for _, keys in first_read.values()])
            await _end_reads(session)
            matcher.regions = regions
            batch = ImportBatch(
                id=uuid.uuid4(),
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
            run = _Run(
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
            )
            settle()
            details = {"filename": filename, "file_sha256": sha256, "file_format": table.file_format}
            if not dry_run:
                session.add(batch)
                await session.flush()
                await _record(session, actor, "import.start", (batch.id, batch.desk_id), details)
                await session.commit()
            try:
                await run.process_all(prepared, settle)
            except BaseException:
                if not dry_run:
                    await _interrupted(session, actor, run, details, started)
                raise
            counts = await anyio.to_thread.run_sync(counts_of, run.reports)
            batch.counts = counts.model_dump()
            batch.duration_ms = int((time.perf_counter() - started) * 1000)
            batch.status = "completed"
            if not dry_run:
                await _record(
                    session, actor, "import.run", (batch.id, batch.desk_id), {**details, "counts": counts.model_dump()}
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
    session: AsyncSession, actor: Actor, run: _Run, details: Mapping[str, Any], started: float
) -> None:
    """After a failure: drop the chunk in progress, mark the batch ``interrupted`` with the counts
    of the rows it holds (audited ``import.run``), if the database still answers.

    The batch's ids are read before the rollback: it expires every object of the session, and
    reading an expired attribute would be a query outside the session's awaitable calls (one
    that SQLAlchemy's asyncio extension refuses, ``MissingGreenlet``)."""
    batch = (run.batch.id, run.batch.desk_id)
    with anyio.CancelScope(shield=True):
        try:
            await session.rollback()
            counts = counts_of(run.reports[: run.stored_rows]).model_dump()
            await session.execute(
                update(ImportBatch)
                .where(ImportBatch.id == batch[0])
                .values(status="interrupted", counts=counts, duration_ms=int((time.perf_counter() - started) * 1000))
            )
            await _record(session, actor, "import.run", batch, {**details, "counts": counts, "interrupted": True})
            await session.commit()
        except Exception:
            logger.exception("could not mark import batch %s interrupted", batch[0])


@asynccontextmanager
async def desk_import_lock(session: AsyncSession, *, desk: Desk, dry_run: bool) -> AsyncIterator[None]:
    """Hold the desk's import lock for the block, or raise ``ImportAlreadyRunning`` (409) at once.

    Real runs of one desk run one at a time, and not beside a dry run of it (whose report would
    count the rows being stored as they come in); dry runs of one desk run side by side. Nothing
    waits for its turn: an import lasts minutes, and one that waited would hold a connection of
    the pool (and on PostgreSQL a transaction) all that time, up to emptying the pool for every
    other request. The refused import is told at once and holds nothing.

    PostgreSQL: a transaction-level advisory lock tried without waiting
    (``pg_try_advisory_xact_lock``, ``…_shared`` for a dry run) on a connection of its own, kept
    in its transaction until the block ends (it works behind PgBouncer in transaction mode too);
    it locks no row, so other requests never wait on it, and only the import holding it holds
    that connection. SQLite: a claim in this process (SQLite has one server process).

    The session's transaction is ended first (it has only read so far): the block begins with
    no connection of the session held.
    """
    await _end_reads(session)
    # Read now: after a failure in the block the session is rolled back, which expires ``desk``.
    desk_id, desk_code = desk.id, desk.code
    if session.get_bind().dialect.name != "postgresql":
        claims = _LOCAL_CLAIMS.setdefault(asyncio.get_running_loop(), {})  # a claim belongs to one event loop
        claim = claims.setdefault(desk_id, _Claim())
        if claim.real or (claim.dry and not dry_run):
            raise _already_running(desk_code, dry_run=dry_run)
        claim.take(dry_run=dry_run)  # no await between the check and the claim: nobody else runs
        try:
            yield
        finally:
            claim.give_back(dry_run=dry_run)
            if not (claim.real or claim.dry):
                claims.pop(desk_id, None)
        return
    engine = session.bind
    assert isinstance(engine, AsyncEngine)
    key = int.from_bytes(hashlib.sha256(f"import:{desk_id}".encode()).digest()[:8], "big", signed=True)
    try_lock = _TRY_SHARED if dry_run else _TRY_EXCLUSIVE
    async with engine.connect() as conn:
        try:
            if not (await conn.execute(try_lock, {"key": key})).scalar_one():
                raise _already_running(desk_code, dry_run=dry_run)
            yield
        finally:
            with anyio.CancelScope(shield=True):
                await conn.rollback()  # ends the transaction: the lock goes with it


_TRY_EXCLUSIVE = text("SELECT pg_catalog.pg_try_advisory_xact_lock(:key)")
_TRY_SHARED = text("SELECT pg_catalog.pg_try_advisory_xact_lock_shared(:key)")


class _Claim:
    """The imports of one desk running in this process (SQLite): a real run, or dry runs."""

    def __init__(self) -> None:
        self.real = False
        self.dry = 0

    def take(self, *, dry_run: bool) -> None:
        if dry_run:
            self.dry += 1
        else:
            self.real = True

    def give_back(self, *, dry_run: bool) -> None:
        if dry_run:
            self.dry -= 1
        else:
            self.real = False


_LOCAL_CLAIMS: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, dict[uuid.UUID, _Claim]] = (
    weakref.WeakKeyDictionary()
)


def _already_running(desk_code: str, *, dry_run: bool) -> ImportAlreadyRunning:
    """The refusal of an import of the desk ``desk_code`` while another runs (a dry run: while a real run does)."""
    if dry_run:
        return ImportAlreadyRunning(
            f"An import of desk {desk_code} is running: a dry run now would count the rows it is storing as "
            "they come in. Nothing was read from the file. Try again once that import has ended.",
            detail_fr=f"Un import du bureau {desk_code} est en cours : une simulation maintenant compterait les "
            "lignes qu'il enregistre au fur et à mesure. Rien n'a été lu du fichier. Réessayez une fois cet "
            "import terminé.",
            desk_code=desk_code,
        )
    return ImportAlreadyRunning(
        f"Another import of desk {desk_code} is running: imports of one desk run one at a time. Nothing was "
        "read from the file nor written. Send it again once that import has ended: the rows it stored are "
        "then reported already_imported.",
        detail_fr=f"Un autre import du bureau {desk_code} est en cours : les imports d'un bureau se font l'un "
        "après l'autre. Rien n'a été lu du fichier ni enregistré. Renvoyez-le une fois cet import terminé : "
        "les lignes qu'il a enregistrées seront alors signalées déjà importées (already_imported).",
        desk_code=desk_code,
    )


async def _begin_reads(session: AsyncSession) -> None:
    """Begin a read-only transaction of the session (SQLite: ``BEGIN DEFERRED``, which takes no
    write lock, so that nobody waits on the import's reads; PostgreSQL: as any)."""
    await session.connection(execution_options={READ_ONLY_OPTION: True})


async def _end_reads(session: AsyncSession) -> None:
    """End the session's transaction, which has only read: its connection goes back to the pool
    (and on SQLite, its lock goes), so that none is held through the CPU work that follows."""
    if session.in_transaction():
        await session.commit()


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
) -> list[PreparedRow]:
    """Every row prepared (CPU only: a worker thread runs it), ``settle()`` called every
    :data:`SETTLE_ROWS` rows (what is alive then leaves the collector's scans, see
    :mod:`app.core.collector`: otherwise each full collection rescans all the rows prepared so far,
    up to half a second with the event loop stopped)."""
    out = []
    for done, row in enumerate(rows, 1):
        out.append(prepare_row(row, desk_country=desk_country, filename=filename, document_patterns=patterns))
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


async def _stored(store: asyncio.Task[None]) -> None:
    """Wait for the chunk's ``store`` to end and raise its failure. Waiting never cancels it (unlike
    ``await store``): a cancelled run lets it end in :func:`_let_end`."""
    await asyncio.wait({store})
    store.result()


async def _let_end(store: asyncio.Task[None], failure: BaseException) -> None:
    """Wait for the chunk's ``store`` to end while the run fails with ``failure``, however often the
    run is cancelled meanwhile: cut short, its commit could land without the run knowing. A
    failure of the store's own (other than ``failure``) is logged; ``failure`` is what the run raises."""
    with anyio.CancelScope(shield=True):
        while not store.done():
            try:
                await asyncio.wait({store})
            except asyncio.CancelledError:  # a cancellation from outside anyio's scopes
                continue
    if not store.cancelled() and store.exception() not in (None, failure):
        logger.warning("a chunk's store failed while the import failed", exc_info=store.exception())


class _Run:
    """The state of one batch while its rows are processed in file order and stored by chunks."""

    def __init__(
        self,
        *,
        session: AsyncSession,
        actor: Actor,
        desk: Desk,
        batch: ImportBatch,
        earlier: dict[str, list[tuple[str, uuid.UUID | None]]],
        matcher: BatchMatcher,
        areas: AreaIndex,
        document_patterns: Mapping[str, str] | None,
        dry_run: bool,
        first_read: dict[int, tuple[RegistrantCreate, PersonKeys]],
    ) -> None:
        self.first_read = first_read  # line → the row's body and matching keys before any field is dropped
        self.session, self.actor, self.desk, self.batch, self.earlier = session, actor, desk, batch, earlier
        self.matcher, self.areas, self.document_patterns, self.dry_run = matcher, areas, document_patterns, dry_run
        self.earlier_seen: dict[str, int] = {}  # fingerprint → rows of this file with it that an earlier batch holds
        self.reports: list[RowReport] = []
        self.stored_rows = 0  # reports[:stored_rows] are committed
        self.chunk: list[tuple[PreparedRow, RowReport]] = []
        self.chunk_new: list[tuple[bulk.NewRow, PersonKeys]] = []  # the chunk's registrants and their keys
        self.unnumbered: list[RowCandidate] = []  # candidates created in this chunk, numbered at its end
        self.number_of: dict[uuid.UUID, str] = {}  # registrant created in this run → its number
        self.first_line: dict[str, int] = {}  # fingerprint → first line of this file
        self.line_of: dict[uuid.UUID, int] = {}  # registrant created here → its line
        self.created_at_line: dict[int, uuid.UUID] = {}

    def release(self, *more: list[Any]) -> None:
        """Empty the run's containers but :attr:`reports`, its matcher's and ``more``, a slice at a
        time (:func:`app.core.collector.release`; CPU only)."""
        release(
            self.first_read,
            self.number_of,
            self.first_line,
            self.line_of,
            self.created_at_line,
            self.earlier_seen,
            *more,
        )
        self.matcher.release()

    def process_rows(self, rows: Sequence[PreparedRow]) -> None:
        """:meth:`process` each row, in file order (CPU only: a worker thread runs it)."""
        for row in rows:
            self.process(row)

    def process(self, row: PreparedRow) -> None:
        """Decide the row's outcome, build its registrant if it is imported, add it to the chunk."""
        candidates: list[RowCandidate] = []
        registrant_id: uuid.UUID | None = None
        reason, reason_fr = row.rejection, row.rejection_fr
        if reason:
            outcome = "rejected"
        elif row.fingerprint in self.earlier:
            stored = self.earlier[row.fingerprint]
            seen = self.earlier_seen[row.fingerprint] = self.earlier_seen.get(row.fingerprint, 0) + 1
            previous, registrant_id = stored[min(seen, len(stored)) - 1]
            outcome = "already_imported" if previous == "imported" else "already_flagged"
        elif row.fingerprint in self.first_line:
            first = self.first_line[row.fingerprint]
            outcome = "flagged"
            candidates = [
                RowCandidate(
                    registrant_id=self.created_at_line.get(first), line=first, score=1.0, reasons=["identical_row"]
                )
            ]
        else:
            outcome, registrant_id, candidates, reasons = self._create(row)
            reason, reason_fr = reasons or (None, None)
        self.first_line.setdefault(row.fingerprint, row.line)
        if outcome == "imported" and registrant_id:
            self.line_of[registrant_id] = row.line
            self.created_at_line[row.line] = registrant_id
        report = RowReport(
            line=row.line,
            number=row.number,
            outcome=outcome,
            name=row.name,
            registrant_id=registrant_id,
            reason=reason,
            reason_fr=reason_fr,
            warnings=[RowWarning(**w) for w in row.warnings],
            candidates=candidates,
        )
        self.reports.append(report)
        self.chunk.append((row, report))

    async def process_all(self, rows: Sequence[PreparedRow], settle: Callable[[], None]) -> None:
        """Process and store ``rows``, :data:`CHUNK_ROWS` at a time, in file order.

        Matching and building a chunk's rows is CPU work: in a worker thread, so that the event
        loop keeps answering other requests (a login) while the import runs. The next chunk is
        matched while the database stores the one before, and on PostgreSQL also numbered and
        built (:meth:`numbers`; on SQLite the next chunk is numbered once the one before is
        committed): they overlap as far as the interpreter lock lets the store's own Python work
        run (:mod:`app.core.interpreter`). A store that failed while the next chunk was matched
        stops the run before that chunk is numbered. A failure of the matching, or the run being
        cancelled, lets the store in flight end first (never cut short: its chunk commits whole or
        not at all, and :attr:`stored_rows` counts it if it committed), then is raised.
        """
        size = max(CHUNK_ROWS, 1)
        writing: asyncio.Task[None] | None = None
        try:
            for start in range(0, len(rows), size):
                await anyio.to_thread.run_sync(self.process_rows, rows[start : start + size])
                # a store that failed meanwhile ends the run here; on SQLite the next chunk's
                # numbers come from the chunk's own transaction, after the commit before
                if writing is not None and (writing.done() or not self.numbers_apart):
                    await _stored(writing)
                    writing = None
                chunk = await self.take_chunk()
                if writing is not None:
                    await _stored(writing)
                    writing = None
                writing = asyncio.ensure_future(self.write(chunk))
                settle()
            if writing is not None:
                await _stored(writing)
                writing = None
        except BaseException as failure:
            if writing is not None:
                await _let_end(writing, failure)
            raise

    async def take_chunk(self) -> tuple[list[Prepared], int]:
        """The chunk's rows ready to insert and how many rows of the file it holds; the run then
        starts the next chunk. Numbers the chunk's registrants (one block,
        :mod:`app.core.numbering`; a real run only) and builds their rows in a worker thread."""
        prepared: list[Prepared] = []
        if not self.dry_run and self.chunk:
            numbers = await self.numbers(len(self.chunk_new))
            dialect = self.session.get_bind().dialect.name
            prepared = await anyio.to_thread.run_sync(self._chunk_rows, numbers, dialect)
        taken = len(self.chunk)
        self.chunk, self.chunk_new, self.unnumbered = [], [], []
        return prepared, taken

    @property
    def numbers_apart(self) -> bool:
        """Whether :meth:`numbers` draws through a session of its own (PostgreSQL)."""
        return self.session.get_bind().dialect.name == "postgresql"

    async def numbers(self, count: int) -> list[str]:
        """``count`` registration numbers of the desk's series, in order (:mod:`app.core.numbering`).

        On PostgreSQL they come from the series' sequence through a short session of their own
        (committed there: a series' first number creates its sequence), while the run's session
        may still store the chunk before: ``nextval`` is not transactional, so the numbers of a
        chunk that fails are a gap either way, and so are the next chunk's when they were drawn
        while the failing chunk was stored. On SQLite the series' counter row moves in the chunk's
        own transaction (gap-free), so only once the chunk before is committed."""
        if not self.numbers_apart:
            return await registrants.registration_numbers(self.session, desk=self.desk, count=count)
        engine = self.session.bind
        assert isinstance(engine, AsyncEngine)
        async with create_sessionmaker(engine)() as drawing:  # the app's sessions, as every other
            numbers = await registrants.registration_numbers(drawing, desk=self.desk, count=count)
            await drawing.commit()  # a series' first number creates its sequence
        return numbers

    async def write(self, chunk: tuple[list[Prepared], int]) -> None:
        """Commit a chunk :meth:`take_chunk` gave (real run; a dry run only counts it).

        One transaction: one bulk insert per table (:func:`app.registrants.bulk.store`:
        registrants, phones, documents, match keys, ``registrant.create`` audit events and their
        payloads; then the ``import_rows``) after the chunk's numbers, then the commit.
        """
        prepared, taken = chunk
        if prepared:
            await bulk.store(self.session, prepared)
            await self.session.commit()
        self.stored_rows += taken

    def _chunk_rows(self, numbers: Sequence[str], dialect: str) -> list[Prepared]:
        """Number the chunk's registrants (and the candidates that are one of them); their rows
        and the chunk's ``import_rows``, ready to insert on ``dialect`` (CPU only)."""
        for (new, _), number in zip(self.chunk_new, numbers, strict=True):
            new.values["registration_number"] = number
            self.number_of[new.id] = number
        for candidate in self.unnumbered:
            assert candidate.registrant_id is not None
            candidate.registration_number = self.number_of[candidate.registrant_id]
        stored = [self._stored(row, report) for row, report in self.chunk]
        registrants_rows = bulk.rows_of(self.actor, self.chunk_new, derived=self.matcher.derived).prepare(
            dialect=dialect
        )
        return [*registrants_rows, prepare(_IMPORT_ROWS, stored, dialect=dialect)]

    def _stored(self, row: PreparedRow, report: RowReport) -> dict[str, Any]:
        """The ``import_rows`` values of one row (inserted with the chunk, without the ORM)."""
        return {
            "batch_id": self.batch.id,
            "desk_id": self.desk.id,
            "line": row.line,
            "source_number": row.number[:64] if row.number else None,
            "outcome": report.outcome,
            "row_fingerprint": row.fingerprint,
            "registrant_id": report.registrant_id,
            "reason": report.reason,
            "reason_fr": report.reason_fr,
            "warnings": row.warnings,
            "candidates": [c.model_dump(mode="json") for c in report.candidates],
            "data": row.data if report.outcome == "flagged" else None,
            "raw": row.raw,
            "resolution": "pending" if report.outcome == "flagged" else None,
        }

    def _create(self, row: PreparedRow) -> tuple[str, uuid.UUID | None, list[RowCandidate], tuple[str, str] | None]:
        """Build the registrant (``imported``), or return its candidates (``flagged``) or a reason
        (in English and in French)."""
        assert row.data is not None
        for attempt in range(len(DROPPABLE) + 1):
            read = self.first_read.get(row.line) if attempt == 0 else None
            try:
                body = read[0] if read else RegistrantCreate.model_validate(_without_empty(row.data))
            except ValidationError as exc:
                error = exc.errors()[0]
                field = _first_field(exc.errors())
                if field in DROPPABLE and _drop(row, field, error["msg"], refusal_fr(error)):
                    continue
                return "rejected", None, [], _refused(field, error["msg"], refusal_fr(error))
            keys = read[1] if read else _body_keys(body, self.matcher.regions, row.unverified_phones)
            found = self.matcher.candidates(keys)
            if found:
                return "flagged", None, self._candidates(found), None
            try:
                new = bulk.build(
                    actor=self.actor,
                    desk=self.desk,
                    data=body,
                    find_area=self.areas.find,
                    source="import",
                    source_ref=f"import:{self.batch.id}:line {row.line}",
                    document_patterns=self.document_patterns,
                    registered_on=dt.date.fromisoformat(row.registered_on) if row.registered_on else None,
                    phone_readings=row.phone_readings,
                )
            except ValidationFailed as exc:
                errors = exc.extra.get("errors") or []
                field = _first_field(errors)
                message = str(errors[0].get("msg") if errors else exc.detail_en)
                message_fr = refusal_fr(errors[0]) if errors else str(exc.detail_fr or exc.title_fr)
                if field in DROPPABLE and _drop(row, field, message, message_fr):
                    continue
                return "rejected", None, [], _refused(field, message, message_fr)
            except Problem as exc:
                return "rejected", None, [], (exc.detail_en or exc.title_en, exc.detail_fr or exc.title_fr)
            keys = new.keys
            self.chunk_new.append((new, keys))
            self.matcher.add(
                Known(
                    id=new.id,
                    registration_number="",  # numbered when its chunk is stored
                    desk_id=self.desk.id,
                    given_names=new.values["given_names"],
                    family_name=new.values["family_name"],
                    date_of_birth=new.values["date_of_birth"],
                    sex=new.values["sex"],
                    keys=keys,
                )
            )
            return "imported", new.id, [], None
        return "rejected", None, [], ("too many invalid fields", "trop de champs non valides")

    def _candidates(self, found: Sequence[DuplicateCandidate]) -> list[RowCandidate]:
        out = []
        for c in found:
            line = self.line_of.get(c.id)
            candidate = RowCandidate(
                registrant_id=c.id,
                registration_number=self.number_of.get(c.id) if line is not None else c.registration_number,
                line=line,
                score=round(c.score, 3),
                reasons=c.reasons,
                through=c.through,
            )
            if line is not None and candidate.registration_number is None and not self.dry_run:
                self.unnumbered.append(candidate)  # created in this chunk: numbered when it is stored
            out.append(candidate)
        return out


def _read_rows(
    rows: Sequence[PreparedRow], regions: Mapping[str, str], *, settle: Callable[[], None]
) -> dict[int, tuple[RegistrantCreate, PersonKeys]]:
    """Line → :func:`_read` of each row the registry would take (``settle`` as in :func:`_prepare_rows`)."""
    out = {}
    for done, row in enumerate(rows, 1):
        if read := _read(row, regions):
            out[row.line] = read
        if done % SETTLE_ROWS == 0:
            settle()
    return out


def _read(row: PreparedRow, regions: Mapping[str, str]) -> tuple[RegistrantCreate, PersonKeys] | None:
    """A prepared row's body and matching keys (None when rejected or when the registry would refuse it)."""
    if row.data is None:
        return None
    try:
        body = RegistrantCreate.model_validate(_without_empty(row.data))
    except ValidationError:
        return None
    return body, _body_keys(body, regions, row.unverified_phones)


def _body_keys(
    body: RegistrantCreate, regions: Mapping[str, str], unverified: Collection[str] = frozenset()
) -> PersonKeys:
    """The matching keys of a row's body, its phones as the registry will keep them: E.164 when
    verified, else their digits (``unverified``: the numbers :func:`app.imports.rows.prepare_row`
    read as unverified, :attr:`~app.imports.rows.PreparedRow.unverified_phones`; any other number
    not in E.164 is too)."""
    verified = [p.number for p in body.phones if p.number not in unverified and _is_e164(p.number)]
    return person_keys(
        given_names=body.given_names,
        family_name=body.family_name,
        date_of_birth=body.date_of_birth,
        sex=body.sex,
        phones=verified,
        unverified_phones=[only_digits(p.number) for p in body.phones if p.number not in verified],
        documents=[(d.doc_type, d.number) for d in body.documents],
        place_of_birth=body.place_of_birth,
        arrival_date=body.arrival_date.isoformat() if body.arrival_date else None,
        email=body.email,
        origin_region=region_code(body.origin_region, regions),
        host_city=body.host_city,
        occupation=body.occupation,
        name_arabic=body.name_arabic,
    )


def _is_e164(number: str) -> bool:
    return number.startswith("+") and number[1:].isdigit()


def _without_empty(data: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in data.items() if v is not None}


def _first_field(errors: Sequence[Any]) -> str | None:
    for error in errors:
        loc = [str(part) for part in error.get("loc", ()) if part != "body"]
        if loc:
            return loc[0]
    return None


def _drop(row: PreparedRow, field: str, message: str, message_fr: str) -> bool:
    """Drop ``field`` from the row's values with a warning (its reason in English and French);
    False if it was not there."""
    assert row.data is not None
    if row.data.get(field) in (None, []):
        return False
    row.data.pop(field)
    row.warn(field, f"dropped: {message}", f"champ « {field_fr(field)} » non repris — {message_fr}")
    return True


def _refused(field: str | None, message: str, message_fr: str) -> tuple[str, str]:
    """A row's rejection for the registry's refusal of ``field`` (None: of the row as a whole)."""
    said_fr = f"champ « {field_fr(field)} » refusé — {message_fr}" if field else f"ligne refusée — {message_fr}"
    return f"{field or 'row'}: {message}", said_fr
