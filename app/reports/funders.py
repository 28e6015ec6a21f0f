"""The funder indicators: one report with the counts funders ask for, by sex and age band.

Mapping of each indicator to data (DOMAIN.md: the BAOS report "received 2,957 people and resolved
461 social, 496 psychosocial, 14 health and 922 economic cases, trained 341 and financed 113"):

============================  ==================================================================
indicator                     what is counted
============================  ==================================================================
``people_received``           distinct people registered in the period *or* with a case opened
                              in it, at the desks in scope; age at their first such date (a
                              merged file's cases are the survivor's: one person, counted once).
                              A transfer is neither: the receiving desk's copy of the person is
                              not a registration and its case is not a case opened (the request
                              was opened once, at the sending desk); a person with records at
                              two desks is one person (:mod:`app.reports.persons`)
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
are streamed ordered by registrant; only transfer copies' rows are held, by person.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import AsyncIterator, Mapping
from typing import Any

from sqlalchemy import cast, false, null, select, true, union_all
from sqlalchemy.ext.asyncio import AsyncSession

from app.cases.models import Case, Referral
from app.core.db import UTCDateTime
from app.registrants.models import Registrant
from app.reports.ages import UNKNOWN, AgeBands
from app.reports.persons import TRANSFER_SOURCE, copy_roots
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


Person = tuple[str | None, str | None, dt.date]
"""Sex, date of birth and the day a person is aged at."""


def _earliest(first: Person | None, other: Person | None) -> Person | None:
    if first is None or (other is not None and other[2] < first[2]):
        return other
    return first


async def _distinct_people(
    copies: AsyncIterator[Any],
    others: AsyncIterator[Any],
    roots: Mapping[uuid.UUID, uuid.UUID],
    tally: Tally,
    bands: AgeBands,
) -> None:
    """Rows ``(registrant_id, sex, dob, day)``: one count per person, aged at their earliest day.

    ``copies`` are the rows of transfer copies (few: held by person until the end), ``others``
    every other row, ordered by registrant (streamed). A copy counts as the person of its root
    (:func:`app.reports.persons.copy_roots`), so a person at two desks counts once."""
    pending: dict[uuid.UUID, Person] = {}
    async for registrant_id, sex, dob, day in copies:
        key = roots.get(registrant_id, registrant_id)
        pending[key] = _earliest(pending.get(key), (sex, dob, day)) or (sex, dob, day)

    def count(person: Person | None) -> None:
        if person is not None:
            tally.add(_sex(person[0]), bands.band(person[1], person[2]))

    current: uuid.UUID | None = None
    first: Person | None = None
    async for registrant_id, sex, dob, day in others:
        if registrant_id != current:
            if current is not None:
                count(_earliest(first, pending.pop(current, None)))
            current, first = registrant_id, (sex, dob, day)
        else:
            first = _earliest(first, (sex, dob, day))
    if current is not None:
        count(_earliest(first, pending.pop(current, None)))
    for person in pending.values():
        count(person)


def _copies(column: Any, copies: bool) -> Any:
    return column == TRANSFER_SOURCE if copies else column != TRANSFER_SOURCE


async def _received_rows(session: AsyncSession, scope: Scope, *, copies: bool) -> AsyncIterator[Any]:
    """People registered in the period (never a transfer copy: not a registration) or with a case
    opened in it (never a case received by transfer: opened once, at the sending desk); the rows of
    copies' cases with ``copies``, the others' without."""
    registered = select(
        Registrant.id.label("registrant_id"),
        Registrant.sex,
        Registrant.date_of_birth,
        Registrant.desk_id,
        cast(null(), UTCDateTime).label("at"),
        Registrant.registered_on.label("day"),
    ).where(
        scope.date_filter(Registrant.desk_id, Registrant.registered_on),
        Registrant.merged_into_id.is_(None),
        Registrant.source != TRANSFER_SOURCE,
        false() if copies else true(),  # a copy is never a registration
    )
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
        .where(
            scope.date_filter(Case.desk_id, Case.opened_on),
            Case.transferred_from_case_id.is_(None),
            _copies(Registrant.source, copies),
        )
    )
    union = union_all(registered, opened).subquery()
    stmt = select(union.c.registrant_id, union.c.sex, union.c.date_of_birth, union.c.desk_id, union.c.at, union.c.day)
    stmt = stmt.order_by(union.c.registrant_id)
    async for registrant_id, sex, dob, desk_id, at, day in _rows(session, stmt):
        if day is None:
            day = scope.local_date(desk_id, at)
        yield registrant_id, sex, dob, day


def _resolved(scope: Scope, outcome: str, copies: bool | None = None) -> Any:
    """Cases resolved in the period with ``outcome``; with ``copies`` true or false, only those of
    transfer copies or only the others'."""
    return (
        select(Registrant.id, Registrant.sex, Registrant.date_of_birth, Case.desk_id, Case.closed_at)
        .join(Registrant, Registrant.id == Case.registrant_id)
        .where(
            true() if copies is None else _copies(Registrant.source, copies),
            Case.status == "resolved",
            Case.outcome_category == outcome,
            scope.instant_filter(Case.desk_id, Case.closed_at),
        )
        .order_by(Registrant.id)
    )


async def _closure_rows(
    session: AsyncSession, scope: Scope, outcome: str, copies: bool | None = None
) -> AsyncIterator[Any]:
    async for registrant_id, sex, dob, desk_id, closed_at in _rows(session, _resolved(scope, outcome, copies)):
        yield registrant_id, sex, dob, scope.local_date(desk_id, closed_at)


def _table(scope: Scope, bands: AgeBands) -> Tally:
    return Tally("sex", "age_band", rows=SEXES, columns=bands.labels)


async def funder_indicators(session: AsyncSession, *, scope: Scope, threshold: int, bands: AgeBands) -> ReportOut:
    """The eight indicators of the module's mapping, each a suppressed sex × age band table."""
    tables = []

    roots = await copy_roots(session)
    received = _table(scope, bands)
    copies, others = _received_rows(session, scope, copies=True), _received_rows(session, scope, copies=False)
    await _distinct_people(copies, others, roots, received, bands)
    tables.append(received.table("people_received", threshold))

    for outcome in RESOLVED_OUTCOMES:
        tally = _table(scope, bands)
        async for _rid, sex, dob, day in _closure_rows(session, scope, outcome):
            tally.add(_sex(sex), bands.band(dob, day))
        tables.append(tally.table(f"cases_resolved_{outcome}", threshold))

    for name, outcome in (("people_trained", TRAINED_OUTCOME), ("people_financed", FINANCED_OUTCOME)):
        tally = _table(scope, bands)
        copies, others = _closure_rows(session, scope, outcome, True), _closure_rows(session, scope, outcome, False)
        await _distinct_people(copies, others, roots, tally, bands)
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
            "people_received: distinct people registered or with a case opened in the period; a transfer "
            "to another desk is neither (the receiving desk's copy of the person is not a new person or "
            "registration, and its case is not a new case opened)",
            "cases_resolved_*: resolved cases by outcome category (social, psychosocial, health, economic)",
            "people_trained / people_financed: distinct people (a person with records at two desks "
            "counts once) with a case resolved with outcome category 'training' / 'financing'",
            "referrals_made: referrals sent to partners in the period",
        ],
    )
