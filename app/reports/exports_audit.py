"""The audit log export (see :mod:`app.reports.exports`)."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from sqlalchemy import ColumnElement, and_, or_, select

from app.audit.models import AuditEvent, AuditLink
from app.desks.models import Desk
from app.reports.export_base import ExportContext, ExportSpec, count_of, map_batches
from app.reports.writers import Column

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
    # The export's own export.start is recorded after the rows are counted: it is left out, so
    # the file holds the log as it stood when asked for and X-Export-Rows counts its rows.
    clauses: list[ColumnElement[bool]] = [
        or_(AuditEvent.entity_type != "export", AuditEvent.entity_id != str(ctx.export_id))
    ]
    if ctx.desk_filter_given:
        clauses.append(AuditEvent.desk_id.in_(scope.desk_ids))
    low, high = scope.bounds_in(dt.UTC)
    if low is not None:
        clauses.append(AuditEvent.occurred_at >= low)
    if high is not None:
        clauses.append(AuditEvent.occurred_at < high)
    # Sealed events in chain order, then those not sealed yet (no seq) in the order recorded.
    stmt = (
        select(
            AuditEvent.__table__,
            AuditLink.seq,
            AuditLink.prev_hash,
            AuditLink.hash,
            Desk.code.label("desk_code"),
        )
        .outerjoin(AuditLink, AuditLink.event_id == AuditEvent.id)
        .outerjoin(Desk, Desk.id == AuditEvent.desk_id)
        .where(and_(*clauses))
        .order_by(AuditLink.seq.is_(None), AuditLink.seq, AuditEvent.id)
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
    return ExportSpec("audit", ctx.named, columns, count_of(stmt), map_batches(stmt, convert))
