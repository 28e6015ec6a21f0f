"""SLA due dates: the service type's SLA counted in business days of the case's desk, from the
desk's local date of opening (weekends and the desk's own holidays skipped)."""

from __future__ import annotations

import datetime as dt
import uuid
from zoneinfo import ZoneInfo

import httpx
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.calendars.models import DeskHoliday
from app.cases import service
from app.core.context import Actor
from app.desks.models import Desk
from tests.cases.conftest import open_case
from tests.conftest import Staff

ADMIN = Actor(user_id=None, email="sla-test", role="admin", desk_ids=None)


async def _open_at(
    sessionmaker: async_sessionmaker[AsyncSession], registrant: uuid.UUID, service_type: str, now: dt.datetime
) -> tuple[dt.date, dt.date, str]:
    async with sessionmaker() as session:
        case = await service.create(
            session,
            actor=ADMIN,
            values={"registrant_id": registrant, "service_type": service_type, "channel": "walk_in"},
            now=now,
        )
        await session.commit()
        return case.opened_on, case.due_date, case.case_number


async def _holiday(sessionmaker: async_sessionmaker[AsyncSession], desk: str, day: dt.date) -> None:
    async with sessionmaker() as session:
        desk_id = (await session.execute(select(Desk.id).where(Desk.code == desk))).scalar_one()
        session.add(DeskHoliday(desk_id=desk_id, day=day, name="Fête de l'Indépendance (test)"))
        await session.commit()


# Thursday 3 December 2026, 10:00 UTC (11:00 in Casablanca, 10:00 in Dakar).
THURSDAY = dt.datetime(2026, 12, 3, 10, 0, tzinfo=dt.UTC)


async def test_five_business_days_from_thursday_skip_the_weekend(sessionmaker, make_registrant) -> None:
    registrant = await make_registrant("CASA-BASE")
    opened_on, due, _ = await _open_at(sessionmaker, registrant, "HEALTH", THURSDAY)
    assert (opened_on, due) == (dt.date(2026, 12, 3), dt.date(2026, 12, 10))


async def test_a_desk_holiday_in_the_window_pushes_the_due_date(sessionmaker, make_registrant) -> None:
    await _holiday(sessionmaker, "CASA-BASE", dt.date(2026, 12, 8))
    registrant = await make_registrant("CASA-BASE")
    _, due, _ = await _open_at(sessionmaker, registrant, "HEALTH", THURSDAY)
    assert due == dt.date(2026, 12, 11)


async def test_another_desk_holiday_does_not_count(sessionmaker, make_registrant) -> None:
    await _holiday(sessionmaker, "CASA-BASE", dt.date(2026, 12, 8))
    registrant = await make_registrant("DKR-MOB")
    _, due, _ = await _open_at(sessionmaker, registrant, "HEALTH", THURSDAY)
    assert due == dt.date(2026, 12, 10)


async def test_an_emergency_opened_on_friday_is_due_on_monday(sessionmaker, make_registrant) -> None:
    registrant = await make_registrant("CASA-BASE")
    friday = dt.datetime(2026, 12, 4, 15, 0, tzinfo=dt.UTC)
    opened_on, due, _ = await _open_at(sessionmaker, registrant, "EMERGENCY", friday)
    assert (opened_on, due) == (dt.date(2026, 12, 4), dt.date(2026, 12, 7))


async def test_an_emergency_before_a_holiday_monday_is_due_on_tuesday(sessionmaker, make_registrant) -> None:
    await _holiday(sessionmaker, "CASA-BASE", dt.date(2026, 12, 7))
    registrant = await make_registrant("CASA-BASE")
    friday = dt.datetime(2026, 12, 4, 15, 0, tzinfo=dt.UTC)
    _, due, _ = await _open_at(sessionmaker, registrant, "EMERGENCY", friday)
    assert due == dt.date(2026, 12, 8)


async def test_a_one_off_answer_is_due_the_day_it_is_opened(sessionmaker, make_registrant) -> None:
    registrant = await make_registrant("CASA-BASE")
    _, due, _ = await _open_at(sessionmaker, registrant, "INFO_ONLY", THURSDAY)
    assert due == dt.date(2026, 12, 3)


async def test_the_opening_date_is_the_desks_local_date(sessionmaker, make_registrant) -> None:
    # 23:30 UTC on Thursday 11 June 2026 is already Friday 00:30 in Casablanca (UTC+1 until
    # 2026-09-20, IANA tz 2026c), still Thursday in Dakar (UTC+0).
    late = dt.datetime(2026, 6, 11, 23, 30, tzinfo=dt.UTC)
    casa = await _open_at(sessionmaker, await make_registrant("CASA-BASE"), "HEALTH", late)
    dakar = await _open_at(sessionmaker, await make_registrant("DKR-MOB"), "HEALTH", late)
    assert casa[:2] == (dt.date(2026, 6, 12), dt.date(2026, 6, 19))
    assert dakar[:2] == (dt.date(2026, 6, 11), dt.date(2026, 6, 18))


