"""Deadlines kept or missed: SLA compliance of cases and the timeliness of partners' answers.

* **SLA** — cases closed in the period on or before their ``due_date`` (on time) or after it
  (late); cases open at the period's end past their due date (overdue) or not (within SLA).
* **referral answers** — referrals made in the period, answered by the expected date (on time) or
  after it (late), or awaiting an answer, past the expected date (overdue) or not.

Lateness of what is still open or awaited is judged **as of the earlier of today and the period's
end** (today: the desk's local date): a period that ends in the future (this month's report) counts
nothing overdue whose due date has not come yet. The report's ``notes`` give that date.
"""

from __future__ import annotations

import datetime as dt
import uuid

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.cases.models import Case, Partner, Referral
from app.cases.workflow import REFERRAL_STATUSES
from app.core.db import utcnow
from app.reports.schemas import ReportOut
from app.reports.scope import Scope
from app.reports.statistics import _rows, case_query
from app.reports.tables import Tally, share_notes

ANSWER_COLUMNS = ("answered_on_time", "answered_late", "awaiting", "awaiting_overdue")
SLA_COLUMNS = ("closed_on_time", "closed_late", "open_overdue", "open_within_sla")
AWAITING = frozenset({"sent", "acknowledged", "no_answer"})


class _AsOf:
    """The day lateness is judged at each desk: the earlier of its local today and the period's end."""

    def __init__(self, scope: Scope) -> None:
        self._scope = scope
        self._now = utcnow()
        self.used: set[dt.date] = set()

    def __call__(self, desk_id: uuid.UUID) -> dt.date:
        today = self._scope.local_date(desk_id, self._now)
        day = min(today, self._scope.end) if self._scope.end else today
        self.used.add(day)
        return day

    def note(self, what: str) -> str:
        days = ", ".join(str(d) for d in sorted(self.used)) or str(self._scope.end or self._now.date())
        return (
            f"{what} judged as of {days}: the earlier of today (each desk's local date) and the period's end, "
            "so nothing counts as overdue before its due date"
        )


async def sla(
    session: AsyncSession,
    *,
    scope: Scope,
    threshold: int,
    service_types: dict[uuid.UUID, str] | None = None,
) -> ReportOut:
    """SLA compliance by service type: closed on time / late in the period, open overdue / within
    SLA at its end, judged as of the earlier of today and that end. ``notes`` give that day and
    each visible compliance rate (on time ÷ closed, in percent).
    """
    tally = Tally("service_type", "sla", columns=SLA_COLUMNS)
    as_of = _AsOf(scope)
    async for row in _rows(session, case_query(scope, "closed", service_types)):
        desk_id, service, *_rest = row
        closed_on = scope.local_date(desk_id, row[7])
        tally.add(service, "closed_on_time" if closed_on <= row[8] else "closed_late")
    async for row in _rows(session, case_query(scope, "open", service_types)):
        tally.add(row[1], "open_overdue" if row[8] < as_of(row[0]) else "open_within_sla")
    table = tally.table("sla", threshold)
    notes = [as_of.note("open_overdue / open_within_sla")]
    notes += share_notes(table, "closed_on_time", "closed_late", "closed on time")
    return ReportOut(
        report="sla",
        start=scope.start,
        end=scope.end,
        desks=scope.codes,
        suppression_threshold=threshold,
        tables=[table],
        notes=notes,
    )


async def referrals(session: AsyncSession, *, scope: Scope, threshold: int) -> ReportOut:
    """Referrals made in the period (``referred_on``) by partner × status (the partner's answer),
    and by partner × timeliness of the answer (answered by the expected date or not; awaited past
    it or not as of the earlier of today and the period's end, given in ``notes``)."""
    by_status = Tally("partner", "status", columns=REFERRAL_STATUSES)
    timeliness = Tally("partner", "answer", columns=ANSWER_COLUMNS)
    stmt = (
        select(Partner.name, Referral.status, Referral.expected_answer_on, Referral.answered_on, Case.desk_id)
        .join(Case, Case.id == Referral.case_id)
        .join(Partner, Partner.id == Referral.partner_id)
        .where(scope.date_filter(Case.desk_id, Referral.referred_on))
    )
    as_of = _AsOf(scope)
    async for partner, status, expected, answered, desk_id in _rows(session, stmt):
        by_status.add(partner, status)
        if answered is not None:
            timeliness.add(partner, "answered_on_time" if answered <= expected else "answered_late")
        elif status in AWAITING:
            timeliness.add(partner, "awaiting_overdue" if expected < as_of(desk_id) else "awaiting")
    return ReportOut(
        report="referrals",
        start=scope.start,
        end=scope.end,
        desks=scope.codes,
        suppression_threshold=threshold,
        tables=[by_status.table("referrals_by_status", threshold), timeliness.table("referral_answers", threshold)],
        notes=[as_of.note("awaiting / awaiting_overdue")],
    )
