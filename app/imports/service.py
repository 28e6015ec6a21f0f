"""Run a register import for a desk (reports: :mod:`app.imports.reports`).

Transactions: a real run is atomic **per batch**. Everything (registrants, their audit events,
the batch, its rows, the ``import.run`` event) is written inside one savepoint of the caller's
transaction: a crash half-way leaves nothing, not half a row and not half a file. Each row runs
in its own nested savepoint, so a row the registry refuses is rolled back alone and reported as
rejected. A dry run does exactly the same work, builds the same report, then rolls the savepoint
back: nothing is written, not even an audit event (a dry run changes nothing).

Outcomes (each data row gets exactly one): ``imported``; ``flagged`` (the registry found possible
duplicates among existing registrants or rows imported earlier in the same file, or the row is
identical to an earlier row: not created, held in the batch with its candidates for an agent,
never merged); ``rejected`` (with a reason); on a re-run, ``already_imported`` /
``already_flagged`` for a row whose fingerprint an earlier batch of the same desk imported or
held. On SQLite the import holds the write lock for its duration (15–35 s for the 2,000-row
shared register on a busy 2-core machine, ~14 s of it CPU); imports of one desk run one at a time.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import time
import uuid
from collections.abc import Mapping, Sequence
from pathlib import PurePosixPath
from typing import Any

import anyio.to_thread
from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.audit import service as audit
from app.core.config import Settings
from app.core.context import Actor
from app.core.errors import Problem, ValidationFailed
from app.core.text import require_storable, storable
from app.desks import service as desks
from app.desks.models import Desk
from app.imports.errors import RegisterTooLarge
from app.imports.matching import BatchMatcher, person_keys, region_code, region_codes
from app.imports.models import ImportBatch, ImportRow
from app.imports.reading import SourceRow, read_register
from app.imports.reports import build_report
from app.imports.rows import PreparedRow, prepare_row
from app.imports.schemas import ImportReport, RowCandidate, RowReport, RowWarning, counts_of
from app.imports.workbook import ReadLimits
from app.registrants import service as registrants
from app.registrants.matching import PersonKeys
from app.registrants.schemas import DuplicateCandidate, RegistrantCreate

# Fields the registry may refuse that only cost the row that field (dropped with a warning).
DROPPABLE = frozenset(
    {"email", "phones", "documents", "origin_region", "place_of_birth", "host_city", "occupation", "arrival_date",
     "status_category", "residence_status"}
)  # fmt: skip
_CHUNK = 500


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
    rule of :mod:`app.core.text` refuses. Reading and row preparation run in a worker thread.
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
    # Parsing is CPU-bound (charset detection, CSV, XLSX XML): a worker thread keeps the event loop
    # answering other requests meanwhile; the read's own bounds (rows, bytes, time) end it.
    table = await anyio.to_thread.run_sync(
        functools.partial(read_register, content, filename=filename, delimiter=delimiter, limits=limits)
    )
    table.columns = {name: storable(header) for name, header in table.columns.items()}
    table.ignored_columns = [storable(header) for header in table.ignored_columns]
    desk = await desks.get_by_code(session, code=desk_code)
    await desks.get(session, actor=actor, desk_id=desk.id)  # NotFound outside the actor's desks
    # One import at a time per desk: a second run of the same file waits, then sees the first's
    # rows as already imported (PostgreSQL row lock; SQLite transactions are already serialised).
    await session.execute(select(Desk.id).where(Desk.id == desk.id).with_for_update())
    sha256 = hashlib.sha256(content).hexdigest()
    previous = list(
        (
            await session.execute(
                select(ImportBatch.id)
                .where(ImportBatch.desk_id == desk.id, ImportBatch.file_sha256 == sha256)
                .order_by(ImportBatch.created_at)
            )
        ).scalars()
    )
    prepared = await anyio.to_thread.run_sync(
        functools.partial(
            _prepare_rows, table.rows, desk_country=desk.country, filename=filename, patterns=document_patterns
        )
    )
    earlier = await _earlier_outcomes(session, desk_id=desk.id, fingerprints=[p.fingerprint for p in prepared])
    matcher = BatchMatcher(desk_ids=actor.desk_ids)
    regions = await region_codes(session)
    await matcher.preload(
        session,
        [keys for p in prepared if p.fingerprint not in earlier and (keys := _keys_of(p, regions)) is not None],
    )
    matcher.regions = regions

    savepoint = await session.begin_nested()
    try:
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
        )
        session.add(batch)
        await session.flush()
        run = _Run(
            session=session,
            actor=actor,
            desk=desk,
            batch=batch,
            earlier=earlier,
            matcher=matcher,
            create_options={"document_patterns": document_patterns},
        )
        for row in prepared:
            await run.process(row)
        counts = counts_of(run.reports)
        batch.counts = counts.model_dump()
        batch.duration_ms = int((time.perf_counter() - started) * 1000)
        session.add_all(run.stored)
        await session.flush()
        if not dry_run:
            await audit.record(
                session,
                actor=actor,
                action="import.run",
                entity_type="import_batch",
                entity_id=batch.id,
                desk_id=desk.id,
                details={
                    "filename": filename,
                    "file_sha256": sha256,
                    "file_format": table.file_format,
                    "counts": counts.model_dump(),
                },
            )
        report = build_report(batch, desk=desk, rows=run.reports, previous=previous, dry_run=dry_run, sha256=sha256)
        if dry_run:
            await savepoint.rollback()
        else:
            await savepoint.commit()
    except BaseException:
        if savepoint.is_active:
            await savepoint.rollback()
        raise
    report.duration_ms = int((time.perf_counter() - started) * 1000)
    return report


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
    rows: Sequence[SourceRow], *, desk_country: str, filename: str | None, patterns: Mapping[str, str] | None
) -> list[PreparedRow]:
    return [prepare_row(row, desk_country=desk_country, filename=filename, document_patterns=patterns) for row in rows]


async def _earlier_outcomes(
    session: AsyncSession, *, desk_id: uuid.UUID, fingerprints: Sequence[str]
) -> dict[str, tuple[str, uuid.UUID | None]]:
    """``fingerprint → (outcome, registrant_id)`` of rows earlier batches imported or held."""
    found: dict[str, tuple[str, uuid.UUID | None]] = {}
    unique = sorted(set(fingerprints))
    for start in range(0, len(unique), _CHUNK):
        stmt = select(ImportRow.row_fingerprint, ImportRow.outcome, ImportRow.registrant_id).where(
            ImportRow.desk_id == desk_id,
            ImportRow.row_fingerprint.in_(unique[start : start + _CHUNK]),
            ImportRow.outcome.in_(("imported", "flagged")),
        )
        for fingerprint, outcome, registrant_id in await session.execute(stmt):
            if found.get(fingerprint, ("",))[0] != "imported":
                found[fingerprint] = (outcome, registrant_id)
    return found


class _Run:
    """The state of one batch while its rows are processed in file order."""

    def __init__(
        self,
        *,
        session: AsyncSession,
        actor: Actor,
        desk: Desk,
        batch: ImportBatch,
        earlier: dict[str, tuple[str, uuid.UUID | None]],
        matcher: BatchMatcher,
        create_options: dict[str, Any],
    ) -> None:
        self.session, self.actor, self.desk, self.batch, self.earlier = session, actor, desk, batch, earlier
        self.matcher = matcher
        self.create_options = create_options
        self.reports: list[RowReport] = []
        self.stored: list[ImportRow] = []
        self.first_line: dict[str, int] = {}  # fingerprint → first line of this file
        self.line_of: dict[uuid.UUID, int] = {}  # registrant created here → its line
        self.created_at_line: dict[int, uuid.UUID] = {}

    async def process(self, row: PreparedRow) -> None:
        candidates: list[RowCandidate] = []
        registrant_id: uuid.UUID | None = None
        reason = row.rejection
        if reason:
            outcome = "rejected"
        elif row.fingerprint in self.earlier:
            previous, registrant_id = self.earlier[row.fingerprint]
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
            outcome, registrant_id, candidates, reason = await self._create(row)
        self.first_line.setdefault(row.fingerprint, row.line)
        if outcome == "imported" and registrant_id:
            self.line_of[registrant_id] = row.line
            self.created_at_line[row.line] = registrant_id
        warnings = [RowWarning(**w) for w in row.warnings]
        self.reports.append(
            RowReport(
                line=row.line,
                number=row.number,
                outcome=outcome,
                name=row.name,
                registrant_id=registrant_id,
                reason=reason,
                warnings=warnings,
                candidates=candidates,
            )
        )
        self.stored.append(
            ImportRow(
                batch_id=self.batch.id,
                desk_id=self.desk.id,
                line=row.line,
                source_number=row.number[:64] if row.number else None,
                outcome=outcome,
                row_fingerprint=row.fingerprint,
                registrant_id=registrant_id,
                reason=reason,
                warnings=row.warnings,
                candidates=[c.model_dump(mode="json") for c in candidates],
                data=row.data if outcome == "flagged" else None,
                raw=row.raw,
                resolution="pending" if outcome == "flagged" else None,
            )
        )

    async def _create(self, row: PreparedRow) -> tuple[str, uuid.UUID | None, list[RowCandidate], str | None]:
        """Create the registrant (``imported``), or return its candidates (``flagged``) or a reason."""
        assert row.data is not None
        for _attempt in range(len(DROPPABLE) + 1):
            try:
                body = RegistrantCreate.model_validate(_without_empty(row.data))
            except ValidationError as exc:
                field = _first_field(exc.errors())
                if field in DROPPABLE and _drop(row, field, exc.errors()[0]["msg"]):
                    continue
                return "rejected", None, [], f"{field or 'row'}: {exc.errors()[0]['msg']}"
            found = self.matcher.candidates(_body_keys(body, self.matcher.regions))
            if found:
                return "flagged", None, self._candidates(found), None
            try:
                async with self.session.begin_nested():
                    outcome = await registrants.create(
                        self.session,
                        actor=self.actor,
                        desk=self.desk,
                        data=body,
                        confirm_duplicates=False,
                        source="import",
                        source_ref=f"import:{self.batch.id}:line {row.line}",
                        known_candidates=[],
                        registered_on=dt.date.fromisoformat(row.registered_on) if row.registered_on else None,
                        **self.create_options,
                    )
            except ValidationFailed as exc:
                errors = exc.extra.get("errors") or []
                field = _first_field(errors)
                message = errors[0].get("msg") if errors else exc.detail_en
                if field in DROPPABLE and _drop(row, field, str(message)):
                    continue
                return "rejected", None, [], f"{field or 'row'}: {message}"
            except Problem as exc:
                return "rejected", None, [], exc.detail_en or exc.title_en
            if outcome.registrant is None:  # the registry found candidates the batch lookup did not
                return "flagged", None, self._candidates(outcome.candidates), None
            self.matcher.add_registrant(outcome.registrant)
            return "imported", outcome.registrant.id, [], None
        return "rejected", None, [], "too many invalid fields"

    def _candidates(self, found: Sequence[DuplicateCandidate]) -> list[RowCandidate]:
        return [
            RowCandidate(
                registrant_id=c.id,
                registration_number=c.registration_number,
                line=self.line_of.get(c.id),
                score=round(c.score, 3),
                reasons=c.reasons,
            )
            for c in found
        ]


def _keys_of(row: PreparedRow, regions: Mapping[str, str]) -> PersonKeys | None:
    """Matching keys of a prepared row (None when rejected or when the registry would refuse it)."""
    if row.data is None:
        return None
    try:
        return _body_keys(RegistrantCreate.model_validate(_without_empty(row.data)), regions)
    except ValidationError:
        return None


def _body_keys(body: RegistrantCreate, regions: Mapping[str, str]) -> PersonKeys:
    return person_keys(
        given_names=body.given_names,
        family_name=body.family_name,
        date_of_birth=body.date_of_birth,
        sex=body.sex,
        phones=[p.number for p in body.phones if _is_e164(p.number)],  # unverified numbers do not match
        documents=[(d.doc_type, d.number) for d in body.documents],
        place_of_birth=body.place_of_birth,
        arrival_date=body.arrival_date.isoformat() if body.arrival_date else None,
        email=body.email,
        origin_region=region_code(body.origin_region, regions),
        host_city=body.host_city,
        occupation=body.occupation,
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


def _drop(row: PreparedRow, field: str, message: str) -> bool:
    """Drop ``field`` from the row's values with a warning; False if it was not there."""
    assert row.data is not None
    if row.data.get(field) in (None, []):
        return False
    row.data.pop(field)
    row.warn(field, f"dropped: {message}")
    return True
