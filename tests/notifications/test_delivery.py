"""Delivery by the worker to a real local SMTP server (aiosmtpd) and to a local server speaking
Twilio's API: language, local time, retries with backoff, consent checked again at sending."""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from pydantic import SecretStr
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.core.config import Settings
from app.desks.models import Desk
from app.notifications import templates
from app.notifications.models import Notification
from app.notifications.outbox import enqueue_for_registrant, enqueue_message
from app.notifications.worker import deliver_due
from app.privacy.models import Disclosure
from app.registrants.models import Consent, Registrant
from tests.notifications.servers import FakeTwilio, SmtpSink, smtp_server, twilio_server

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "notifications"


@pytest.fixture
def smtp() -> Iterator[SmtpSink]:
    yield from smtp_server()


@pytest.fixture
def twilio() -> Iterator[FakeTwilio]:
    yield from twilio_server("AC" + "0" * 32, "secret-token")


@pytest.fixture
def mail_settings(settings: Settings, smtp: SmtpSink) -> Settings:
    return settings.model_copy(update={"smtp_port": smtp.port, "smtp_from": "Guichet <guichet@desk.example>"})


@pytest.fixture
def wolof_templates() -> Iterator[None]:
    templates.configure(FIXTURES)
    yield
    templates.configure(None)


async def _paris_desk(sessionmaker: async_sessionmaker[AsyncSession]) -> uuid.UUID:
    async with sessionmaker() as session:
        desk = Desk(code="PAR-CONS", number_prefix="PAR", name="Paris", country="FR", city="Paris")
        desk.time_zone = "Europe/Paris"
        session.add(desk)
        await session.commit()
        return desk.id


async def _queue_booking(sessionmaker, registrant_id: uuid.UUID, starts_at: dt.datetime) -> Notification | None:
    async with sessionmaker() as session:
        registrant = await session.get(Registrant, registrant_id)
        row = await enqueue_for_registrant(
            session,
            event="appointment_booked",
            registrant=registrant,
            context={"starts_at": starts_at},
            dedupe_key=f"booked:{registrant_id}",
        )
        await session.commit()
        return row


async def _move_to(sessionmaker, registrant_id: uuid.UUID, desk_id: uuid.UUID) -> None:
    async with sessionmaker() as session:
        await session.execute(update(Registrant).where(Registrant.id == registrant_id).values(desk_id=desk_id))
        await session.commit()


async def test_an_email_reaches_the_smtp_server_in_the_persons_language_and_the_desks_local_time(
    sessionmaker, make_person, mail_settings, smtp
) -> None:
    paris = await _paris_desk(sessionmaker)
    english = await make_person(phone=None, consents=("contact_email",), languages=("en",))
    await _move_to(sessionmaker, english, paris)
    queued = await _queue_booking(sessionmaker, english, dt.datetime(2026, 12, 3, 9, 30, tzinfo=dt.UTC))

    assert await deliver_due(sessionmaker, mail_settings) == 1

    [mail] = smtp.messages
    assert mail["Message-ID"].strip() == queued.message_id  # folded onto its own line (RFC 5322 §2.2.3)
    assert (mail["To"], mail["From"], mail["Content-Language"]) == (
        "awa.ndiaye@example.org",
        "Guichet <guichet@desk.example>",
        "en",
    )
    assert mail["Subject"] == "Appointment on Thursday 3 December 2026 10:30"  # 09:30 UTC is 10:30 in Paris
    assert mail.get_content().strip() == (
        "Paris: your appointment is on Thursday 3 December 2026 10:30 (the desk's local time)."
    )
    async with sessionmaker() as session:
        row = await session.get(Notification, queued.id)
    assert (row.status, row.attempts, row.provider, row.lease_until) == ("sent", 1, "smtp", None)
    assert await deliver_due(sessionmaker, mail_settings) == 0  # nothing sent twice


async def test_french_by_default_and_wolof_where_the_desk_supplies_it(
    sessionmaker, make_person, mail_settings, smtp, wolof_templates
) -> None:
    wolof = await make_person(phone=None, consents=("contact_email",), languages=("wo", "fr"))
    no_wolof_template = await make_person(phone=None, consents=("contact_email",), languages=("wo",))
    when = dt.datetime(2026, 12, 3, 9, 30, tzinfo=dt.UTC)
    booked = await _queue_booking(sessionmaker, wolof, when)
    async with sessionmaker() as session:
        receipt = await enqueue_for_registrant(
            session,
            event="registration_receipt",
            registrant=await session.get(Registrant, no_wolof_template),
            context={"given_names": "Awa", "registration_number": "CASA-2026-000042"},
            dedupe_key="receipt:1",
        )
        await session.commit()
    assert (booked.language, receipt.language) == ("wo", "fr")

    await deliver_due(sessionmaker, mail_settings)

    bodies = {str(m["Message-ID"]).strip(): m.get_content().strip() for m in smtp.messages}
    # Casablanca is UTC+00 all year from 2026-09-20 (IANA 2026c): 09:30 UTC is 09:30 at the desk.
    assert bodies[booked.message_id] == (
        "Bureau d'accueil des Sénégalais de l'extérieur — Casablanca : sa rendez-vous mi ngi ci "
        "Alxamis 3 Desàmbar 2026 09:30 (waxtu guichet bi)."
    )
    assert bodies[receipt.message_id].startswith("Bonjour Awa, Bureau d'accueil")


