"""One register import's rows processed in file order and stored by chunks
(:class:`ImportRun`; the whole run and its transactions: :mod:`app.imports.service`)."""

from __future__ import annotations

import asyncio
import dataclasses
import datetime as dt
import logging
import uuid
from collections.abc import Callable, Collection, Mapping, Sequence
from typing import Any, cast

import anyio.to_thread
from pydantic import ValidationError
from sqlalchemy import Table
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from app.core.bulk import Prepared, prepare
from app.core.collector import release
from app.core.context import Actor
from app.core.db import create_sessionmaker
from app.core.errors import Problem, ValidationFailed
from app.desks.models import Desk
from app.imports.holding import DeskLock, database_turn
from app.imports.matching import BatchMatcher, person_keys, region_code
from app.imports.models import ImportBatch, ImportRow
from app.imports.rows import PreparedRow
from app.imports.schemas import RowCandidate, RowReport, RowWarning
from app.imports.wording import field_fr, refusal_fr
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
CHUNK_ROWS = 200
"""Rows matched and stored per transaction by a real run (see the module docstring): what a failure
loses, and how long one chunk's work runs before the next commit."""
_IMPORT_ROWS = cast(Table, ImportRow.__table__)
logger = logging.getLogger("app.imports")


@dataclasses.dataclass
class Matched:
    """A chunk's rows once matched (:meth:`ImportRun.detach`), before their rows to insert are
    built (:meth:`ImportRun.take_chunk`)."""

    rows: list[tuple[PreparedRow, RowReport]]
    new: list[tuple[bulk.NewRow, PersonKeys]]  # the chunk's registrants and their keys
    unnumbered: list[RowCandidate]  # candidates created in this chunk or the one before, not numbered yet
    numbers: asyncio.Task[list[str]] | None = None  # PostgreSQL: drawn while the next chunk is matched


class _BeforeNotCommitted(Exception):
    """A chunk's store rolled back because the store of the chunk before did not commit (its own
    failure is the one the run raises)."""


async def _stored(store: asyncio.Task[Any]) -> None:
    """Wait for the chunk's ``store`` to end and raise its failure. Waiting never cancels it (unlike
    ``await store``): a cancelled run lets it end in :func:`_let_end`."""
    await asyncio.wait({store})
    store.result()


async def _first_stored(writing: list[asyncio.Task[None]]) -> None:
    """Wait for the first of the stores in flight (``writing``, in file order) to end, raise its
    failure, then drop it from ``writing``: a run cancelled while it waits still has it there, to
    let it end (:func:`_let_end`)."""
    await _stored(writing[0])
    writing.pop(0)


async def _stop_at_failure(writing: list[asyncio.Task[None]]) -> None:
    """Drop the stores of ``writing`` (in file order) that ended well, from the first on; when
    any store ended with a failure, even behind one still under way, let the ones before it end
    and raise that failure (:func:`_first_stored`)."""
    if any(store.done() and (store.cancelled() or store.exception() is not None) for store in writing):
        while writing:
            await _first_stored(writing)
    while writing and writing[0].done():
        await _first_stored(writing)


async def _send(run: ImportRun, matched: Matched, writing: list[asyncio.Task[None]]) -> None:
    """Build ``matched``'s rows (:meth:`ImportRun.take_chunk`) and start storing them once fewer
    than :attr:`ImportRun.stores_at_once` stores are in flight (``writing``, in file order; the
    new store is added), committed after the one before it."""
    chunk = await run.take_chunk(matched)
    await _stop_at_failure(writing)
    while len(writing) >= run.stores_at_once:
        await _first_stored(writing)
    writing.append(asyncio.ensure_future(run.write(chunk, writing[-1] if writing else None)))


async def _let_end(store: asyncio.Task[Any], failure: BaseException) -> None:
    """Wait for the chunk's ``store`` (or drawing of numbers) to end while the run fails with
    ``failure``, however often the run is cancelled meanwhile: cut short, its commit could land
    without the run knowing. A failure of the store's own (other than ``failure``) is logged;
    ``failure`` is what the run raises."""
    with anyio.CancelScope(shield=True):
        while not store.done():
            try:
                await asyncio.wait({store})
            except asyncio.CancelledError:  # a cancellation from outside anyio's scopes
                continue
    error = None if store.cancelled() else store.exception()
    if error is not None and error is not failure and not isinstance(error, _BeforeNotCommitted):
        logger.warning("a chunk's store failed while the import failed", exc_info=error)


