"""What an unmerge gives back with a case: the records attached to it while the merge was in force.

Work goes on between a merge and its unmerge: an appointment is booked on a case the merge gave
the survivor, a referral is sent on it (with its entry in the register of disclosures), the
person is told of its progress. Such a record names the person (the survivor, then) and, directly
or through its subject, the case. When the unmerge gives the case back to the merged file, the
record goes back with it, so that a record's person and its case always agree:

* the appointments of a case given back (``Appointment.case_id``);
* the messages about a case or an appointment given back (read from their dedupe keys,
  :func:`app.notifications.keys.subject`);
* the register entries of a referral of a case given back, or of a message given back;
* the self-service accounts linked, while merged, with a link code the unmerge gives back (a code
  issued for the merged file before the merge, handed to its person).

Each keeps what it recorded (times, statuses, the legal basis a disclosure was made on).

A case transferred to another desk while merged cannot be given back exactly: the receiving desk
holds a copy of the merged file, made from the survivor, and keeps it. :func:`transferred` names
those cases; the unmerge is then refused (``case_transferred``).
"""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import and_, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.appointments.models import Appointment
from app.cases.models import CaseTransfer, Referral
from app.notifications import keys
from app.notifications.models import Notification
from app.privacy.models import Disclosure
from app.selfservice.models import LinkCode, PersonAccount

KINDS = ("appointments", "notifications", "disclosures", "person_accounts")
"""The kinds of record that follow a case back (a subset of :data:`app.merges.moves.KINDS`)."""


def _texts(values: Any) -> list[str]:
    return [str(v) for v in values]


async def find(session: AsyncSession, *, moved: dict[str, list[Any]], survivor_id: uuid.UUID) -> dict[str, list[str]]:
    """The survivor's records attached to what ``moved`` (a merge snapshot's ``moved``) gives back,
    that ``moved`` does not hold already: ids as text, per kind of :data:`KINDS`, sorted."""
    case_ids = [uuid.UUID(v) for v in moved.get("cases", [])]
    known = {kind: set(moved.get(kind, [])) for kind in KINDS}
    out: dict[str, list[str]] = {}
    appointments = set()
    if case_ids:
        stmt = select(Appointment.id).where(Appointment.case_id.in_(case_ids), Appointment.registrant_id == survivor_id)
        appointments = set(_texts((await session.execute(stmt)).scalars())) - known["appointments"]
    out["appointments"] = sorted(appointments)

    subjects = {("case", str(c)) for c in case_ids} | {("appointment", a) for a in known["appointments"] | appointments}
    messages = await session.execute(
        select(Notification.id, Notification.dedupe_key).where(Notification.registrant_id == survivor_id)
    )
    notifications = {str(i) for i, key in messages if keys.subject(key) in subjects} - known["notifications"]
    out["notifications"] = sorted(notifications)

    referrals: list[str] = []
    if case_ids:
        referrals = _texts((await session.execute(select(Referral.id).where(Referral.case_id.in_(case_ids)))).scalars())
    given_messages = known["notifications"] | notifications
    conditions = []
    if referrals:
        conditions.append(and_(Disclosure.entity_type == "referral", Disclosure.entity_id.in_(referrals)))
    if given_messages:
        conditions.append(and_(Disclosure.entity_type == "notification", Disclosure.entity_id.in_(given_messages)))
    disclosures: set[str] = set()
    if conditions:
        stmt = select(Disclosure.id).where(Disclosure.registrant_id == survivor_id, or_(*conditions))
        disclosures = set(_texts((await session.execute(stmt)).scalars())) - known["disclosures"]
    out["disclosures"] = sorted(disclosures)

    codes = [uuid.UUID(v) for v in moved.get("link_codes", [])]
    accounts: set[str] = set()
    if codes:
        used_by = select(LinkCode.used_by_account_id).where(LinkCode.id.in_(codes))
        stmt = select(PersonAccount.id).where(PersonAccount.registrant_id == survivor_id, PersonAccount.id.in_(used_by))
        accounts = set(_texts((await session.execute(stmt)).scalars())) - known["person_accounts"]
    out["person_accounts"] = sorted(accounts)
    return out


async def transferred(session: AsyncSession, *, moved: dict[str, list[Any]], survivor_id: uuid.UUID) -> list[str]:
    """The cases ``moved`` gives back that were transferred to another desk while merged (their
    transfer names the survivor as the file sent), ids as text, sorted."""
    case_ids = [uuid.UUID(v) for v in moved.get("cases", [])]
    if not case_ids:
        return []
    stmt = select(CaseTransfer.source_case_id).where(
        CaseTransfer.source_case_id.in_(case_ids), CaseTransfer.source_registrant_id == survivor_id
    )
    return sorted(_texts((await session.execute(stmt)).scalars()))


def counts(followed: dict[str, list[str]]) -> dict[str, int]:
    """How many records of each kind followed a case back."""
    return {kind: len(followed.get(kind, [])) for kind in KINDS}
