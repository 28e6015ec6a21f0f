"""Transfers between desks in a period: how many cases each desk sent and received.

A transferred request is one case opened (at the sending desk, :mod:`app.reports.statistics`); the
move itself is counted here, per desk: ``transferred_out`` by the sending desk's local date of the
transfer, ``transferred_in`` by the receiving desk's (the date its new case was opened on).
"""

from __future__ import annotations

import uuid

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.cases.models import Case, CaseTransfer
from app.reports.schemas import TableOut
from app.reports.scope import Scope
from app.reports.statistics import _rows
from app.reports.tables import Tally

TRANSFER_COLUMNS = ("transferred_in", "transferred_out")


async def transfers_by_desk(
    session: AsyncSession, *, scope: Scope, threshold: int, service_types: dict[uuid.UUID, str] | None = None
) -> TableOut:
    """The suppressed desk × (``transferred_in``, ``transferred_out``) table ``cases_transferred``
    of the transfers made in the period, for the cases of ``service_types`` when given."""
    codes = {d.id: d.code for d in scope.desks}
    tally = Tally("desk", "transfer", rows=scope.codes, columns=TRANSFER_COLUMNS)
    for desk_column, column in (
        (CaseTransfer.to_desk_id, "transferred_in"),
        (CaseTransfer.from_desk_id, "transferred_out"),
    ):
        stmt = (
            select(desk_column)
            .join(Case, Case.id == CaseTransfer.target_case_id)
            .where(scope.instant_filter(desk_column, CaseTransfer.transferred_at))
        )
        if service_types:
            stmt = stmt.where(Case.service_type_id.in_(list(service_types)))
        async for (desk_id,) in _rows(session, stmt):
            tally.add(codes[desk_id], column)
    return tally.table("cases_transferred", threshold)
