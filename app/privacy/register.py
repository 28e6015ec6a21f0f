"""The register of disclosures as a regulator reads it: filtered, paginated, or as one CSV file.

Who: administrators and auditors (every desk), supervisors (their desks); each read is audited
(``privacy.register_read``, ``privacy.register_export``) with its filters, never with personal data.
Rows are newest first, keyed by ``(disclosed_at, id)``.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Final

from sqlalchemy import Select, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.audit import service as audit
from app.core.context import Actor
from app.core.errors import Forbidden
from app.core.pagination import paginate
from app.core.periods import day_after
from app.desks.models import Desk
from app.privacy.models import Disclosure
from app.privacy.schemas import DisclosureOut
from app.privacy.summary_words import provider_in_words
from app.registrants.models import Registrant
from app.reports.writers import Column, CsvWriter

REGISTER_ROLES: Final = frozenset({"admin", "auditor", "supervisor"})
CSV_COLUMNS: Final = [
    Column(name)
    for name in (
        "disclosure_id",
        "disclosed_at",
        "desk",
        "registrant_id",
        "registration_number",
        "kind",
        "purpose",
        "recipient_type",
        "recipient_id",
        "recipient_name",
        "entity_type",
        "entity_id",
        "fields",
        "legal_basis",
        "consent_id",
        "justification",
        "disclosed_by",
    )
]


@dataclass(frozen=True)
class RegisterFilters:
    """``start``/``end``: UTC dates included; ``kind``: referral, transfer or notification."""

    start: dt.date | None = None
    end: dt.date | None = None
    kind: str | None = None
    registrant_id: uuid.UUID | None = None

    def audited(self) -> dict[str, Any]:
        return {k: v for k, v in vars(self).items() if v is not None}


def _check_role(actor: Actor) -> None:
    if actor.role not in REGISTER_ROLES:
        raise Forbidden(
            "The register of disclosures is read by supervisors, administrators and auditors.",
            detail_fr="Le registre des communications est lu par les superviseurs, administrateurs et auditeurs.",
        )


def _query(actor: Actor, filters: RegisterFilters) -> Select[Disclosure, str, str]:
    stmt = (
        select(Disclosure, Registrant.registration_number, Desk.code)
        .join(Registrant, Registrant.id == Disclosure.registrant_id)
        .join(Desk, Desk.id == Disclosure.desk_id)
    )
    if actor.desk_ids is not None:
        stmt = stmt.where(Disclosure.desk_id.in_(actor.desk_ids))
    if filters.start is not None:
        stmt = stmt.where(Disclosure.disclosed_at >= dt.datetime.combine(filters.start, dt.time(), dt.UTC))
    if filters.end is not None and (after := day_after(filters.end)) is not None:  # 9999-12-31: open end
        stmt = stmt.where(Disclosure.disclosed_at < dt.datetime.combine(after, dt.time(), dt.UTC))
    if filters.kind is not None:
        stmt = stmt.where(Disclosure.kind == filters.kind)
    if filters.registrant_id is not None:
        stmt = stmt.where(Disclosure.registrant_id == filters.registrant_id)
    return stmt


def recipient_name(row: Disclosure) -> str:
    """Who received it, as the register shows it: a partner's or a desk's name as recorded; a
    sending provider by the channel in words, with its organisation when it is one (« SMS »,
    « WhatsApp (Twilio) », « e-mail »: :func:`app.privacy.summary_words.provider_in_words`) — the
    provider's internal id (``log``, ``smtp``) stays in the row, never shown."""
    if row.recipient_type == "provider":
        return provider_in_words(row.fields, row.recipient_name)
    return row.recipient_name


def _out(row: Disclosure, number: str, desk: str) -> DisclosureOut:
    return DisclosureOut.model_validate(
        {
            **{k: getattr(row, k) for k in DisclosureOut.model_fields if hasattr(row, k)},
            "recipient_name": recipient_name(row),
            "registration_number": number,
            "desk_code": desk,
        }
    )


async def list_page(
    session: AsyncSession, *, actor: Actor, filters: RegisterFilters, cursor: str | None, limit: int
) -> tuple[list[DisclosureOut], str | None]:
    """One page of the register, newest first. Raises ``Forbidden`` (403) for agents."""
    _check_role(actor)
    ids_stmt = _query(actor, filters).with_only_columns(Disclosure)
    rows, next_cursor = await paginate(
        session, ids_stmt, keys=[Disclosure.disclosed_at, Disclosure.id], cursor=cursor, limit=limit
    )
    labels = await _labels(session, rows)
    await audit.record(
        session,
        actor=actor,
        action="privacy.register_read",
        entity_type="disclosure",
        details={**filters.audited(), "rows": len(rows)},
    )
    return [_out(r, *labels[r.id]) for r in rows], next_cursor


async def _labels(session: AsyncSession, rows: Sequence[Disclosure]) -> dict[uuid.UUID, tuple[str, str]]:
    if not rows:
        return {}
    stmt = (
        select(Disclosure.id, Registrant.registration_number, Desk.code)
        .join(Registrant, Registrant.id == Disclosure.registrant_id)
        .join(Desk, Desk.id == Disclosure.desk_id)
        .where(Disclosure.id.in_([r.id for r in rows]))
    )
    return {i: (n, c) for i, n, c in (await session.execute(stmt)).all()}


async def export_csv(session: AsyncSession, *, actor: Actor, filters: RegisterFilters, delimiter: str = ",") -> bytes:
    """The whole filtered register as CSV (UTF-8 with BOM, the export writers' conventions),
    oldest first. Raises ``Forbidden`` (403) for agents."""
    _check_role(actor)
    stmt = _query(actor, filters).order_by(Disclosure.disclosed_at, Disclosure.id)
    writer = CsvWriter(CSV_COLUMNS, delimiter=delimiter)
    chunks = [writer.header()]
    count = 0
    for row, number, desk in (await session.execute(stmt)).all():
        count += 1
        chunks.append(
            writer.rows(
                [
                    [
                        row.id,
                        row.disclosed_at,
                        desk,
                        row.registrant_id,
                        number,
                        row.kind,
                        row.purpose,
                        row.recipient_type,
                        row.recipient_id,
                        recipient_name(row),
                        row.entity_type,
                        row.entity_id,
                        ",".join(row.fields or []),
                        row.legal_basis,
                        row.consent_id,
                        row.justification,
                        row.disclosed_by,
                    ]
                ]
            )
        )
    await audit.record(
        session,
        actor=actor,
        action="privacy.register_export",
        entity_type="disclosure",
        details={**filters.audited(), "rows": count, "format": "csv"},
    )
    return b"".join(chunks)
