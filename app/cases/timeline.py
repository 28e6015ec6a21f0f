"""The case timeline: one ``case_events`` row per thing that happened to a case.

Other domains add their events through :func:`add_event` (appointments: ``appointment_booked``,
``appointment_cancelled``; documents: ``document_attached``…), in the same transaction as their
work. Kinds written by the cases domain: ``case_opened``, ``status_changed``, ``assigned``,
``note_added``, ``referral_created``, ``referral_updated``, ``due_date_changed``, ``case_updated``,
``transferred_out``, ``transferred_in``.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Mapping
from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.cases.models import CaseEvent
from app.core.context import Actor
from app.core.db import utcnow


def _jsonable(value: Any) -> Any:
    if isinstance(value, (dt.datetime, dt.date)):
        return value.isoformat()
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    if isinstance(value, Mapping):
        return {str(k): _jsonable(v) for k, v in value.items()}
    return value


async def add_event(
    session: AsyncSession, *, case_id: uuid.UUID, kind: str, actor: Actor, details: Mapping[str, Any]
) -> None:
    """Append an event to the case's timeline (time: now, UTC) and flush.

    ``kind`` is a snake_case verb phrase (``appointment_booked``); ``details`` is JSON-able (UUIDs,
    dates and datetimes are converted) and must hold no sensitive text: agents read timelines.
    The caller has already checked that ``actor`` may act on the case.
    """
    session.add(
        CaseEvent(
            case_id=case_id,
            kind=kind,
            occurred_at=utcnow(),
            actor_id=actor.user_id,
            actor_label=actor.email,
            actor_role=actor.role,
            details=_jsonable(dict(details)),
        )
    )
    await session.flush()


def events_query(case_id: uuid.UUID) -> Select[CaseEvent]:
    """The case's events, unordered (the caller paginates by ``(occurred_at, id)`` ascending)."""
    return select(CaseEvent).where(CaseEvent.case_id == case_id)
