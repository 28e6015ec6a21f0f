"""Opening hours are edited on the desk (``PATCH /api/v1/desks/{id}``, administrators, If-Match)
and govern which appointments can be booked."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from app.audit.models import AuditEvent
from app.desks.models import Desk
from tests.appointments.conftest import add_registrant, book
from tests.appointments.helpers import DAKAR_TZ, iso, next_weekday

WEEKDAYS = {str(d): [["09:00", "16:30"]] for d in range(1, 6)}


async def _patch(client, staff, desk_id, body: dict, etag: str | None = '"v1"'):
    headers = dict(staff.headers)
    if etag:
        headers["If-Match"] = etag
    return await client.patch(f"/api/v1/desks/{desk_id}", json=body, headers=headers)


async def _hours(sessionmaker, desk_id) -> dict:
    async with sessionmaker() as session:
        return (await session.execute(select(Desk.opening_hours).where(Desk.id == desk_id))).scalar_one()


async def test_admin_sets_split_hours_and_a_saturday_morning(client, make_staff, desk_ids, sessionmaker) -> None:
    admin = await make_staff("admin", [])
    hours = {"3": [["14:00", "17:00"], ["08:30", "12:00"]], "6": [["09:00", "12:00"]], "1": [["09:00", "16:30"]]}
    response = await _patch(client, admin, desk_ids["CASA-BASE"], {"opening_hours": hours})
    assert response.status_code == 200, response.text
    expected = {"1": [["09:00", "16:30"]], "3": [["08:30", "12:00"], ["14:00", "17:00"]], "6": [["09:00", "12:00"]]}
    assert response.json()["opening_hours"] == expected
    assert await _hours(sessionmaker, desk_ids["CASA-BASE"]) == expected
    async with sessionmaker() as session:
        event = (await session.execute(select(AuditEvent).where(AuditEvent.action == "desk.update"))).scalar_one()
    assert event.details["changes"]["opening_hours"]["before"] == WEEKDAYS
    assert event.details["changes"]["opening_hours"]["after"] == expected


@pytest.mark.parametrize("role", ["agent", "supervisor"])
async def test_only_admins_edit_opening_hours(client, make_staff, desk_ids, sessionmaker, role: str) -> None:
    staff = await make_staff(role, ["CASA-BASE"])
    response = await _patch(client, staff, desk_ids["CASA-BASE"], {"opening_hours": {"6": [["09:00", "12:00"]]}})
    assert response.status_code == 403
    assert response.json()["type"] == "/problems/forbidden"
    assert await _hours(sessionmaker, desk_ids["CASA-BASE"]) == WEEKDAYS


@pytest.mark.parametrize(
    "hours",
    [
        {"8": [["09:00", "12:00"]]},  # no such weekday
        {"0": [["09:00", "12:00"]]},
        {"Monday": [["09:00", "12:00"]]},
        {"1": [["9:00", "12:00"]]},  # not HH:MM
        {"1": [["09:00", "24:30"]]},  # past the end of the day (24:00 ends one: tests/desks)
        {"1": [["12:00", "09:00"]]},  # ends before it starts
        {"1": [["09:00", "09:00"]]},  # empty span
        {"1": [["09:00"]]},  # not a pair
        {"1": [["09:00", "12:00"], ["11:30", "15:00"]]},  # overlapping spans
        {"1": "09:00-12:00"},
    ],
)
async def test_bad_opening_hours_are_422_and_change_nothing(client, make_staff, desk_ids, sessionmaker, hours) -> None:
    admin = await make_staff("admin", [])
    response = await _patch(client, admin, desk_ids["CASA-BASE"], {"opening_hours": hours})
    assert response.status_code == 422
    assert response.json()["type"] == "/problems/validation-failed"
    assert await _hours(sessionmaker, desk_ids["CASA-BASE"]) == WEEKDAYS


async def test_editing_hours_needs_a_current_etag(client, make_staff, desk_ids, sessionmaker) -> None:
    admin = await make_staff("admin", [])
    missing = await _patch(client, admin, desk_ids["CASA-BASE"], {"opening_hours": {}}, etag=None)
    stale = await _patch(client, admin, desk_ids["CASA-BASE"], {"opening_hours": {}}, etag='"v9"')
    assert (missing.status_code, stale.status_code) == (428, 412)
    assert await _hours(sessionmaker, desk_ids["CASA-BASE"]) == WEEKDAYS


async def test_new_hours_govern_bookings(client, make_staff, desk_ids, sessionmaker) -> None:
    admin = await make_staff("admin", [])
    agent = await make_staff("agent", ["CASA-BASE"])
    registrant = await add_registrant(sessionmaker, desk_ids["CASA-BASE"], "CASA-2026-000007")
    saturday = next_weekday(6)
    common = {"desk_id": desk_ids["CASA-BASE"], "agent_id": agent.id, "registrant_id": registrant}
    before = await book(client, agent, starts_at=iso(saturday, "10:00"), ends_at=iso(saturday, "10:30"), **common)
    assert before.json()["type"] == "/problems/outside-opening-hours"
    hours = {**WEEKDAYS, "6": [["09:00", "12:00"]]}
    assert (await _patch(client, admin, desk_ids["CASA-BASE"], {"opening_hours": hours})).status_code == 200
    after = await book(client, agent, starts_at=iso(saturday, "10:00"), ends_at=iso(saturday, "10:30"), **common)
    assert after.status_code == 201, after.text
    late = await book(client, agent, starts_at=iso(saturday, "11:45"), ends_at=iso(saturday, "12:15"), **common)
    assert late.json()["type"] == "/problems/outside-opening-hours"
    assert late.json()["opening_hours"] == [["09:00", "12:00"]]


async def test_a_booking_cannot_straddle_a_lunch_break(client, make_staff, desk_ids, sessionmaker) -> None:
    admin = await make_staff("admin", [])
    agent = await make_staff("agent", ["CASA-BASE"])
    registrant = await add_registrant(sessionmaker, desk_ids["CASA-BASE"], "CASA-2026-000008")
    hours = {**WEEKDAYS, "2": [["09:00", "12:00"], ["14:00", "16:30"]]}
    assert (await _patch(client, admin, desk_ids["CASA-BASE"], {"opening_hours": hours})).status_code == 200
    tuesday = next_weekday(2)
    common = {"desk_id": desk_ids["CASA-BASE"], "agent_id": agent.id, "registrant_id": registrant}
    across = await book(client, agent, starts_at=iso(tuesday, "11:30"), ends_at=iso(tuesday, "14:30"), **common)
    assert across.json()["type"] == "/problems/outside-opening-hours"
    afternoon = await book(client, agent, starts_at=iso(tuesday, "14:00"), ends_at=iso(tuesday, "14:30"), **common)
    assert afternoon.status_code == 201


async def test_adding_a_holiday_closes_the_desk_for_bookings(client, make_staff, desk_ids, sessionmaker) -> None:
    admin = await make_staff("admin", [])
    agent = await make_staff("agent", ["DKR-MOB"])
    registrant = await add_registrant(sessionmaker, desk_ids["DKR-MOB"], "DKR-2026-000007")

    monday = next_weekday(1, tz=DAKAR_TZ)
    sunday = monday.fromordinal(monday.toordinal() - 1)
    added = await client.post(
        f"/api/v1/desks/{desk_ids['DKR-MOB']}/holidays",
        json={"day": sunday.isoformat(), "name": "Fête"},
        headers=admin.headers,
    )
    assert added.json()["day"] == monday.isoformat()  # Sunday holiday at a Senegalese desk → Monday
    response = await book(
        client,
        agent,
        desk_id=desk_ids["DKR-MOB"],
        agent_id=agent.id,
        registrant_id=registrant,
        starts_at=iso(monday, "10:00", DAKAR_TZ),
        ends_at=iso(monday, "10:30", DAKAR_TZ),
    )
    assert response.json()["type"] == "/problems/desk-holiday"
