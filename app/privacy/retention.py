"""Retention: what is kept no longer than needed is anonymised on schedule (GDPR art. 5(1)(e);
law 09-08 art. 3; law 2008-12's principle of limited retention).

Two categories, each with its period (``docs/data-protection.md`` gives the reasoning):

* ``closed_case`` — a case closed more than ``RETENTION_CLOSED_CASE_YEARS`` years ago (default 5)
  keeps its dates, statuses and categories (the reports count them) but loses its free text
  (description, outcome note, notes, timeline text, referrals' outcomes and partner references,
  appointments' purpose and reasons: what an erasure removes from those rows,
  :data:`app.privacy.erased_values.CASE_BLANKED` and its neighbours) and its documents (rows,
  then objects);
* ``registrant`` — a registrant with no open case whose last activity (update of the file, a
  case's opening, update or closure, an appointment) is more than
  ``RETENTION_INACTIVE_REGISTRANT_YEARS`` years old (default 5) is anonymised
  (:func:`app.privacy.erasure.anonymise`, trigger ``retention``), with the files merged into it
  (the same person's); a merged file is never due on its own.

A file under a legal hold in force is listed with the hold and left alone. :func:`run_retention`
with ``apply=False`` only lists; with ``apply=True`` it does the work in the caller's transaction,
audited (``privacy.erasure`` per person, ``privacy.retention_case`` per case, one
``privacy.retention_run`` with the counts). A second run finds nothing more to do (idempotent), so
it is safe to run daily.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass, field
from typing import Final

from sqlalchemy import func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from app.appointments.models import Appointment
from app.audit import service as audit
from app.cases.models import Case, CaseNote, Referral
from app.core.config import Settings
from app.core.context import SYSTEM_ACTOR
from app.core.db import after_commit, next_version
from app.documents.models import Document
from app.documents.storage import Storage, create_storage
from app.privacy import erased_values, erasure, holds, linked, tombstones
from app.privacy.erased_values import (
    APPOINTMENT_BLANKED,
    CASE_BLANKED,
    NOTE_BLANKED,
    REFERRAL_BLANKED,
    holds_text,
)
from app.privacy.models import LegalHold
from app.registrants import lock_order
from app.registrants.models import Registrant
from app.reports.ages import AgeBands

CATEGORIES: Final = ("closed_case", "registrant")


@dataclass(frozen=True)
class RetentionPolicy:
    """The retention periods in force, in years, and the reports' age bands (erasure keeps the
    date of birth as precise as they need)."""

    closed_case_years: int
    inactive_registrant_years: int
    bands: AgeBands

    @classmethod
    def of(cls, settings: Settings) -> RetentionPolicy:
        return cls(
            closed_case_years=settings.retention_closed_case_years,
            inactive_registrant_years=settings.retention_inactive_registrant_years,
            bands=AgeBands.of(settings.report_age_bands),
        )


@dataclass(frozen=True)
class RetentionItem:
    """One record past its retention: ``category`` (``closed_case`` or ``registrant``), its id,
    the date its period ran from (closure, last activity), why, and the legal hold keeping it."""

    category: str
    id: uuid.UUID
    since: dt.date
    reason: str
    legal_hold_id: uuid.UUID | None = None
    legal_hold_reason: str | None = None


@dataclass
class RetentionReport:
    """What a run found (``items``) and, when applied, did (``done``: ids anonymised; ``held``:
    items left alone for a legal hold). ``storage_keys``: objects removed once committed."""

    now: dt.datetime
    applied: bool
    items: list[RetentionItem] = field(default_factory=list)
    done: list[uuid.UUID] = field(default_factory=list)
    storage_keys: list[str] = field(default_factory=list)

    @property
    def held(self) -> list[RetentionItem]:
        return [i for i in self.items if i.legal_hold_id is not None]


def _years_before(now: dt.datetime, years: int) -> dt.datetime:
    try:
        return now.replace(year=now.year - years)
    except ValueError:  # 29 February
        return now.replace(year=now.year - years, day=28)


async def due_cases(session: AsyncSession, *, cutoff: dt.datetime) -> list[tuple[uuid.UUID, uuid.UUID, dt.date]]:
    """``(case id, registrant id, closure day)`` of the cases closed before ``cutoff`` that still
    hold free text (in the case, its notes, referrals or appointments) or documents."""
    has_note_text = select(CaseNote.id).where(CaseNote.case_id == Case.id, holds_text(CaseNote, NOTE_BLANKED))
    has_referral_text = select(Referral.id).where(Referral.case_id == Case.id, holds_text(Referral, REFERRAL_BLANKED))
    has_appointment_text = select(Appointment.id).where(
        Appointment.case_id == Case.id, holds_text(Appointment, APPOINTMENT_BLANKED)
    )
    has_document = select(Document.id).where(Document.owner_type == "case", Document.owner_id == Case.id)
    stmt = (
        select(Case.id, Case.registrant_id, Case.closed_at)
        .where(Case.closed_at.is_not(None), Case.closed_at < cutoff)
        .where(
            or_(
                holds_text(Case, CASE_BLANKED),
                *(q.exists() for q in (has_note_text, has_referral_text, has_appointment_text, has_document)),
            )
        )
        .order_by(Case.closed_at, Case.id)
    )
    return [(cid, rid, closed.date()) for cid, rid, closed in await session.execute(stmt) if closed is not None]


async def due_registrants(session: AsyncSession, *, cutoff: dt.datetime) -> list[tuple[uuid.UUID, dt.date]]:
    """``(registrant id, last activity day)`` of the registrants not anonymised nor merged into
    another, with no open case, whose last activity is before ``cutoff``.

    A merged file is the survivor's person: its records moved to the survivor and it is erased
    with it (:func:`app.privacy.erasure.anonymise`), never alone (its merge could no longer be
    undone while the person is still served, and its number would stop finding them)."""
    open_case = select(Case.id).where(Case.registrant_id == Registrant.id, Case.closed_at.is_(None)).exists()
    last_case = (
        select(func.max(func.coalesce(Case.closed_at, Case.updated_at)))
        .where(Case.registrant_id == Registrant.id)
        .scalar_subquery()
    )
    last_case_update = select(func.max(Case.updated_at)).where(Case.registrant_id == Registrant.id).scalar_subquery()
    last_appointment = (
        select(func.max(Appointment.starts_at)).where(Appointment.registrant_id == Registrant.id).scalar_subquery()
    )
    stmt = (
        select(Registrant.id, Registrant.updated_at, last_case, last_case_update, last_appointment)
        .where(Registrant.anonymised_at.is_(None), Registrant.merged_into_id.is_(None), ~open_case)
        .where(Registrant.updated_at < cutoff)
        .order_by(Registrant.updated_at, Registrant.id)
    )
    found = []
    for rid, *moments in await session.execute(stmt):
        last = max(m for m in moments if m is not None)
        if last < cutoff:
            found.append((rid, last.date()))
    return found


async def run_retention(
    session: AsyncSession,
    *,
    now: dt.datetime,
    apply: bool,
    policy: RetentionPolicy | None = None,
    storage: Storage | None = None,
) -> RetentionReport:
    """List (``apply=False``) or anonymise (``apply=True``) what is past retention at ``now`` (UTC).

    ``policy`` and ``storage`` default to the configured ones (``Settings()``). With ``apply``, the
    work is done in ``session``'s transaction, which the caller commits; the objects of deleted
    documents are then removed by the session's after-commit callbacks
    (:func:`app.core.db.run_after_commit`; the request session and ``diaspora-desk retention`` run
    them) and listed in ``storage_keys``. Safe to run daily: a second run finds nothing new.
    """
    if policy is None or (apply and storage is None):
        settings = Settings()
        policy = policy or RetentionPolicy.of(settings)
        storage = storage or create_storage(settings)
    report = RetentionReport(now=now, applied=apply)
    case_cutoff = _years_before(now, policy.closed_case_years)
    person_cutoff = _years_before(now, policy.inactive_registrant_years)
    cases = await due_cases(session, cutoff=case_cutoff)
    people = await due_registrants(session, cutoff=person_cutoff)
    held = await holds.in_force(
        session, registrant_ids=sorted({r for _, r, _ in cases} | {r for r, _ in people}), at=now
    )
    for case_id, rid, since in cases:
        why = f"closed on {since}, more than {policy.closed_case_years} years before"
        report.items.append(_item("closed_case", case_id, since, why, held.get(rid)))
    for rid, since in people:
        why = f"no open case and no activity since {since}, more than {policy.inactive_registrant_years} years before"
        report.items.append(_item("registrant", rid, since, why, held.get(rid)))
    if not apply:
        return report
    anonymised = [rid for rid, _ in people if rid not in held]
    # Every file the run anonymises, in id order, before any other row (a case emptied below, a
    # person's records): the order of app.registrants.lock_order, which a case write follows too.
    files: set[uuid.UUID] = set()
    for rid in anonymised:
        files.update(f.registrant.id for f in await linked.person_files(session, rid, transfers=False))
    await lock_order.lock_files(session, files, update=True)
    for case_id, rid, _ in cases:
        if rid not in held:
            report.storage_keys += await _expire_case(session, case_id=case_id, registrant_id=rid)
            report.done.append(case_id)
    for rid in anonymised:
        registrant = (await linked.person_files(session, rid, transfers=False, lock=True))[0].registrant
        outcome = await erasure.anonymise(
            session, actor=SYSTEM_ACTOR, registrant=registrant, bands=policy.bands, now=now, trigger="retention"
        )
        report.storage_keys += outcome.storage_keys
        report.done.append(rid)
    await audit.record(
        session,
        actor=SYSTEM_ACTOR,
        action="privacy.retention_run",
        entity_type="retention",
        details={
            "now": now,
            "closed_case_years": policy.closed_case_years,
            "inactive_registrant_years": policy.inactive_registrant_years,
            "cases_expired": sum(1 for i in report.items if i.category == "closed_case" and i.legal_hold_id is None),
            "registrants_anonymised": sum(
                1 for i in report.items if i.category == "registrant" and i.legal_hold_id is None
            ),
            "held": len(report.held),
        },
    )
    keys = list(report.storage_keys)
    assert storage is not None

    async def remove() -> None:
        for key in keys:
            await storage.delete(key)

    if keys:
        after_commit(session, remove)
    return report


def _item(category: str, record_id: uuid.UUID, since: dt.date, reason: str, hold: LegalHold | None) -> RetentionItem:
    if hold is None:
        return RetentionItem(category, record_id, since, reason)
    return RetentionItem(category, record_id, since, reason, legal_hold_id=hold.id, legal_hold_reason=hold.reason)


async def _expire_case(session: AsyncSession, *, case_id: uuid.UUID, registrant_id: uuid.UUID) -> list[str]:
    """Remove a closed case's free text and documents; the storage keys no row references any more."""
    await session.execute(update(Case).where(Case.id == case_id).values(**CASE_BLANKED, **next_version(Case)))
    await session.execute(update(CaseNote).where(CaseNote.case_id == case_id).values(**NOTE_BLANKED))
    await session.execute(
        update(Referral).where(Referral.case_id == case_id).values(**REFERRAL_BLANKED, **next_version(Referral))
    )
    await session.execute(
        update(Appointment)
        .where(Appointment.case_id == case_id)
        .values(**APPOINTMENT_BLANKED, **next_version(Appointment))
    )
    await erased_values.scrub_timeline(session, [case_id])
    documents, keys = await erasure.remove_case_documents(session, [case_id])
    case = await session.get(Case, case_id)
    await audit.record(
        session,
        actor=SYSTEM_ACTOR,
        action="privacy.retention_case",
        entity_type="case",
        entity_id=case_id,
        desk_id=case.desk_id if case else None,
        details={"registrant_id": registrant_id, "documents": len(documents)},
    )
    # A removed document's row is gone: its own event gives the desk's apps its tombstone (app.sync).
    await tombstones.record_removed(
        session,
        actor=SYSTEM_ACTOR,
        removed=documents,
        verb="purge",
        details={"case_id": case_id, "reason": "retention"},
    )
    return keys
