"""The transactional outbox: queue a message in the caller's transaction.

:func:`enqueue_message` writes one ``notifications`` row (and its audit event) in the session it
is given and never commits: the message exists if and only if the change it announces commits.
The worker (:mod:`app.notifications.worker`) delivers it later. A ``dedupe_key`` already queued
makes the call a no-op that returns ``None`` (``INSERT … ON CONFLICT DO NOTHING``, the same on
PostgreSQL and SQLite): the same event for the same person is sent once, even when a request is
retried or a job runs twice.

:func:`enqueue_for_registrant` decides channel, recipient and language for a person on file and
checks their consent for contact (``contact_sms_whatsapp`` for SMS and WhatsApp,
``contact_email`` for e-mail, :mod:`app.privacy.purposes`). Without a consent in force or a
reachable channel it queues nothing and returns ``None``; a ``skipped`` row with the ``reason``
keeps that decision visible to staff (and dedupes it).
"""

from __future__ import annotations

import datetime as dt
import functools
import re
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final, cast

import asyncpg  # type: ignore[import-untyped]
from sqlalchemy import Table, bindparam, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Dialect
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from app.audit import service as audit
from app.core import ids
from app.core.context import SYSTEM_ACTOR, Actor
from app.core.db import DriverSQL, transaction_driver, utcnow
from app.core.errors import ValidationFailed
from app.core.i18n import number
from app.desks.models import Desk
from app.notifications import templates
from app.notifications.addresses import EMAIL, is_fixed_line, reachable
from app.notifications.models import CHANNELS, Notification, NotificationPreference
from app.notifications.templates import EVENTS
from app.privacy.purposes import EMAIL_CONTACT_PURPOSE, NOTIFICATION_PURPOSE
from app.privacy.service import consent_in_force, latest_in_force
from app.registrants.models import Registrant, RegistrantPhone

E164: Final = re.compile(r"^\+[1-9]\d{6,14}$")
"""ITU-T E.164: a ``+``, a country code and at most 15 digits in all."""
LANGUAGE: Final = re.compile(r"^[a-z]{2,3}(-[A-Za-z0-9]{2,8})?$")
"""A BCP 47 tag as stored: a primary language subtag and at most one more (``fr``, ``wo``, ``pt-BR``)."""
MESSAGE_ID_DOMAIN: Final = "notifications.diaspora-desk.invalid"
"""Right-hand side of the Message-IDs (RFC 5322 §3.6.4); the worker may use the sender's domain."""

CONSENT_PURPOSE_BY_CHANNEL: Final = {
    "email": EMAIL_CONTACT_PURPOSE,
    "sms": NOTIFICATION_PURPOSE,
    "whatsapp": NOTIFICATION_PURPOSE,
}
DEFAULT_CHANNEL_ORDER: Final = ("whatsapp", "sms", "email")
"""Without a chosen channel: WhatsApp on a phone flagged for it, else SMS, else e-mail."""


def _jsonable(value: object, key: str) -> object:
    if isinstance(value, dt.datetime):
        if value.tzinfo is None:
            raise ValidationFailed(
                f"context[{key!r}]: a naive datetime", detail_fr=f"context[{key!r}] : date sans fuseau horaire"
            )
        return value.astimezone(dt.UTC).isoformat()
    if isinstance(value, (dt.date, uuid.UUID)):
        return str(value)
    if isinstance(value, (list, tuple)):
        return [_jsonable(v, key) for v in value]
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    raise ValidationFailed(
        f"context[{key!r}]: {type(value).__name__} cannot be stored",
        detail_fr=f"context[{key!r}] : valeur de type {type(value).__name__} non enregistrable",
    )


def message_id_for(notification_id: uuid.UUID, domain: str = MESSAGE_ID_DOMAIN) -> str:
    """The Message-ID every attempt of one notification carries: ``<uuid@domain>``."""
    return f"<{notification_id}@{domain}>"


