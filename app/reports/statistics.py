"""Statistics of registrations, cases, resolution times, SLAs and referrals.

Every figure is computed in Python over rows streamed from the database (``session.stream``), so
date arithmetic, age bands and percentiles are identical on SQLite and PostgreSQL; memory holds
only the counters. Periods are local dates of each desk (see :mod:`app.reports.scope`); every
table goes through small-cell suppression (:mod:`app.reports.suppression`).

Definitions:

* **registrations** — registrants registered in the period (``registered_on``, local date of their
  desk); age at that date. A file merged into another is not counted: the person counts once, by
  the survivor (``app.merges``). A transfer copy (``source = "transfer"``: the receiving desk's
  record of a person another desk registered, :mod:`app.reports.persons`) is not a registration:
  a person is counted at the desk that registered them.
* **cases opened** — ``opened_on`` in the period; age at ``opened_on``. A case received by transfer
  is not a case opened: the request was opened once, at the sending desk, and counts there (its
  trace there keeps the status ``transferred``). With ``desk`` among the dimensions a second table,
  ``cases_transferred``, gives each desk's transfers in the period (``transferred_in``,
  ``transferred_out``, by the receiving and the sending desk's local date).
* **cases closed** — status ``resolved``, ``closed_no_response`` or ``closed_withdrawn`` with
  ``closed_at`` in the period; age at the closing date.
* **cases open** — at the end of the period: opened on or before it and either still in an open
  status, or closed after it; ``transferred`` cases are counted by the receiving desk. Age at the
  period's end.
* **time to resolution** — ``resolved`` cases closed in the period: calendar days from
  ``opened_on`` to the local closing date; median and 90th percentile (nearest rank: the
  ⌈0.9·n⌉-th smallest value), withheld for groups smaller than the threshold.
* **SLA**, **referral answers** — :mod:`app.reports.deadlines`.
"""

from __future__ import annotations

import datetime as dt
import math
import statistics
import uuid
from collections import defaultdict
from collections.abc import AsyncIterator, Sequence
from typing import Any

from sqlalchemy import and_, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.cases.models import Case, ServiceType
from app.cases.workflow import (
    CHANNELS,
    CLOSING_STATUSES,
    OPEN_STATUSES,
    OUTCOME_CATEGORIES,
    PRIORITIES,
    STATUSES,
)
from app.reference.models import AdminArea
from app.registrants.models import Registrant
from app.reports.ages import UNKNOWN, AgeBands
from app.reports.errors import UnknownDimension, UnknownServiceType
from app.reports.open_status import statuses_at_end
from app.reports.persons import TRANSFER_SOURCE
from app.reports.schemas import DurationReportOut, DurationStatOut, ReportOut
from app.reports.scope import Scope
from app.reports.streaming import AnySelect
from app.reports.tables import SEXES, Tally

REGISTRATION_DIMENSIONS = ("sex", "age_band", "origin_region", "host_city", "status_category", "desk", "month")
CASE_DIMENSIONS = (
    "service_type",
    "channel",
    "status",
    "outcome_category",
    "priority",
    "sex",
    "age_band",
    "desk",
    "month",
)
CASE_MEASURES = ("opened", "open", "closed")
_DELAY_GROUPS = ("service_type", "channel", "desk", "none")
PARTITION = 2000


async def _rows(session: AsyncSession, stmt: AnySelect) -> AsyncIterator[Any]:
    result = await session.stream(stmt.execution_options(yield_per=PARTITION))
    try:
        async for row in result:
            yield row
    finally:
        await result.close()


def _check_dimensions(requested: Sequence[str], allowed: Sequence[str]) -> None:
    bad = [d for d in requested if d not in allowed]
    if bad or not requested or len(requested) > 2 or len(set(requested)) != len(requested):
        raise UnknownDimension(
            f"Break down by one or two distinct dimensions among: {', '.join(allowed)}.",
            detail_fr=f"Ventilez par une ou deux dimensions distinctes parmi : {', '.join(allowed)}.",
        )


