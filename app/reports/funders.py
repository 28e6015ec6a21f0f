"""The funder indicators: one report with the counts funders ask for, by sex and age band.

Mapping of each indicator to data (DOMAIN.md: the BAOS report "received 2,957 people and resolved
461 social, 496 psychosocial, 14 health and 922 economic cases, trained 341 and financed 113"):

============================  ==================================================================
indicator                     what is counted
============================  ==================================================================
``people_received``           distinct people registered in the period *or* with a case opened
                              in it, at the desks in scope; age at their first such date (a
                              merged file's cases are the survivor's: one person, counted once)
``cases_resolved_social``     cases with status ``resolved`` and outcome category ``social``,
``cases_resolved_psychosocial``  ``psychosocial``, ``health``, ``economic`` respectively, closed
``cases_resolved_health``     in the period; age at the closing date (counts cases, not people)
``cases_resolved_economic``
``people_trained``            distinct people with a case resolved in the period with outcome
                              category ``training``; age at the first such closure
``people_financed``           distinct people with a case resolved in the period with outcome
                              category ``financing`` (e.g. a FAISE project funded)
``referrals_made``            referrals with ``referred_on`` in the period (counts referrals);
                              age at the referral date
============================  ==================================================================

Each indicator is a sex × age band table with its totals; small cells are suppressed in each
table (:mod:`app.reports.suppression`). Distinct people are counted in constant memory: the rows
are streamed ordered by registrant.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import AsyncIterator
from typing import Any

from sqlalchemy import cast, null, select, union_all
from sqlalchemy.ext.asyncio import AsyncSession

from app.cases.models import Case, Referral
from app.core.db import UTCDateTime
from app.registrants.models import Registrant
from app.reports.ages import UNKNOWN, AgeBands
from app.reports.schemas import ReportOut
from app.reports.scope import Scope
from app.reports.statistics import _rows
from app.reports.tables import SEXES, Tally

RESOLVED_OUTCOMES = ("social", "psychosocial", "health", "economic")
TRAINED_OUTCOME = "training"
FINANCED_OUTCOME = "financing"
INDICATORS = (
    "people_received",
    *(f"cases_resolved_{o}" for o in RESOLVED_OUTCOMES),
    "people_trained",
    "people_financed",
    "referrals_made",
)


def _sex(value: str | None) -> str:
    return value if value in SEXES else UNKNOWN


async def _distinct_people(rows: AsyncIterator[Any], tally: Tally, bands: AgeBands) -> None:
    """Rows ``(registrant_id, sex, dob, day)`` ordered by registrant: one count per person,
    aged at their earliest day."""
    current: uuid.UUID | None = None
    first: tuple[str, str | None, dt.date] | None = None
    async for registrant_id, sex, dob, day in rows:
        if registrant_id != current:
            if first is not None:
                tally.add(_sex(first[0]), bands.band(first[1], first[2]))
            current, first = registrant_id, (sex, dob, day)
        elif first is not None and day < first[2]:
            first = (sex, dob, day)
    if first is not None:
        tally.add(_sex(first[0]), bands.band(first[1], first[2]))


async def _received_rows(session: AsyncSession, scope: Scope) -> AsyncIterator[Any]:
    registered = select(
        Registrant.id.label("registrant_id"),
        Registrant.sex,
        Registrant.date_of_birth,
        Registrant.desk_id,
        cast(null(), UTCDateTime).label("at"),
        Registrant.registered_on.label("day"),
    ).where(scope.date_filter(Registrant.desk_id, Registrant.registered_on), Registrant.merged_into_id.is_(None))
    opened = (
        select(
            Registrant.id.label("registrant_id"),
            Registrant.sex,
            Registrant.date_of_birth,
            Case.desk_id,
            cast(null(), UTCDateTime).label("at"),
            Case.opened_on.label("day"),
        )
        .join(Registrant, Registrant.id == Case.registrant_id)
        .where(scope.date_filter(Case.desk_id, Case.opened_on))
    )
    union = union_all(registered, opened).subquery()
    stmt = select(union.c.registrant_id, union.c.sex, union.c.date_of_birth, union.c.desk_id, union.c.at, union.c.day)
    stmt = stmt.order_by(union.c.registrant_id)
    async for registrant_id, sex, dob, desk_id, at, day in _rows(session, stmt):
        if day is None:
            day = scope.local_date(desk_id, at)
        yield registrant_id, sex, dob, day


def _resolved(scope: Scope, outcome: str) -> Any:
    return (
        select(Registrant.id, Registrant.sex, Registrant.date_of_birth, Case.desk_id, Case.closed_at)
        .join(Registrant, Registrant.id == Case.registrant_id)
        .where(
            Case.status == "resolved",
            Case.outcome_category == outcome,
            scope.instant_filter(Case.desk_id, Case.closed_at),
        )
        .order_by(Registrant.id)
    )


async def _closure_rows(session: AsyncSession, scope: Scope, outcome: str) -> AsyncIterator[Any]:
    async for registrant_id, sex, dob, desk_id, closed_at in _rows(session, _resolved(scope, outcome)):
        yield registrant_id, sex, dob, scope.local_date(desk_id, closed_at)


def _table(scope: Scope, bands: AgeBands) -> Tally:
    return Tally("sex", "age_band", rows=SEXES, columns=bands.labels)


async def funder_indicators(session: AsyncSession, *, scope: Scope, threshold: int, bands: AgeBands) -> ReportOut:
    """The eight indicators of the module's mapping, each a suppressed sex × age band table."""
    tables = []

    received = _table(scope, bands)
    await _distinct_people(_received_rows(session, scope), received, bands)
    tables.append(received.table("people_received", threshold))

    for outcome in RESOLVED_OUTCOMES:
        tally = _table(scope, bands)
        async for _rid, sex, dob, day in _closure_rows(session, scope, outcome):
            tally.add(_sex(sex), bands.band(dob, day))
        tables.append(tally.table(f"cases_resolved_{outcome}", threshold))

    for name, outcome in (("people_trained", TRAINED_OUTCOME), ("people_financed", FINANCED_OUTCOME)):
        tally = _table(scope, bands)
        await _distinct_people(_closure_rows(session, scope, outcome), tally, bands)
        tables.append(tally.table(name, threshold))

    referrals = _table(scope, bands)
    stmt = (
        select(Registrant.sex, Registrant.date_of_birth, Referral.referred_on)
        .join(Case, Case.id == Referral.case_id)
        .join(Registrant, Registrant.id == Case.registrant_id)
        .where(scope.date_filter(Case.desk_id, Referral.referred_on))
    )
    async for sex, dob, day in _rows(session, stmt):
        referrals.add(_sex(sex), bands.band(dob, day))
    tables.append(referrals.table("referrals_made", threshold))

    return ReportOut(
        report="funder_indicators",
        start=scope.start,
        end=scope.end,
        desks=scope.codes,
        suppression_threshold=threshold,
        tables=tables,
        notes=[
            "people_received: distinct people registered or with a case opened in the period",
            "cases_resolved_*: resolved cases by outcome category (social, psychosocial, health, economic)",
            "people_trained / people_financed: distinct people with a case resolved with outcome "
            "category 'training' / 'financing'",
            "referrals_made: referrals sent to partners in the period",
        ],
    )