async def enqueue_message(
    session: AsyncSession,
    *,
    event: str,
    channel: str,
    recipient: str,
    language: str,
    context: Mapping[str, object],
    dedupe_key: str,
    registrant_id: uuid.UUID | None = None,
    desk_id: uuid.UUID | None = None,
    consent_purpose: str | None = None,
    not_before: dt.datetime | None = None,
    actor: Actor = SYSTEM_ACTOR,
) -> Notification | None:
    """Queue one message in the caller's transaction (flushed, not committed).

    ``event``: one of :data:`app.notifications.templates.EVENTS` (``one_time_code`` takes context
    ``{"code", "expires_minutes"}``). ``channel``: ``email``, ``sms`` or ``whatsapp``;
    ``recipient``: an e-mail address for ``email``, an E.164 number (``+221771234567``) otherwise.
    ``language``: a BCP 47 code (``fr``, ``en``, ``wo``…); a language without a template for the
    event is sent in French. ``context``: the template's values — str, int, float, bool, lists,
    dates, UUIDs and timezone-aware datetimes (stored in UTC, shown in the desk's zone).
    ``dedupe_key`` (≤ 200 characters): one message per key, ever. ``consent_purpose``: checked
    again by the worker just before sending (``enqueue_for_registrant`` sets it).
    ``not_before``: do not send before that time (default now).

    Returns the new row, or ``None`` when ``dedupe_key`` is already queued. Raises
    ``ValidationFailed`` (422) for an unknown event or channel, a malformed recipient, a context
    value that cannot be stored or an empty/over-long dedupe key. Writes the audit event
    ``notification.queue`` (event, channel, dedupe key — no recipient, no content).
    """
    planned = queued(
        event=event,
        channel=channel,
        recipient=recipient,
        language=language,
        context=context,
        dedupe_key=dedupe_key,
        registrant_id=registrant_id,
        desk_id=desk_id,
        consent_purpose=consent_purpose,
        not_before=not_before,
    )
    return await _insert_once(session, planned, actor=actor)


@dataclass(frozen=True)
class Planned:
    """A ``notifications`` row decided but not written yet, with its audit event's ``action``
    (``notification.queue`` or ``notification.skip``) and ``details``: written by
    :func:`_insert_once`, or by a caller that inserts it with its own rows in one statement (a
    registration and its receipt, :func:`app.registrants.bulk.store_one`)."""

    row: dict[str, Any]
    action: str
    details: dict[str, Any]

    def event(self, actor: Actor) -> tuple[dict[str, Any], dict[str, Any] | None]:
        """Its audit event as :func:`app.audit.service.event_values` gives it (no personal values)."""
        return audit.event_values(
            actor=actor,
            action=self.action,
            entity_type="notification",
            entity_id=self.row["id"],
            desk_id=self.row["desk_id"],
            details=self.details,
        )


def queued(
    *,
    event: str,
    channel: str,
    recipient: str,
    language: str,
    context: Mapping[str, object],
    dedupe_key: str,
    registrant_id: uuid.UUID | None = None,
    desk_id: uuid.UUID | None = None,
    consent_purpose: str | None = None,
    not_before: dt.datetime | None = None,
) -> Planned:
    """The ``queued`` row :func:`enqueue_message` writes (same arguments and errors), not written. CPU only."""
    _check(event=event, channel=channel, recipient=recipient, dedupe_key=dedupe_key)
    if not LANGUAGE.match(language):
        raise ValidationFailed(
            f"Language {language!r} is not a BCP 47 tag.", detail_fr=f"Langue invalide {language!r}."
        )
    values = {str(k): _jsonable(v, str(k)) for k, v in context.items()}
    new_id = ids.new_id()
    now = utcnow()
    row: dict[str, Any] = {
        "id": new_id,
        "event": event,
        "channel": channel,
        "recipient": recipient,
        "language": language,
        "context": values,
        "dedupe_key": dedupe_key,
        "registrant_id": registrant_id,
        "desk_id": desk_id,
        "status": "queued",
        "attempts": 0,
        "next_attempt_at": not_before or now,
        "message_id": message_id_for(new_id),
        "consent_purpose": consent_purpose,
        "created_at": now,
        "updated_at": now,
    }
    details = {"event": event, "channel": channel, "dedupe_key": dedupe_key, "registrant_id": registrant_id}
    return Planned(row, "notification.queue", details)