def _known(dimension: str, scope: Scope, bands: AgeBands) -> list[str]:
    return {
        "sex": list(SEXES),
        "age_band": bands.labels,
        "desk": scope.codes,
        "month": scope.months() if scope.start and scope.end else [],
        "channel": list(CHANNELS),
        "status": list(STATUSES),
        "outcome_category": list(OUTCOME_CATEGORIES),
        "priority": list(PRIORITIES),
    }.get(dimension, [])


def _tally(name: str, dims: Sequence[str], scope: Scope, bands: AgeBands) -> Tally:
    rows_dim = dims[0]
    cols_dim = dims[1] if len(dims) > 1 else None

    def known(dim: str) -> list[str]:
        # cases open at the period's end are in an open status then: no row of closed ones
        return list(OPEN_STATUSES) if name == "cases_open" and dim == "status" else _known(dim, scope, bands)

    return Tally(rows_dim, cols_dim, rows=known(rows_dim), columns=known(cols_dim) if cols_dim else ())


def _label(value: str | None) -> str:
    return value.strip() if value and value.strip() else UNKNOWN


async def registrations(
    session: AsyncSession, *, scope: Scope, by: Sequence[str], threshold: int, bands: AgeBands
) -> ReportOut:
    """Registrations in the period broken down by ``by`` (one or two of ``REGISTRATION_DIMENSIONS``).

    Raises ``UnknownDimension``. ``origin_region`` labels are region codes (``SN-MT``), named in
    the table's ``names`` (``{"SN-MT": "Matam"}``, from the reference areas) whether they are its
    rows or its columns; host cities are grouped case- and accent-insensitively, labelled with the
    first spelling seen.
    """
    from app.core.text import fold

    _check_dimensions(by, REGISTRATION_DIMENSIONS)
    codes = {d.id: d.code for d in scope.desks}
    tally = _tally("registrations", by, scope, bands)
    city_labels: dict[str, str] = {}
    stmt = select(
        Registrant.desk_id,
        Registrant.sex,
        Registrant.date_of_birth,
        Registrant.origin_region_code,
        Registrant.host_city,
        Registrant.status_category,
        Registrant.registered_on,
    ).where(
        scope.date_filter(Registrant.desk_id, Registrant.registered_on),
        Registrant.merged_into_id.is_(None),
        Registrant.source != TRANSFER_SOURCE,
    )
    async for desk_id, sex, dob, region, city, status_category, day in _rows(session, stmt):
        city_label = city_labels.setdefault(fold(city), city.strip()) if city and city.strip() else UNKNOWN
        labels = {
            "sex": sex if sex in SEXES else UNKNOWN,
            "age_band": bands.band(dob, day) if "age_band" in by else UNKNOWN,
            "origin_region": _label(region),
            "host_city": city_label,
            "status_category": _label(status_category),
            "desk": codes[desk_id],
            "month": f"{day:%Y-%m}",
        }
        tally.add(*(labels[d] for d in by))
    table = tally.table("registrations", threshold)
    if "origin_region" in by:  # rows or columns: the regions' names, in every format
        codes_shown = table.rows if by[0] == "origin_region" else table.columns
        found = await session.execute(select(AdminArea.code, AdminArea.name).where(AdminArea.code.in_(codes_shown)))
        table.names = {code: name for code, name in found.all()}
    return ReportOut(
        report="registrations",
        start=scope.start,
        end=scope.end,
        desks=scope.codes,
        suppression_threshold=threshold,
        tables=[table],
        notes=[
            "registrations: a transfer copy (the receiving desk's record of a person another desk "
            "registered, source 'transfer') is not a registration; the person counts at the desk that "
            "registered them"
        ],
    )


async def service_type_ids(session: AsyncSession, codes: Sequence[str]) -> dict[uuid.UUID, str]:
    """Ids of the service types with these codes; raises ``UnknownServiceType``."""
    wanted = sorted({c.strip().upper() for c in codes})
    rows = (await session.execute(select(ServiceType.id, ServiceType.code).where(ServiceType.code.in_(wanted)))).all()
    missing = sorted(set(wanted) - {code for _, code in rows})
    if missing:
        raise UnknownServiceType(
            f"Unknown service type(s): {', '.join(missing)}.",
            detail_fr=f"Type(s) de service inconnu(s) : {', '.join(missing)}.",
        )
    return {service_id: code for service_id, code in rows}


