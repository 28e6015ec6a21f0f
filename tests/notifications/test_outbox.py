"""The outbox: a message is queued in the caller's transaction, once per dedupe key, on the
person's channel and in their language, and only with their consent for contact."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.audit.models import AuditEvent
from app.core.errors import ValidationFailed
from app.core.integrity import is_unique_violation
from app.notifications.models import Notification, NotificationPreference
from app.notifications.outbox import enqueue_for_registrant, enqueue_message
from app.registrants.models import Registrant

OTP_SMS = {
    "event": "one_time_code",
    "channel": "sms",
    "recipient": "+221771234567",
    "language": "fr",
    "context": {"code": "482913", "expires_minutes": 10},
}
"""A one-time code by SMS, as :func:`enqueue_message` takes it (less the dedupe key)."""


async def _rows(sessionmaker: async_sessionmaker[AsyncSession]) -> list[Notification]:
    async with sessionmaker() as session:
        return list((await session.execute(select(Notification).order_by(Notification.created_at))).scalars())


async def test_a_message_is_queued_once_per_dedupe_key_and_only_if_the_transaction_commits(sessionmaker) -> None:
    async with sessionmaker() as session:
        first = await enqueue_message(session, **OTP_SMS, dedupe_key="otp:1")
        again = await enqueue_message(
            session, **{**OTP_SMS, "context": {"code": "000000", "expires_minutes": 10}}, dedupe_key="otp:1"
        )
        assert first is not None and again is None
        await session.rollback()
    assert await _rows(sessionmaker) == []
    async with sessionmaker() as session:
        queued = await enqueue_message(
            session,
            event="one_time_code",
            channel="email",
            recipient="awa@example.org",
            language="en",
            context={"code": "482913", "expires_minutes": 10},
            dedupe_key="otp:2",
        )
        await session.commit()
    rows = await _rows(sessionmaker)
    assert [(r.event, r.status, r.recipient, r.context, r.attempts) for r in rows] == [
        ("one_time_code", "queued", "awa@example.org", {"code": "482913", "expires_minutes": 10}, 0)
    ]
    assert queued is not None and rows[0].message_id == f"<{queued.id}@notifications.diaspora-desk.invalid>"
    async with sessionmaker() as session:
        event = (
            await session.execute(select(AuditEvent).where(AuditEvent.action == "notification.queue"))
        ).scalar_one()
    assert event.details["dedupe_key"] == "otp:2" and "awa@example.org" not in str(event.details)


async def test_a_message_for_a_person_not_on_file_raises_integrity_error_and_stores_nothing(sessionmaker) -> None:
    """A foreign key violated raises SQLAlchemy's ``IntegrityError`` on both databases (on
    PostgreSQL the statement goes on the driver, whose error is wrapped), and nothing is kept."""
    async with sessionmaker() as session:
        with pytest.raises(IntegrityError) as raised:
            await enqueue_message(session, **OTP_SMS, dedupe_key="otp:nobody", registrant_id=uuid.uuid4())
        assert not is_unique_violation(raised.value)  # not answered 409: nobody took a value
        await session.rollback()
    assert await _rows(sessionmaker) == []
    async with sessionmaker() as session:
        assert (await session.execute(select(AuditEvent).where(AuditEvent.action == "notification.queue"))).all() == []


@pytest.mark.parametrize(
    ("channel", "recipient", "event", "context"),
    [
        ("sms", "0612345678", "one_time_code", {}),
        ("email", "not-an-address", "one_time_code", {}),
        ("pigeon", "+221771234567", "one_time_code", {}),
        ("sms", "+221771234567", "no_such_event", {}),
        ("sms", "+221771234567", "one_time_code", {"when": dt.datetime(2026, 1, 1)}),
        ("sms", "+221771234567", "one_time_code", {"what": object()}),
        ("sms", "+221771234567", "one_time_code", {"language": "a very long language name"}),
    ],
)
async def test_bad_messages_are_refused(sessionmaker, channel, recipient, event, context) -> None:
    async with sessionmaker() as session:
        with pytest.raises(ValidationFailed):
            await enqueue_message(
                session,
                event=event,
                channel=channel,
                recipient=recipient,
                language=context.pop("language", "fr"),
                context=context,
                dedupe_key="k",
            )


async def _enqueue_for(sessionmaker, registrant_id, key="receipt") -> Notification | None:
    async with sessionmaker() as session:
        registrant = await session.get(Registrant, registrant_id)
        row = await enqueue_for_registrant(
            session,
            event="registration_receipt",
            registrant=registrant,
            context={"given_names": "Awa", "registration_number": "CASA-2026-000001", "desk_name": "Casablanca"},
            dedupe_key=f"{key}:{registrant_id}",
        )
        await session.commit()
        return row


async def test_the_person_gets_whatsapp_by_default_then_sms_then_email(sessionmaker, make_person) -> None:
    on_whatsapp = await _enqueue_for(sessionmaker, await make_person())
    on_sms = await _enqueue_for(sessionmaker, await make_person(whatsapp=False, languages=("en",)))
    by_email = await _enqueue_for(sessionmaker, await make_person(phone=None, consents=("contact_email",)))
    assert (on_whatsapp.channel, on_whatsapp.recipient, on_whatsapp.language) == ("whatsapp", "+212612345678", "fr")
    assert (on_sms.channel, on_sms.language, on_sms.consent_purpose) == ("sms", "en", "contact_sms_whatsapp")
    assert (by_email.channel, by_email.recipient, by_email.consent_purpose) == (
        "email",
        "awa.ndiaye@example.org",
        "contact_email",
    )


async def test_without_consent_or_channel_nothing_is_queued_and_the_reason_is_kept(sessionmaker, make_person) -> None:
    no_consent = await make_person(consents=(), withdrawn=("contact_sms_whatsapp", "contact_email"))
    no_contact = await make_person(phone=None, email=None)
    assert await _enqueue_for(sessionmaker, no_consent) is None
    assert await _enqueue_for(sessionmaker, no_contact) is None
    rows = {r.registrant_id: r for r in await _rows(sessionmaker)}
    assert (rows[no_consent].status, rows[no_consent].reason, rows[no_consent].recipient) == (
        "skipped",
        "no_consent",
        "",
    )
    assert (rows[no_contact].status, rows[no_contact].reason) == ("skipped", "no_channel")


async def test_the_chosen_channel_is_the_only_one_used(sessionmaker, make_person) -> None:
    email_only_consent = await make_person(consents=("contact_email",))
    chose_sms = await make_person(consents=("contact_email",))
    async with sessionmaker() as session:
        session.add(NotificationPreference(registrant_id=chose_sms, channel="sms", language="en"))
        await session.commit()
    fallback = await _enqueue_for(sessionmaker, email_only_consent)
    assert fallback is not None and fallback.channel == "email"
    assert await _enqueue_for(sessionmaker, chose_sms) is None
    skipped = [r for r in await _rows(sessionmaker) if r.registrant_id == chose_sms]
    assert [(r.channel, r.reason) for r in skipped] == [("sms", "no_consent")]
