"""Resolving the rows an import flagged (possible duplicates held for an agent).

Each flagged row is resolved once: ``link`` (the row is one of its candidates; optionally copy
some of its fields onto that person through the registry's normal update, audited there too),
``create`` (a new person, through the registry's normal registration with number allocation,
the duplicate check already answered by the agent) or ``discard``. A candidate that is an
earlier row of the same file counts through the registrant that row became (imported, or since
resolved); a candidate merged into another file since is linked to its survivor. A link to an
anonymised file is refused (409 ``registrant-erased``: the row's values could never be erased).

Locks (PostgreSQL): the files linked to (and the survivors they were merged into), in id order,
then the batch, then the row — the order every writer of a person follows
(:mod:`app.registrants.lock_order`), so that an erasure of the person sent meanwhile waits for the
link and erases it too, instead of deadlocking with it.

Every resolution is audited ``import.row_resolve`` and the batch's stored ``counts`` are
recomputed (``pending``/``linked``/``created``/``discarded``). A bulk request is all or
nothing: each row runs in its own savepoint so every refused row is reported, then the whole
request is rolled back if any was refused.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Mapping, Sequence
from typing import Any

from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.audit import service as audit
from app.core import reasons
from app.core.context import Actor
from app.core.db import utcnow
from app.core.errors import Nested, NotFound, Problem, ValidationFailed
from app.core.http import etag_of
from app.desks.models import Desk
from app.desks.service import require_open
from app.imports import cells
from app.imports.errors import (
    ImportBatchNotFound,
    ImportRowNotFlagged,
    ImportRowNotFound,
    ImportRowResolved,
    NotACandidate,
    ResolutionsConflict,
    ResolutionsRefused,
)
from app.imports.models import ImportBatch, ImportRow
from app.imports.rows import phone_readings
from app.imports.schemas import (
    BulkResolutionOut,
    BulkRowResolution,
    ImportCounts,
    RowReport,
    RowResolutionIn,
    RowResolutionOut,
    RowWarning,
    counts_of,
)
from app.imports.wording import OUTCOME_WORDS, RESOLUTION_WORDS, field_fr, in_words
from app.registrants import closed, lock_order
from app.registrants import repository as registrant_queries
from app.registrants import service as registrants
from app.registrants.models import Registrant
from app.registrants.normalize import PhoneReading
from app.registrants.schemas import RegistrantCreate, RegistrantUpdate

_DECISION = {"link": "linked", "create": "created", "discard": "discarded"}
_NOTES_SEPARATOR = " | "


async def _hold_targets(session: AsyncSession, items: Sequence[RowResolutionIn]) -> None:
    """Lock the files the ``link`` items name and their survivors, before the batch and the rows
    (:mod:`app.registrants.lock_order`); ``FOR UPDATE`` when a link copies fields (the update locks
    the file so), else ``FOR KEY SHARE`` (:func:`app.registrants.closed.hold_open`)."""
    links = [i for i in items if i.decision == "link" and i.registrant_id is not None]
    named = {i.registrant_id for i in links if i.registrant_id is not None}
    if named:
        files = await lock_order.with_survivors(session, named)
        await lock_order.lock_files(session, files, update=any(i.update_fields for i in links))


async def _batch(session: AsyncSession, *, actor: Actor, batch_id: uuid.UUID) -> ImportBatch:
    # Locked: resolutions of one batch run one at a time, so its counts are never lost.
    stmt = select(ImportBatch).where(ImportBatch.id == batch_id).with_for_update()
    batch = (await session.execute(stmt)).scalar_one_or_none()
    if batch is None or not actor.can_see_desk(batch.desk_id):
        raise ImportBatchNotFound("No such import.", detail_fr="Import introuvable.")
    return batch


async def _row(session: AsyncSession, *, batch: ImportBatch, line: int) -> ImportRow:
    stmt = select(ImportRow).where(ImportRow.batch_id == batch.id, ImportRow.line == line).with_for_update()
    row = (await session.execute(stmt.limit(1))).scalar_one_or_none()
    if row is None:
        raise ImportRowNotFound(f"The import has no line {line}.", detail_fr=f"L'import n'a pas de ligne {line}.")
    return row


async def _allowed(session: AsyncSession, row: ImportRow) -> set[uuid.UUID]:
    """The registrants the row may be linked to: its candidates, and the registrants that the
    earlier rows it names became (imported, or since resolved)."""
    allowed = {uuid.UUID(str(c["registrant_id"])) for c in row.candidates if c.get("registrant_id")}
    lines = [c["line"] for c in row.candidates if c.get("line") is not None and not c.get("registrant_id")]
    if lines:
        stmt = select(ImportRow.registrant_id).where(
            ImportRow.batch_id == row.batch_id, ImportRow.line.in_(lines), ImportRow.registrant_id.is_not(None)
        )
        allowed |= {r for r in (await session.execute(stmt)).scalars().all() if r is not None}
    return allowed


async def _target(session: AsyncSession, *, actor: Actor, row: ImportRow, registrant_id: uuid.UUID) -> Registrant:
    if registrant_id not in await _allowed(session, row):
        raise NotACandidate(
            f"{registrant_id} is not one of line {row.line}'s candidates.",
            detail_fr=f"{registrant_id} ne fait pas partie des candidats de la ligne {row.line}.",
            candidates=row.candidates,
        )
    registrant = await session.get(Registrant, registrant_id)
    if registrant is not None and registrant.merged_into_id is not None:
        registrant = await session.get(Registrant, registrant.merged_into_id)
    if registrant is None or not actor.can_see_desk(registrant.desk_id):
        raise NotFound("No such registrant.", detail_fr="Personne introuvable.")
    await closed.hold_open(session, registrant.id)  # the row's values would land on an anonymised file
    return registrant


def _invalid(exc: ValidationError, prefix: str) -> ValidationFailed:
    return ValidationFailed(
        "The row's values do not make a valid registrant; see `errors`.",
        detail_fr="Les valeurs de la ligne ne forment pas une personne valide ; voir `errors`.",
        errors=[reasons.entry(e, [prefix, *e["loc"]]) for e in exc.errors()],
    )


def _digits(number: str) -> str:
    """The digits of a phone as the import kept it (E.164, or an unverified number as typed): how
    an unverified number is known (``registrant_phones.digits``)."""
    return "".join(c for c in number if c.isdigit())


async def _update_from_row(
    session: AsyncSession,
    *,
    actor: Actor,
    row: ImportRow,
    registrant: Registrant,
    data: RowResolutionIn,
    document_patterns: Mapping[str, str] | None,
    desk_country: str,
) -> None:
    values = row.data or {}
    current = (
        (
            await session.execute(
                registrant_queries.with_children(select(Registrant).where(Registrant.id == registrant.id))
            )
        )
        .unique()
        .scalar_one()
    )
    changes: dict[str, Any] = {}
    readings: dict[str, PhoneReading] = {}
    for name in data.update_fields:
        value = values.get(name)
        if value in (None, "", []):
            raise ValidationFailed(
                f"Line {row.line} has no value for {name}.",
                detail_fr=f"La ligne {row.line} n'a pas de valeur pour « {field_fr(name)} ».",
                errors=[
                    {"loc": ["body", "update_fields"], "msg": f"the row has no {name}", "type": "row_value_missing"}
                ],
            )
        # the row's phones and documents the person already has are not added again: a list
        # holds at most 10, and a number counted twice would refuse a link that fits
        if name == "phones":
            mine = [
                {"number": p.e164 or p.raw or p.digits, "whatsapp": p.whatsapp, "label": p.label}
                for p in current.phones
            ]
            verified = {p.e164 for p in current.phones if p.e164}
            unverified = {p.digits for p in current.phones if not p.e164}
            value = mine + [p for p in value if p["number"] not in verified and _digits(p["number"]) not in unverified]
            # each phone kept as it was read: the person's own as stored (text typed, flag), the
            # row's as the import read its cell
            readings = phone_readings(row.raw.get("phones", ""), desk_country)
            readings.update(
                {
                    n["number"]: PhoneReading(p.e164, p.raw or n["number"], p.digits, p.flag)
                    for n, p in zip(mine, current.phones, strict=True)
                }
            )
        elif name == "documents":
            mine = [
                {
                    "doc_type": d.doc_type,
                    "number": d.number,
                    "issuing_country": d.issuing_country,
                    "expires_on": d.expires_on,
                }
                for d in current.documents
            ]
            docs = {(d.doc_type, d.number) for d in current.documents}
            value = mine + [d for d in value if (d["doc_type"], d["number"]) not in docs]
        elif name == "notes" and current.notes:
            value = f"{current.notes}{_NOTES_SEPARATOR}{value}"
        changes[name] = value
    try:
        update = RegistrantUpdate.model_validate(changes)
    except ValidationError as exc:
        raise _invalid(exc, "row") from exc
    await registrants.update(
        session,
        actor=actor,
        registrant_id=registrant.id,
        if_match=data.registrant_etag or etag_of(registrant.version),  # absent: the version read now
        data=update,
        document_patterns=document_patterns,
        phone_readings=readings,
    )


def _registered_on(row: ImportRow, batch: ImportBatch) -> dt.date | None:
    """The register's date of registration of the row (as the import read it), if it has one."""
    try:
        text = cells.parse_legacy_date(
            row.raw.get("registered_on", ""), reference_year=batch.created_at.year, allow_partial=False
        )
    except ValueError:
        return None
    return dt.date.fromisoformat(text) if text else None