def _case_columns() -> tuple[Any, ...]:
    return (
        Case.desk_id,
        ServiceType.code,
        Case.channel,
        Case.status,
        Case.outcome_category,
        Case.priority,
        Case.opened_on,
        Case.closed_at,
        Case.due_date,
        Registrant.sex,
        Registrant.date_of_birth,
    )


def _measure_filter(scope: Scope, measure: str) -> Any:
    if measure == "opened":  # a case received by transfer was opened at the sending desk
        return and_(scope.date_filter(Case.desk_id, Case.opened_on), Case.transferred_from_case_id.is_(None))
    if measure == "closed":
        return and_(Case.status.in_(CLOSING_STATUSES), scope.instant_filter(Case.desk_id, Case.closed_at))
    # open at the end of the period
    clauses = []
    for desk in scope.desks:
        _, high = scope.utc_bounds(desk)
        still_open = Case.status.in_(OPEN_STATUSES)
        closed_after = and_(Case.status.in_(CLOSING_STATUSES), Case.closed_at >= high) if high else None
        parts = [Case.desk_id == desk.id]
        if scope.end:
            parts.append(Case.opened_on <= scope.end)
        parts.append(or_(still_open, closed_after) if closed_after is not None else still_open)
        clauses.append(and_(*parts))
    return or_(*clauses) if clauses else Case.id.is_(None)


def case_query(scope: Scope, measure: str, service_types: dict[uuid.UUID, str] | None) -> AnySelect:
    """The narrow select of cases for ``measure``, joined to their registrant and service type."""
    stmt = (
        select(*_case_columns())
        .join(Registrant, Registrant.id == Case.registrant_id)
        .join(ServiceType, ServiceType.id == Case.service_type_id)
        .where(_measure_filter(scope, measure))
    )
    if service_types:
        stmt = stmt.where(Case.service_type_id.in_(list(service_types)))
    return stmt


def _case_event_day(
    scope: Scope, measure: str, desk_id: uuid.UUID, opened_on: dt.date, closed_at: dt.datetime | None
) -> dt.date:
    if measure == "opened":
        return opened_on
    if measure == "closed" and closed_at is not None:
        return scope.local_date(desk_id, closed_at)
    return scope.end or dt.datetime.now(dt.UTC).date()


def _add_case(
    tally: Tally,
    by: Sequence[str],
    row: Any,
    status: str,
    *,
    scope: Scope,
    measure: str,
    bands: AgeBands,
    codes: dict[uuid.UUID, str],
) -> None:
    """Count one case row of :func:`case_query` under ``by``, with ``status`` as its status."""
    desk_id, service, channel, _status, outcome, priority, opened_on, closed_at, _due, sex, dob = row[:11]
    day = _case_event_day(scope, measure, desk_id, opened_on, closed_at)
    labels = {
        "service_type": service,
        "channel": _label(channel),
        "status": _label(status),
        "outcome_category": _label(outcome),
        "priority": _label(priority),
        "sex": sex if sex in SEXES else UNKNOWN,
        "age_band": bands.band(dob, day) if "age_band" in by else UNKNOWN,
        "desk": codes[desk_id],
        "month": f"{day:%Y-%m}",
    }
    tally.add(*(labels[d] for d in by))


