"""Service catalogue, partners, cases and their follow-up records.

Dates named ``*_on``/``due_date`` are local calendar dates of the case's desk (its IANA zone);
``*_at`` are aware UTC instants.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from sqlalchemy import JSON, BigInteger, Date, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, validates

from app.cases.catalogue_data import SENSITIVE_CATEGORIES
from app.core.db import Base, Timestamps, UUIDPrimaryKey, utcnow
from app.core.text import fold

BigIntPK = BigInteger().with_variant(Integer(), "sqlite")


class ServiceType(UUIDPrimaryKey, Timestamps, Base):
    """A kind of request the desks handle (``RESIDENCE_MA``, ``LEGAL_AID``…).

    ``default_sla_days`` counts business days of the case's desk. A retired type
    (``is_active`` false, ``retired_at`` set) keeps its cases and takes no new ones.
    ``closure_requires_approval``: agents cannot close its cases themselves; they ask for closure
    (status ``pending_closure``) and a supervisor closes or sends the case back. ``sensitive``
    follows from the category (no column).
    """

    __tablename__ = "service_types"

    code: Mapped[str] = mapped_column(String(40), unique=True)
    label_fr: Mapped[str] = mapped_column(String(200))
    label_en: Mapped[str] = mapped_column(String(200))
    category: Mapped[str] = mapped_column(String(32))
    default_sla_days: Mapped[int] = mapped_column(Integer)
    documents_required: Mapped[list[str]] = mapped_column(JSON, default=list)
    closure_requires_approval: Mapped[bool] = mapped_column(default=False)
    is_active: Mapped[bool] = mapped_column(default=True)
    retired_at: Mapped[dt.datetime | None] = mapped_column()
    version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version}

    @property
    def sensitive(self) -> bool:
        """Whether the type itself is sensitive data (its category is in
        :data:`app.cases.catalogue_data.SENSITIVE_CATEGORIES`: legal, health, psychosocial,
        emergency): messages to the person name it by a neutral label."""
        return self.category in SENSITIVE_CATEGORIES


class Partner(UUIDPrimaryKey, Timestamps, Base):
    """An organisation cases are referred to (consulate, IOM, NGO, national agency…).

    ``country`` is ISO 3166-1 alpha-2. The service types it handles are ``PartnerServiceType`` rows.
    ``name_key`` is the name folded (:func:`app.core.text.fold`: case, accents, spacing), set with
    the name and unique (migration 3601): two partners never have names that differ only by case,
    accents or spacing, so a name typed for a consent designates at most one partner.
    """

    __tablename__ = "partners"

    name: Mapped[str] = mapped_column(String(200), unique=True)
    name_key: Mapped[str] = mapped_column(String(200), unique=True)
    kind: Mapped[str] = mapped_column(String(32))
    country: Mapped[str] = mapped_column(String(2), index=True)
    city: Mapped[str | None] = mapped_column(String(120))
    contact_name: Mapped[str | None] = mapped_column(String(200))
    contact_email: Mapped[str | None] = mapped_column(String(320))
    contact_phone: Mapped[str | None] = mapped_column(String(20))
    notes: Mapped[str | None] = mapped_column(Text)
    is_active: Mapped[bool] = mapped_column(default=True)
    version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version}

    @validates("name")
    def _keyed(self, _key: str, name: str) -> str:
        self.name_key = fold(name)
        return name


class PartnerServiceType(Base):
    """A service type a partner handles."""

    __tablename__ = "partner_service_types"

    partner_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("partners.id", ondelete="CASCADE"), primary_key=True)
    service_type_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("service_types.id", ondelete="CASCADE"), primary_key=True
    )


class Case(UUIDPrimaryKey, Timestamps, Base):
    """A service request of a registrant at a desk, followed until it is closed.

    ``case_number`` reads ``CASA-2026-C-000042`` (desk prefix, local year, series ``C``).
    ``opened_on`` and ``due_date`` are local dates of the desk. ``closure_requested_status``
    holds the closing status an agent asked for while the case is ``pending_closure``.
    A ``transferred`` case is the sending desk's read-only trace; ``transferred_to_case_id`` is the
    case opened at the receiving desk (which points back with ``transferred_from_case_id``).
    """

    __tablename__ = "cases"
    __table_args__ = (
        Index("ix_cases_desk_created", "desk_id", "created_at", "id"),
        Index("ix_cases_assignee_created", "assignee_id", "created_at", "id"),
        Index("ix_cases_desk_due", "desk_id", "due_date"),
        Index("ix_cases_registrant_created", "registrant_id", "created_at", "id"),
    )

    case_number: Mapped[str] = mapped_column(String(32), unique=True)
    desk_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("desks.id"))
    registrant_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("registrants.id"))
    service_type_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("service_types.id"), index=True)
    channel: Mapped[str] = mapped_column(String(24))
    priority: Mapped[str] = mapped_column(String(16), default="normal")
    vulnerability_flags: Mapped[list[str]] = mapped_column(JSON, default=list)
    description: Mapped[str] = mapped_column(Text, default="")
    language: Mapped[str | None] = mapped_column(String(16))
    interpreter_used: Mapped[bool] = mapped_column(default=False)
    assignee_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("staff_users.id"))
    status: Mapped[str] = mapped_column(String(24), default="received", index=True)
    outcome_category: Mapped[str | None] = mapped_column(String(32))
    outcome_note: Mapped[str | None] = mapped_column(Text)
    opened_on: Mapped[dt.date] = mapped_column(Date)
    due_date: Mapped[dt.date] = mapped_column(Date)
    closed_at: Mapped[dt.datetime | None] = mapped_column()
    closure_requested_status: Mapped[str | None] = mapped_column(String(24))
    closure_requested_by: Mapped[uuid.UUID | None] = mapped_column()
    transferred_from_case_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("cases.id"))
    transferred_to_case_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("cases.id"))
    created_by: Mapped[uuid.UUID | None] = mapped_column()
    version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version}


class Referral(UUIDPrimaryKey, Timestamps, Base):
    """A case referred to a partner: when, the partner's reference, the answer expected and got.

    ``status``: ``sent`` → ``acknowledged`` → ``answered`` | ``declined`` | ``no_answer``; ``closed_with_case``
    when the case was closed while it awaited its answer.
    ``referred_on``/``expected_answer_on``/``answered_on`` are local dates of the case's desk.
    """

    __tablename__ = "referrals"
    __table_args__ = (
        Index("ix_referrals_case_created", "case_id", "created_at", "id"),
        Index("ix_referrals_status_expected", "status", "expected_answer_on"),
    )

    case_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"))
    partner_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("partners.id"), index=True)
    status: Mapped[str] = mapped_column(String(16), default="sent")
    referred_on: Mapped[dt.date] = mapped_column(Date)
    expected_answer_on: Mapped[dt.date] = mapped_column(Date)
    answered_on: Mapped[dt.date | None] = mapped_column(Date)
    partner_reference: Mapped[str | None] = mapped_column(String(120))
    outcome: Mapped[str | None] = mapped_column(Text)
    created_by: Mapped[uuid.UUID | None] = mapped_column()
    version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version}


class CaseNote(UUIDPrimaryKey, Base):
    """An authored, timestamped note; never edited. ``confidential`` text is for supervisors/admins."""

    __tablename__ = "case_notes"
    __table_args__ = (Index("ix_case_notes_case_created", "case_id", "created_at", "id"),)

    case_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"))
    author_id: Mapped[uuid.UUID | None] = mapped_column()
    author_label: Mapped[str] = mapped_column(String(320))
    text: Mapped[str] = mapped_column(Text)
    confidential: Mapped[bool] = mapped_column(default=False)
    # The desk's own assessment: left out of subject access archives (app.privacy.access).
    internal_assessment: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class CaseEvent(Base):
    """One event of a case's timeline (status change, assignment, note, referral, appointment…)."""

    __tablename__ = "case_events"
    __table_args__ = (Index("ix_case_events_case_order", "case_id", "occurred_at", "id"),)

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True, autoincrement=True)
    case_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(48))
    occurred_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    actor_id: Mapped[uuid.UUID | None] = mapped_column()
    actor_label: Mapped[str] = mapped_column(String(320))
    actor_role: Mapped[str] = mapped_column(String(32))
    details: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


class CaseTransfer(UUIDPrimaryKey, Base):
    """The transfer register: a case sent from one desk to another, with its legal basis.

    ``fields_sent`` lists the registrant fields copied to the receiving desk (minimum necessary).
    """

    __tablename__ = "case_transfers"

    source_case_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("cases.id"), index=True)
    target_case_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("cases.id"), index=True)
    from_desk_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("desks.id"))
    to_desk_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("desks.id"))
    source_registrant_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("registrants.id"))
    target_registrant_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("registrants.id"))
    consent_id: Mapped[int | None] = mapped_column(ForeignKey("consents.id"))
    legal_basis: Mapped[str] = mapped_column(String(48))
    legal_basis_note: Mapped[str | None] = mapped_column(Text)
    fields_sent: Mapped[list[str]] = mapped_column(JSON, default=list)
    transferred_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    transferred_by: Mapped[uuid.UUID | None] = mapped_column()
