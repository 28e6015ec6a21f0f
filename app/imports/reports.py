"""Import reports: built from a run, or read back from a stored batch (audited)."""

from __future__ import annotations

import uuid

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.audit import service as audit
from app.core.context import Actor
from app.core.pagination import paginate
from app.core.text import clean
from app.desks.models import Desk
from app.imports.batches import shown_status
from app.imports.cells import readable_name
from app.imports.errors import ImportBatchNotFound
from app.imports.models import ImportBatch, ImportRow
from app.imports.schemas import ImportReport, RowCandidate, RowReport, RowWarning, counts_of


def build_report(
    batch: ImportBatch,
    *,
    desk: Desk,
    rows: list[RowReport],
    previous: list[uuid.UUID],
    dry_run: bool,
    sha256: str,
) -> ImportReport:
    """The report of ``batch``: a dry run's has no batch id and no ids of registrants it did not keep."""
    return ImportReport(
        batch_id=None if dry_run else batch.id,
        dry_run=dry_run,
        desk_code=desk.code,
        filename=batch.filename,
        file_sha256=sha256,
        file_size=batch.file_size,
        file_format=batch.file_format,
        encoding=batch.encoding,
        delimiter=batch.delimiter,
        columns=dict(batch.columns),
        ignored_columns=list(batch.ignored_columns),
        previous_batch_ids=previous,
        counts=counts_of(rows),
        duration_ms=batch.duration_ms,
        status=batch.status,
        created_at=None if dry_run else batch.created_at,
        rows=[_without_ids(r) for r in rows] if dry_run else rows,
    )


def _without_ids(row: RowReport) -> RowReport:
    """A dry run's row: no registrant id, no number for candidates that only this run created."""
    candidates = [
        c.model_copy(update={"registrant_id": None, "registration_number": None}) if c.line is not None else c
        for c in row.candidates
    ]
    registrant_id = None if row.outcome == "imported" else row.registrant_id
    return row.model_copy(update={"registrant_id": registrant_id, "candidates": candidates})


async def get_report(session: AsyncSession, *, actor: Actor, batch_id: uuid.UUID) -> ImportReport:
    """The stored report of a batch (audited ``import.read``: it lists people's names).

    Raises ``ImportBatchNotFound`` (404) for an unknown batch or one of a desk the actor does not see.
    """
    batch = await session.get(ImportBatch, batch_id)
    if batch is None or not actor.can_see_desk(batch.desk_id):
        raise ImportBatchNotFound("No such import.", detail_fr="Import introuvable.")
    desk = await session.get_one(Desk, batch.desk_id)
    stored = (
        (await session.execute(select(ImportRow).where(ImportRow.batch_id == batch.id).order_by(ImportRow.line)))
        .scalars()
        .all()
    )
    previous = list(
        (
            await session.execute(
                select(ImportBatch.id).where(
                    ImportBatch.desk_id == batch.desk_id,
                    ImportBatch.file_sha256 == batch.file_sha256,
                    ImportBatch.created_at < batch.created_at,
                )
            )
        ).scalars()
    )
    rows = [
        RowReport(
            line=r.line,
            number=r.source_number,
            outcome=r.outcome,
            name=display_name(r),
            registrant_id=r.registrant_id,
            reason=r.reason,
            reason_fr=r.reason_fr,
            warnings=[RowWarning(**w) for w in r.warnings],
            candidates=[RowCandidate(**c) for c in r.candidates],
            resolution=r.resolution,
        )
        for r in stored
    ]
    await audit.record(
        session,
        actor=actor,
        action="import.read",
        entity_type="import_batch",
        entity_id=batch.id,
        desk_id=batch.desk_id,
    )
    report = build_report(batch, desk=desk, rows=rows, previous=previous, dry_run=False, sha256=batch.file_sha256)
    report.status = await shown_status(session, batch)
    return report


async def flagged_rows(
    session: AsyncSession, *, actor: Actor, batch_id: uuid.UUID, resolution: str | None, cursor: str | None, limit: int
) -> tuple[list[RowReport], str | None]:
    """A page of the flagged rows of a batch (of one ``resolution`` if given), in file order, for
    the desk's staff who resolve them, and the next page's cursor (``None``: no more); audited
    ``import.read`` (it lists people's names and candidates).

    Raises ``ImportBatchNotFound`` (404) for an unknown batch or one of a desk the actor does not
    see, ``BadRequest`` for a cursor this API did not issue.
    """
    batch = await session.get(ImportBatch, batch_id)
    if batch is None or not actor.can_see_desk(batch.desk_id):
        raise ImportBatchNotFound("No such import.", detail_fr="Import introuvable.")
    stmt = select(ImportRow).where(ImportRow.batch_id == batch.id, ImportRow.outcome == "flagged")
    if resolution is not None:
        stmt = stmt.where(ImportRow.resolution == resolution)
    keys = [ImportRow.line, ImportRow.id]
    stored, next_cursor = await paginate(session, stmt, keys=keys, cursor=cursor, limit=limit, descending=False)
    await audit.record(
        session,
        actor=actor,
        action="import.read",
        entity_type="import_batch",
        entity_id=batch.id,
        desk_id=batch.desk_id,
        details={"rows": "flagged", "resolution": resolution},
    )
    rows = [
        RowReport(
            line=r.line,
            number=r.source_number,
            outcome="flagged",
            name=display_name(r),
            registrant_id=r.registrant_id,
            warnings=[RowWarning(**w) for w in r.warnings],
            candidates=[RowCandidate(**c) for c in r.candidates],
            resolution=r.resolution,
        )
        for r in stored
    ]
    return rows, next_cursor


def display_name(row: ImportRow) -> str:
    """The row's name as read (given names then family name), for display."""
    given, family = row.raw.get("given_names", ""), row.raw.get("family_name", "")
    return clean(f"{readable_name(given)} {readable_name(family)}")