async def _create(
    session: AsyncSession,
    *,
    actor: Actor,
    batch: ImportBatch,
    row: ImportRow,
    document_patterns: Mapping[str, str] | None,
) -> Registrant:
    try:
        body = RegistrantCreate.model_validate({k: v for k, v in (row.data or {}).items() if v not in (None, "", [])})
    except ValidationError as exc:
        raise _invalid(exc, "row") from exc
    desk = await session.get_one(Desk, batch.desk_id)
    require_open(desk, field="action")
    outcome = await registrants.create(
        session,
        actor=actor,
        desk=desk,
        data=body,
        confirm_duplicates=True,
        source="import",
        source_ref=f"import:{batch.id}:line {row.line}",
        document_patterns=document_patterns,
        registered_on=_registered_on(row, batch),
        phone_readings=phone_readings(row.raw.get("phones", ""), desk.country),
    )
    assert outcome.registrant is not None  # confirm_duplicates: always created
    return outcome.registrant


async def _resolve_row(
    session: AsyncSession,
    *,
    actor: Actor,
    batch: ImportBatch,
    line: int,
    data: RowResolutionIn,
    document_patterns: Mapping[str, str] | None,
) -> RowResolutionOut:
    row = await _row(session, batch=batch, line=line)
    if row.outcome != "flagged":
        outcome_en, outcome_fr = in_words(OUTCOME_WORDS, row.outcome)
        raise ImportRowNotFlagged(
            f"Line {line} was {outcome_en}, not flagged: there is nothing to resolve.",
            detail_fr=f"La ligne {line} a été {outcome_fr}, pas signalée : rien à traiter.",
            outcome=row.outcome,
        )
    if row.resolution not in (None, "pending"):
        resolution_en, resolution_fr = in_words(RESOLUTION_WORDS, row.resolution or "")
        raise ImportRowResolved(
            f"Line {line} was already resolved: {resolution_en}.",
            detail_fr=f"La ligne {line} a déjà été traitée : {resolution_fr}.",
            resolution=row.resolution,
            registrant_id=str(row.registrant_id) if row.registrant_id else None,
        )
    registrant: Registrant | None = None
    if data.decision == "link":
        assert data.registrant_id is not None  # checked by the schema
        registrant = await _target(session, actor=actor, row=row, registrant_id=data.registrant_id)
        if data.update_fields:
            # the person's desk reads the phones, as the update does (a row of another country's
            # desk may hold unverified there a number the person's desk verifies)
            desk = await session.get_one(Desk, registrant.desk_id)
            await _update_from_row(
                session,
                actor=actor,
                row=row,
                registrant=registrant,
                data=data,
                document_patterns=document_patterns,
                desk_country=desk.country,
            )
    elif data.decision == "create":
        registrant = await _create(session, actor=actor, batch=batch, row=row, document_patterns=document_patterns)
    row.resolution = _DECISION[data.decision]
    row.registrant_id = registrant.id if registrant is not None else None
    row.resolved_at, row.resolved_by = utcnow(), actor.user_id
    await session.flush()
    subject = row.registrant_id or data.registrant_id
    await audit.record(
        session,
        actor=actor,
        action="import.row_resolve",
        entity_type="import_batch",
        entity_id=batch.id,
        desk_id=batch.desk_id,
        details={
            "line": line,
            "resolution": row.resolution,
            "registrant_id": str(row.registrant_id) if row.registrant_id else None,
            "candidate_chosen": str(data.registrant_id) if data.registrant_id else None,
            "update_fields": list(data.update_fields),
            # The note may name the person: with a file involved, in its erasable payload.
            **({"note_given": data.note is not None} if subject else {"note": data.note}),
        },
        personal={"note": data.note} if subject and data.note else None,
        subject_id=subject,
    )
    if data.decision == "link" and registrant is not None:  # in the person's file history too
        await audit.record(
            session,
            actor=actor,
            action="registrant.import_link",
            entity_type="registrant",
            entity_id=registrant.id,
            desk_id=registrant.desk_id,
            details={"batch_id": str(batch.id), "line": line, "update_fields": list(data.update_fields)},
        )
    return RowResolutionOut(
        batch_id=batch.id,
        line=line,
        resolution=row.resolution,
        registrant_id=row.registrant_id,
        registration_number=registrant.registration_number if registrant is not None else None,
        resolved_at=row.resolved_at,
        resolved_by=row.resolved_by,
        counts=ImportCounts(),
    )


