"""Cases: opening (number, SLA due date), reading, editing, assignment (listing: ``queues``).

Scoping: a case is visible to staff of its desk (administrators see every desk); anything else is
``NotFound`` (404). Dates are local dates of the case's desk; "today" is the desk's local date.
Writes take the case row with ``SELECT … FOR UPDATE`` before checking ``If-Match``, so of two
concurrent updates from the same read one wins and the other gets 412. The case's version (its
ETag) moves with everything its read shows: its own fields, and its referrals
(:func:`shows_a_change`), the closure approval of its service type, an erasure, a merge.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.audit import service as audit
from app.auth.models import DeskMembership, StaffUser
from app.calendars.service import add_business_days, local_date
from app.cases import catalogue
from app.cases.errors import (
    CaseNotOpen,
    CaseReadOnly,
    DueDateBeforeCreation,
    DueDateSupervisorOnly,
    DueDateTooFar,
    InvalidAssignee,
    UnknownRegistrant,
)
from app.cases.models import Case, ServiceType
from app.cases.timeline import add_event
from app.cases.workflow import SUPERVISOR_ROLES, is_open
from app.core import client_ids, numbering
from app.core.context import Actor
from app.core.db import utcnow
from app.core.errors import Forbidden, NotFound
from app.core.http import require_if_match
from app.core.i18n import date_fr
from app.desks.models import Desk
from app.desks.service import require_open
from app.notifications import events as notify
from app.privacy import service as privacy
from app.registrants import closed
from app.registrants.errors import merged_into
from app.registrants.models import Registrant

_EDITABLE = ("priority", "vulnerability_flags", "description", "language", "interpreter_used")
_SENSITIVE = frozenset({"description"})
ASSIGNABLE_ROLES = frozenset({"agent", "supervisor"})


async def visible_registrant(
    session: AsyncSession, *, actor: Actor, registrant_id: uuid.UUID, for_write: bool = False
) -> Registrant:
    """The registrant if the actor's desks include theirs; ``UnknownRegistrant`` (404) otherwise,
    ``RegistrantMerged`` (409, with the survivor) for a file merged into another. ``for_write``:
    the caller writes something of the person's; ``RegistrantErased`` (409) when the file is
    anonymised, and an erasure waits for the transaction (:func:`app.registrants.closed.hold_open`)."""
    registrant = await session.get(Registrant, registrant_id)
    if registrant is None or not actor.can_see_desk(registrant.desk_id):
        raise UnknownRegistrant("No such registrant.", detail_fr="Personne introuvable.")
    if registrant.merged_into_id is not None:
        raise merged_into(registrant.merged_into_id)
    if for_write:
        await closed.hold_open(session, registrant.id)
    return registrant


async def get_visible(
    session: AsyncSession, *, actor: Actor, case_id: uuid.UUID, for_update: bool = False, for_write: bool = False
) -> Case:
    """The case if the actor may see its desk; ``NotFound`` otherwise. ``for_update`` locks the row.
    ``for_write``: the caller writes something of the person's on the case; ``RegistrantErased``
    (409) when their file is anonymised, and an erasure waits for the transaction (the person is
    locked before the case, in the erasure's order: :mod:`app.registrants.closed`)."""
    if for_write:
        found = (await session.execute(select(Case.registrant_id, Case.desk_id).where(Case.id == case_id))).first()
        if found is None or not actor.can_see_desk(found.desk_id):
            raise NotFound("No such case.", detail_fr="Dossier introuvable.")
        await closed.hold_open(session, found.registrant_id)
    stmt = select(Case).where(Case.id == case_id)
    if for_update:
        stmt = stmt.with_for_update().execution_options(populate_existing=True)
    case = (await session.execute(stmt)).scalar_one_or_none()
    if case is None or not actor.can_see_desk(case.desk_id):
        raise NotFound("No such case.", detail_fr="Dossier introuvable.")
    return case


def shows_a_change(case: Case) -> None:
    """Note that what a read of ``case`` shows changed through another record (a referral made or
    updated: ``waiting_on_partner``, ``partner_answer_overdue``, ``allowed_transitions``): the next
    flush moves the case's ``version`` and ``updated_at``, so its ETag, and a write sent with the
    ETag of an earlier read is refused (412)."""
    case.updated_at = utcnow()


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
    """``CASA-2026-C-000042``: the desk's ``number_prefix``, the local year, series ``C``."""
    return await numbering.allocate(session, prefix=desk.number_prefix, kind="C", year=year, column=Case.case_number)


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

    ``values``: ``id`` (optional, client-generated: 409 ``id-taken`` if in use), ``registrant_id``,
    ``service_type`` (code), ``channel``, ``priority``,
    ``vulnerability_flags``, ``description``, ``language``, ``interpreter_used``.
    Raises ``UnknownRegistrant`` (404), ``RegistrantErased`` (409: an anonymised file),
    ``ConsentRequired`` (409: the person refused or withdrew ``service_delivery``, being served
    at the desk, and has not given it again),
    ``UnknownServiceType``/``ServiceTypeRetired`` (422), ``DeskInactive`` (409: the registrant's
    desk is closed).
    """
    registrant = await visible_registrant(session, actor=actor, registrant_id=values["registrant_id"], for_write=True)
    service_type = await catalogue.usable_service_type(session, code=values["service_type"])
    desk = (await session.execute(select(Desk).where(Desk.id == registrant.desk_id))).scalar_one()
    require_open(desk, field="registrant_id")
    now = now or utcnow()
    await privacy.require_no_objection(
        session,
        registrant_id=registrant.id,
        purpose="service_delivery",
        at=now,
        doing_en="no case can be opened for them",
        doing_fr="aucun dossier ne peut lui être ouvert",
    )
    opened_on = local_date(desk, now)
    case_id = await client_ids.new_id(session, Case, values.get("id"), location="/api/v1/cases/{id}", actor=actor)
    case = Case(
        id=case_id,
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
    await notify.case_received(session, actor=actor, case=case)
    return case


async def read(session: AsyncSession, *, actor: Actor, case_id: uuid.UUID, action: str = "case.read") -> Case:
    """One case, the read audited as ``action``; ``NotFound`` across desks."""
    case = await get_visible(session, actor=actor, case_id=case_id)
    await audit.record(session, actor=actor, action=action, entity_type="case", entity_id=case.id, desk_id=case.desk_id)
    return case


async def update(
    session: AsyncSession,
    *,
    actor: Actor,
    case_id: uuid.UUID,
    if_match: str | None,
    changes: dict[str, Any],
    due_date_horizon_days: int,
) -> Case:
    """Edit a case's details; a new ``due_date`` needs ``due_date_reason`` (the schema checks it)
    and falls at most ``due_date_horizon_days`` after the desk's today.

    Only supervisors and administrators move the due date (they watch the overdue cases): an agent
    sending another date gets ``DueDateSupervisorOnly`` (403); the same date is no move and passes.
    Raises ``CaseReadOnly`` (409) for a transferred case, ``CaseNotOpen`` (409) for a due-date
    change on a closed case, ``RegistrantErased`` (409) when the person's file was anonymised (its
    cases are only closed now: :mod:`app.cases.transitions`), ``DueDateBeforeCreation`` and
    ``DueDateTooFar`` (422), and
    the ``If-Match`` problems.
    """
    case = await get_visible(session, actor=actor, case_id=case_id, for_update=True, for_write=True)
    require_if_match(if_match, case.version)
    ensure_writable(case)
    reason = changes.pop("due_date_reason", None)
    new_due = changes.pop("due_date", None)
    if new_due is not None:
        if new_due != case.due_date and actor.role not in SUPERVISOR_ROLES:
            raise DueDateSupervisorOnly(
                "Only a supervisor or an administrator moves a case's due date.",
                detail_fr="Seul un superviseur ou un administrateur déplace l'échéance d'un dossier.",
            )
        ensure_open(case)
        if new_due < case.opened_on:
            raise DueDateBeforeCreation(
                f"The due date {new_due} is before the case was opened ({case.opened_on}).",
                detail_fr=f"L'échéance ({date_fr(new_due)}) précède l'ouverture du dossier "
                f"({date_fr(case.opened_on)}).",
                opened_on=case.opened_on.isoformat(),
            )
        if new_due != case.due_date:
            await _require_due_date_within(session, case=case, due=new_due, horizon_days=due_date_horizon_days)
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
        details={"changes": diff, **({"due_date_reason_given": reason is not None} if "due_date" in diff else {})},
        # The reason is the desk's words about the person's situation: erased with their file.
        personal={"due_date_reason": reason} if "due_date" in diff and reason else None,
        subject_id=case.registrant_id,
    )
    return case


async def _require_due_date_within(session: AsyncSession, *, case: Case, due: dt.date, horizon_days: int) -> None:
    desk = (await session.execute(select(Desk).where(Desk.id == case.desk_id))).scalar_one()
    last = local_date(desk, utcnow()) + dt.timedelta(days=horizon_days)
    if due <= last:
        return
    en = f"The due date {due} is too far ahead: at most {horizon_days} days from today ({last} at the latest)."
    raise DueDateTooFar(
        en,
        detail_fr=f"L'échéance ({date_fr(due)}) est trop lointaine : au plus {horizon_days}\u00a0jours à partir "
        f"d'aujourd'hui, soit le {date_fr(last)} au plus tard.",
        last_allowed_day=last.isoformat(),
        field="due_date",
        errors=[{"loc": ["body", "due_date"], "msg": en, "type": "due_date_too_far"}],
    )


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