class ImportRun:
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
        lock: DeskLock | None = None,
    ) -> None:
        self.lock = lock or DeskLock()  # the desk's lock: a real run's chunks renew its lease
        self.first_read = first_read  # line → the row's body and matching keys before any field is dropped
        self.session, self.actor, self.desk, self.batch, self.earlier = session, actor, desk, batch, earlier
        self.matcher, self.areas, self.document_patterns, self.dry_run = matcher, areas, document_patterns, dry_run
        self.earlier_seen: dict[str, int] = {}  # fingerprint → rows of this file with it that an earlier batch holds
        self.reports: list[RowReport] = []
        self.stored_rows = 0  # reports[:stored_rows] are committed
        self.chunk: list[tuple[PreparedRow, RowReport]] = []
        self.chunk_new: list[tuple[bulk.NewRow, PersonKeys]] = []  # the chunk's registrants and their keys
        self.unnumbered: list[RowCandidate] = []  # candidates created in this chunk or the one before, not numbered yet
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
        loop keeps answering other requests (a login) while the import runs. On PostgreSQL a
        chunk's numbers are drawn while the next chunk is matched (:meth:`draw`), then its rows
        are built and stored while the chunks after it are matched; :attr:`stores_at_once` chunk
        is stored at a time, in a transaction of its own, committed in file order (:meth:`write`;
        the drawing and the store each take the import's turn at the database, one connection at
        a time, :func:`~app.imports.holding.database_turn`). On SQLite a chunk is numbered, built
        and stored once the one before is committed (its numbers come from the chunk's own
        transaction). The database's work and the interpreter's overlap as far as the
        interpreter lock lets the store's own Python work run (:mod:`app.core.interpreter`). A
        store that failed stops the run before another chunk is stored
        (:func:`_stop_at_failure`). A failure of the matching, or the run being cancelled, lets
        the stores and the drawing in flight end first (never cut short: a chunk commits whole or
        not at all, and :attr:`stored_rows` counts it if it committed), then is raised.
        """
        size = max(CHUNK_ROWS, 1)
        writing: list[asyncio.Task[None]] = []  # the stores in flight, in file order
        matched: Matched | None = None  # PostgreSQL: the chunk matched last, numbered meanwhile
        try:
            for start in range(0, len(rows), size):
                await anyio.to_thread.run_sync(self.process_rows, rows[start : start + size])
                # a store that failed meanwhile ends the run here; on SQLite the next chunk's
                # numbers come from the chunk's own transaction, after the commit before
                await _stop_at_failure(writing)
                while writing and not self.numbers_apart:
                    await _first_stored(writing)
                if matched is not None:
                    await _send(self, matched, writing)
                matched = self.detach()
                if self.numbers_apart:
                    matched.numbers = self.draw(matched)
                else:
                    await _send(self, matched, writing)
                    matched = None
                settle()
            if matched is not None:
                await _send(self, matched, writing)
                matched = None
            while writing:
                await _first_stored(writing)
        except BaseException as failure:
            if matched is not None and matched.numbers is not None:
                await _let_end(matched.numbers, failure)
            for store in writing:
                await _let_end(store, failure)
            raise

    def detach(self) -> Matched:
        """The chunk matched so far; the next one starts empty."""
        matched = Matched(self.chunk, self.chunk_new, self.unnumbered)
        self.chunk, self.chunk_new, self.unnumbered = [], [], []
        return matched

    def draw(self, matched: Matched) -> asyncio.Task[list[str]] | None:
        """The numbers of ``matched``'s registrants, drawn in a task of their own (a real run on
        PostgreSQL: :meth:`numbers`); None when there is nothing to draw."""
        if self.dry_run or not matched.new:
            return None
        return asyncio.ensure_future(self.numbers(len(matched.new)))

    async def take_chunk(self, matched: Matched) -> tuple[list[Prepared], int]:
        """``matched``'s rows ready to insert and how many rows of the file it holds. Numbers its
        registrants (one block, :mod:`app.core.numbering`; a real run only: drawn already on
        PostgreSQL, :meth:`draw`) and builds their rows in a worker thread."""
        prepared: list[Prepared] = []
        if not self.dry_run and matched.rows:
            if matched.numbers is not None:
                await asyncio.wait({matched.numbers})  # a cancelled run lets the drawing end (process_all)
                numbers = matched.numbers.result()
            else:
                numbers = await self.numbers(len(matched.new))
            dialect = self.session.get_bind().dialect.name
            prepared = await anyio.to_thread.run_sync(self._chunk_rows, matched, numbers, dialect)
        return prepared, len(matched.rows)

    @property
    def numbers_apart(self) -> bool:
        """Whether :meth:`numbers` draws through a session of its own (PostgreSQL)."""
        return self.session.get_bind().dialect.name == "postgresql"

    async def numbers(self, count: int) -> list[str]:
        """``count`` registration numbers of the desk's series, in order (:mod:`app.core.numbering`).

        On PostgreSQL they come from the series' sequence through a short session of their own
        (committed there: a series' first number creates its sequence), while the chunks before
        are stored: ``nextval`` is not transactional, so the numbers of a chunk that fails are a
        gap, and so are those of the chunks after it that were numbered or stored meanwhile (rolled
        back). On SQLite the series' counter row moves in the chunk's own transaction (gap-free),
        so only once the chunk before is committed."""
        if not self.numbers_apart:
            return await registrants.registration_numbers(self.session, desk=self.desk, count=count)
        engine = self.session.bind
        assert isinstance(engine, AsyncEngine)
        async with database_turn(), create_sessionmaker(engine)() as drawing:  # the app's sessions
            numbers = await registrants.registration_numbers(drawing, desk=self.desk, count=count)
            await drawing.commit()  # a series' first number creates its sequence
        return numbers

    @property
    def stores_at_once(self) -> int:
        """How many chunks :meth:`process_all` stores at once: 1 (an import holds one pooled
        connection at a time, :func:`app.imports.holding.database_turn`; its chunk's store overlaps
        the matching of the next chunks)."""
        return 1

    async def write(self, chunk: tuple[list[Prepared], int], after: asyncio.Task[None] | None = None) -> None:
        """Commit a chunk :meth:`take_chunk` gave (real run; a dry run only counts it).

        One transaction: one bulk insert per table (:func:`app.registrants.bulk.store`:
        registrants, phones, documents, match keys, ``registrant.create`` audit events and their
        payloads; then the ``import_rows``) after the chunk's numbers, the renewal of the run's
        lease on its desk (:meth:`~app.imports.holding.DeskLock.renew`: raises
        ``ImportInterrupted`` if it expired, and the chunk is rolled back), then the commit, in the
        import's turn at the database (:func:`~app.imports.holding.database_turn`). On
        PostgreSQL in a session of its own, committed once ``after`` (the store of the chunk
        before, if one were in flight) has committed: if that one did not, this one is rolled back
        (raising :class:`_BeforeNotCommitted`) and not counted, so that what a run leaves is always
        the file's first chunks. On SQLite in the run's session.
        """
        prepared, taken = chunk
        if not self.numbers_apart:
            if prepared:
                async with database_turn():
                    await bulk.store(self.session, prepared)
                    await self.lock.renew(self.session)
                    await self.session.commit()
            self.stored_rows += taken
            return
        engine = self.session.bind
        assert isinstance(engine, AsyncEngine)
        async with database_turn(), create_sessionmaker(engine)() as session:
            if prepared:
                await bulk.store(session, prepared)
                await self.lock.renew(session)
            if after is not None:
                await asyncio.wait({after})
                if after.cancelled() or after.exception() is not None:
                    raise _BeforeNotCommitted  # rolled back as the session closes
            await session.commit()
            self.stored_rows += taken  # counted as soon as committed, whatever closing the session does

    def _chunk_rows(self, matched: Matched, numbers: Sequence[str], dialect: str) -> list[Prepared]:
        """Number ``matched``'s registrants (and the candidates that are one of them); their rows
        and the chunk's ``import_rows``, ready to insert on ``dialect`` (CPU only)."""
        for (new, _), number in zip(matched.new, numbers, strict=True):
            new.values["registration_number"] = number
            self.number_of[new.id] = number
        for candidate in matched.unnumbered:
            assert candidate.registrant_id is not None
            candidate.registration_number = self.number_of[candidate.registrant_id]
        stored = [self._stored(row, report) for row, report in matched.rows]
        registrants_rows = bulk.rows_of(self.actor, matched.new, derived=self.matcher.derived).prepare(dialect=dialect)
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
                columns = self.batch.columns or {}
                if field in DROPPABLE and _drop(row, field, error["msg"], refusal_fr(error), columns):
                    continue
                return "rejected", None, [], _refused(field, error["msg"], refusal_fr(error), columns)
            keys = read[1] if read else body_keys(body, self.matcher.regions, row.unverified_phones)
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
                columns = self.batch.columns or {}
                if field in DROPPABLE and _drop(row, field, message, message_fr, columns):
                    continue
                return "rejected", None, [], _refused(field, message, message_fr, columns)
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
                self.unnumbered.append(candidate)  # created in this chunk or the one before: numbered when built
            out.append(candidate)
        return out


def read_row(row: PreparedRow, regions: Mapping[str, str]) -> tuple[RegistrantCreate, PersonKeys] | None:
    """A prepared row's body and matching keys (None when rejected or when the registry would refuse it)."""
    if row.data is None:
        return None
    try:
        body = RegistrantCreate.model_validate(_without_empty(row.data))
    except ValidationError:
        return None
    return body, body_keys(body, regions, row.unverified_phones)


def body_keys(
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


# A registrant field read from another column of the register than its own name says.
_READ_FROM = {
    "status_category": ("status",),
    "residence_status": ("status",),
    "documents": ("passport_number", "cni_number"),
}


def _column(field: str, columns: Mapping[str, str]) -> tuple[str, str]:
    """``field`` as the register's file names it (its column's header as written), in English and
    in French: ``("column 'Profession'", "colonne « Profession »")``; a field read from no column
    (the notes) in words."""
    headers = [columns[name] for name in _READ_FROM.get(field, (field,)) if name in columns]
    if not headers:
        return field.replace("_", " "), f"champ « {field_fr(field)} »"
    if len(headers) == 1:
        return f"column {headers[0]!r}", f"colonne « {headers[0]} »"
    return (
        "columns " + " / ".join(map(repr, headers)),
        "colonnes " + " / ".join(f"« {h} »" for h in headers),
    )


def _plain(message: str) -> str:
    """A registry's English message without Pydantic's ``Value error, `` prefix."""
    return message.removeprefix("Value error, ")


def _drop(row: PreparedRow, field: str, message: str, message_fr: str, columns: Mapping[str, str]) -> bool:
    """Drop ``field`` from the row's values with a warning (its reason in English and French, the
    column named as the file names it); False if it was not there."""
    assert row.data is not None
    if row.data.get(field) in (None, []):
        return False
    row.data.pop(field)
    en, fr = _column(field, columns)
    agreed = (
        "non reprises" if fr.startswith("colonnes") else "non reprise" if fr.startswith("colonne") else "non repris"
    )
    row.warn(field, f"{en}: value not imported, {_plain(message)}", f"{fr} {agreed} — {message_fr}")
    return True


def _refused(field: str | None, message: str, message_fr: str, columns: Mapping[str, str]) -> tuple[str, str]:
    """A row's rejection for the registry's refusal of ``field`` (None: of the row as a whole),
    the column named as the file names it."""
    if not field:
        return f"row refused: {_plain(message)}", f"ligne refusée — {message_fr}"
    en, fr = _column(field, columns)
    agreed = "refusées" if fr.startswith("colonnes") else "refusée" if fr.startswith("colonne") else "refusé"
    return f"{en}: {_plain(message)}", f"{fr} {agreed} — {message_fr}"
