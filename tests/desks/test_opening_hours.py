"""Opening hours of a desk: ``"24:00"`` ends a span at midnight (ISO 8601's end of day), and a desk
created without hours says so."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from tests.appointments.clock_desks import ALL_DAY, open_all_day
from tests.appointments.conftest import World, book, insert_appointment
from tests.appointments.helpers import DAKAR_TZ, local, next_weekday, utc_z

HALF_HOUR = dt.timedelta(minutes=30)
EVENINGS = {str(d): [["18:00", "24:00"]] for d in range(1, 8)}


async def _patch(client, admin, desk_id, body: dict):
    etag = (await client.get(f"/api/v1/desks/{desk_id}", headers=admin.headers)).headers["etag"]
    return await client.patch(f"/api/v1/desks/{desk_id}", json=body, headers={**admin.headers, "If-Match": etag})


async def test_a_desk_open_until_midnight_offers_and_books_its_last_slot(client, world: World) -> None:
    patched = await _patch(client, world.admin, world.dakar, {"opening_hours": EVENINGS})
    assert (patched.status_code, patched.json()["opening_hours"]["1"]) == (200, [["18:00", "24:00"]])
    day = next_weekday(2, tz=DAKAR_TZ)
    query = {"desk_id": str(world.dakar), "agent_id": str(world.dakar_agent.id), "start": day.isoformat()}
    free = await client.get("/api/v1/appointments/free-slots", params=query, headers=world.dakar_agent.headers)
    assert free.status_code == 200, free.text
    (only,) = free.json()["days"]
    assert only["opening_hours"] == [["18:00", "24:00"]]
    last = local(day, "23:30", DAKAR_TZ)
    assert (only["slots"][-1]["starts_at"], only["slots"][-1]["ends_at"]) == (utc_z(last), utc_z(last + HALF_HOUR))
    booked = await book(
        client,
        world.dakar_agent,
        desk_id=world.dakar,
        agent_id=world.dakar_agent.id,
        registrant_id=world.dakar_registrant,
        starts_at=last.isoformat(),
        ends_at=(last + HALF_HOUR).isoformat(),
    )
    assert booked.status_code == 201, booked.text


@pytest.mark.parametrize("span", [["24:00", "24:00"], ["24:00", "23:00"], ["18:00", "24:01"], ["18:00", "25:00"]])
async def test_24_00_is_only_an_end(client, world: World, span: list[str]) -> None:
    response = await _patch(client, world.admin, world.dakar, {"opening_hours": {"1": [span]}})
    assert response.status_code == 422, response.text
    assert response.json()["errors"][0]["loc"] == ["body", "opening_hours"]


async def test_a_desk_created_without_hours_is_told_it_is_never_open(client, make_staff) -> None:
    admin = await make_staff("admin", [])
    body = {"code": "ABJ-1", "name": "Abidjan", "country": "CI", "city": "Abidjan", "time_zone": "Africa/Abidjan"}
    created = await client.post("/api/v1/desks", json=body, headers=admin.headers)
    assert created.status_code == 201, created.text
    assert [(w["code"], w["field"]) for w in created.json()["warnings"]] == [("no-opening-hours", "opening_hours")]
    with_hours = await client.post(
        "/api/v1/desks",
        json={**body, "code": "YMO-1", "opening_hours": {"1": [["09:00", "17:00"]]}},
        headers=admin.headers,
    )
    assert (with_hours.status_code, with_hours.json()["warnings"]) == (201, [])


WEEKDAYS = {str(d): [["09:00", "16:30"]] for d in range(1, 6)}


async def test_hours_leaving_a_booking_out_say_so_and_the_listing_flags_it_to_move(client, world: World) -> None:
    # A Wednesday booked 10:00–10:30 and 14:00–14:30; then Wednesday's hours become 12:00–16:30.
    day = next_weekday(3)
    booked = []
    for start in ("10:00", "14:00"):
        response = await book(
            client,
            world.agent,
            desk_id=world.casa,
            agent_id=world.agent.id,
            registrant_id=world.registrant,
            starts_at=local(day, start).isoformat(),
            ends_at=(local(day, start) + HALF_HOUR).isoformat(),
        )
        assert response.status_code == 201, response.text
        booked.append(response.json()["id"])
    out_id, kept_id = booked
    patched = await _patch(client, world.admin, world.casa, {"opening_hours": {**WEEKDAYS, "3": [["12:00", "16:30"]]}})
    assert patched.status_code == 200, patched.text
    ten = local(day, "10:00")
    assert patched.json()["appointments_outside_hours"] == [
        {"id": out_id, "starts_at": utc_z(ten), "start_local": ten.isoformat()}
    ]
    assert patched.json()["warnings"] == [
        {
            "code": "appointments-outside-opening-hours",
            "field": "opening_hours",
            "detail": "1 upcoming appointment(s) still booked now lie outside the opening hours: they stay booked, "
            "listed in appointments_outside_hours and flagged to_move (to_move_reason outside-opening-hours) in "
            f"GET /api/v1/appointments?desk_id={world.casa}&status=booked, to move or cancel with the person.",
        }
    ]
    params = {"desk_id": str(world.casa), "day": day.isoformat()}
    listed = await client.get("/api/v1/appointments", params=params, headers=world.agent.headers)
    flags = [(a["id"], a["status"], a["to_move"], a["to_move_reason"]) for a in listed.json()["items"]]
    assert flags == [(out_id, "booked", True, "outside-opening-hours"), (kept_id, "booked", False, None)]
    read = (await client.get(f"/api/v1/appointments/{out_id}", headers=world.agent.headers)).json()
    assert (read["to_move"], read["to_move_reason"]) == (True, "outside-opening-hours")
    # The same flag as on a holiday: the day closed, both are to move, for that reason.
    holiday = {"day": day.isoformat(), "name": "Aïd al-Fitr"}
    closed = await client.post(f"/api/v1/desks/{world.casa}/holidays", json=holiday, headers=world.admin.headers)
    assert closed.status_code == 201, closed.text
    listed = await client.get("/api/v1/appointments", params=params, headers=world.agent.headers)
    assert [(a["to_move"], a["to_move_reason"]) for a in listed.json()["items"]] == [(True, "holiday")] * 2
    # Hours that hold them again: nothing to say.
    patched = await _patch(client, world.admin, world.casa, {"opening_hours": WEEKDAYS})
    assert (patched.json()["warnings"], patched.json()["appointments_outside_hours"]) == ([], [])


async def test_touching_spans_are_one_stretch_for_a_booking_and_the_hours_warning(client, world: World) -> None:
    # Tuesday 14:00–14:30 is booked; then Tuesday's hours become 09:00–14:15 and 14:15–16:30: open
    # without a break, so the booking is not counted as outside the hours, and another across 14:15
    # is booked.
    day = next_weekday(2)

    async def book_at(when: dt.date):
        return await book(
            client,
            world.agent,
            desk_id=world.casa,
            agent_id=world.agent.id,
            registrant_id=world.registrant,
            starts_at=local(when, "14:00").isoformat(),
            ends_at=local(when, "14:30").isoformat(),
        )

    assert (await book_at(day)).status_code == 201
    split = {**WEEKDAYS, "2": [["09:00", "14:15"], ["14:15", "16:30"]]}
    patched = await _patch(client, world.admin, world.casa, {"opening_hours": split})
    assert patched.status_code == 200, patched.text
    assert (patched.json()["warnings"], patched.json()["appointments_outside_hours"]) == ([], [])
    params = {"desk_id": str(world.casa), "day": day.isoformat()}
    listed = await client.get("/api/v1/appointments", params=params, headers=world.agent.headers)
    assert [(a["to_move"], a["to_move_reason"]) for a in listed.json()["items"]] == [(False, None)]
    booked = await book_at(day + dt.timedelta(days=7))
    assert booked.status_code == 201, booked.text


async def test_hours_are_checked_on_the_desks_clock_the_day_it_goes_back(client, make_staff, sessionmaker) -> None:
    # Paris, Sunday 31 October 2027, 03:00 → 02:00. Sunday's hours become 00:00–02:30: open 00:00–02:30
    # summer time, closed 02:30–03:00 summer time, open again 02:00–02:30 winter time.
    desk = await open_all_day(client, make_staff, sessionmaker, code="PAR-TEST", country="FR", time_zone="Europe/Paris")
    admin = await make_staff("admin", ["PAR-TEST"])
    paris = ZoneInfo("Europe/Paris")
    first_two = dt.datetime(2027, 10, 31, 0, 0, tzinfo=dt.UTC)  # 02:00+02:00
    second_two = dt.datetime(2027, 10, 31, 1, 0, tzinfo=dt.UTC)  # 02:00+01:00
    starts = {
        "first-02:00-30min": (first_two, 30),  # 02:00–02:30 summer time: open
        "second-02:00-30min": (second_two, 30),  # 02:00–02:30 winter time: open
        "01:30-to-02:30-winter": (first_two - HALF_HOUR, 120),  # its wall clock reads 01:30–02:30: 2 h, not 1
        "first-02:30-30min": (first_two + HALF_HOUR, 30),  # 02:30–03:00 summer time: closed
    }
    ids = {}
    for n, (label, (start, minutes)) in enumerate(starts.items()):
        agent = await make_staff("agent", ["PAR-TEST"])
        ids[label] = str(
            await insert_appointment(
                sessionmaker,
                desk_id=desk.id,
                agent_id=agent.id,
                registrant_id=desk.registrant,
                starts_at=start,
                minutes=minutes,
            )
        )
        assert start.astimezone(paris).date() == dt.date(2027, 10, 31), n
    hours = {**ALL_DAY, "7": [["00:00", "02:30"]]}
    assert (await _patch(client, admin, desk.id, {"opening_hours": hours})).status_code == 200
    params = {"desk_id": str(desk.id), "day": "2027-10-31"}
    listed = await client.get("/api/v1/appointments", params=params, headers=admin.headers)
    reasons = {a["id"]: a["to_move_reason"] for a in listed.json()["items"]}
    assert {label: reasons[i] for label, i in ids.items()} == {
        "first-02:00-30min": None,
        "second-02:00-30min": None,
        "01:30-to-02:30-winter": "outside-opening-hours",
        "first-02:30-30min": "outside-opening-hours",
    }
