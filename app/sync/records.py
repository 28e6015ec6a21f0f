"""The record types of the delta sync: how each is listed for a desk (first sync), loaded by id
(incremental sync) and rendered for an actor.

Each record is rendered exactly as the API's own read of it renders it (``RegistrantOut`` with
phones, identity documents and consents; ``CaseOut``; ``NoteOut``; ``ReferralOut``;
``AppointmentOut``; ``DocumentOut``), with the same restrictions: a registrant's residence status
and a confidential note's text are null for those who may not read sensitive data.
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, replace
from typing import Any, Final

from sqlalchemy import Select, and_, null, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from app.appointments.models import Appointment
from app.appointments.router import to_out as appointment_out
from app.calendars import service as calendars
from app.cases import queues, referrals
from app.cases.models import Case, CaseNote, Partner, Referral
from app.cases.schemas import CaseOut, NoteOut
from app.core.context import Actor
from app.core.http import etag_of
from app.desks.models import Desk
from app.documents.models import Document
from app.documents.schemas import DocumentOut
from app.merges.models import RegistrantMerge
from app.registrants import repository as registrants_repository
from app.registrants import service as registrants
from app.registrants.models import Registrant

TYPES: Final = ("registrant", "case", "case_note", "referral", "appointment", "document")
"""Record types in the order a first sync sends them (a case after its registrant…)."""
READ_SCOPE: Final = {
    "registrant": "registrants:read",
    "case": "cases:read",
    "case_note": "cases:read",
    "referral": "cases:read",
    "appointment": "cases:read",
    "document": "documents:read",
}
"""The scope an app client's token needs to receive each type (the scope of the type's own read:
:func:`app.clients.scopes.required_scope`); ``sync`` alone sends none."""


def readable_types(actor: Actor) -> tuple[str, ...]:
    """The types of :data:`TYPES` a sync sends ``actor``, in order: every one for a staff sign-in
    (no scopes: the role decides), those whose :data:`READ_SCOPE` the token was granted otherwise."""
    if actor.scopes is None:
        return TYPES
    return tuple(kind for kind in TYPES if READ_SCOPE[kind] in actor.scopes)


@dataclass(frozen=True)
class Found:
    """A record as it is now: its desk, its rendering, its ETag (``None`` when not versioned), or
    ``gone`` (a reason) when it exists but no longer counts for an agent's app: ``deleted`` (a
    deleted document), ``merged`` (a registrant merged into another), ``anonymised`` (a
    registrant erased by anonymisation, and every case, note, referral, appointment and document
    of theirs), ``transferred`` (a case transferred to another desk — the read-only trace the
    sending desk keeps — and its notes, referrals, appointments and documents)."""

    desk_id: uuid.UUID
    data: dict[str, Any]
    etag: str | None = None
    gone: str | None = None


Loader = Callable[[AsyncSession, Actor, Sequence[uuid.UUID]], Awaitable[dict[uuid.UUID, Found]]]


def _in_desks(column: Any, desk_ids: frozenset[uuid.UUID] | None) -> Any:
    return True if desk_ids is None else column.in_(desk_ids)


def _by_ids(column: Any, ids: Sequence[uuid.UUID] | None, after: uuid.UUID | None) -> Any:
    if ids is not None:
        return column.in_(ids)
    return True if after is None else column > after


# -- one query per type: by ids (incremental) or the next ids of the actor's desks (first sync)


async def _registrants(session: AsyncSession, actor: Actor, rows: Sequence[Registrant]) -> dict[uuid.UUID, Found]:
    return {
        r.id: Found(r.desk_id, registrants.present(r, actor).model_dump(mode="json"), etag_of(r.version)) for r in rows
    }


async def _cases(session: AsyncSession, actor: Actor, rows: Sequence[Case]) -> dict[uuid.UUID, Found]:
    views = await queues.views(session, list(rows), actor=actor)
    return {
        v.case.id: Found(v.case.desk_id, CaseOut.of(v).model_dump(mode="json"), etag_of(v.case.version)) for v in views
    }


async def _notes(
    session: AsyncSession, actor: Actor, rows: Sequence[tuple[CaseNote, uuid.UUID]]
) -> dict[uuid.UUID, Found]:
    out = {}
    for note, desk_id in rows:
        hidden = note.confidential and not actor.reads_sensitive
        data = NoteOut(
            id=note.id,
            case_id=note.case_id,
            author_id=note.author_id,
            author_label=note.author_label,
            confidential=note.confidential,
            internal_assessment=note.internal_assessment,
            text=None if hidden else note.text,
            created_at=note.created_at,
        )
        out[note.id] = Found(desk_id, data.model_dump(mode="json"))
    return out


async def _referrals(
    session: AsyncSession, actor: Actor, rows: Sequence[tuple[Referral, uuid.UUID, Partner]]
) -> dict[uuid.UUID, Found]:
    out = {}
    for referral, desk_id, partner in rows:
        data = referrals.present(referral, partner)
        out[referral.id] = Found(desk_id, data.model_dump(mode="json"), etag_of(referral.version))
    return out


async def _appointments(session: AsyncSession, actor: Actor, rows: Sequence[Appointment]) -> dict[uuid.UUID, Found]:
    desks: dict[uuid.UUID, Desk] = {}
    out = {}
    for appointment in rows:
        if appointment.desk_id not in desks:
            desk = await session.get(Desk, appointment.desk_id)
            assert desk is not None
            desks[appointment.desk_id] = desk
    moves = await calendars.move_reasons(session, [(a, desks[a.desk_id]) for a in rows])
    for appointment in rows:
        data = appointment_out(appointment, desks[appointment.desk_id], moves.get(appointment.id)).model_dump(
            mode="json"
        )
        out[appointment.id] = Found(appointment.desk_id, data, etag_of(appointment.version))
    return out


async def _documents(
    session: AsyncSession, actor: Actor, rows: Sequence[tuple[Document, uuid.UUID]]
) -> dict[uuid.UUID, Found]:
    return {
        d.id: Found(
            desk_id, DocumentOut.model_validate(d).model_dump(mode="json"), gone="deleted" if d.deleted_at else None
        )
        for d, desk_id in rows
    }


def _documents_query(
    desk_ids: frozenset[uuid.UUID] | None, ids: Sequence[uuid.UUID] | None, after: uuid.UUID | None
) -> Select[Any]:
    owner_registrant = aliased(Registrant)
    owner_case = aliased(Case)
    stmt: Select[Any] = (
        select(Document, owner_registrant.desk_id, owner_case.desk_id)  # type: ignore[assignment]
        .outerjoin(
            owner_registrant, and_(Document.owner_type == "registrant", Document.owner_id == owner_registrant.id)
        )
        .outerjoin(owner_case, and_(Document.owner_type == "case", Document.owner_id == owner_case.id))
        .where(_by_ids(Document.id, ids, after))
    )
    if ids is None:
        stmt = stmt.where(Document.deleted_at.is_(None))
        if desk_ids is not None:
            stmt = stmt.where(or_(owner_registrant.desk_id.in_(desk_ids), owner_case.desk_id.in_(desk_ids)))
    return stmt


async def snapshot(
    session: AsyncSession, actor: Actor, kind: str, *, after: uuid.UUID | None, limit: int
) -> list[tuple[uuid.UUID, Found]]:
    """The next ``limit`` records of ``kind`` in the actor's desks with an id above ``after``, by id."""
    return list((await _fetch(session, actor, kind, ids=None, after=after, limit=limit)).items())


