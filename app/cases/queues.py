"""Listing cases and the agent's queues; the per-day flags shown beside each case.

"Today" is each desk's local date (its IANA zone), so a user of two desks in different zones gets
each desk's cases judged against that desk's calendar.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, false, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.audit import service as audit
from app.calendars.service import local_date
from app.cases.models import Case, Referral, ServiceType
from app.cases.service import visible_registrant
from app.cases.workflow import OPEN_STATUSES, PENDING_REFERRAL_STATUSES, SUPERVISOR_ROLES, allowed_for, is_open
from app.core.context import Actor
from app.core.db import utcnow
from app.core.pagination import paginate
from app.desks.models import Desk
from app.registrants.models import Registrant

QUEUES = ("mine", "unassigned", "overdue", "due_today", "waiting_on_partner")


@dataclass(frozen=True)
class CaseFilters:
    """Filters of the case list; ``queue`` is one of :data:`QUEUES`."""

    queue: str | None = None
    status: str | None = None
    service_type: str | None = None
    priority: str | None = None
    channel: str | None = None
    assignee_id: uuid.UUID | None = None
    desk_id: uuid.UUID | None = None
    registrant_id: uuid.UUID | None = None
    created_since: dt.datetime | None = None
    created_until: dt.datetime | None = None


async def visible_desks(session: AsyncSession, *, actor: Actor) -> list[Desk]:
    """The desks whose cases the actor may list."""
    stmt = select(Desk)
    if actor.desk_ids is not None:
        stmt = stmt.where(Desk.id.in_(actor.desk_ids))
    return list((await session.execute(stmt)).scalars().all())


def _pending_referral(extra: ColumnElement[bool] | None = None) -> ColumnElement[bool]:
    stmt = select(Referral.id).where(Referral.case_id == Case.id, Referral.status.in_(PENDING_REFERRAL_STATUSES))
    if extra is not None:
        stmt = stmt.where(extra)
    return stmt.exists()


def _per_desk(today: dict[uuid.UUID, dt.date], build: Any) -> ColumnElement[bool]:
    clauses = [and_(Case.desk_id == desk_id, build(day)) for desk_id, day in today.items()]
    return or_(*clauses) if clauses else false()


async def list_query(
    session: AsyncSession, *, actor: Actor, filters: CaseFilters, now: dt.datetime | None = None
) -> Select[Case]:
    """The select of the cases the actor may see, filtered and restricted to ``filters.queue``.

    Queues (open cases only): ``mine`` (assigned to the actor), ``unassigned``, ``overdue`` (due
    date before the desk's today, or a partner answer expected before today), ``due_today``,
    ``waiting_on_partner`` (a referral ``sent`` or ``acknowledged``).
    """
    desks = await visible_desks(session, actor=actor)
    moment = now or utcnow()
    today = {d.id: local_date(d, moment) for d in desks}
    stmt = select(Case)
    if actor.desk_ids is not None:
        stmt = stmt.where(Case.desk_id.in_(actor.desk_ids))
    if filters.queue:
        stmt = stmt.where(Case.status.in_(OPEN_STATUSES))
    if filters.queue == "mine":
        stmt = stmt.where(Case.assignee_id == actor.user_id)
    elif filters.queue == "unassigned":
        stmt = stmt.where(Case.assignee_id.is_(None))
    elif filters.queue == "overdue":
        late = _per_desk(today, lambda day: Case.due_date < day)
        late_answer = _per_desk(today, lambda day: _pending_referral(Referral.expected_answer_on < day))
        stmt = stmt.where(or_(late, late_answer))
    elif filters.queue == "due_today":
        stmt = stmt.where(_per_desk(today, lambda day: Case.due_date == day))
    elif filters.queue == "waiting_on_partner":
        stmt = stmt.where(_pending_referral())
    if filters.status:
        stmt = stmt.where(Case.status == filters.status)
    if filters.service_type:
        type_id = select(ServiceType.id).where(ServiceType.code == filters.service_type.upper()).scalar_subquery()
        stmt = stmt.where(Case.service_type_id == type_id)
    if filters.priority:
        stmt = stmt.where(Case.priority == filters.priority)
    if filters.channel:
        stmt = stmt.where(Case.channel == filters.channel)
    if filters.assignee_id:
        stmt = stmt.where(Case.assignee_id == filters.assignee_id)
    if filters.desk_id:
        stmt = stmt.where(Case.desk_id == filters.desk_id)
    if filters.registrant_id:
        stmt = stmt.where(Case.registrant_id == filters.registrant_id)
    if filters.created_since:
        stmt = stmt.where(Case.created_at >= filters.created_since)
    if filters.created_until:
        stmt = stmt.where(Case.created_at <= filters.created_until)
    return stmt


async def list_page(
    session: AsyncSession, *, actor: Actor, filters: CaseFilters, cursor: str | None, limit: int
) -> tuple[list[Case], str | None]:
    """A page of :func:`list_query` (oldest first in a queue, newest first otherwise) and the next
    cursor. The read is audited ``case.list`` with the ids of the people whose cases are listed (a
    case's description is what the person said). Raises ``BadRequest`` for a cursor not issued here."""
    stmt = await list_query(session, actor=actor, filters=filters)
    rows, next_cursor = await paginate(
        session, stmt, keys=[Case.created_at, Case.id], cursor=cursor, limit=limit, descending=filters.queue is None
    )
    await audit.record(
        session,
        actor=actor,
        action="case.list",
        entity_type="case",
        desk_id=filters.desk_id,
        details={
            "queue": filters.queue,
            "cases": len(rows),
            "registrant_ids": sorted({str(c.registrant_id) for c in rows}),
        },
    )
    return list(rows), next_cursor


async def registrant_cases_query(session: AsyncSession, *, actor: Actor, registrant_id: uuid.UUID) -> Select[Case]:
    """The visible cases of a visible registrant (audited as ``registrant.cases_read``)."""
    registrant = await visible_registrant(session, actor=actor, registrant_id=registrant_id)
    await audit.record(
        session,
        actor=actor,
        action="registrant.cases_read",
        entity_type="registrant",
        entity_id=registrant.id,
        desk_id=registrant.desk_id,
    )
    return await list_query(session, actor=actor, filters=CaseFilters(registrant_id=registrant.id))


@dataclass(frozen=True)
class CaseView:
    """A case with what the API shows beside it: desk code, service type code, flags of the day,
    and the moves the reader may make."""

    case: Case
    desk_code: str
    service_type: str
    is_overdue: bool
    waiting_on_partner: bool
    partner_answer_overdue: bool
    allowed_transitions: tuple[str, ...]
    """The moves the ``actor`` of :func:`views` may make now (:func:`app.cases.workflow.allowed_for`)."""


async def views(
    session: AsyncSession, cases: Sequence[Case], *, actor: Actor, now: dt.datetime | None = None
) -> list[CaseView]:
    """Decorate ``cases`` with the flags computed against each desk's local today, and the moves
    ``actor`` may make on each (their role, the service type's closure approval, a referral
    awaiting its answer, the person's file anonymised): one query each for the service types, the
    anonymised files and the referrals awaiting an answer, whatever the number of cases."""
    if not cases:
        return []
    moment = now or utcnow()
    desks: dict[uuid.UUID, Desk] = {}
    for desk_id in {c.desk_id for c in cases}:
        # Usually already in the session (loaded for scoping): no query then.
        desk = await session.get(Desk, desk_id)
        assert desk is not None
        desks[desk_id] = desk
    # read each time, not cached: a type's closure_requires_approval changes with catalogue edits
    types = await session.execute(
        select(ServiceType.id, ServiceType.code, ServiceType.closure_requires_approval).where(
            ServiceType.id.in_({c.service_type_id for c in cases})
        )
    )
    codes: dict[uuid.UUID, str] = {}
    approval: dict[uuid.UUID, bool] = {}
    for type_id, type_code, needs_approval in types:
        codes[type_id], approval[type_id] = type_code, needs_approval
    erased = select(Registrant.id).where(
        Registrant.id.in_({c.registrant_id for c in cases}), Registrant.anonymised_at.is_not(None)
    )
    anonymised = set((await session.execute(erased)).scalars())
    supervisor = actor.role in SUPERVISOR_ROLES
    pending: dict[uuid.UUID, list[dt.date]] = {}
    rows = await session.execute(
        select(Referral.case_id, Referral.expected_answer_on).where(
            Referral.case_id.in_([c.id for c in cases]), Referral.status.in_(PENDING_REFERRAL_STATUSES)
        )
    )
    for case_id, expected in rows:
        pending.setdefault(case_id, []).append(expected)
    out = []
    for case in cases:
        today = local_date(desks[case.desk_id], moment)
        open_ = is_open(case.status)
        expected_dates = pending.get(case.id, [])
        out.append(
            CaseView(
                case=case,
                desk_code=desks[case.desk_id].code,
                service_type=codes[case.service_type_id],
                is_overdue=open_ and case.due_date < today,
                waiting_on_partner=open_ and bool(expected_dates),
                partner_answer_overdue=open_ and any(d < today for d in expected_dates),
                allowed_transitions=allowed_for(
                    case.status,
                    supervisor=supervisor,
                    closure_requires_approval=approval[case.service_type_id],
                    pending_referral=bool(expected_dates),
                    file_anonymised=case.registrant_id in anonymised,
                ),
            )
        )
    return out
