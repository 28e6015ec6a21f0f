"""Cases: opening (number, SLA due date), reading, listing and queues, editing, assignment.

Scoping: a case is visible to staff of its desk (administrators see every desk); anything else is
``NotFound`` (404). Dates are local dates of the case's desk; "today" is the desk's local date.
Writes take the case row with ``SELECT … FOR UPDATE`` before checking ``If-Match``, so of two
concurrent updates from the same read one wins and the other gets 412.
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
from app.auth.models import DeskMembership, StaffUser
from app.calendars.service import add_business_days, local_date
from app.cases import catalogue
from app.cases.errors import (
    CaseNotOpen,
    CaseReadOnly,
    DueDateBeforeCreation,
    InvalidAssignee,
    UnknownRegistrant,
)
from app.cases.models import Case, Referral, ServiceType
from app.cases.timeline import add_event
from app.cases.workflow import OPEN_STATUSES, PENDING_REFERRAL_STATUSES, is_open
from app.core.context import Actor
from app.core.db import utcnow
from app.core.errors import Forbidden, NotFound
from app.core.http import require_if_match
from app.core.numbering import next_number
from app.desks.models import Desk
from app.registrants.models import Registrant

QUEUES = ("mine", "unassigned", "overdue", "due_today", "waiting_on_partner")
_EDITABLE = ("priority", "vulnerability_flags", "description", "language", "interpreter_used")
_SENSITIVE = frozenset({"description"})
ASSIGNABLE_ROLES = frozenset({"agent", "supervisor"})


async def visible_registrant(session: AsyncSession, *, actor: Actor, registrant_id: uuid.UUID) -> Registrant:
    """The registrant if the actor's desks include theirs; ``UnknownRegistrant`` (404) otherwise."""
    registrant = await session.get(Registrant, registrant_id)
    if registrant is None or not actor.can_see_desk(registrant.desk_id):
        raise UnknownRegistrant("No such registrant.", detail_fr="Personne introuvable.")
    return registrant


async def get_visible(session: AsyncSession, *, actor: Actor, case_id: uuid.UUID, for_update: bool = False) -> Case:
    """The case if the actor may see its desk; ``NotFound`` otherwise. ``for_update`` locks the row."""
    stmt = select(Case).where(Case.id == case_id)
    if for_update:
        stmt = stmt.with_for_update().execution_options(populate_existing=True)
    case = (await session.execute(stmt)).scalar_one_or_none()
    if case is None or not actor.can_see_desk(case.desk_id):
        raise NotFound("No such case.", detail_fr="Dossier introuvable.")
    return case


def ensure_writable(case: Case) -> None:
    """Raise ``CaseReadOnly`` (409) for a transferred case, the sending desk's read-only trace."""
    if case.status == "transferred":
        raise CaseReadOnly(
            f"Case {case.case_number} was transferred; it is kept read-only.",
            detail_fr=f"Le dossier {case.case_number} a été transféré ; il est conservé en lecture seule.",
        )


def ensure_open(case: Case) -> None:
    """Raise ``CaseReadOnly`` or ``CaseNotOpen`` (409) unless the desk still works on the case."""
    ensure_writable(case)
    if not is_open(case.status):
        raise CaseNotOpen(
            f"Case {case.case_number} is {case.status}; reopen it first.",
            detail_fr=f"Le dossier {case.case_number} est au statut {case.status} ; rouvrez-le d'abord.",
            current_status=case.status,
        )


async def next_case_number(session: AsyncSession, *, desk: Desk, year: int) -> str:
    """``CASA-2026-C-000042``: the desk code's first segment, the local year, series ``C``."""
    number = await next_number(session, scope=f"case:{desk.code}", year=year)
    return f"{desk.code.split('-')[0]}-{year}-C-{number:06d}"


async def sla_due_date(session: AsyncSession, *, desk: Desk, opened_on: dt.date, service_type: ServiceType) -> dt.date:
    """``opened_on`` plus the type's SLA in the desk's business days (weekends, holidays skipped)."""
    return await add_business_days(session, desk=desk, start=opened_on, days=service_type.default_sla_days)