async def load(session: AsyncSession, actor: Actor, kind: str, ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, Found]:
    """The records of ``kind`` with these ids that still exist, wherever they are (the caller
    decides what the actor may see)."""
    if not ids:
        return {}
    return await _fetch(session, actor, kind, ids=ids, after=None, limit=None)


async def _fetch(
    session: AsyncSession,
    actor: Actor,
    kind: str,
    *,
    ids: Sequence[uuid.UUID] | None,
    after: uuid.UUID | None,
    limit: int | None,
) -> dict[uuid.UUID, Found]:
    found = await _fetch_plain(session, actor, kind, ids=ids, after=after, limit=limit)
    return await _with_gone(session, kind, found)


async def _fetch_plain(
    session: AsyncSession,
    actor: Actor,
    kind: str,
    *,
    ids: Sequence[uuid.UUID] | None,
    after: uuid.UUID | None,
    limit: int | None,
) -> dict[uuid.UUID, Found]:
    desks = actor.desk_ids
    if kind == "registrant":
        if ids is None:  # joined eager loads multiply rows: pick the page's ids first
            page = select(Registrant.id).where(
                _in_desks(Registrant.desk_id, desks), _by_ids(Registrant.id, None, after)
            )
            ids = list((await session.execute(page.order_by(Registrant.id).limit(limit))).scalars())
            if not ids:
                return {}
        stmt: Select[Any] = registrants_repository.with_children(select(Registrant).where(Registrant.id.in_(ids)))
        rows = list((await session.execute(stmt.order_by(Registrant.id))).unique().scalars())
        return await _registrants(session, actor, rows)
    if kind == "case":
        stmt = select(Case).where(_in_desks(Case.desk_id, None if ids else desks), _by_ids(Case.id, ids, after))
        stmt = stmt.order_by(Case.id).limit(limit) if limit else stmt
        return await _cases(session, actor, list((await session.execute(stmt)).scalars()))
    if kind == "case_note":
        stmt = (
            select(CaseNote, Case.desk_id)  # type: ignore[assignment]
            .join(Case, Case.id == CaseNote.case_id)
            .where(_in_desks(Case.desk_id, None if ids else desks), _by_ids(CaseNote.id, ids, after))
        )
        stmt = stmt.order_by(CaseNote.id).limit(limit) if limit else stmt
        return await _notes(session, actor, [(n, d) for n, d in (await session.execute(stmt)).all()])
    if kind == "referral":
        stmt = (
            select(Referral, Case.desk_id, Partner)  # type: ignore[assignment]
            .join(Case, Case.id == Referral.case_id)
            .join(Partner, Partner.id == Referral.partner_id)
            .where(_in_desks(Case.desk_id, None if ids else desks), _by_ids(Referral.id, ids, after))
        )
        stmt = stmt.order_by(Referral.id).limit(limit) if limit else stmt
        return await _referrals(session, actor, [(r, d, p) for r, d, p in (await session.execute(stmt)).all()])
    if kind == "appointment":
        stmt = select(Appointment).where(
            _in_desks(Appointment.desk_id, None if ids else desks), _by_ids(Appointment.id, ids, after)
        )
        stmt = stmt.order_by(Appointment.id).limit(limit) if limit else stmt
        return await _appointments(session, actor, list((await session.execute(stmt)).scalars()))
    if kind == "document":
        stmt = _documents_query(None if ids else desks, ids, after)
        stmt = stmt.order_by(Document.id).limit(limit) if limit else stmt
        rows = [(d, r_desk or c_desk) for d, r_desk, c_desk in (await session.execute(stmt)).all() if r_desk or c_desk]
        return await _documents(session, actor, rows)
    raise ValueError(kind)