_DEDUPE_KEY_MAX_LENGTH = 200


def _check(*, event: str, channel: str, recipient: str, dedupe_key: str) -> None:
    if event not in EVENTS:
        raise ValidationFailed(f"Unknown notification event {event!r}.", detail_fr=f"Événement inconnu {event!r}.")
    if channel not in CHANNELS:
        raise ValidationFailed(f"Unknown channel {channel!r}.", detail_fr=f"Canal inconnu {channel!r}.")
    pattern = EMAIL if channel == "email" else E164
    if len(recipient) > 320 or not pattern.match(recipient):
        raise ValidationFailed(
            f"Recipient is not {'an e-mail address' if channel == 'email' else 'an E.164 number'}.",
            detail_fr=f"Destinataire invalide pour le canal {channel}.",
        )
    if not dedupe_key or len(dedupe_key) > _DEDUPE_KEY_MAX_LENGTH:
        raise ValidationFailed(
            f"dedupe_key must have 1 to {number(_DEDUPE_KEY_MAX_LENGTH, 'en')} characters.",
            detail_fr=f"La clé qui évite d'envoyer deux fois le même message doit compter de 1 à "
            f"{number(_DEDUPE_KEY_MAX_LENGTH)} caractères.",
        )


async def _insert_once(session: AsyncSession, planned: Planned, *, actor: Actor) -> Notification | None:
    """INSERT … ON CONFLICT (dedupe_key) DO NOTHING of ``planned``'s row, a Core statement
    returning the id only, and its audit event when the row is inserted: the row as a
    :class:`Notification` (outside the session: load it to change it), or ``None`` when the key
    was taken (and nothing is audited). A concurrent transaction holding the same key makes PostgreSQL wait
    for it, then do nothing.

    On PostgreSQL, when no other event waits for the commit, the row and its event are one
    statement (:func:`app.audit.service.logged_insert`): a request queuing a message (a
    registration's receipt) saves a round trip and the commit's flush.
    """
    row, action = planned.row, planned.action
    event = {
        "entity_type": "notification",
        "entity_id": row["id"],
        "desk_id": row["desk_id"],
        "details": planned.details,
    }
    dialect = session.get_bind().dialect
    if dialect.name == "postgresql" and audit.nothing_pending(session):
        params = {**row, **audit.logged_values(actor=actor, action=action, **event)}
        statement = _logged_insert_statement(tuple(row), dialect)
        driver = await transaction_driver(session)
        try:
            inserted = await driver.fetchrow(statement.sql, *statement.arguments(params))
        except asyncpg.IntegrityConstraintViolationError as exc:
            raise IntegrityError(statement.sql, None, exc) from exc
        return None if inserted is None else Notification(**row)
    if (await session.execute(_insert_once_statement(session.get_bind().dialect.name), row)).first() is None:
        return None
    await audit.record(session, actor=actor, action=action, **event)
    return Notification(**row)


_NOTIFICATIONS = cast(Table, Notification.__table__)


@functools.cache
def _insert_once_statement(dialect: str) -> Any:
    """The statement of :func:`_insert_once` for ``dialect``, its values bound at execution
    (building it again for each row cost more than running it)."""
    module: Any = postgresql if dialect == "postgresql" else sqlite
    insert = module.insert(_NOTIFICATIONS)
    return insert.on_conflict_do_nothing(index_elements=["dedupe_key"]).returning(_NOTIFICATIONS.c.id)


