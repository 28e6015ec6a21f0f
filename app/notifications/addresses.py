"""Where a person on file can be reached, read the same way when a message is queued and when
the worker claims it: a rectified address (an e-mail corrected, a phone removed or replaced) never
receives what was queued for the old one.

SMS and WhatsApp go to mobile numbers only: ``phonenumbers`` says a number's type from its
metadata (``FIXED_LINE``, ``MOBILE``, ``FIXED_LINE_OR_MOBILE`` where a plan does not tell them
apart…); a ``FIXED_LINE`` cannot receive a text message, every other type is tried.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterable, Mapping, Sequence
from typing import Final

import phonenumbers
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.audit import service as audit
from app.core.context import SYSTEM_ACTOR
from app.notifications.models import Notification
from app.registrants.models import Registrant, RegistrantPhone

EMAIL: Final = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
"""An e-mail address as the outbox takes it (one ``@``, a dot in the domain, no white space)."""
PHONE_CHANNELS: Final = frozenset({"sms", "whatsapp"})
FIXED_LINE_REASON: Final = "the number is a fixed line: it cannot receive SMS or WhatsApp messages"


def is_fixed_line(e164: str) -> bool:
    """Whether ``e164`` (``+212522223344``) is a fixed line by ``phonenumbers``' metadata
    (``FIXED_LINE_OR_MOBILE`` is not; a number the library cannot parse is not either)."""
    try:
        parsed = phonenumbers.parse(e164, None)
    except phonenumbers.NumberParseException:
        return False
    return phonenumbers.number_type(parsed) == phonenumbers.PhoneNumberType.FIXED_LINE


def reachable(phones: Sequence[RegistrantPhone], email: str | None) -> dict[str, str]:
    """``{channel: address}`` of a person: ``whatsapp`` the first verified mobile number flagged
    WhatsApp, ``sms`` the first verified mobile number (``phones`` verified, in their order; fixed
    lines left out), ``email`` the e-mail address when it is one (:data:`EMAIL`)."""
    found: dict[str, str] = {}
    mobiles = [p for p in phones if p.e164 and not is_fixed_line(p.e164)]
    whatsapp = next((p.e164 for p in mobiles if p.whatsapp), None)
    if whatsapp:
        found["whatsapp"] = whatsapp
    if mobiles and mobiles[0].e164:
        found["sms"] = mobiles[0].e164
    if email and EMAIL.match(email):
        found["email"] = email
    return found


async def current_addresses(
    session: AsyncSession, registrant_ids: Iterable[uuid.UUID]
) -> dict[uuid.UUID, dict[str, str]]:
    """The :func:`reachable` addresses of each registrant now (two queries for all of them)."""
    ids = set(registrant_ids)
    if not ids:
        return {}
    emails = dict((await session.execute(select(Registrant.id, Registrant.email).where(Registrant.id.in_(ids)))).all())
    phones: dict[uuid.UUID, list[RegistrantPhone]] = {}
    rows = await session.execute(
        select(RegistrantPhone)
        .where(RegistrantPhone.registrant_id.in_(ids), RegistrantPhone.verified.is_(True))
        .order_by(RegistrantPhone.registrant_id, RegistrantPhone.position, RegistrantPhone.id)
    )
    for phone in rows.scalars():
        phones.setdefault(phone.registrant_id, []).append(phone)
    return {i: reachable(phones.get(i, []), emails.get(i)) for i in ids}


async def readdress(session: AsyncSession, row: Notification, current: Mapping[str, str]) -> str | None:
    """Point the claimed ``row`` (a message queued for a person on file) at the person's address
    of its channel now (``current``: :func:`current_addresses` of its registrant), so that an
    address rectified since the queueing never receives it. A changed address is written on the
    row and audited ``notification.readdress`` (channel; the two addresses as the person's
    sealed values). Returns why the message must be withheld instead — the channel has no
    address any more (removed, or only a fixed line left) — else ``None``."""
    address = current.get(row.channel)
    if address is None:
        if row.channel in PHONE_CHANNELS and is_fixed_line(row.recipient):
            return FIXED_LINE_REASON
        return f"no {row.channel} address on file any more: it was removed or corrected after the message was queued"
    if address != row.recipient:
        previous, row.recipient = row.recipient, address
        await audit.record(
            session,
            actor=SYSTEM_ACTOR,
            action="notification.readdress",
            entity_type="notification",
            entity_id=row.id,
            desk_id=row.desk_id,
            details={"channel": row.channel, "registrant_id": row.registrant_id, "why": "address rectified"},
            personal={"from": previous, "to": address},
            subject_id=row.registrant_id,
        )
    return None
