"""A message's delivery event (``notification.deliver``) keeps the reason of its new status, and a
provider's refusal often quotes the address (``SMTP refused: {'awa@…': (550, …)}``): the address
is masked in the event, which the append-only chain keeps for ever (the message's row keeps the
reason as given, until an erasure).

Before: the refusal went into the chained details as it was, the person's address with it."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.audit.models import AuditEvent
from app.notifications.doubt import record_delivery
from app.notifications.models import Notification
from app.notifications.outbox import enqueue_message


async def _queued(sessionmaker: async_sessionmaker[AsyncSession], channel: str, recipient: str) -> Notification:
    async with sessionmaker() as session:
        queued = await enqueue_message(
            session,
            event="one_time_code",
            channel=channel,
            recipient=recipient,
            language="fr",
            context={"code": "482913", "expires_minutes": 10},
            dedupe_key=f"otp:refused:{recipient}",
        )
        await session.commit()
    assert queued is not None
    return queued


async def _delivered(sessionmaker: async_sessionmaker[AsyncSession], message: Notification, reason: str) -> str:
    async with sessionmaker() as session:
        await record_delivery(session, message, "failed", reason)
        await session.commit()
        details = (
            await session.execute(
                select(AuditEvent.details).where(
                    AuditEvent.action == "notification.deliver", AuditEvent.entity_id == str(message.id)
                )
            )
        ).scalar_one()
    return str(details["reason"])


async def test_a_refusal_quoting_the_address_is_audited_without_it(
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    message = await _queued(sessionmaker, "email", "awa.ndiaye@example.org")
    reason = "SMTP refused: {'Awa.Ndiaye@example.org': (550, b'5.1.1 <awa.ndiaye@example.org>: unknown user')}"
    assert await _delivered(sessionmaker, message, reason) == (
        "SMTP refused: {'***': (550, b'5.1.1 <***>: unknown user')}"
    )


async def test_a_phone_number_in_a_providers_answer_is_masked_and_other_reasons_kept(
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    message = await _queued(sessionmaker, "sms", "+221771234567")
    assert await _delivered(sessionmaker, message, "Twilio 400: The 'To' number +221771234567 is not valid") == (
        "Twilio 400: The 'To' number *** is not valid"
    )
    other = await _queued(sessionmaker, "sms", "+221771234568")
    assert await _delivered(sessionmaker, other, "worker stopped during the last attempt") == (
        "worker stopped during the last attempt"
    )
