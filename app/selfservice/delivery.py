"""Sending a one-time code: one message queued in the notification outbox, in the caller's
transaction (``app.notifications.outbox.enqueue_message``, event ``one_time_code``).

The worker delivers it by SMS, WhatsApp (the configured provider) or e-mail (SMTP). No consent
check: the person asked for the code themselves.
"""

from __future__ import annotations

import uuid
from typing import Final

from sqlalchemy.ext.asyncio import AsyncSession

from app.core.context import Actor
from app.notifications.outbox import enqueue_message

CODE_EVENT: Final = "one_time_code"
"""The notification event of a sign-in code's message (an erasure finds a person's by it)."""


async def send_code(
    session: AsyncSession,
    *,
    code_id: uuid.UUID,
    channel: str,
    recipient: str,
    code: str,
    expires_minutes: int,
    language: str,
    actor: Actor,
) -> None:
    """Queue the code's message (``channel``: ``sms``, ``whatsapp`` or ``email``; ``recipient``:
    E.164 number or e-mail address). Deduplicated on the code's id: one message per code."""
    await enqueue_message(
        session,
        event=CODE_EVENT,
        channel=channel,
        recipient=recipient,
        language=language,
        context={"code": code, "expires_minutes": expires_minutes},
        dedupe_key=f"one_time_code:{code_id}",
        actor=actor,
    )