async def cases(
    session: AsyncSession,
    *,
    scope: Scope,
    measure: str,
    by: Sequence[str],
    threshold: int,
    bands: AgeBands,
    service_types: dict[uuid.UUID, str] | None = None,
) -> ReportOut:
    """Cases ``opened``, ``open`` (at the period's end) or ``closed``, by one or two dimensions.

    Raises ``UnknownDimension`` for a measure or dimension outside ``CASE_MEASURES`` /
    ``CASE_DIMENSIONS``.
    """
    if measure not in CASE_MEASURES:
        raise UnknownDimension(
            f"measure is one of {', '.join(CASE_MEASURES)}.",
            detail_fr=f"Les mesures possibles sont : {', '.join(CASE_MEASURES)}.",
        )
    _check_dimensions(by, CASE_DIMENSIONS)
    codes = {d.id: d.code for d in scope.desks}
    tally = _tally(f"cases_{measure}", by, scope, bands)
    # open at the end but closed since: counted under the status then, looked up once read
    closed_since: dict[uuid.UUID, uuid.UUID] = {}
    held: list[Any] = []
    open_by_status = measure == "open" and "status" in by
    stmt = case_query(scope, measure, service_types)
    async for row in _rows(session, stmt.add_columns(Case.id) if open_by_status else stmt):
        if open_by_status and row[3] not in OPEN_STATUSES:
            closed_since[row[11]] = row[0]
            held.append(row)
            continue
        _add_case(tally, by, row, row[3], scope=scope, measure=measure, bands=bands, codes=codes)
    if held:
        then = await statuses_at_end(session, scope=scope, cases=closed_since)
        for row in held:
            _add_case(tally, by, row, then[row[11]], scope=scope, measure=measure, bands=bands, codes=codes)
    tables = [tally.table(f"cases_{measure}", threshold)]
    notes = []
    if measure == "opened":
        notes.append(
            "cases_opened: a case received by transfer from another desk is not counted (the request was "
            "opened once, at the sending desk, and counts there)"
        )
        if "desk" in by:
            from app.reports.transfer_counts import transfers_by_desk

            tables.append(
                await transfers_by_desk(session, scope=scope, threshold=threshold, service_types=service_types)
            )
            notes.append("cases_transferred: transfers made in the period, by receiving (in) and sending (out) desk")
    return ReportOut(
        report=f"cases_{measure}",
        start=scope.start,
        end=scope.end,
        desks=scope.codes,
        suppression_threshold=threshold,
        tables=tables,
        notes=notes,
    )


def nearest_rank(sorted_values: Sequence[float], fraction: float) -> float:
    """The nearest-rank percentile: the ⌈fraction·n⌉-th smallest value (n ≥ 1)."""
    rank = max(1, math.ceil(fraction * len(sorted_values)))
    return sorted_values[rank - 1]


def _duration_stat(group: str, days: list[int], threshold: int) -> DurationStatOut:
    if len(days) < threshold:
        return DurationStatOut(group=group, cases=None if days else 0, median_days=None, p90_days=None)
    ordered = sorted(days)
    return DurationStatOut(
        group=group,
        cases=len(ordered),
        median_days=float(statistics.median(ordered)),
        p90_days=float(nearest_rank(ordered, 0.9)),
    )


async def resolution_time(
    session: AsyncSession,
    *,
    scope: Scope,
    group_by: str,
    threshold: int,
    service_types: dict[uuid.UUID, str] | None = None,
) -> DurationReportOut:
    """Days from opening to resolution of the cases resolved in the period, by ``group_by``
    (``service_type``, ``channel``, ``desk`` or ``none``). Groups below the threshold are withheld.
    """
    if group_by not in _DELAY_GROUPS:
        raise UnknownDimension(
            f"group_by is {', '.join(_DELAY_GROUPS)}.",
            detail_fr=f"Les délais se regroupent par : {', '.join(_DELAY_GROUPS)}.",
        )
    codes = {d.id: d.code for d in scope.desks}
    stmt = case_query(scope, "closed", service_types).where(Case.status == "resolved")
    groups: dict[str, list[int]] = defaultdict(list)
    everything: list[int] = []
    async for row in _rows(session, stmt):
        desk_id, service, channel, _status, _outcome, _priority, opened_on, closed_at, _due, _sex, _dob = row
        days = (scope.local_date(desk_id, closed_at) - opened_on).days
        everything.append(days)
        key = {"service_type": service, "channel": channel, "desk": codes[desk_id], "none": "all"}[group_by]
        groups[key].append(days)
    return DurationReportOut(
        report="resolution_time",
        start=scope.start,
        end=scope.end,
        desks=scope.codes,
        suppression_threshold=threshold,
        group_by=group_by,
        groups=[_duration_stat(k, groups[k], threshold) for k in sorted(groups)],
        overall=_duration_stat("all", everything, threshold),
    )
