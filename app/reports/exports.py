"""What each export holds: its columns, its SQL and how a database row becomes a file row.

Pseudonymised (the default) exports carry **no names, contacts, document numbers, free text or
registration/case numbers**: a person is a pseudonymous id (:mod:`app.reports.pseudonyms`), a date
of birth becomes the age band at the event date, and sensitive fields (residence/legal status,
vulnerability flags, notes, outcome notes, case descriptions) are never exported, named or not.
Named exports (administrators, with a stated purpose) add the identifying columns listed in
``*_NAMED`` below. The audit log export leaves out event ``details`` (which may quote changed
names) unless named.

Period filters: registrants by registration (local date of their desk), cases by ``opened_on``,
referrals by ``referred_on``, audit events by ``occurred_at`` (UTC dates).
"""

from __future__ import annotations

import datetime as dt
import json
import uuid
from collections import defaultdict
from collections.abc import AsyncIterator, Callable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, func, select, true
from sqlalchemy.ext.asyncio import AsyncConnection

from app.audit.models import AuditEvent
from app.cases.models import Case, Partner, Referral, ServiceType
from app.desks.models import Desk
from app.registrants.models import IdentityDocument, Registrant, RegistrantPhone
from app.reports.ages import AgeBands
from app.reports.pseudonyms import Pseudonymizer
from app.reports.scope import Scope
from app.reports.streaming import AnySelect, Batch, RowSource, stream_batches
from app.reports.writers import Column

KINDS = ("registrants", "cases", "referrals", "audit")
PHONES_EXPORTED = 3
DOCUMENTS_EXPORTED = 2


@dataclass(frozen=True)
class ExportSpec:
    """An export ready to run: columns, a count of its rows and the row source."""

    kind: str
    named: bool
    columns: list[Column]
    count: Select[int]
    source: RowSource


@dataclass(frozen=True)
class ExportContext:
    scope: Scope
    named: bool
    pseudonym: Pseudonymizer
    bands: AgeBands
    desk_filter_given: bool


def _map_batches(stmt: AnySelect, convert: Callable[[Any], Sequence[Any]]) -> RowSource:
    async def source(conn: AsyncConnection) -> AsyncIterator[Batch]:
        async for batch in stream_batches(conn, stmt):
            yield [convert(row) for row in batch]

    return source


def _count(stmt: AnySelect) -> Select[int]:
    return select(func.count()).select_from(stmt.order_by(None).subquery())


# --- registrants ---------------------------------------------------------------------------------

REGISTRANTS_PSEUDONYMISED = [
    Column("person_id", width=24),
    Column("desk", width=12),
    Column("registered_on", "date", 12),
    Column("sex", width=8),
    Column("age_band_at_registration", width=12),
    Column("nationality", width=6),
    Column("origin_region", width=10),
    Column("origin_departement", width=12),
    Column("host_country", width=6),
    Column("host_city", width=18),
    Column("host_region", width=10),
    Column("status_category", width=14),
    Column("languages", width=14),
    Column("arrival_year", "int", 8),
    Column("source", width=10),
]
REGISTRANTS_NAMED = [
    Column("registration_number", width=20),
    Column("family_name", width=20),
    Column("given_names", width=24),
    Column("name_arabic", width=20),
    Column("date_of_birth", width=12),
    Column("place_of_birth", width=18),
    Column("email", width=28),
    *(Column(f"phone_{i}", "phone", 18) for i in range(1, PHONES_EXPORTED + 1)),
    *(
        col
        for i in range(1, DOCUMENTS_EXPORTED + 1)
        for col in (
            Column(f"document_{i}_type", width=14),
            Column(f"document_{i}_number", "document", 18),
            Column(f"document_{i}_expires_on", "date", 12),
        )
    ),
    Column("occupation", width=18),
]