async def test_a_refusing_server_is_retried_with_exponential_backoff_then_given_up(
    sessionmaker, make_person, mail_settings, smtp
) -> None:
    settings = mail_settings.model_copy(update={"notify_max_attempts": 3, "notify_backoff_seconds": 60})
    person = await make_person(phone=None, consents=("contact_email",))
    queued = await _queue_booking(sessionmaker, person, dt.datetime(2026, 12, 3, 9, 30, tzinfo=dt.UTC))
    smtp.refuse_next = 5
    waits = []
    for _ in range(3):
        before = dt.datetime.now(dt.UTC)
        assert await deliver_due(sessionmaker, settings) == 1
        async with sessionmaker() as session:
            row = await session.get(Notification, queued.id)
        waits.append(round((row.next_attempt_at - before).total_seconds() / 60))
        # Make the retry due now instead of waiting for it.
        async with sessionmaker() as session:
            await session.execute(
                update(Notification).where(Notification.id == queued.id).values(next_attempt_at=before)
            )
            await session.commit()
    async with sessionmaker() as session:
        row = await session.get(Notification, queued.id)
    assert waits[:2] == [1, 2]  # 60 s, then 120 s
    assert (row.status, row.attempts, smtp.messages) == ("failed", 3, [])
    assert row.reason.startswith("SMTP refused") and "451" in row.reason
    assert await deliver_due(sessionmaker, settings) == 0


async def test_a_permanent_refusal_is_not_retried(sessionmaker, make_person, mail_settings, smtp) -> None:
    person = await make_person(phone=None, consents=("contact_email",))
    queued = await _queue_booking(sessionmaker, person, dt.datetime(2026, 12, 3, 9, 30, tzinfo=dt.UTC))
    smtp.refuse_permanently = True
    assert await deliver_due(sessionmaker, mail_settings) == 1
    async with sessionmaker() as session:
        row = await session.get(Notification, queued.id)
    assert (row.status, row.attempts) == ("failed", 1) and "550" in row.reason


async def test_an_unreachable_server_leaves_the_message_queued_for_later(sessionmaker, make_person, settings) -> None:
    from tests.core.servers import free_port

    closed = settings.model_copy(update={"smtp_port": free_port(), "smtp_timeout_seconds": 2})
    person = await make_person(phone=None, consents=("contact_email",))
    queued = await _queue_booking(sessionmaker, person, dt.datetime(2026, 12, 3, 9, 30, tzinfo=dt.UTC))
    assert await deliver_due(sessionmaker, closed) == 1
    async with sessionmaker() as session:
        row = await session.get(Notification, queued.id)
    assert (row.status, row.attempts) == ("queued", 1) and row.reason.startswith("SMTP unavailable")


async def test_a_consent_withdrawn_after_queueing_withholds_the_message(
    sessionmaker, make_person, mail_settings, smtp
) -> None:
    person = await make_person(phone=None, consents=("contact_email",))
    queued = await _queue_booking(sessionmaker, person, dt.datetime(2026, 12, 3, 9, 30, tzinfo=dt.UTC))
    async with sessionmaker() as session:
        await session.execute(
            update(Consent).where(Consent.registrant_id == person).values(withdrawn_at=dt.datetime.now(dt.UTC))
        )
        await session.commit()
    assert await deliver_due(sessionmaker, mail_settings) == 0
    async with sessionmaker() as session:
        row = await session.get(Notification, queued.id)
    assert (row.status, row.reason, smtp.messages) == ("withheld", "no consent in force for contact_email", [])


async def test_without_consent_nothing_reaches_any_server(sessionmaker, make_person, mail_settings, smtp) -> None:
    person = await make_person(consents=())
    assert await _queue_booking(sessionmaker, person, dt.datetime(2026, 12, 3, 9, 30, tzinfo=dt.UTC)) is None
    assert await deliver_due(sessionmaker, mail_settings) == 0
    assert smtp.messages == [] and not (mail_settings.data_dir / "notifications").exists()