@functools.lru_cache(maxsize=8)
def _logged_insert_statement(columns: tuple[str, ...], dialect: Dialect) -> DriverSQL:
    """PostgreSQL: :func:`_insert_once`'s statement for a row of ``columns`` with its audit event,
    compiled for ``dialect``'s driver (sent on it, the statement costs a tenth of SQLAlchemy's
    execution of it: :func:`app.core.db.transaction_driver`)."""
    values = {name: bindparam(name, type_=_NOTIFICATIONS.c[name].type) for name in columns}
    insert = postgresql.insert(_NOTIFICATIONS).values(values)
    once = insert.on_conflict_do_nothing(index_elements=["dedupe_key"]).returning(_NOTIFICATIONS.c.id)
    return DriverSQL.compile(audit.logged_insert(once), dialect)


@dataclass(frozen=True)
class Route:
    """Where a person's message goes: channel, recipient, language and the consent to check."""

    channel: str
    recipient: str
    language: str
    consent_purpose: str


@dataclass(frozen=True)
class NoRoute:
    """Why nothing is sent: ``opted_out`` (chose no messages), ``no_channel`` (no reachable
    contact, or none on the chosen channel), ``fixed_line`` (the person's only phones are fixed
    lines, which take no SMS or WhatsApp, and no other channel reaches them), ``no_consent`` (no
    consent for contact in force)."""

    reason: str
    channel: str | None = None


async def desk_of(session: AsyncSession, desk_id: uuid.UUID) -> Desk:
    """The desk ``desk_id`` (a foreign key: it exists); the one the request already loaded (its
    registrant's, its case's) comes from the session without another query."""
    desk = await session.get(Desk, desk_id)
    if desk is None:
        raise LookupError(f"desk {desk_id} not found")
    return desk


async def choose_route(
    session: AsyncSession,
    *,
    registrant: Registrant,
    event: str,
    at: dt.datetime | None = None,
    registered_now: bool = False,
) -> Route | NoRoute:
    """The person's channel and language for ``event`` at ``at`` (default now).

    The chosen channel (``notification_preferences``) when there is one — and then only that
    one; otherwise the first of WhatsApp (a verified mobile phone flagged WhatsApp), SMS (a
    verified mobile phone: fixed lines are left out, :mod:`app.notifications.addresses`), e-mail
    that is reachable *and* has the consent for contact in force. Language: the
    chosen one, else the first of ``registrant.languages`` with a template for the event, else
    French.

    ``registered_now``: ``registrant`` is being created in this transaction with its phones and
    consents (``registrant.phones``, ``registrant.consents``; written or about to be, the consents
    then without their ids): they are all the person has on file and nobody can have set a
    preference yet, so they are read from it, not queried.
    """
    when = at or utcnow()
    preference = None if registered_now else await session.get(NotificationPreference, registrant.id)
    if preference is not None and preference.channel == "none":
        return NoRoute("opted_out")
    phones: Sequence[RegistrantPhone]
    if registered_now:
        phones = sorted((p for p in registrant.phones if p.verified), key=lambda p: (p.position, p.id))
    else:
        phones = (
            (
                await session.execute(
                    select(RegistrantPhone)
                    .where(RegistrantPhone.registrant_id == registrant.id, RegistrantPhone.verified.is_(True))
                    .order_by(RegistrantPhone.position, RegistrantPhone.id)
                )
            )
            .scalars()
            .all()
        )
    addresses = reachable(phones, registrant.email)
    chosen = preference.channel if preference is not None and preference.channel else None
    order = (chosen,) if chosen else DEFAULT_CHANNEL_ORDER
    candidates = [c for c in order if c in addresses]
    if not candidates:
        landlines_only = any(p.e164 for p in phones) and all(is_fixed_line(p.e164) for p in phones if p.e164)
        wanted_phone = chosen in ("sms", "whatsapp") or chosen is None
        return NoRoute("fixed_line" if landlines_only and wanted_phone else "no_channel", chosen)
    languages = [preference.language] if preference is not None and preference.language else []
    desk = await desk_of(session, registrant.desk_id)
    language = templates.registry().choose_language(event, [*languages, *(registrant.languages or [])], desk.code)
    for channel in candidates:
        purpose = CONSENT_PURPOSE_BY_CHANNEL[channel]
        if registered_now:
            # in the order they are numbered: not yet, when the registration decides its receipt
            # before its single INSERT (app.registrants.bulk.store_one); the sort is stable
            decisions = sorted((c for c in registrant.consents if c.purpose == purpose), key=lambda c: c.recorded_at)
            consent = latest_in_force(decisions, at=when)
        else:
            consent = await consent_in_force(session, registrant_id=registrant.id, purpose=purpose, at=when)
        if consent is not None:
            return Route(channel, addresses[channel], language, purpose)
    return NoRoute("no_consent", candidates[0])