async def _recount(session: AsyncSession, batch: ImportBatch) -> ImportCounts:
    stmt = select(ImportRow.line, ImportRow.outcome, ImportRow.resolution, ImportRow.warnings).where(
        ImportRow.batch_id == batch.id
    )
    rows = [
        RowReport(
            line=line,
            number=None,
            outcome=outcome,
            name="",
            resolution=resolution,
            warnings=[RowWarning(**w) for w in warnings],
        )
        for line, outcome, resolution, warnings in (await session.execute(stmt)).all()
    ]
    counts = counts_of(rows)
    batch.counts = counts.model_dump()
    await session.flush()
    return counts


async def resolve(
    session: AsyncSession,
    *,
    actor: Actor,
    batch_id: uuid.UUID,
    line: int,
    data: RowResolutionIn,
    document_patterns: Mapping[str, str] | None = None,
) -> RowResolutionOut:
    """Resolve the flagged row at ``line`` of the batch; returns it with the batch's new counts.

    Raises ``ImportBatchNotFound``/``ImportRowNotFound`` (404; also for another desk's batch),
    ``ImportRowNotFlagged`` and ``ImportRowResolved`` (409), ``NotACandidate`` (422), ``NotFound``
    (a candidate no longer visible), and what the registry's create/update raise (422 invalid row
    values, 403 ``restricted-field`` for residence_status by an agent, 412 stale ``registrant_etag``).
    """
    await _hold_targets(session, [data])
    batch = await _batch(session, actor=actor, batch_id=batch_id)
    out = await _resolve_row(
        session, actor=actor, batch=batch, line=line, data=data, document_patterns=document_patterns
    )
    out.counts = await _recount(session, batch)
    return out


