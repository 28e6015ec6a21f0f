"""The register of disclosures: every time personal data left the desk for a third party."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import JSON, Date, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from app.core.db import Base, UUIDPrimaryKey, utcnow


class Disclosure(UUIDPrimaryKey, Base):
    """One disclosure of one registrant's data to a recipient outside the desk.

    ``kind``: ``referral`` (to a partner), ``transfer`` (to another desk), ``notification``
    (through an external messaging provider). ``recipient_type``/``recipient_id``/``recipient_name``
    name who received it; ``entity_type``/``entity_id`` the record that carried it (the referral,
    the transfer). ``fields`` lists the categories of data sent (never their values).
    ``legal_basis`` is ``consent`` (then ``consent_id`` is the consent in force at ``disclosed_at``),
    ``vital_interest`` or ``legal_obligation`` (then ``justification`` says why, ``disclosed_by``
    who decided).
    """

    __tablename__ = "disclosures"
    __table_args__ = (
        Index("ix_disclosures_desk_disclosed", "desk_id", "disclosed_at", "id"),
        Index("ix_disclosures_registrant", "registrant_id"),
    )

    registrant_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("registrants.id"))
    desk_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("desks.id"))
    kind: Mapped[str] = mapped_column(String(24))
    purpose: Mapped[str] = mapped_column(String(48))
    recipient_type: Mapped[str] = mapped_column(String(24))
    recipient_id: Mapped[str | None] = mapped_column(String(64))
    recipient_name: Mapped[str] = mapped_column(String(200))
    entity_type: Mapped[str | None] = mapped_column(String(32))
    entity_id: Mapped[str | None] = mapped_column(String(64))
    fields: Mapped[list[str]] = mapped_column(JSON, default=list)
    legal_basis: Mapped[str] = mapped_column(String(24))
    consent_id: Mapped[int | None] = mapped_column(Integer, ForeignKey("consents.id"))
    justification: Mapped[str | None] = mapped_column(Text)
    disclosed_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    disclosed_by: Mapped[uuid.UUID | None] = mapped_column()


class SubjectRequest(UUIDPrimaryKey, Base):
    """A request by a person about their data (``kind``: ``access`` or ``erasure``), kept with its dates.

    ``received_on`` is the day the desk received it; ``due_on`` the day the answer is due
    (``SUBJECT_REQUEST_DEADLINE_DAYS`` later); ``fulfilled_at``/``fulfilled_by`` when and by whom the
    archive was first produced, ``archive_sha256`` its digest (later downloads are logged too); for
    an erasure, when and by whom the file was anonymised.
    """

    __tablename__ = "subject_requests"
    __table_args__ = (Index("ix_subject_requests_desk_received", "desk_id", "received_on", "id"),)

    registrant_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("registrants.id"), index=True)
    desk_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("desks.id"))
    kind: Mapped[str] = mapped_column(String(24))
    channel: Mapped[str] = mapped_column(String(32))
    received_on: Mapped[dt.date] = mapped_column(Date)
    due_on: Mapped[dt.date] = mapped_column(Date)
    recorded_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    recorded_by: Mapped[uuid.UUID | None] = mapped_column()
    fulfilled_at: Mapped[dt.datetime | None] = mapped_column()
    fulfilled_by: Mapped[uuid.UUID | None] = mapped_column()
    archive_sha256: Mapped[str | None] = mapped_column(String(64))


class RegistrantCorrection(Base):
    """One field of a registrant changed by a rectification (``PATCH /registrants/{id}``).

    ``field`` is the API's name (``family_name``, ``phones``, ``documents``…); ``old_value`` and
    ``new_value`` are the values before and after (phones and documents as sorted lists, the
    residence status included: the history is read only by those who may read the field).
    ``version`` is the registrant's version the correction produced; ``reason`` why it was made.
    Erasure deletes the rows: they hold the personal values themselves.
    """

    __tablename__ = "registrant_corrections"
    __table_args__ = (Index("ix_registrant_corrections_registrant", "registrant_id", "corrected_at", "id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    registrant_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("registrants.id"))
    field: Mapped[str] = mapped_column(String(48))
    old_value: Mapped[Any] = mapped_column(JSON, nullable=True)
    new_value: Mapped[Any] = mapped_column(JSON, nullable=True)
    reason: Mapped[str | None] = mapped_column(Text)
    version: Mapped[int] = mapped_column(Integer)
    corrected_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    corrected_by: Mapped[uuid.UUID | None] = mapped_column()
    corrected_by_label: Mapped[str] = mapped_column(String(320))


class LegalHold(UUIDPrimaryKey, Base):
    """A legal hold on a registrant's file: while in force it blocks erasure (on request or at the
    end of retention).

    In force from ``set_at`` until ``released_at`` or, when ``until`` is given, the end of that
    day at the desk (``desk_id``'s time zone: the day its staff typed). ``reason`` says why (a
    court case, a regulator's inquiry, a pending claim).
    """

    __tablename__ = "legal_holds"
    __table_args__ = (Index("ix_legal_holds_registrant", "registrant_id"),)

    registrant_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("registrants.id"))
    desk_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("desks.id"))
    reason: Mapped[str] = mapped_column(Text)
    until: Mapped[dt.date | None] = mapped_column(Date)
    set_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    set_by: Mapped[uuid.UUID | None] = mapped_column()
    set_by_label: Mapped[str] = mapped_column(String(320))
    released_at: Mapped[dt.datetime | None] = mapped_column()
    released_by: Mapped[uuid.UUID | None] = mapped_column()

    def in_force(self, on: dt.datetime, *, time_zone: str) -> bool:
        """Whether the hold blocks erasure at the aware instant ``on``; ``time_zone`` is the IANA
        zone of the hold's desk, in which ``until`` is a date."""
        if self.released_at is not None and self.released_at <= on:
            return False
        return self.until is None or on.astimezone(ZoneInfo(time_zone)).date() <= self.until