async def enqueue_for_registrant(
    session: AsyncSession,
    *,
    event: str,
    registrant: Registrant,
    context: Mapping[str, object],
    dedupe_key: str,
    not_before: dt.datetime | None = None,
    actor: Actor = SYSTEM_ACTOR,
    registered_now: bool = False,
) -> Notification | None:
    """Queue ``event`` for a person on file, on their channel, in their language, with consent.

    ``registrant``: the ORM row (its phones are read here; ``registered_now``: see
    :func:`choose_route`). The channel and language come from :func:`choose_route`; the consent
    for contact is checked now and again by the worker before sending (a withdrawal in between
    withholds the message). Returns the queued row, or ``None`` when nothing is queued: no
    consent, no reachable channel, opted out (a ``skipped`` row records the reason, and the
    audit event ``notification.skip``), or ``dedupe_key`` already used.
    Raises ``ValidationFailed`` (422) as :func:`enqueue_message` does.
    """
    planned = await plan_for_registrant(
        session,
        event=event,
        registrant=registrant,
        context=context,
        dedupe_key=dedupe_key,
        not_before=not_before,
        registered_now=registered_now,
    )
    written = await _insert_once(session, planned, actor=actor)
    return written if planned.action == "notification.queue" else None


async def plan_for_registrant(
    session: AsyncSession,
    *,
    event: str,
    registrant: Registrant,
    context: Mapping[str, object],
    dedupe_key: str,
    not_before: dt.datetime | None = None,
    registered_now: bool = False,
) -> Planned:
    """What :func:`enqueue_for_registrant` writes (same arguments and errors), decided but not
    written: the ``queued`` row on the route :func:`choose_route` finds, else the ``skipped`` row
    with its reason. Reads the database only when ``registered_now`` is false."""
    route = await choose_route(session, registrant=registrant, event=event, registered_now=registered_now)
    if isinstance(route, Route):
        return queued(
            event=event,
            channel=route.channel,
            recipient=route.recipient,
            language=route.language,
            context=context,
            dedupe_key=dedupe_key,
            registrant_id=registrant.id,
            desk_id=registrant.desk_id,
            consent_purpose=route.consent_purpose,
            not_before=not_before,
        )
    return _skipped(event=event, registrant=registrant, route=route, dedupe_key=dedupe_key)


def _skipped(*, event: str, registrant: Registrant, route: NoRoute, dedupe_key: str) -> Planned:
    _check(event=event, channel="email", recipient="x@x.xx", dedupe_key=dedupe_key)
    new_id = ids.new_id()
    now = utcnow()
    row: dict[str, Any] = {
        "id": new_id,
        "event": event,
        "channel": route.channel or "none",
        "recipient": "",
        "language": "",
        "context": {},
        "dedupe_key": dedupe_key,
        "registrant_id": registrant.id,
        "desk_id": registrant.desk_id,
        "status": "skipped",
        "reason": route.reason,
        "attempts": 0,
        "next_attempt_at": now,
        "message_id": message_id_for(new_id),
        "created_at": now,
        "updated_at": now,
    }
    details = {"event": event, "reason": route.reason, "dedupe_key": dedupe_key, "registrant_id": registrant.id}
    return Planned(row, "notification.skip", details)