async def test_after_september_2026_casablanca_s_local_date_is_the_utc_date(sessionmaker, make_registrant) -> None:
    # Morocco is at UTC+0 from 2026-09-20 (IANA tz 2026c): 23:30 UTC on Thursday is Thursday there.
    late = dt.datetime(2026, 12, 3, 23, 30, tzinfo=dt.UTC)
    casa = await _open_at(sessionmaker, await make_registrant("CASA-BASE"), "HEALTH", late)
    assert casa[:2] == (dt.date(2026, 12, 3), dt.date(2026, 12, 10))


async def test_the_case_number_takes_the_desks_local_year(sessionmaker, make_registrant) -> None:
    # 31 December 2025, 23:30 UTC: Casablanca (UTC+1 then) is already in 2026, Dakar (UTC+0) is not.
    new_year = dt.datetime(2025, 12, 31, 23, 30, tzinfo=dt.UTC)
    _, _, casa_number = await _open_at(sessionmaker, await make_registrant("CASA-BASE"), "HEALTH", new_year)
    _, _, dakar_number = await _open_at(sessionmaker, await make_registrant("DKR-MOB"), "HEALTH", new_year)
    assert (casa_number, dakar_number) == ("CASA-2026-C-000001", "DKR-2025-C-000001")


async def test_over_http_the_due_date_counts_from_today_at_the_desk(
    client: httpx.AsyncClient, agent: Staff, make_registrant, sessionmaker
) -> None:
    # Expected values computed here, not by the calendar code: today in Casablanca from the IANA
    # zone, then ten Monday-to-Friday days after it, skipping a desk holiday put on the first one.
    today = dt.datetime.now(ZoneInfo("Africa/Casablanca")).date()
    first_weekday = next(
        today + dt.timedelta(days=n) for n in range(1, 8) if (today + dt.timedelta(days=n)).weekday() < 5
    )
    await _holiday(sessionmaker, "CASA-BASE", first_weekday)
    case = await open_case(client, agent, await make_registrant(), service_type="SOCIAL")  # SLA: 10 business days
    opened, due = dt.date.fromisoformat(case["opened_on"]), dt.date.fromisoformat(case["due_date"])
    business = [
        opened + dt.timedelta(days=n)
        for n in range(1, (due - opened).days + 1)
        if (opened + dt.timedelta(days=n)).weekday() < 5 and opened + dt.timedelta(days=n) != first_weekday
    ]
    assert opened == today
    assert (len(business), business[-1]) == (10, due)


async def test_the_due_date_changes_with_a_reason_and_is_on_the_timeline(
    client: httpx.AsyncClient, agent: Staff, supervisor: Staff, make_registrant
) -> None:
    case = await open_case(client, agent, await make_registrant(), service_type="SOCIAL")
    new_due = (dt.date.fromisoformat(case["due_date"]) + dt.timedelta(days=7)).isoformat()
    response = await client.patch(
        f"/api/v1/cases/{case['id']}",
        headers={**supervisor.headers, "If-Match": '"v1"'},
        json={"due_date": new_due, "due_date_reason": "waiting for the consulate's appointment"},
    )
    assert response.status_code == 200
    assert response.json()["due_date"] == new_due
    timeline = await client.get(f"/api/v1/cases/{case['id']}/timeline", headers=agent.headers)
    last = timeline.json()["items"][-1]
    assert (last["kind"], last["details"]) == (
        "due_date_changed",
        {"from": case["due_date"], "to": new_due, "reason": "waiting for the consulate's appointment"},
    )


async def test_a_due_date_without_a_reason_is_422(client: httpx.AsyncClient, agent: Staff, make_registrant) -> None:
    case = await open_case(client, agent, await make_registrant())
    response = await client.patch(
        f"/api/v1/cases/{case['id']}", headers={**agent.headers, "If-Match": '"v1"'}, json={"due_date": "2030-01-02"}
    )
    assert response.status_code == 422


async def test_a_due_date_before_creation_is_refused_and_nothing_changes(
    client: httpx.AsyncClient, agent: Staff, supervisor: Staff, make_registrant
) -> None:
    case = await open_case(client, agent, await make_registrant())
    before = (dt.date.fromisoformat(case["opened_on"]) - dt.timedelta(days=1)).isoformat()
    response = await client.patch(
        f"/api/v1/cases/{case['id']}",
        headers={**supervisor.headers, "If-Match": '"v1"'},
        json={"due_date": before, "due_date_reason": "typo", "priority": "high"},
    )
    assert response.status_code == 422
    assert response.json()["type"] == "/problems/due-date-before-creation"
    after = await client.get(f"/api/v1/cases/{case['id']}", headers=agent.headers)
    assert (after.json()["due_date"], after.json()["priority"], after.headers["etag"]) == (
        case["due_date"],
        "normal",
        '"v1"',
    )
