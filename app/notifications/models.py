"""The notification outbox: one row per message to one person, written in the transaction of the
change it announces and delivered later by the worker (:mod:`app.notifications.worker`)."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any, Final

from sqlalchemy import JSON, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from app.core.db import Base, UUIDPrimaryKey, utcnow

CHANNELS: Final = ("email", "sms", "whatsapp")
STATUSES: Final = ("queued", "sending", "in_flight", "in_doubt", "sent", "failed", "withheld", "skipped")
"""``queued`` (due at ``next_attempt_at``), ``sending`` (claimed by a worker until ``lease_until``,
not handed over yet), ``in_flight`` (handed to the SMTP server or the provider, answer not yet
recorded), ``in_doubt`` (the worker died or the connection broke after the hand-over: the message
may or may not have arrived; never resent blindly, see :mod:`app.notifications.worker`), ``sent``
(accepted by the SMTP server or the provider, or confirmed by them or by a person), ``failed``
(gave up: a permanent error or ``NOTIFY_MAX_ATTEMPTS`` reached), ``withheld`` (the consent was no
longer in force when the worker came to send it), ``skipped`` (never queued: no consent or no
reachable channel, see ``reason``)."""


class Notification(UUIDPrimaryKey, Base):
    """One message of one event to one recipient, and its delivery status.

        ``dedupe_key`` is unique: the same event for the same person is queued once (a retried
        request, a job run twice). ``message_id`` is the stable RFC 5322 Message-ID every attempt
        carries, so a message resent after a worker died between the server's acceptance and the
        status write is recognisable as the same message (the worker never resends such a message
    blindly: it becomes ``in_doubt``). ``consent_purpose`` (set for messages
        queued by ``enqueue_for_registrant``) is checked again by the worker just before sending;
        ``disclosure_id`` is the register entry written then for a message through an external
        provider. ``context`` holds the template's values (no sensitive field: templates name the case
        by its number, never its content). ``reason`` says why a message was skipped, withheld or failed.
    """

    __tablename__ = "notifications"
    __table_args__ = (
        Index("ix_notifications_due", "status", "next_attempt_at"),
        Index("ix_notifications_registrant_created", "registrant_id", "created_at", "id"),
        Index("ix_notifications_desk_created", "desk_id", "created_at", "id"),
    )

    event: Mapped[str] = mapped_column(String(48))
    channel: Mapped[str] = mapped_column(String(16))
    recipient: Mapped[str] = mapped_column(String(320))
    language: Mapped[str] = mapped_column(String(16))
    context: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    dedupe_key: Mapped[str] = mapped_column(String(200), unique=True)
    registrant_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("registrants.id"))
    desk_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("desks.id"))
    status: Mapped[str] = mapped_column(String(16), default="queued")
    reason: Mapped[str | None] = mapped_column(Text)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    lease_until: Mapped[dt.datetime | None] = mapped_column()
    message_id: Mapped[str] = mapped_column(String(255), unique=True)
    provider: Mapped[str | None] = mapped_column(String(32))
    provider_message_id: Mapped[str | None] = mapped_column(String(128))
    consent_purpose: Mapped[str | None] = mapped_column(String(48))
    disclosure_id: Mapped[uuid.UUID | None] = mapped_column()
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    sent_at: Mapped[dt.datetime | None] = mapped_column()


class ScheduledRun(Base):
    """The last and next run of one periodic job (``name``: ``appointment_reminders``,
    ``retention``…), leased by one worker at a time so that several workers never run it twice."""

    __tablename__ = "scheduled_runs"

    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    next_run_at: Mapped[dt.datetime] = mapped_column()
    lease_until: Mapped[dt.datetime | None] = mapped_column()
    last_started_at: Mapped[dt.datetime | None] = mapped_column()
    last_finished_at: Mapped[dt.datetime | None] = mapped_column()
    last_result: Mapped[str | None] = mapped_column(Text)


PREFERRED_CHANNELS: Final = (*CHANNELS, "none")


class NotificationPreference(Base):
    """The channel a person chose for the desk's messages (``none``: no message at all) and the
    language they want them in; without a row, the channel is chosen by
    :func:`app.notifications.outbox.choose_channel` and the language from ``registrants.languages``."""

    __tablename__ = "notification_preferences"

    registrant_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("registrants.id", ondelete="CASCADE"), primary_key=True)
    channel: Mapped[str | None] = mapped_column(String(16))
    language: Mapped[str | None] = mapped_column(String(16))
    version: Mapped[int] = mapped_column(Integer, default=1)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    updated_by: Mapped[uuid.UUID | None] = mapped_column()