def _gone_reason(anonymised: object, case_status: str | None, merged_into: object = None) -> str | None:
    if anonymised is not None:
        return "anonymised"
    if case_status == "transferred":
        return "transferred"
    if merged_into is not None:  # a document the merge left on the merged file (the survivor has its copy)
        return "merged"
    return None


async def _gone_reasons(session: AsyncSession, kind: str, ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, str]:
    """Why records of ``kind`` that still exist no longer count (see :class:`Found`), from their
    own state and their parents': a registrant merged or anonymised, a case transferred."""
    if not ids:
        return {}
    person = aliased(Registrant)
    out: dict[uuid.UUID, str] = {}
    if kind == "registrant":
        stmt = select(Registrant.id, Registrant.anonymised_at, Registrant.merged_into_id).where(Registrant.id.in_(ids))
        for rid, anonymised, merged_into in (await session.execute(stmt)).all():
            if anonymised is not None:
                out[rid] = "anonymised"
            elif merged_into is not None:
                out[rid] = "merged"
        return out
    statements: list[Any] = []
    if kind == "case":
        statements.append(
            select(Case.id, person.anonymised_at, Case.status)
            .join(person, person.id == Case.registrant_id)
            .where(Case.id.in_(ids))
        )
    elif kind in ("case_note", "referral"):
        model: Any = CaseNote if kind == "case_note" else Referral
        statements.append(
            select(model.id, person.anonymised_at, Case.status)
            .join(Case, Case.id == model.case_id)
            .join(person, person.id == Case.registrant_id)
            .where(model.id.in_(ids))
        )
    elif kind == "appointment":
        statements.append(
            select(Appointment.id, person.anonymised_at, Case.status)
            .join(person, person.id == Appointment.registrant_id)
            .outerjoin(Case, Case.id == Appointment.case_id)
            .where(Appointment.id.in_(ids))
        )
    elif kind == "document":
        statements.append(
            select(Document.id, person.anonymised_at, null(), person.merged_into_id)
            .join(person, and_(Document.owner_type == "registrant", Document.owner_id == person.id))
            .where(Document.id.in_(ids))
        )
        statements.append(
            select(Document.id, person.anonymised_at, Case.status)
            .join(Case, and_(Document.owner_type == "case", Document.owner_id == Case.id))
            .join(person, person.id == Case.registrant_id)
            .where(Document.id.in_(ids))
        )
    for stmt in statements:
        for record_id, anonymised, case_status, *rest in (await session.execute(stmt)).all():
            reason = _gone_reason(anonymised, case_status, rest[0] if rest else None)
            if reason is not None:
                out[record_id] = reason
    return out