async def resolve_many(
    session: AsyncSession,
    *,
    actor: Actor,
    batch_id: uuid.UUID,
    items: Sequence[BulkRowResolution],
    document_patterns: Mapping[str, str] | None = None,
) -> BulkResolutionOut:
    """Resolve several rows of a batch, all or nothing.

    Every row is tried (each in a savepoint) so that all refusals are reported together; if any
    row is refused, raises ``ResolutionsConflict`` (409, every refusal a conflict) or
    ``ResolutionsRefused`` (422) with ``errors`` per row, and the caller's transaction is rolled
    back with nothing written. ``ImportBatchNotFound`` (404) for an unknown batch.
    """
    await _hold_targets(session, items)
    batch = await _batch(session, actor=actor, batch_id=batch_id)
    done: list[RowResolutionOut] = []
    errors: list[Nested] = []
    for item in items:
        try:
            async with session.begin_nested():
                done.append(
                    await _resolve_row(
                        session,
                        actor=actor,
                        batch=batch,
                        line=item.line,
                        data=item,
                        document_patterns=document_patterns,
                    )
                )
        except Problem as exc:
            errors.append(Nested(exc, line=item.line))  # in the response's language
    if errors:
        refused = ResolutionsConflict if all(e.status == 409 for e in errors) else ResolutionsRefused
        raise refused(
            f"{len(errors)} of {len(items)} rows were refused; nothing was resolved. See `errors`.",
            detail_fr=f"{len(errors)} ligne(s) sur {len(items)} refusée(s) ; rien n'a été traité. Voir `errors`.",
            errors=errors,
        )
    counts = await _recount(session, batch)
    for out in done:
        out.counts = counts
    return BulkResolutionOut(batch_id=batch.id, rows=done, counts=counts)
