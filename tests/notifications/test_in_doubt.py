"""Messages in doubt: handed to the SMTP server or the provider, and the answer lost (the
connection broke after ``DATA``, the worker died in flight). They are never sent again blindly:
the worker asks the other side where it can (the log provider's file, Twilio's Messages list), and
otherwise holds them ``in_doubt`` for a person, who sees them and decides over the API."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator

import pytest
from pydantic import SecretStr
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.audit import payloads
from app.audit.models import AuditEvent
from app.core.config import Settings
from app.core.context import SYSTEM_ACTOR
from app.notifications import events
from app.notifications.channels import Handing, LogSender, Outgoing, TwilioSender
from app.notifications.models import Notification
from app.notifications.outbox import enqueue_message
from app.notifications.worker import deliver_due
from app.privacy.erasure import forget_notifications
from app.registrants.models import Registrant
from tests.notifications.servers import FakeTwilio, SmtpSink, smtp_server, twilio_server


@pytest.fixture
def smtp() -> Iterator[SmtpSink]:
    yield from smtp_server()


@pytest.fixture
def twilio() -> Iterator[FakeTwilio]:
    yield from twilio_server("AC" + "1" * 32, "secret-token")


class Died(BaseException):
    """The worker process dying at that line (nothing after it runs, nothing is recorded)."""


# The worker's SMTP timeout in these tests, and how long the server holds its answer to DATA: the
# answer comes after the worker gave up. The margin is wide so that on a loaded machine the
# commands before DATA (connect, EHLO, MAIL, RCPT) never reach the timeout themselves.
PATIENCE = 5.0
SILENCE = 2 * PATIENCE


async def _queue_code(sessionmaker: async_sessionmaker[AsyncSession], channel: str, recipient: str) -> Notification:
    async with sessionmaker() as session:
        queued = await enqueue_message(
            session,
            event="one_time_code",
            channel=channel,
            recipient=recipient,
            language="fr",
            context={"code": "482913", "expires_minutes": 10},
            dedupe_key=f"otp:doubt:{channel}:{recipient}",
        )
        await session.commit()
    assert queued is not None
    return queued


async def _row(sessionmaker: async_sessionmaker[AsyncSession], queued: Notification) -> Notification:
    async with sessionmaker() as session:
        row = await session.get(Notification, queued.id)
        assert row is not None
        return row


async def test_an_smtp_answer_lost_after_data_is_in_doubt_and_never_resent(sessionmaker, settings, smtp) -> None:
    impatient = settings.model_copy(update={"smtp_port": smtp.port, "smtp_timeout_seconds": PATIENCE})
    smtp.delay_seconds = SILENCE  # the server takes the message and answers after the client gave up
    queued = await _queue_code(sessionmaker, "email", "awa@example.org")
    assert await deliver_due(sessionmaker, impatient) == 1
    row = await _row(sessionmaker, queued)
    assert row.status == "in_doubt"
    assert row.reason is not None and row.reason.startswith("answer lost after the hand-over")
    assert row.sent_at is None  # never claimed sent
    smtp.delay_seconds = 0
    assert await deliver_due(sessionmaker, impatient) == 0  # not sent again, not even tried
    async with sessionmaker() as session:
        audited = (
            await session.execute(select(AuditEvent.details).where(AuditEvent.action == "notification.deliver"))
        ).scalar_one()
    assert audited["status"] == "in_doubt"


async def test_staff_see_the_messages_in_doubt_of_their_desk_and_decide(
    client, make_staff, make_person, sessionmaker, settings, smtp
) -> None:
    agent = await make_staff("agent", ["CASA-BASE"])
    dakar = await make_staff("agent", ["DKR-MOB"])
    person = await make_person(consents=("contact_email",), phone=None)
    async with sessionmaker() as session:
        registrant = await session.get(Registrant, person)
        assert registrant is not None
        queued = await events.registration_received(session, actor=SYSTEM_ACTOR, registrant=registrant)
        await session.commit()
    assert queued is not None and queued.channel == "email"
    impatient = settings.model_copy(update={"smtp_port": smtp.port, "smtp_timeout_seconds": PATIENCE})
    smtp.delay_seconds = SILENCE
    await deliver_due(sessionmaker, impatient)
    smtp.delay_seconds = 0

    listed = await client.get("/api/v1/notifications/in-doubt", headers=agent.headers)
    elsewhere = await client.get("/api/v1/notifications/in-doubt", headers=dakar.headers)
    assert listed.status_code == 200 and [n["id"] for n in listed.json()["items"]] == [str(queued.id)]
    assert listed.json()["items"][0]["status"] == "in_doubt"
    assert elsewhere.status_code == 200 and elsewhere.json()["items"] == []

    url = f"/api/v1/notifications/{queued.id}/resolution"
    other_desk = await client.post(url, json={"decision": "resend"}, headers=dakar.headers)
    bad = await client.post(url, json={"decision": "maybe"}, headers=agent.headers)
    unknown = await client.post(
        "/api/v1/notifications/00000000-0000-4000-8000-000000000000/resolution",
        json={"decision": "sent"},
        headers=agent.headers,
    )
    assert [r.status_code for r in (other_desk, bad, unknown)] == [404, 422, 404]
    assert other_desk.json()["type"] == "/problems/notification-not-found"

    resent = await client.post(url, json={"decision": "resend", "note": "Awa says nothing came"}, headers=agent.headers)
    again = await client.post(url, json={"decision": "sent"}, headers=agent.headers)
    assert resent.status_code == 200 and resent.json()["status"] == "queued"
    assert again.status_code == 409 and again.json()["type"] == "/problems/notification-not-in-doubt"
    await deliver_due(sessionmaker, impatient)
    assert (await _row(sessionmaker, queued)).status == "sent"
    async with sessionmaker() as session:
        decided = (
            await session.execute(select(AuditEvent.details).where(AuditEvent.action == "notification.resolve"))
        ).scalar_one()
        kept = await payloads.resolve(session, [decided["personal"]])
    # The note speaks of the person: in the erasable payload of their file, not in the chain.
    assert (decided["decision"], decided["note_given"], "note" in decided) == ("resend", True, False)
    assert kept[decided["personal"]["payload"]] == {"note": "Awa says nothing came"}
    assert decided["personal"]["registrant"] == str(person)


@pytest.mark.parametrize("dies", ["after_writing", "before_writing"])
async def test_a_worker_dying_in_flight_on_the_log_provider_is_settled_from_the_file(
    sessionmaker, settings, dies
) -> None:
    class DyingLog(LogSender):
        async def send(self, message: Outgoing, handing: Handing | None = None) -> str | None:
            if dies == "after_writing":
                await super().send(message, handing) if handing else await super().send(message)
            elif handing is not None:
                await handing()
            raise Died

    short_lease = settings.model_copy(update={"notify_lease_seconds": 0})
    queued = await _queue_code(sessionmaker, "sms", "+221771234567")
    with pytest.raises(Died):
        await deliver_due(sessionmaker, short_lease, {"sms": DyingLog(settings.data_dir, "sms")})
    assert (await _row(sessionmaker, queued)).status == "in_flight"

    await deliver_due(sessionmaker, short_lease)  # the next worker finds it in flight, its lease expired
    row = await _row(sessionmaker, queued)
    lines = (settings.data_dir / "notifications" / "sms.jsonl").read_text(encoding="utf-8").splitlines()
    assert [json.loads(line)["message_id"] for line in lines] == [queued.message_id]  # once, whichever way
    assert row.status == "sent"
    assert row.reason == ("confirmed by the provider" if dies == "after_writing" else None)
    assert row.attempts == (1 if dies == "after_writing" else 2)


def _via_twilio(settings: Settings, twilio: FakeTwilio) -> Settings:
    return settings.model_copy(
        update={
            "sms_provider": "twilio",
            "twilio_api_base": twilio.base_url,
            "twilio_account_sid": twilio.account_sid,
            "twilio_auth_token": SecretStr(twilio.auth_token),
            "twilio_sms_from": "+14155550100",
            "notify_lease_seconds": 0,
            "provider_timeout_seconds": 1.0,
        }
    )


async def test_a_lost_twilio_answer_is_settled_by_listing_the_messages(sessionmaker, settings, twilio) -> None:
    via_twilio = _via_twilio(settings, twilio)
    queued = await _queue_code(sessionmaker, "sms", "+221771234567")
    twilio.lose_answers = 1
    assert await deliver_due(sessionmaker, via_twilio) == 1
    row = await _row(sessionmaker, queued)
    assert (row.status, row.provider_message_id, row.reason) == ("sent", f"SM{1:032x}", "confirmed by the provider")
    assert len(twilio.requests) == 1  # created once, never posted again
    assert await deliver_due(sessionmaker, via_twilio) == 0


async def test_a_worker_dying_before_its_twilio_request_left_is_sent_once(sessionmaker, settings, twilio) -> None:
    via_twilio = _via_twilio(settings, twilio)

    class DyingTwilio(TwilioSender):
        async def send(self, message: Outgoing, handing: Handing | None = None) -> str | None:
            if handing is not None:
                await handing()
            raise Died  # committed in flight, died before the request

    queued = await _queue_code(sessionmaker, "sms", "+221770000001")
    with pytest.raises(Died):
        await deliver_due(sessionmaker, via_twilio, {"sms": DyingTwilio(via_twilio, "sms")})
    assert twilio.requests == []
    assert await deliver_due(sessionmaker, via_twilio) == 0  # in flight for the provider's timeout at least
    assert (await _row(sessionmaker, queued)).status == "in_flight"
    await asyncio.sleep(1.2)
    await deliver_due(sessionmaker, via_twilio)
    row = await _row(sessionmaker, queued)
    assert (row.status, row.attempts, len(twilio.requests)) == ("sent", 2, 1)


async def test_an_erasure_withholds_a_message_in_doubt_and_staff_cannot_resend_one_without_address(
    client, make_staff, make_person, sessionmaker, settings, smtp
) -> None:
    agent = await make_staff("agent", ["CASA-BASE"])
    person = await make_person(consents=("contact_email",), phone=None)
    async with sessionmaker() as session:
        registrant = await session.get(Registrant, person)
        assert registrant is not None
        first = await events.registration_received(session, actor=SYSTEM_ACTOR, registrant=registrant)
        await session.commit()
    assert first is not None
    impatient = settings.model_copy(update={"smtp_port": smtp.port, "smtp_timeout_seconds": PATIENCE})
    smtp.delay_seconds = SILENCE
    await deliver_due(sessionmaker, impatient)
    smtp.delay_seconds = 0
    assert (await _row(sessionmaker, first)).status == "in_doubt"

    async with sessionmaker() as session:
        await forget_notifications(session, Notification.registrant_id == person, reason="erased")
        await session.commit()
    erased = await _row(sessionmaker, first)
    assert (erased.status, erased.reason, erased.recipient) == ("withheld", "erased", "")

    # A message the worker still had in flight at the erasure later comes back in doubt without
    # its address: it cannot be resent to anyone.
    async with sessionmaker() as session:
        await session.execute(update(Notification).where(Notification.id == first.id).values(status="in_doubt"))
        await session.commit()
    url = f"/api/v1/notifications/{first.id}/resolution"
    refused = await client.post(url, json={"decision": "resend"}, headers=agent.headers)
    assert refused.status_code == 409 and refused.json()["type"] == "/problems/notification-address-forgotten"
    assert (await _row(sessionmaker, first)).status == "in_doubt"
    settled = await client.post(url, json={"decision": "sent"}, headers=agent.headers)
    assert settled.status_code == 200 and settled.json()["status"] == "sent"
