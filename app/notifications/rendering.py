"""A claimed message and how it reads: the fields the worker carries from the claim to the
sender, and the rendering in the person's language and the desk's time zone."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.desks.models import Desk
from app.notifications import templates
from app.notifications.channels import Outgoing
from app.notifications.models import Notification


@dataclass(frozen=True)
class Claimed:
    """A message claimed for one attempt, with what rendering needs."""

    id: uuid.UUID
    event: str
    channel: str
    recipient: str
    language: str
    context: Mapping[str, Any]
    message_id: str
    attempts: int
    desk_id: uuid.UUID | None
    handed_at: dt.datetime | None = None


def claimed_from(row: Notification, *, handed_at: dt.datetime | None = None) -> Claimed:
    """The claim of ``row`` (``handed_at``: when it was handed over, for a message in doubt)."""
    return Claimed(
        row.id,
        row.event,
        row.channel,
        row.recipient,
        row.language,
        dict(row.context),
        row.message_id,
        row.attempts,
        row.desk_id,
        handed_at,
    )


async def desks_of(sessionmaker: async_sessionmaker[AsyncSession], ids: set[uuid.UUID]) -> dict[uuid.UUID, Desk]:
    """The desks with these ids, by id."""
    if not ids:
        return {}
    async with sessionmaker() as session:
        return {d.id: d for d in (await session.execute(select(Desk).where(Desk.id.in_(ids)))).scalars()}


def render(message: Claimed, desk: Desk | None) -> Outgoing:
    """The message as the person reads it: their language, the desk's zone and name.

    Raises ``KeyError``/``LookupError``/``ValueError`` when the template cannot be filled."""
    context = {"desk_name": desk.name if desk else "", **message.context}
    rendered = templates.registry().render(
        message.event,
        message.language,
        context,
        time_zone=desk.time_zone if desk else "UTC",
        desk_code=desk.code if desk else "",
    )
    return Outgoing(
        notification_id=str(message.id),
        message_id=message.message_id,
        channel=message.channel,
        recipient=message.recipient,
        language=rendered.language,
        subject=rendered.subject,
        body=rendered.body,
    )
