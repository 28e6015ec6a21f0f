"""Appointments: a registrant (or a case) seen by a desk agent at a given time."""

from __future__ import annotations

import datetime as dt
import uuid

from sqlalchemy import CheckConstraint, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from app.core.db import Base, Timestamps, UUIDPrimaryKey

STATUSES = ("booked", "kept", "missed", "cancelled")
# Statuses that hold the agent's time: a cancelled or missed slot can be booked again.
BLOCKING_STATUSES = ("booked", "kept")


class Appointment(UUIDPrimaryKey, Timestamps, Base):
    """An appointment at a desk with one of its agents, ``[starts_at, ends_at)`` in UTC.

    Shown in the desk's IANA time zone. ``registrant_id`` is always set (for a case, it is the
    case's registrant); ``case_id`` when the appointment is about a case. ``status``:
    ``booked`` → ``kept`` | ``missed`` | ``cancelled``.
    """

    __tablename__ = "appointments"
    __table_args__ = (
        CheckConstraint("ends_at > starts_at", name="ends_after_start"),
        CheckConstraint("status IN ('booked', 'kept', 'missed', 'cancelled')", name="status"),
        Index("ix_appointments_desk_start", "desk_id", "starts_at", "id"),
        Index("ix_appointments_agent_start", "agent_id", "starts_at"),
    )

    desk_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("desks.id"))
    agent_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("staff_users.id"))
    registrant_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("registrants.id"), index=True)
    case_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("cases.id"), index=True)
    starts_at: Mapped[dt.datetime] = mapped_column()
    ends_at: Mapped[dt.datetime] = mapped_column()
    status: Mapped[str] = mapped_column(String(16), default="booked")
    purpose: Mapped[str | None] = mapped_column(String(500))
    status_reason: Mapped[str | None] = mapped_column(Text)
    status_changed_at: Mapped[dt.datetime | None] = mapped_column()
    status_changed_by: Mapped[uuid.UUID | None] = mapped_column()
    created_by: Mapped[uuid.UUID | None] = mapped_column()
    version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version}
