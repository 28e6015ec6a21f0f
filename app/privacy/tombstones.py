"""The audit events that let each desk's apps drop what an erasure or the end of retention took away.

The delta sync (:mod:`app.sync`) reads the audit log, filtered on the desk each event was recorded
for, and finds the records an erasure changed through its ``privacy.erasure`` event (recorded for
the file's desk). Two kinds of record would escape it, so each gets its own event, recorded for
its own desk, which the sync answers with a tombstone:

* a **document** whose row the erasure (or the end of retention) deletes: nothing is left for the
  erasure's event to carry along — ``document.erasure`` (tombstone ``anonymised``) or
  ``document.purge`` (``purged``);
* a **record of the person at another desk** than their file's — a case a merge brought from
  another desk's file, its notes and referrals, an appointment booked at another desk: that
  desk's feed never holds the file's ``privacy.erasure`` event — ``case.erasure``,
  ``case_note.erasure``, ``referral.erasure``, ``appointment.erasure`` (``anonymised``).

The events hold ids only (the person's, the trigger), never a value of the record.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import and_, func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from app.appointments.models import Appointment
from app.audit import service as audit
from app.cases.models import Case, CaseNote, Referral
from app.core.context import Actor
from app.documents.models import Document
from app.registrants.models import Registrant


@dataclass(frozen=True)
class Removed:
    """A record taken away from a desk's apps: its sync type (``document``, ``case``…), id, desk."""

    kind: str
    record_id: uuid.UUID
    desk_id: uuid.UUID | None


@dataclass(frozen=True)
class DocumentRow:
    """A document about to be deleted: its id, its storage key and where it was (:class:`Removed`)."""

    record_id: uuid.UUID
    storage_key: str
    removed: Removed


async def documents(session: AsyncSession, owned: Any) -> list[DocumentRow]:
    """The documents matching ``owned`` (a condition on :class:`Document`), with the desk of their
    owner (the registrant's or the case's), by id."""
    owner_registrant, owner_case = aliased(Registrant), aliased(Case)
    stmt = (
        select(Document.id, Document.storage_key, func.coalesce(owner_registrant.desk_id, owner_case.desk_id))
        .outerjoin(
            owner_registrant, and_(Document.owner_type == "registrant", Document.owner_id == owner_registrant.id)
        )
        .outerjoin(owner_case, and_(Document.owner_type == "case", Document.owner_id == owner_case.id))
        .where(owned)
        .order_by(Document.id)
    )
    return [DocumentRow(i, key, Removed("document", i, desk)) for i, key, desk in (await session.execute(stmt)).all()]


async def at_other_desks(session: AsyncSession, *, registrant_id: uuid.UUID, desk_id: uuid.UUID) -> list[Removed]:
    """The person's cases, notes, referrals and appointments held at another desk than ``desk_id``
    (their file's), by type and id."""
    elsewhere = Case.desk_id != desk_id
    statements: Sequence[tuple[str, Any]] = (
        ("case", select(Case.id, Case.desk_id).where(Case.registrant_id == registrant_id, elsewhere)),
        (
            "case_note",
            select(CaseNote.id, Case.desk_id)
            .join(Case, Case.id == CaseNote.case_id)
            .where(Case.registrant_id == registrant_id, elsewhere),
        ),
        (
            "referral",
            select(Referral.id, Case.desk_id)
            .join(Case, Case.id == Referral.case_id)
            .where(Case.registrant_id == registrant_id, elsewhere),
        ),
        (
            "appointment",
            select(Appointment.id, Appointment.desk_id).where(
                Appointment.registrant_id == registrant_id, Appointment.desk_id != desk_id
            ),
        ),
    )
    out: list[Removed] = []
    for kind, stmt in statements:
        out.extend(
            Removed(kind, i, desk) for i, desk in (await session.execute(stmt.order_by(stmt.selected_columns[0]))).all()
        )
    return out


async def record_removed(
    session: AsyncSession, *, actor: Actor, removed: Sequence[Removed], verb: str, details: Mapping[str, Any]
) -> None:
    """One ``<type>.<verb>`` event per record of ``removed``, for its desk, with ``details`` (ids only)."""
    for record in removed:
        await audit.record(
            session,
            actor=actor,
            action=f"{record.kind}.{verb}",
            entity_type=record.kind,
            entity_id=record.record_id,
            desk_id=record.desk_id,
            details=details,
        )
