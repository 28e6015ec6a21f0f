"""The register of disclosures: every time personal data left the desk for a third party."""

from __future__ import annotations

import datetime as dt
import uuid

from sqlalchemy import JSON, ForeignKey, Index, Integer, String, Text
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