async def test_whatsapp_through_twilio_records_the_disclosure_and_retries_a_server_error(
    sessionmaker, make_person, settings, twilio
) -> None:
    via_twilio = settings.model_copy(
        update={
            "whatsapp_provider": "twilio",
            "sms_provider": "twilio",
            "twilio_api_base": twilio.base_url,
            "twilio_account_sid": twilio.account_sid,
            "twilio_auth_token": SecretStr(twilio.auth_token),
            "twilio_whatsapp_from": "+14155238886",
            "twilio_sms_from": "+14155550100",
        }
    )
    person = await make_person(languages=("en",))
    queued = await _queue_booking(sessionmaker, person, dt.datetime(2026, 12, 3, 9, 30, tzinfo=dt.UTC))
    twilio.fail_with = [503]
    assert await deliver_due(sessionmaker, via_twilio) == 1
    async with sessionmaker() as session:
        await session.execute(
            update(Notification).where(Notification.id == queued.id).values(next_attempt_at=dt.datetime.now(dt.UTC))
        )
        await session.commit()
    assert await deliver_due(sessionmaker, via_twilio) == 1

    assert twilio.requests == [
        {
            "To": "whatsapp:+212612345678",
            "From": "whatsapp:+14155238886",
            "Body": "Bureau d'accueil des Sénégalais de l'extérieur — Casablanca: your appointment is on "
            "Thursday 3 December 2026 09:30 (the desk's local time).",
        }
    ]
    async with sessionmaker() as session:
        row = await session.get(Notification, queued.id)
        disclosures = (await session.execute(select(Disclosure))).scalars().all()
    assert (row.status, row.attempts, row.provider, row.provider_message_id) == ("sent", 2, "twilio", f"SM{1:032x}")
    assert [(d.kind, d.purpose, d.recipient_name, d.legal_basis, d.entity_id) for d in disclosures] == [
        ("notification", "contact_sms_whatsapp", "twilio", "consent", str(queued.id))
    ]


async def test_a_number_twilio_refuses_fails_without_retry(sessionmaker, settings, twilio) -> None:
    via_twilio = settings.model_copy(
        update={
            "sms_provider": "twilio",
            "twilio_api_base": twilio.base_url,
            "twilio_account_sid": twilio.account_sid,
            "twilio_auth_token": SecretStr(twilio.auth_token),
            "twilio_sms_from": "+14155550100",
        }
    )
    queued = await _queue_sms_code(sessionmaker, dedupe_key="otp:twilio")
    twilio.fail_with = [400]
    assert await deliver_due(sessionmaker, via_twilio) == 1
    async with sessionmaker() as session:
        row = await session.get(Notification, queued.id)
    assert (row.status, row.attempts, twilio.requests) == ("failed", 1, [])
    assert row.reason == "Twilio 400: 21211 The 'To' number is not valid."


async def test_the_log_provider_writes_one_json_line_per_message(sessionmaker, settings) -> None:
    queued = await _queue_sms_code(sessionmaker, dedupe_key="otp:log")
    assert await deliver_due(sessionmaker, settings) == 1
    lines = (settings.data_dir / "notifications" / "sms.jsonl").read_text(encoding="utf-8").splitlines()
    assert [json.loads(line) for line in lines] == [
        {
            "notification_id": str(queued.id),
            "message_id": queued.message_id,
            "channel": "sms",
            "recipient": "+221771234567",
            "language": "fr",
            "subject": "Votre code de connexion",
            "body": "Votre code Diaspora Desk est 482913. Il expire dans 10 minutes. Ne le communiquez à personne.",
        }
    ]


async def test_a_stopping_worker_gives_back_what_it_claimed_but_did_not_send(sessionmaker, settings) -> None:
    from app.notifications.channels import Handing, LogSender, Outgoing

    stop = asyncio.Event()

    class StopAfterOne(LogSender):
        async def send(self, message: Outgoing, handing: Handing | None = None) -> str | None:
            reference = await super().send(message, handing) if handing else await super().send(message)
            stop.set()  # SIGTERM arrives while the first message is in hand
            return reference

    async with sessionmaker() as session:
        for n in range(3):
            await enqueue_message(
                session,
                event="one_time_code",
                channel="sms",
                recipient="+221771234567",
                language="fr",
                context={"code": f"{n:06d}", "expires_minutes": 10},
                dedupe_key=f"otp:stop:{n}",
            )
        await session.commit()
    assert await deliver_due(sessionmaker, settings, {"sms": StopAfterOne(settings.data_dir, "sms")}, stop) == 1
    async with sessionmaker() as session:
        rows = (await session.execute(select(Notification.status, Notification.attempts))).all()
    assert sorted(rows) == [("queued", 0), ("queued", 0), ("sent", 1)]


async def _queue_sms_code(sessionmaker, *, dedupe_key: str) -> Notification:  # type: ignore[no-untyped-def]
    """A one-time code by SMS to +221771234567, queued and committed."""
    async with sessionmaker() as session:
        queued = await enqueue_message(
            session,
            event="one_time_code",
            channel="sms",
            recipient="+221771234567",
            language="fr",
            context={"code": "482913", "expires_minutes": 10},
            dedupe_key=dedupe_key,
        )
        await session.commit()
    assert queued is not None
    return queued
