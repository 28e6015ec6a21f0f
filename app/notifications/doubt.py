"""Messages in doubt: the hand-over committed just before a message can reach the other side,
and the question asked to the other side about a message whose answer was lost
(:mod:`app.notifications.worker` explains when; ``docs/notifications.md`` the guarantee)."""

from __future__ import annotations

import datetime as dt
import logging
import re
from collections.abc import Mapping
from typing import Any

from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.audit import service as audit
from app.core.config import Settings
from app.core.context import SYSTEM_ACTOR
from app.core.db import utcnow
from app.notifications.channels import Sender
from app.notifications.models import Notification
from app.notifications.rendering import Claimed, desks_of, render

log = logging.getLogger(__name__)


class ClaimLost(Exception):
    """The message is no longer this worker's (its lease expired and another worker claimed it)."""


IN_DOUBT_REASON = (
    "the worker stopped after handing the message over and before recording the answer: it may or may not have arrived"
)


async def record_delivery(
    session: AsyncSession, message: Claimed | Notification, status: str, reason: str | None
) -> None:
    """The audit event ``notification.deliver`` of a message's new delivery ``status`` (every
    outcome the worker or the in-doubt check settles: sent, retried, failed, in doubt…)."""
    await audit.record(
        session,
        actor=SYSTEM_ACTOR,
        action="notification.deliver",
        entity_type="notification",
        entity_id=message.id,
        desk_id=message.desk_id,
        details={"status": status, "attempts": message.attempts, "reason": without_address(reason, message.recipient)},
    )


def without_address(reason: str | None, recipient: str) -> str | None:
    """``reason`` with the message's ``recipient`` (a phone number or an e-mail address, any case)
    masked: a provider's refusal often quotes the address, which identifies the person and would
    stay in the audit chain for ever."""
    if not reason or not recipient:
        return reason
    return re.sub(re.escape(recipient), audit.MASK, reason, flags=re.IGNORECASE)


async def hand_over(
    sessionmaker: async_sessionmaker[AsyncSession], settings: Settings, message: Claimed, *, answer_within: float = 0
) -> dt.datetime:
    """Commit ``in_flight`` for ``message`` if this worker's claim still holds and return the
    moment (kept in ``updated_at``); raise :class:`ClaimLost` otherwise. The lease lasts at least
    ``answer_within`` seconds (the provider's timeout), so that no other worker asks the provider
    about the message while its request may still be under way."""
    now = utcnow()
    lease = now + dt.timedelta(seconds=max(settings.notify_lease_seconds, answer_within))
    async with sessionmaker() as session:
        changed = await session.execute(
            update(Notification)
            .where(
                Notification.id == message.id,
                Notification.status == "sending",
                Notification.attempts == message.attempts,
            )
            .values(status="in_flight", lease_until=lease, next_attempt_at=lease, updated_at=now)
        )
        await session.commit()
    if not changed.rowcount:  # type: ignore[attr-defined]
        raise ClaimLost(str(message.id))
    return now


async def ask_about(
    sessionmaker: async_sessionmaker[AsyncSession], senders: Mapping[str, Sender], doubts: list[Claimed]
) -> int:
    """Ask the other side about each message just put ``in_doubt``: arrived → ``sent``; did not
    arrive → ``queued`` (due now, sent again); cannot tell (SMTP) → stays ``in_doubt``. Returns
    how many were queued again."""
    requeued = 0
    desks = await desks_of(sessionmaker, {m.desk_id for m in doubts if m.desk_id})
    for message in doubts:
        try:
            outgoing = render(message, desks.get(message.desk_id) if message.desk_id else None)
            answer = await senders[message.channel].confirm(outgoing, message.handed_at or utcnow())
        except Exception:  # a provider that cannot be asked leaves the message in doubt
            log.exception("could not ask %s about notification %s", message.channel, message.id)
            continue
        if answer is None:
            continue
        arrived, reference = answer
        now = utcnow()
        values: dict[str, Any] = (
            {"status": "sent", "sent_at": now, "provider_message_id": reference, "reason": "confirmed by the provider"}
            if arrived
            else {"status": "queued", "next_attempt_at": now, "reason": "the provider confirmed it never arrived"}
        )
        async with sessionmaker() as session:
            changed = await session.execute(
                update(Notification)
                .where(
                    Notification.id == message.id,
                    Notification.status == "in_doubt",
                    Notification.attempts == message.attempts,
                )
                .values(updated_at=now, **values)
            )
            if changed.rowcount:  # type: ignore[attr-defined]
                await record_delivery(session, message, values["status"], values["reason"])
                requeued += not arrived
            await session.commit()
    return requeued
