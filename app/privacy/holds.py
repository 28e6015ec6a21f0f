"""Legal holds: a file that must be kept (a court case, a regulator's inquiry, a pending claim)
is not erased, on request or at the end of retention, while a hold is in force.

A hold has a reason, who set it and when, and optionally the last day it applies (``until``, a
date of the desk: the hold is in force through the end of that day in the desk's time zone); it is
lifted early by a release. Supervisors (their desks) and administrators set and
release holds; auditors read them too. Audited ``privacy.legal_hold_set`` and
``privacy.legal_hold_release``. An erasure (possible once no hold is in force) blanks the reasons
of the file's lifted holds: typed about the person's affairs, they may name or describe them.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Final

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.audit import service as audit
from app.calendars.service import local_date
from app.core.context import Actor
from app.core.db import utcnow
from app.core.errors import Conflict, Forbidden, NotFound, ValidationFailed
from app.core.i18n import date_fr
from app.core.ids import new_id
from app.desks.models import Desk
from app.privacy.errors import LegalHoldInForce
from app.privacy.models import LegalHold
from app.registrants import closed
from app.registrants.errors import merged_into
from app.registrants.models import Registrant

WRITE_ROLES: Final = frozenset({"admin", "supervisor"})
READ_ROLES: Final = frozenset({"admin", "supervisor", "auditor"})


def _check(actor: Actor, roles: frozenset[str]) -> None:
    if actor.role not in roles:
        raise Forbidden(
            "Legal holds are handled by supervisors and administrators.",
            detail_fr="Les conservations légales sont gérées par les superviseurs et administrateurs.",
        )


async def _registrant(session: AsyncSession, actor: Actor, registrant_id: uuid.UUID) -> Registrant:
    registrant = await session.get(Registrant, registrant_id)
    if registrant is None or not actor.can_see_desk(registrant.desk_id):
        raise NotFound("No such registrant.", detail_fr="Personne introuvable.")
    if registrant.merged_into_id is not None:  # its holds moved to the survivor with its data
        raise merged_into(registrant.merged_into_id)
    return registrant


async def place(
    session: AsyncSession, *, actor: Actor, registrant_id: uuid.UUID, reason: str, until: dt.date | None
) -> LegalHold:
    """Put ``registrant_id``'s file under a legal hold. Raises ``Forbidden`` (403: not a supervisor
    or administrator), ``NotFound`` (404), ``RegistrantMerged`` (409: a file merged into another;
    hold the survivor), ``RegistrantErased`` (409: the file is anonymised, nothing is left to keep;
    its reason would be the one text about the person left on it), ``ValidationFailed`` (422:
    ``until`` before the desk's today, ``field`` ``until``, error type ``date_in_past``)."""
    _check(actor, WRITE_ROLES)
    registrant = await _registrant(session, actor, registrant_id)
    await closed.hold_open(session, registrant.id)
    now = utcnow()
    desk = await session.get_one(Desk, registrant.desk_id)
    today = local_date(desk, now)
    if until is not None and until < today:
        raise ValidationFailed(
            f"The last day of the hold (until) cannot be before today at the desk ({today.isoformat()}, "
            f"{desk.time_zone}).",
            detail_fr=f"Le dernier jour de la conservation ne peut pas être avant aujourd'hui au guichet "
            f"({date_fr(today)}).",
            field="until",
            errors=[{"loc": ["body", "until"], "msg": "Date in the past.", "type": "date_in_past"}],
        )
    hold = LegalHold(
        id=new_id(),
        registrant_id=registrant.id,
        desk_id=registrant.desk_id,
        reason=reason,
        until=until,
        set_at=now,
        set_by=actor.user_id,
        set_by_label=actor.email,
    )
    session.add(hold)
    await session.flush()
    await audit.record(
        session,
        actor=actor,
        action="privacy.legal_hold_set",
        entity_type="registrant",
        entity_id=registrant.id,
        desk_id=registrant.desk_id,
        details={"legal_hold_id": hold.id, "until": until},
        # Typed about the person's affairs (a court case, a claim): erased with them.
        personal={"reason": reason},
        subject_id=registrant.id,
    )
    return hold


async def release(session: AsyncSession, *, actor: Actor, hold_id: uuid.UUID) -> LegalHold:
    """Release a hold now. Raises ``Forbidden`` (403), ``NotFound`` (404), ``Conflict`` (409:
    already released)."""
    _check(actor, WRITE_ROLES)
    hold = await session.get(LegalHold, hold_id, with_for_update=True)
    if hold is None or not actor.can_see_desk(hold.desk_id):
        raise NotFound("No such legal hold.", detail_fr="Conservation légale introuvable.")
    if hold.released_at is not None:
        raise Conflict("This legal hold was already released.", detail_fr="Cette conservation est déjà levée.")
    hold.released_at = utcnow()
    hold.released_by = actor.user_id
    await session.flush()
    await audit.record(
        session,
        actor=actor,
        action="privacy.legal_hold_release",
        entity_type="registrant",
        entity_id=hold.registrant_id,
        desk_id=hold.desk_id,
        details={"legal_hold_id": hold.id},
    )
    return hold


async def list_for(session: AsyncSession, *, actor: Actor, registrant_id: uuid.UUID) -> list[LegalHold]:
    """Every hold (in force or not) of a registrant, oldest first; the read is audited
    ``registrant.legal_holds_read`` (how many: a hold's reason may name the person's affairs).
    Raises ``Forbidden`` (403), ``NotFound`` (404), ``RegistrantMerged`` (409: a merged file's
    holds are the survivor's)."""
    _check(actor, READ_ROLES)
    registrant = await _registrant(session, actor, registrant_id)
    stmt = select(LegalHold).where(LegalHold.registrant_id == registrant_id).order_by(LegalHold.set_at, LegalHold.id)
    found = list((await session.execute(stmt)).scalars().all())
    await audit.record(
        session,
        actor=actor,
        action="registrant.legal_holds_read",
        entity_type="registrant",
        entity_id=registrant.id,
        desk_id=registrant.desk_id,
        details={"legal_holds": len(found)},
    )
    return found


async def in_force(
    session: AsyncSession, *, registrant_ids: list[uuid.UUID], at: dt.datetime
) -> dict[uuid.UUID, LegalHold]:
    """The first hold in force at ``at`` (aware) of each of ``registrant_ids`` that has one; a
    hold's ``until`` is read in the time zone of its desk."""
    if not registrant_ids:
        return {}
    stmt = (
        select(LegalHold, Desk.time_zone)
        .join(Desk, Desk.id == LegalHold.desk_id)
        .where(LegalHold.registrant_id.in_(registrant_ids))
        .order_by(LegalHold.set_at, LegalHold.id)
    )
    found: dict[uuid.UUID, LegalHold] = {}
    for hold, time_zone in (await session.execute(stmt)).all():
        if hold.in_force(at, time_zone=time_zone):
            found.setdefault(hold.registrant_id, hold)
    return found


def refuse(hold: LegalHold) -> LegalHoldInForce:
    """The 409 problem naming ``hold`` and the file it is on (``registrant_id``: an erasure reaches
    the person's files at other desks too, :mod:`app.privacy.linked`)."""
    until = hold.until.isoformat() if hold.until else None
    return LegalHoldInForce(
        f"The file is under a legal hold ({hold.reason}) set by {hold.set_by_label}"
        + (f" until {until}." if until else " until released."),
        detail_fr=f"Le dossier est sous conservation légale ({hold.reason}), posée par {hold.set_by_label}"
        + (f" jusqu'au {date_fr(hold.until)}." if hold.until else " jusqu'à sa levée."),
        legal_hold={
            "id": str(hold.id),
            "registrant_id": str(hold.registrant_id),
            "reason": hold.reason,
            "set_by": str(hold.set_by) if hold.set_by else None,
            "set_by_label": hold.set_by_label,
            "set_at": hold.set_at.isoformat(),
            "until": until,
        },
    )
