"""What each export holds: its columns, its SQL and how a database row becomes a file row.

Pseudonymised (the default) exports carry **no names, contacts, document numbers, free text or
registration/case numbers**: a person is a pseudonymous id (:mod:`app.reports.pseudonyms`), a date
of birth becomes the age band at the event date, and sensitive fields (residence/legal status,
vulnerability flags, notes, outcome notes, case descriptions) are never exported, named or not.
Named exports (administrators, with a stated purpose) add the identifying columns listed in
``*_NAMED`` below, for the people whose ``named_export`` consent is in force when the export starts
(:class:`~app.reports.export_base.ConsentGate`); the others' rows are kept with those columns
empty and their last column, ``not_named_because``, saying why. The audit log export leaves out
event ``details`` (which may quote changed names) unless named.

Period filters: registrants by registration (local date of their desk), cases by ``opened_on``,
referrals by ``referred_on``, audit events by ``occurred_at`` (UTC dates).
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections import defaultdict
from collections.abc import AsyncIterator, Callable
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncConnection

from app.cases.catalogue_data import document_label
from app.desks.models import Desk
from app.registrants.models import IdentityDocument, Registrant, RegistrantPhone
from app.reports.export_base import NOT_NAMED_BECAUSE, ExportContext, ExportSpec, count_of
from app.reports.exports_audit import audit_export
from app.reports.exports_followup import appointments_export, cases_export, referrals_export
from app.reports.streaming import Batch, closing, stream_batches
from app.reports.writers import Column

KINDS = ("registrants", "cases", "referrals", "appointments", "audit")
REACHES_FUTURE = frozenset({"appointments"})
"""Kinds whose rows can be dated after today (an appointment's start): without ``end`` their
period stays open. The others' rows cannot, so a period without ``end`` ends today and may not
start after it (:func:`app.reports.scope.check_ends_today`)."""
PHONES_EXPORTED = 3
DOCUMENTS_EXPORTED = 2
"""Phones and documents with columns of their own in a named registrants export; a person's others
(up to the API's limits) are listed in ``other_phones`` and ``other_documents``, ``; `` apart."""


def _document_text(document: tuple[str, str, dt.date | None], labels: str | None = None) -> str:
    """``passport A01234567 (expires 2030-01-31)``: one of ``other_documents``; in words
    (``labels``) ``Passeport A01234567 (valable jusqu'au 2030-01-31)``."""
    doc_type, number, expires = document
    if labels is None:
        return f"{doc_type} {number}" + (f" (expires {expires.isoformat()})" if expires else "")
    until = "valable jusqu'au" if labels == "fr" else "expires"
    text = f"{document_label(doc_type, labels)} {number}"
    return text + (f" ({until} {expires.isoformat()})" if expires else "")


def _unverified(raw: str | None, labels: str | None = None) -> str:
    """A phone number as typed, not checked: ``06 12 (unverified)`` (``(non vérifié)`` in French words)."""
    return f"{raw} ({'non vérifié' if labels == 'fr' else 'unverified'})"


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
    Column("other_phones", "phone", 24),
    *(
        col
        for i in range(1, DOCUMENTS_EXPORTED + 1)
        for col in (
            Column(f"document_{i}_type", width=14),
            Column(f"document_{i}_number", "document", 18),
            Column(f"document_{i}_expires_on", "date", 12),
        )
    ),
    Column("other_documents", "document", 30),
    Column("occupation", width=18),
]


def registrants_export(ctx: ExportContext) -> ExportSpec:
    """Registrants registered in the period at the desks in scope, oldest first."""
    scope = ctx.scope
    stmt = (
        select(Registrant.__table__, Desk.code.label("desk_code"))
        .join(Desk, Desk.id == Registrant.desk_id)
        .where(scope.date_filter(Registrant.desk_id, Registrant.registered_on), Registrant.merged_into_id.is_(None))
        .order_by(Registrant.registered_on, Registrant.created_at, Registrant.id)
    )
    columns = (
        REGISTRANTS_PSEUDONYMISED + (REGISTRANTS_NAMED if ctx.named else []) + ([NOT_NAMED_BECAUSE] if ctx.gate else [])
    )

    def base(r: Any) -> list[Any]:
        day = r.registered_on
        return [
            ctx.person(r.id),
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
        async with closing(stream_batches(conn, stmt)) as batches:
            async for batch in batches:
                if not ctx.named:
                    yield [base(r) for r in batch]
                    continue
                ids = [r.id for r in batch]
                phones: dict[uuid.UUID, list[str]] = defaultdict(list)
                for rid, e164, raw in await conn.execute(
                    select(RegistrantPhone.registrant_id, RegistrantPhone.e164, RegistrantPhone.raw)
                    .where(RegistrantPhone.registrant_id.in_(ids))
                    .order_by(RegistrantPhone.registrant_id, RegistrantPhone.position, RegistrantPhone.id)
                ):
                    phones[rid].append(e164 or _unverified(raw, ctx.labels))  # an unverified number, as typed
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
                allowed = await ctx.gate.allowed(conn, ids) if ctx.gate is not None else set(ids)
                rows = []
                for r in batch:
                    if ctx.gate is not None and r.id not in allowed:
                        rows.append(ctx.gate.blank(base(r) + [None] * len(REGISTRANTS_NAMED), len(REGISTRANTS_NAMED)))
                        continue
                    own_phones = (phones[r.id] + [None] * PHONES_EXPORTED)[:PHONES_EXPORTED]
                    own_docs = (documents[r.id] + [(None, None, None)] * DOCUMENTS_EXPORTED)[:DOCUMENTS_EXPORTED]
                    more_phones = "; ".join(phones[r.id][PHONES_EXPORTED:]) or None
                    more = documents[r.id][DOCUMENTS_EXPORTED:]
                    more_docs = "; ".join(_document_text(doc, ctx.labels) for doc in more) or None
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
                            more_phones,
                            *(v for doc in own_docs for v in doc),
                            more_docs,
                            r.occupation,
                            *([None] if ctx.gate is not None else []),
                        ]
                    )
                yield rows

    unnamed = (
        ctx.gate.unnamed_count(stmt, list(stmt.selected_columns).index(stmt.selected_columns.id)) if ctx.gate else None
    )
    return ExportSpec("registrants", ctx.named, columns, count_of(stmt), source, unnamed)


BUILDERS: dict[str, Callable[[ExportContext], ExportSpec]] = {
    "registrants": registrants_export,
    "cases": cases_export,
    "referrals": referrals_export,
    "appointments": appointments_export,
    "audit": audit_export,
}