def registrants_export(ctx: ExportContext) -> ExportSpec:
    """Registrants registered in the period at the desks in scope, oldest first."""
    scope = ctx.scope
    stmt = (
        select(Registrant.__table__, Desk.code.label("desk_code"))
        .join(Desk, Desk.id == Registrant.desk_id)
        .where(scope.instant_filter(Registrant.desk_id, Registrant.created_at))
        .order_by(Registrant.created_at, Registrant.id)
    )
    columns = REGISTRANTS_PSEUDONYMISED + (REGISTRANTS_NAMED if ctx.named else [])

    def base(r: Any) -> list[Any]:
        day = scope.local_date(r.desk_id, r.created_at)
        return [
            ctx.pseudonym("registrant", r.id),
            r.desk_code,
            day,
            r.sex,
            ctx.bands.band(r.date_of_birth, day),
            r.nationality,
            r.origin_region_code,
            r.origin_departement_code,
            r.host_country,
            r.host_city,
            r.host_region_code,
            r.status_category,
            ",".join(r.languages or []),
            r.arrival_date.year if r.arrival_date else None,
            r.source,
        ]

    async def source(conn: AsyncConnection) -> AsyncIterator[Batch]:
        async for batch in stream_batches(conn, stmt):
            if not ctx.named:
                yield [base(r) for r in batch]
                continue
            ids = [r.id for r in batch]
            phones: dict[uuid.UUID, list[str]] = defaultdict(list)
            for rid, e164 in await conn.execute(
                select(RegistrantPhone.registrant_id, RegistrantPhone.e164)
                .where(RegistrantPhone.registrant_id.in_(ids))
                .order_by(RegistrantPhone.registrant_id, RegistrantPhone.position, RegistrantPhone.id)
            ):
                phones[rid].append(e164)
            documents: dict[uuid.UUID, list[tuple[str, str, dt.date | None]]] = defaultdict(list)
            for rid, doc_type, number, expires in await conn.execute(
                select(
                    IdentityDocument.registrant_id,
                    IdentityDocument.doc_type,
                    IdentityDocument.number,
                    IdentityDocument.expires_on,
                )
                .where(IdentityDocument.registrant_id.in_(ids))
                .order_by(IdentityDocument.registrant_id, IdentityDocument.position, IdentityDocument.id)
            ):
                documents[rid].append((doc_type, number, expires))
            rows = []
            for r in batch:
                own_phones = (phones[r.id] + [None] * PHONES_EXPORTED)[:PHONES_EXPORTED]
                own_docs = (documents[r.id] + [(None, None, None)] * DOCUMENTS_EXPORTED)[:DOCUMENTS_EXPORTED]
                rows.append(
                    [
                        *base(r),
                        r.registration_number,
                        r.family_name,
                        r.given_names,
                        r.name_arabic,
                        r.date_of_birth,
                        r.place_of_birth,
                        r.email,
                        *own_phones,
                        *(v for doc in own_docs for v in doc),
                        r.occupation,
                    ]
                )
            yield rows

    return ExportSpec("registrants", ctx.named, columns, _count(stmt), source)


# --- cases ---------------------------------------------------------------------------------------

CASES_PSEUDONYMISED = [
    Column("case_id", width=24),
    Column("person_id", width=24),
    Column("desk", width=12),
    Column("service_type", width=20),
    Column("channel", width=14),
    Column("priority", width=8),
    Column("status", width=16),
    Column("outcome_category", width=14),
    Column("opened_on", "date", 12),
    Column("due_date", "date", 12),
    Column("closed_on", "date", 12),
    Column("days_to_close", "int", 8),
    Column("sex", width=8),
    Column("age_band_at_opening", width=12),
]
CASES_NAMED = [
    Column("case_number", width=20),
    Column("registration_number", width=20),
    Column("family_name", width=20),
    Column("given_names", width=24),
]


def cases_export(ctx: ExportContext) -> ExportSpec:
    """Cases opened in the period at the desks in scope, by opening date."""
    scope = ctx.scope
    stmt = (
        select(
            Case.id,
            Registrant.id,
            Desk.code,
            ServiceType.code,
            Case.channel,
            Case.priority,
            Case.status,
            Case.outcome_category,
            Case.opened_on,
            Case.due_date,
            Case.closed_at,
            Case.desk_id,
            Registrant.sex,
            Registrant.date_of_birth,
            Case.case_number,
            Registrant.registration_number,
            Registrant.family_name,
            Registrant.given_names,
        )
        .join(Registrant, Registrant.id == Case.registrant_id)
        .join(ServiceType, ServiceType.id == Case.service_type_id)
        .join(Desk, Desk.id == Case.desk_id)
        .where(scope.date_filter(Case.desk_id, Case.opened_on))
        .order_by(Case.opened_on, Case.id)
    )

    def convert(row: Any) -> list[Any]:
        (case_id, rid, code, service, channel, priority, status, outcome, opened, due, closed_at, desk_id, sex, dob) = (
            row[:14]
        )
        closed_on = scope.local_date(desk_id, closed_at) if closed_at else None
        out = [
            ctx.pseudonym("case", case_id),
            ctx.pseudonym("registrant", rid),
            code,
            service,
            channel,
            priority,
            status,
            outcome,
            opened,
            due,
            closed_on,
            (closed_on - opened).days if closed_on else None,
            sex,
            ctx.bands.band(dob, opened),
        ]
        if ctx.named:
            out += list(row[14:18])
        return out

    columns = CASES_PSEUDONYMISED + (CASES_NAMED if ctx.named else [])
    return ExportSpec("cases", ctx.named, columns, _count(stmt), _map_batches(stmt, convert))


# --- referrals -----------------------------------------------------------------------------------

