"""Desk scoping and report periods, without HTTP: :class:`app.core.context.Actor` and
:class:`app.reports.scope.Scope`.

The UTC instants are worked out by hand from the IANA zones (America/New_York moves to daylight
time on 2026-03-08 at 02:00, UTC-5 before and UTC-4 after; Asia/Tokyo is UTC+9 all year); the
rules are BRIEF §3 ("a staff user only sees records of the desks they belong to") and the
reports' documented period rules (inclusive local dates, both bounds when required, at most ten
years).
"""

from __future__ import annotations

import datetime as dt
import uuid
from zoneinfo import ZoneInfo

import pytest

from app.core.context import Actor
from app.core.periods import InvalidPeriod
from app.reports.scope import DeskInfo, Scope, check_period

A, B = uuid.UUID(int=1), uuid.UUID(int=2)
NEW_YORK = DeskInfo(id=A, code="NYC", zone=ZoneInfo("America/New_York"))
TOKYO = DeskInfo(id=B, code="TYO", zone=ZoneInfo("Asia/Tokyo"))
UTC = dt.UTC


def test_an_administrator_sees_every_desk() -> None:
    admin = Actor(user_id=uuid.uuid4(), email="a@desk.example", role="admin", desk_ids=None)
    assert admin.sees_all_desks is True
    assert (admin.can_see_desk(A), admin.can_see_desk(B), admin.can_see_desk(None)) == (True, True, True)


def test_an_agent_sees_only_the_desks_they_belong_to() -> None:
    agent = Actor(user_id=uuid.uuid4(), email="b@desk.example", role="agent", desk_ids=frozenset({A}))
    assert agent.sees_all_desks is False
    assert (agent.can_see_desk(A), agent.can_see_desk(B), agent.can_see_desk(None)) == (True, False, False)
    nowhere = Actor(user_id=uuid.uuid4(), email="c@desk.example", role="agent", desk_ids=frozenset())
    assert (nowhere.sees_all_desks, nowhere.can_see_desk(A), nowhere.can_see_desk(None)) == (False, False, False)


@pytest.mark.parametrize(
    ("role", "reads"),
    [("supervisor", True), ("admin", True), ("agent", False), ("auditor", False), ("person", False)],
)
def test_only_supervisors_and_administrators_read_restricted_fields(role: str, reads: bool) -> None:
    assert Actor(user_id=None, email="x", role=role).reads_sensitive is reads


def test_a_period_is_the_local_days_of_each_desk_as_half_open_utc_bounds() -> None:
    scope = Scope(start=dt.date(2026, 3, 8), end=dt.date(2026, 3, 8), desks=(NEW_YORK, TOKYO))
    # Midnight EST is 05:00 UTC; the next midnight is already daylight time (EDT): 04:00 UTC.
    assert scope.utc_bounds(NEW_YORK) == (
        dt.datetime(2026, 3, 8, 5, tzinfo=UTC),
        dt.datetime(2026, 3, 9, 4, tzinfo=UTC),
    )
    assert scope.utc_bounds(TOKYO) == (dt.datetime(2026, 3, 7, 15, tzinfo=UTC), dt.datetime(2026, 3, 8, 15, tzinfo=UTC))


def test_an_open_ended_period_has_open_bounds() -> None:
    assert Scope(start=None, end=None, desks=(TOKYO,)).utc_bounds(TOKYO) == (None, None)
    since = Scope(start=dt.date(2026, 1, 1), end=None, desks=(TOKYO,))
    assert since.utc_bounds(TOKYO) == (dt.datetime(2025, 12, 31, 15, tzinfo=UTC), None)
    until = Scope(start=None, end=dt.date(2026, 1, 1), desks=(TOKYO,))
    assert until.utc_bounds(TOKYO) == (None, dt.datetime(2026, 1, 1, 15, tzinfo=UTC))


def test_an_instant_belongs_to_the_local_date_of_its_desk() -> None:
    scope = Scope(start=None, end=None, desks=(NEW_YORK, TOKYO))
    instant = dt.datetime(2026, 3, 8, 4, 30, tzinfo=UTC)  # 23:30 on the 7th in New York, 13:30 on the 8th in Tokyo
    assert (scope.local_date(A, instant), scope.local_date(B, instant)) == (dt.date(2026, 3, 7), dt.date(2026, 3, 8))
    assert (scope.desk_ids, scope.codes, scope.by_id()) == ([A, B], ["NYC", "TYO"], {A: NEW_YORK, B: TOKYO})