async def _with_gone(session: AsyncSession, kind: str, found: dict[uuid.UUID, Found]) -> dict[uuid.UUID, Found]:
    reasons = await _gone_reasons(session, kind, [i for i, f in found.items() if f.gone is None])
    return {i: replace(f, gone=reasons[i]) if i in reasons else f for i, f in found.items()}


async def under_cases(session: AsyncSession, case_ids: Sequence[uuid.UUID]) -> list[tuple[str, uuid.UUID]]:
    """The notes, referrals, appointments and documents of these cases, as ``(type, id)``."""
    if not case_ids:
        return []
    out: list[tuple[str, uuid.UUID]] = []
    for kind, stmt in (
        ("case_note", select(CaseNote.id).where(CaseNote.case_id.in_(case_ids)).order_by(CaseNote.id)),
        ("referral", select(Referral.id).where(Referral.case_id.in_(case_ids)).order_by(Referral.id)),
        ("appointment", select(Appointment.id).where(Appointment.case_id.in_(case_ids)).order_by(Appointment.id)),
        (
            "document",
            select(Document.id)
            .where(Document.owner_type == "case", Document.owner_id.in_(case_ids))
            .order_by(Document.id),
        ),
    ):
        out.extend((kind, record_id) for record_id in (await session.execute(stmt)).scalars())
    return out


async def of_registrant(session: AsyncSession, registrant_id: uuid.UUID) -> list[tuple[str, uuid.UUID]]:
    """Every case of the person and what is under them, their own appointments and documents."""
    case_ids = list(
        (await session.execute(select(Case.id).where(Case.registrant_id == registrant_id).order_by(Case.id))).scalars()
    )
    out: list[tuple[str, uuid.UUID]] = [("case", c) for c in case_ids]
    out.extend(await under_cases(session, case_ids))
    appointments = select(Appointment.id).where(Appointment.registrant_id == registrant_id).order_by(Appointment.id)
    documents = (
        select(Document.id)
        .where(Document.owner_type == "registrant", Document.owner_id == registrant_id)
        .order_by(Document.id)
    )
    out.extend(("appointment", a) for a in (await session.execute(appointments)).scalars())
    out.extend(("document", d) for d in (await session.execute(documents)).scalars())
    return list(dict.fromkeys(out))


async def moved_by_merges(session: AsyncSession, merged_id: uuid.UUID) -> list[tuple[str, uuid.UUID]]:
    """The cases, appointments and documents a merge of ``merged_id`` into another file moved
    (or an unmerge moved back), from the merge records' snapshots, and the documents still on the
    merged file (those the survivor already had)."""
    snapshots = (
        await session.execute(select(RegistrantMerge.snapshot).where(RegistrantMerge.merged_id == merged_id))
    ).scalars()
    out: list[tuple[str, uuid.UUID]] = []
    for snapshot in snapshots:
        moved = (snapshot or {}).get("moved") or {}
        for kind, key in (("case", "cases"), ("appointment", "appointments"), ("document", "documents")):
            for value in moved.get(key) or []:
                try:
                    out.append((kind, uuid.UUID(str(value))))
                except ValueError:
                    continue
    left = (
        select(Document.id)
        .where(Document.owner_type == "registrant", Document.owner_id == merged_id)
        .order_by(Document.id)
    )
    out.extend(("document", d) for d in (await session.execute(left)).scalars())
    return list(dict.fromkeys(out))


async def registrants_of_import(session: AsyncSession, batch_id: str) -> list[uuid.UUID]:
    """The registrants an import batch created (their ``source_ref`` is ``import:<batch>:line n``)."""
    pattern = f"import:{batch_id}:%"
    stmt = select(Registrant.id).where(Registrant.source == "import", Registrant.source_ref.like(pattern))
    return list((await session.execute(stmt)).scalars())