async def create(
    session: AsyncSession, *, actor: Actor, values: dict[str, Any], now: dt.datetime | None = None
) -> Case:
    """Open a case for a registrant the actor can see, at the registrant's desk.

    ``now`` (aware) is the instant the case was opened, default the current time; imports of
    legacy registers pass the original date. The case number's year, ``opened_on`` and the due
    date follow from it in the desk's time zone.

    ``values``: ``registrant_id``, ``service_type`` (code), ``channel``, ``priority``,
    ``vulnerability_flags``, ``description``, ``language``, ``interpreter_used``.
    Raises ``UnknownRegistrant`` (404), ``UnknownServiceType``/``ServiceTypeRetired`` (422).
    """
    registrant = await visible_registrant(session, actor=actor, registrant_id=values["registrant_id"])
    service_type = await catalogue.usable_service_type(session, code=values["service_type"])
    desk = (await session.execute(select(Desk).where(Desk.id == registrant.desk_id))).scalar_one()
    now = now or utcnow()
    opened_on = local_date(desk, now)
    case = Case(
        id=uuid.uuid4(),
        case_number=await next_case_number(session, desk=desk, year=opened_on.year),
        desk_id=desk.id,
        registrant_id=registrant.id,
        service_type_id=service_type.id,
        channel=values["channel"],
        priority=values.get("priority", "normal"),
        vulnerability_flags=sorted(set(values.get("vulnerability_flags") or [])),
        description=values.get("description") or "",
        language=values.get("language"),
        interpreter_used=values.get("interpreter_used", False),
        status="received",
        opened_on=opened_on,
        due_date=await sla_due_date(session, desk=desk, opened_on=opened_on, service_type=service_type),
        created_by=actor.user_id,
        created_at=now,
        updated_at=now,
    )
    session.add(case)
    await session.flush()
    await add_event(
        session,
        case_id=case.id,
        kind="case_opened",
        actor=actor,
        details={
            "case_number": case.case_number,
            "service_type": service_type.code,
            "channel": case.channel,
            "due_date": case.due_date,
        },
    )
    await audit.record(
        session,
        actor=actor,
        action="case.create",
        entity_type="case",
        entity_id=case.id,
        desk_id=desk.id,
        details={
            "case_number": case.case_number,
            "registrant_id": registrant.id,
            "service_type": service_type.code,
            "due_date": case.due_date,
        },
    )
    return case


async def read(session: AsyncSession, *, actor: Actor, case_id: uuid.UUID, action: str = "case.read") -> Case:
    """One case, the read audited as ``action``; ``NotFound`` across desks."""
    case = await get_visible(session, actor=actor, case_id=case_id)
    await audit.record(session, actor=actor, action=action, entity_type="case", entity_id=case.id, desk_id=case.desk_id)
    return case


async def update(
    session: AsyncSession, *, actor: Actor, case_id: uuid.UUID, if_match: str | None, changes: dict[str, Any]
) -> Case:
    """Edit a case's details; a new ``due_date`` needs ``due_date_reason`` (the schema checks it).

    Raises ``CaseReadOnly`` (409) for a transferred case, ``CaseNotOpen`` (409) for a due-date
    change on a closed case, ``DueDateBeforeCreation`` (422), and the ``If-Match`` problems.
    """
    case = await get_visible(session, actor=actor, case_id=case_id, for_update=True)
    require_if_match(if_match, case.version)
    ensure_writable(case)
    reason = changes.pop("due_date_reason", None)
    new_due = changes.pop("due_date", None)
    if new_due is not None:
        ensure_open(case)
        if new_due < case.opened_on:
            raise DueDateBeforeCreation(
                f"The due date {new_due} is before the case was opened ({case.opened_on}).",
                detail_fr=f"L'échéance {new_due} précède l'ouverture du dossier ({case.opened_on}).",
                opened_on=case.opened_on.isoformat(),
            )
    before = {f: getattr(case, f) for f in (*_EDITABLE, "due_date")}
    for field, value in changes.items():
        setattr(case, field, sorted(set(value)) if field == "vulnerability_flags" else value)
    if new_due is not None:
        case.due_date = new_due
    after = {f: getattr(case, f) for f in (*_EDITABLE, "due_date")}
    diff = audit.diff(before, after, sensitive=_SENSITIVE)
    if not diff:
        return case
    await session.flush()
    if "due_date" in diff:
        await add_event(
            session,
            case_id=case.id,
            kind="due_date_changed",
            actor=actor,
            details={"from": before["due_date"], "to": case.due_date, "reason": reason},
        )
    other = {k: v for k, v in diff.items() if k != "due_date"}
    if other:
        await add_event(session, case_id=case.id, kind="case_updated", actor=actor, details={"changes": other})
    await audit.record(
        session,
        actor=actor,
        action="case.update",
        entity_type="case",
        entity_id=case.id,
        desk_id=case.desk_id,
        details={"changes": diff, **({"due_date_reason": reason} if "due_date" in diff else {})},
    )
    return case