@pytest.mark.parametrize(
    ("start", "end", "months"),
    [
        (dt.date(2026, 5, 1), dt.date(2026, 5, 31), ["2026-05"]),
        (dt.date(2025, 11, 15), dt.date(2026, 2, 3), ["2025-11", "2025-12", "2026-01", "2026-02"]),
        (dt.date(2024, 12, 31), dt.date(2025, 1, 1), ["2024-12", "2025-01"]),
    ],
)
def test_a_period_touches_the_months_from_its_start_to_its_end(start: dt.date, end: dt.date, months: list[str]) -> None:
    assert Scope(start=start, end=end, desks=()).months() == months


@pytest.mark.parametrize(
    ("start", "end", "required"),
    [
        (dt.date(2026, 1, 1), dt.date(2026, 1, 1), True),
        (dt.date(2016, 1, 1), dt.date(2025, 12, 31), True),  # ten years
        (dt.date(2016, 12, 1), dt.date(2026, 11, 30), True),
        (dt.date(2016, 2, 29), dt.date(2026, 2, 28), True),
        (dt.date(9990, 6, 1), dt.date(9999, 5, 31), True),
        (dt.date(9999, 1, 1), dt.date(9999, 12, 31), True),  # ten years on is past the calendar
        (None, None, False),
        (dt.date(2026, 1, 1), None, False),
        (None, dt.date(2026, 1, 1), False),
        (dt.date(2016, 1, 1), dt.date(9999, 12, 31), False),  # the calendar's edge: open-ended
        (dt.date(1, 1, 1), dt.date(2026, 1, 1), False),
    ],
)
def test_a_period_of_one_day_to_ten_years_or_open_when_allowed_is_accepted(
    start: dt.date | None, end: dt.date | None, required: bool
) -> None:
    check_period(start, end, required=required)


@pytest.mark.parametrize(
    ("start", "end"),
    [
        (None, None),
        (dt.date(2026, 1, 1), None),
        (None, dt.date(2026, 1, 1)),
        (dt.date(2026, 1, 2), dt.date(2026, 1, 1)),  # reversed by a day
        (dt.date(2016, 1, 1), dt.date(2026, 12, 31)),  # eleven years
        (dt.date(2016, 1, 1), dt.date(9999, 12, 31)),  # a report's months: not open-ended
        (dt.date(2016, 12, 1), dt.date(2026, 12, 1)),  # ten years and a day
        (dt.date(2016, 2, 29), dt.date(2026, 3, 1)),
    ],
)
def test_a_missing_reversed_or_too_long_required_period_is_refused(start: dt.date | None, end: dt.date | None) -> None:
    with pytest.raises(InvalidPeriod) as refused:
        check_period(start, end, required=True)
    assert refused.value.status == 422


def test_a_refused_period_says_why_in_both_languages() -> None:
    with pytest.raises(InvalidPeriod) as missing:
        check_period(None, dt.date(2026, 1, 1), required=True)
    with pytest.raises(InvalidPeriod) as reversed_:
        check_period(dt.date(2026, 1, 2), dt.date(2026, 1, 1), required=True)
    with pytest.raises(InvalidPeriod) as long:
        check_period(dt.date(2016, 1, 1), dt.date(2026, 12, 31), required=True)
    # The expected date format (ISO 8601), the two dates given, the ten-year limit; word for word.
    assert (missing.value.detail_en, missing.value.detail_fr) == (
        "Give the period as start and end dates (YYYY-MM-DD).",
        "Indiquez la période par des dates de début et de fin (AAAA-MM-JJ).",
    )
    assert (reversed_.value.detail_en, reversed_.value.detail_fr) == (
        "The period ends (end=2026-01-01) before it starts (start=2026-01-02).",
        "La période se termine (1er\u00a0janvier 2026) avant de commencer (2\u00a0janvier 2026).",
    )
    assert (long.value.detail_en, long.value.detail_fr) == (
        "A period spans at most ten years.",
        "Une période couvre dix ans au plus.",
    )


def test_an_open_period_is_still_capped_between_two_ordinary_dates() -> None:
    with pytest.raises(InvalidPeriod):
        check_period(dt.date(2010, 1, 1), dt.date(2026, 12, 31), required=False)
