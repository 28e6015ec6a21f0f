"""The status a case had at the end of a period, for the cases open then but closed since.

"Cases open by status" lists open statuses only: a case closed after the period's end was open at
it, and counts under the status it had then, read from its timeline (its latest ``status_changed``
event before the end; none: ``received``, the status every case starts in), never under the
closing status it has now.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.cases.models import CaseEvent
from app.reports.scope import Scope

FIRST_STATUS = "received"


async def statuses_at_end(
    session: AsyncSession, *, scope: Scope, cases: Mapping[uuid.UUID, uuid.UUID]
) -> dict[uuid.UUID, str]:
    """Each case of ``cases`` (case id → its desk id) → its status at the end of ``scope``'s
    period (the end of its last local date at the case's desk)."""
    ends = {d.id: scope.utc_bounds(d)[1] for d in scope.desks}
    found = {case_id: FIRST_STATUS for case_id in cases}
    if not cases:
        return found
    events = await session.execute(
        select(CaseEvent.case_id, CaseEvent.occurred_at, CaseEvent.details)
        .where(CaseEvent.case_id.in_(list(cases)), CaseEvent.kind == "status_changed")
        .order_by(CaseEvent.occurred_at, CaseEvent.id)
    )
    for case_id, occurred_at, details in events:
        end = ends.get(cases[case_id])
        if (end is None or occurred_at < end) and isinstance(details, dict) and details.get("to"):
            found[case_id] = str(details["to"])
    return found