async def assign(
    session: AsyncSession, *, actor: Actor, case_id: uuid.UUID, if_match: str | None, assignee_id: uuid.UUID | None
) -> Case:
    """Assign, reassign or unassign an open case.

    Supervisors and administrators assign anyone active on the case's desk with the role agent or
    supervisor. Agents only take an unassigned case for themselves, or release their own.
    Raises ``Forbidden`` (403), ``InvalidAssignee`` (422), ``CaseNotOpen``/``CaseReadOnly`` (409).
    """
    case = await get_visible(session, actor=actor, case_id=case_id, for_update=True)
    require_if_match(if_match, case.version)
    ensure_open(case)
    if actor.role == "agent":
        taking = assignee_id == actor.user_id and case.assignee_id is None
        releasing = assignee_id is None and case.assignee_id == actor.user_id
        if not (taking or releasing or assignee_id == case.assignee_id):
            raise Forbidden(
                "Agents take unassigned cases or release their own; a supervisor reassigns.",
                detail_fr="Un agent prend un dossier non assigné ou libère le sien ; un superviseur réassigne.",
            )
    label = None
    if assignee_id is not None:
        label = await _assignee_label(session, desk_id=case.desk_id, user_id=assignee_id)
    if assignee_id == case.assignee_id:
        return case
    previous = case.assignee_id
    case.assignee_id = assignee_id
    await session.flush()
    await add_event(
        session,
        case_id=case.id,
        kind="assigned",
        actor=actor,
        details={"from": previous, "to": assignee_id, "to_label": label},
    )
    await audit.record(
        session,
        actor=actor,
        action="case.assign",
        entity_type="case",
        entity_id=case.id,
        desk_id=case.desk_id,
        details={"from": previous, "to": assignee_id},
    )
    return case


async def _assignee_label(session: AsyncSession, *, desk_id: uuid.UUID, user_id: uuid.UUID) -> str:
    stmt = (
        select(StaffUser)
        .join(DeskMembership, DeskMembership.user_id == StaffUser.id)
        .where(StaffUser.id == user_id, DeskMembership.desk_id == desk_id)
    )
    user = (await session.execute(stmt)).scalar_one_or_none()
    if user is None or not user.is_active or user.role not in ASSIGNABLE_ROLES:
        raise InvalidAssignee(
            "The assignee must be an active agent or supervisor of the case's desk.",
            detail_fr="La personne assignée doit être un agent ou superviseur actif du guichet du dossier.",
        )
    return user.email


# --- listing and queues ------------------------------------------------------------------------


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
) -> Select[tuple[Case]]:
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


async def registrant_cases_query(
    session: AsyncSession, *, actor: Actor, registrant_id: uuid.UUID
) -> Select[tuple[Case]]:
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
    """A case with what the API shows beside it: desk code, service type code, flags of the day."""

    case: Case
    desk_code: str
    service_type: str
    is_overdue: bool
    waiting_on_partner: bool
    partner_answer_overdue: bool


async def views(session: AsyncSession, cases: Sequence[Case], *, now: dt.datetime | None = None) -> list[CaseView]:
    """Decorate ``cases`` with the flags computed against each desk's local today."""
    if not cases:
        return []
    moment = now or utcnow()
    desk_ids = {c.desk_id for c in cases}
    desks = {d.id: d for d in (await session.execute(select(Desk).where(Desk.id.in_(desk_ids)))).scalars()}
    type_ids = {c.service_type_id for c in cases}
    codes = dict(
        (await session.execute(select(ServiceType.id, ServiceType.code).where(ServiceType.id.in_(type_ids)))).all()
    )
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
            )
        )
    return out