REFERRALS_PSEUDONYMISED = [
    Column("referral_id", width=24),
    Column("case_id", width=24),
    Column("person_id", width=24),
    Column("desk", width=12),
    Column("service_type", width=20),
    Column("partner", width=28),
    Column("status", width=14),
    Column("referred_on", "date", 12),
    Column("expected_answer_on", "date", 12),
    Column("answered_on", "date", 12),
    Column("answered_on_time", "bool", 8),
]
REFERRALS_NAMED = [
    Column("case_number", width=20),
    Column("registration_number", width=20),
    Column("family_name", width=20),
    Column("given_names", width=24),
    Column("partner_reference", "document", 20),
]


def referrals_export(ctx: ExportContext) -> ExportSpec:
    """Referrals made in the period by the desks in scope, by referral date."""
    scope = ctx.scope
    stmt = (
        select(
            Referral.id,
            Case.id,
            Registrant.id,
            Desk.code,
            ServiceType.code,
            Partner.name,
            Referral.status,
            Referral.referred_on,
            Referral.expected_answer_on,
            Referral.answered_on,
            Case.case_number,
            Registrant.registration_number,
            Registrant.family_name,
            Registrant.given_names,
            Referral.partner_reference,
        )
        .join(Case, Case.id == Referral.case_id)
        .join(Registrant, Registrant.id == Case.registrant_id)
        .join(ServiceType, ServiceType.id == Case.service_type_id)
        .join(Partner, Partner.id == Referral.partner_id)
        .join(Desk, Desk.id == Case.desk_id)
        .where(scope.date_filter(Case.desk_id, Referral.referred_on))
        .order_by(Referral.referred_on, Referral.id)
    )

    def convert(row: Any) -> list[Any]:
        ref_id, case_id, rid, code, service, partner, status, referred, expected, answered = row[:10]
        out = [
            ctx.pseudonym("referral", ref_id),
            ctx.pseudonym("case", case_id),
            ctx.pseudonym("registrant", rid),
            code,
            service,
            partner,
            status,
            referred,
            expected,
            answered,
            (answered <= expected) if answered else None,
        ]
        if ctx.named:
            out += list(row[10:15])
        return out

    columns = REFERRALS_PSEUDONYMISED + (REFERRALS_NAMED if ctx.named else [])
    return ExportSpec("referrals", ctx.named, columns, _count(stmt), _map_batches(stmt, convert))


# --- audit log -----------------------------------------------------------------------------------

AUDIT_COLUMNS = [
    Column("seq", "int", 8),
    Column("occurred_at", "datetime", 20),
    Column("actor", width=28),
    Column("actor_role", width=10),
    Column("action", width=24),
    Column("entity_type", width=14),
    Column("entity_id", width=36),
    Column("desk", width=12),
    Column("request_id", width=32),
    Column("ip", width=16),
    Column("user_agent", width=30),
    Column("prev_hash", width=20),
    Column("hash", width=20),
]
AUDIT_NAMED = [Column("details", width=60)]


def audit_export(ctx: ExportContext) -> ExportSpec:
    """Audit events in the period (UTC dates), in chain order; desk filter on the event's desk.

    Without a desk filter an administrator or auditor gets every event, desk-less ones included.
    """
    scope = ctx.scope
    clauses: list[ColumnElement[bool]] = []
    if ctx.desk_filter_given:
        clauses.append(AuditEvent.desk_id.in_(scope.desk_ids))
    if scope.start:
        clauses.append(AuditEvent.occurred_at >= dt.datetime.combine(scope.start, dt.time(), dt.UTC))
    if scope.end:
        clauses.append(
            AuditEvent.occurred_at < dt.datetime.combine(scope.end + dt.timedelta(days=1), dt.time(), dt.UTC)
        )
    stmt = (
        select(AuditEvent.__table__, Desk.code.label("desk_code"))
        .outerjoin(Desk, Desk.id == AuditEvent.desk_id)
        .where(and_(*clauses) if clauses else true())
        .order_by(AuditEvent.seq)
    )

    def convert(row: Any) -> list[Any]:
        e, code = row, row.desk_code
        out = [
            e.seq,
            e.occurred_at,
            e.actor_label,
            e.actor_role,
            e.action,
            e.entity_type,
            e.entity_id,
            code,
            e.request_id,
            e.ip,
            e.user_agent,
            e.prev_hash,
            e.hash,
        ]
        if ctx.named:
            out.append(json.dumps(e.details, ensure_ascii=False, sort_keys=True))
        return out

    columns = AUDIT_COLUMNS + (AUDIT_NAMED if ctx.named else [])
    return ExportSpec("audit", ctx.named, columns, _count(stmt), _map_batches(stmt, convert))


BUILDERS: dict[str, Callable[[ExportContext], ExportSpec]] = {
    "registrants": registrants_export,
    "cases": cases_export,
    "referrals": referrals_export,
    "audit": audit_export,
}
