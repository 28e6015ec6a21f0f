"""Free slots, bookings and arrivals on the days a desk's clock jumps forward or goes back.

A slot of N minutes is N minutes of elapsed time; the skipped hour has no slot, a repeated hour has
its slots twice (each with its offset), and every slot offered books exactly as offered. Zone
rules: the pinned ``tzdata`` (Paris: 2027-03-28 02:00→03:00, 2027-10-31 and 2028-10-29
03:00→02:00; New York: 2027-03-14 02:00→03:00, 2027-11-07 02:00→01:00; Sydney: 2027-04-04
03:00→02:00, 2027-10-03 02:00→03:00).
"""

from __future__ import annotations

import datetime as dt

import httpx
import pytest

from app.appointments import service as appointments_service
from tests.appointments.clock_desks import ClockDesk, open_all_day
from tests.appointments.conftest import book, insert_appointment

URL = "/api/v1/appointments/free-slots"

DESKS = {
    "Europe/Paris": ("PAR-TEST", "FR"),
    "America/New_York": ("NYC-TEST", "US"),
    "Australia/Sydney": ("SYD-TEST", "AU"),
}


@pytest.fixture(autouse=True)
def _horizon_past_the_clock_changes(app) -> None:  # type: ignore[no-untyped-def]
    """The clock changes tested fall up to 2028: the booking horizon is set past them."""
    app.state.settings.appointment_booking_horizon_days = 3_650


@pytest.fixture
def clock_desk(client, make_staff, sessionmaker):  # type: ignore[no-untyped-def]
    """``await clock_desk("Europe/Paris")`` → a :class:`ClockDesk` open 00:00–23:59 every day."""

    async def make(time_zone: str) -> ClockDesk:
        code, country = DESKS[time_zone]
        return await open_all_day(client, make_staff, sessionmaker, code=code, country=country, time_zone=time_zone)

    return make


async def _free(client: httpx.AsyncClient, desk: ClockDesk, day: str, minutes: int) -> list[dict[str, str]]:
    params = {"desk_id": str(desk.id), "start": day, "duration_minutes": str(minutes)}
    response = await client.get(URL, params=params, headers=desk.agent.headers)
    assert response.status_code == 200, response.text
    (only,) = response.json()["days"]
    assert only["date"] == day
    slots: list[dict[str, str]] = only["slots"]
    return slots


def _short(slot: dict[str, str]) -> str:
    """``"01:30+01:00 03:00+02:00"``: the local start and end of a slot, with their offsets."""
    return " ".join(f"{slot[k][11:16]}{slot[k][19:]}" for k in ("start_local", "end_local"))


def _elapsed(slot: dict[str, str]) -> dt.timedelta:
    return dt.datetime.fromisoformat(slot["ends_at"]) - dt.datetime.fromisoformat(slot["starts_at"])


# (zone, local date, minutes, the first slots of the day, how many slots that day)
AROUND_THE_CHANGE = [
    pytest.param(
        "Europe/Paris", "2027-03-28", 60,
        ["00:00+01:00 01:00+01:00", "01:00+01:00 03:00+02:00", "03:00+02:00 04:00+02:00", "04:00+02:00 05:00+02:00"],
        22, id="paris-spring-60",
    ),
    pytest.param(
        "Europe/Paris", "2027-03-28", 30,
        ["00:00+01:00 00:30+01:00", "00:30+01:00 01:00+01:00", "01:00+01:00 01:30+01:00", "01:30+01:00 03:00+02:00",
         "03:00+02:00 03:30+02:00", "03:30+02:00 04:00+02:00"],
        45, id="paris-spring-30",
    ),
    pytest.param(
        "Europe/Paris", "2027-10-31", 60,
        ["00:00+02:00 01:00+02:00", "01:00+02:00 02:00+02:00", "02:00+02:00 02:00+01:00", "02:00+01:00 03:00+01:00",
         "03:00+01:00 04:00+01:00"],
        24, id="paris-autumn-60",
    ),
    pytest.param(
        "Europe/Paris", "2027-10-31", 30,
        ["01:30+02:00 02:00+02:00", "02:00+02:00 02:30+02:00", "02:30+02:00 02:00+01:00", "02:00+01:00 02:30+01:00",
         "02:30+01:00 03:00+01:00", "03:00+01:00 03:30+01:00"],
        49, id="paris-autumn-30",
    ),
    pytest.param(
        "Europe/Paris", "2028-10-29", 60,
        ["00:00+02:00 01:00+02:00", "01:00+02:00 02:00+02:00", "02:00+02:00 02:00+01:00", "02:00+01:00 03:00+01:00"],
        24, id="paris-autumn-2028-60",
    ),
    pytest.param(
        "America/New_York", "2027-03-14", 60,
        ["00:00-05:00 01:00-05:00", "01:00-05:00 03:00-04:00", "03:00-04:00 04:00-04:00"],
        22, id="new-york-spring-60",
    ),
    pytest.param(
        "America/New_York", "2027-11-07", 30,
        ["00:30-04:00 01:00-04:00", "01:00-04:00 01:30-04:00", "01:30-04:00 01:00-05:00", "01:00-05:00 01:30-05:00",
         "01:30-05:00 02:00-05:00", "02:00-05:00 02:30-05:00"],
        49, id="new-york-autumn-30",
    ),
    pytest.param(
        "Australia/Sydney", "2027-04-04", 60,
        ["01:00+11:00 02:00+11:00", "02:00+11:00 02:00+10:00", "02:00+10:00 03:00+10:00", "03:00+10:00 04:00+10:00"],
        24, id="sydney-autumn-60",
    ),
    pytest.param(
        "Australia/Sydney", "2027-10-03", 30,
        ["01:00+10:00 01:30+10:00", "01:30+10:00 03:00+11:00", "03:00+11:00 03:30+11:00"],
        45, id="sydney-spring-30",
    ),
]  # fmt: skip


@pytest.mark.parametrize(("zone", "day", "minutes", "expected", "count"), AROUND_THE_CHANGE)
async def test_slots_around_a_clock_change_last_their_duration_and_each_books_as_offered(
    client, clock_desk, zone: str, day: str, minutes: int, expected: list[str], count: int
) -> None:
    desk = await clock_desk(zone)
    slots = await _free(client, desk, day, minutes)
    shown = [_short(s) for s in slots]
    first = shown.index(expected[0])
    assert shown[first : first + len(expected)] == expected
    assert len(slots) == count
    assert {_elapsed(s) for s in slots} == {dt.timedelta(minutes=minutes)}
    assert [s["starts_at"] for s in slots[1:]] == [s["ends_at"] for s in slots[:-1]]  # back to back, in order

    for slot in slots[first : first + len(expected)]:
        booked = await book(
            client, desk.agent, desk_id=desk.id, agent_id=desk.agent.id, registrant_id=desk.registrant,
            starts_at=slot["start_local"], ends_at=slot["end_local"],
        )  # fmt: skip
        assert booked.status_code == 201, (slot, booked.text)
        body = booked.json()
        assert (body["starts_at"], body["ends_at"]) == (slot["starts_at"], slot["ends_at"])
        assert (body["start_local"], body["end_local"]) == (slot["start_local"], slot["end_local"])
    left = [_short(s) for s in await _free(client, desk, day, minutes)]
    assert [s for s in expected if s in left] == []
    assert len(left) == count - len(expected)


async def test_a_span_ending_inside_the_repeated_hour_is_open_in_both_occurrences_only(
    client, clock_desk, make_staff
) -> None:
    """Sunday 01:00–02:30 on the day Paris goes back: the clock shows 01:00–02:30 (+02:00), then
    02:00–02:30 again (+01:00); 02:30–03:00 (+02:00) is after closing."""
    desk = await clock_desk("Europe/Paris")
    admin = await make_staff("admin", [])
    current = await client.get(f"/api/v1/desks/{desk.id}", headers=admin.headers)
    changed = await client.patch(
        f"/api/v1/desks/{desk.id}",
        json={"opening_hours": {"7": [["01:00", "02:30"]]}},
        headers={**admin.headers, "If-Match": current.headers["etag"]},
    )
    assert changed.status_code == 200, changed.text
    slots = await _free(client, desk, "2027-10-31", 30)
    assert [_short(s) for s in slots] == [
        "01:00+02:00 01:30+02:00",
        "01:30+02:00 02:00+02:00",
        "02:00+02:00 02:30+02:00",
        "02:00+01:00 02:30+01:00",
    ]
    who = {"desk_id": desk.id, "agent_id": desk.agent.id, "registrant_id": desk.registrant}
    # 02:00+02:00 to 02:30+01:00 runs through 02:30–03:00 (+02:00), when the desk is closed.
    across = await book(
        client, desk.agent, starts_at="2027-10-31T02:00:00+02:00", ends_at="2027-10-31T02:30:00+01:00", **who
    )
    assert across.status_code == 422, across.text
    assert across.json()["type"] == "/problems/outside-opening-hours"
    for slot in slots:
        booked = await book(client, desk.agent, starts_at=slot["start_local"], ends_at=slot["end_local"], **who)
        assert booked.status_code == 201, (slot, booked.text)


async def test_a_reschedule_onto_the_repeated_hour_keeps_the_elapsed_time(client, clock_desk) -> None:
    desk = await clock_desk("Europe/Paris")
    who = {"desk_id": desk.id, "agent_id": desk.agent.id, "registrant_id": desk.registrant}
    booked = await book(
        client, desk.agent, starts_at="2027-10-30T10:00:00+02:00", ends_at="2027-10-30T11:00:00+02:00", **who
    )
    assert booked.status_code == 201, booked.text
    moved = await client.patch(
        f"/api/v1/appointments/{booked.json()['id']}",
        json={"starts_at": "2027-10-31T02:30:00+02:00", "ends_at": "2027-10-31T02:30:00+01:00"},
        headers={**desk.agent.headers, "If-Match": booked.headers["etag"]},
    )
    assert moved.status_code == 200, moved.text
    body = moved.json()
    assert (body["starts_at"], body["ends_at"]) == ("2027-10-31T00:30:00Z", "2027-10-31T01:30:00Z")
    assert (body["start_local"], body["end_local"]) == ("2027-10-31T02:30:00+02:00", "2027-10-31T02:30:00+01:00")
    sixty = [_short(s) for s in await _free(client, desk, "2027-10-31", 60)]
    assert sixty[:3] == ["00:00+02:00 01:00+02:00", "01:00+02:00 02:00+02:00", "03:00+01:00 04:00+01:00"]


async def _arrive(client: httpx.AsyncClient, desk: ClockDesk, appointment_id: object) -> httpx.Response:
    headers = {**desk.agent.headers, "If-Match": '"v1"', "Accept-Language": "en"}
    return await client.post(
        f"/api/v1/appointments/{appointment_id}/transitions", json={"status": "kept"}, headers=headers
    )


@pytest.mark.parametrize(
    ("start", "now", "status"),
    [
        # 03:30+02:00 the day Paris skips 02:00–03:00: 60 minutes before is 01:30+01:00 (00:30Z).
        ("2027-03-28T01:30:00Z", "2027-03-28T00:30:00Z", 200),
        ("2027-03-28T01:30:00Z", "2027-03-28T00:29:00Z", 409),
        # 02:30+01:00 (the second 02:30) the day Paris goes back: 60 minutes before is 02:30+02:00.
        ("2027-10-31T01:30:00Z", "2027-10-31T00:30:00Z", 200),
        ("2027-10-31T01:30:00Z", "2027-10-30T23:45:00Z", 409),
    ],
)
async def test_an_early_arrival_is_recorded_from_sixty_minutes_of_elapsed_time_before(
    client, clock_desk, sessionmaker, monkeypatch: pytest.MonkeyPatch, start: str, now: str, status: int
) -> None:
    desk = await clock_desk("Europe/Paris")
    appointment_id = await insert_appointment(
        sessionmaker, desk_id=desk.id, agent_id=desk.agent.id, registrant_id=desk.registrant,
        starts_at=dt.datetime.fromisoformat(start), minutes=30,
    )  # fmt: skip
    monkeypatch.setattr(appointments_service, "utcnow", lambda: dt.datetime.fromisoformat(now))
    response = await _arrive(client, desk, appointment_id)
    assert response.status_code == status, response.text


async def test_a_too_early_arrival_in_the_repeated_hour_names_the_offsets(
    client, clock_desk, sessionmaker, monkeypatch: pytest.MonkeyPatch
) -> None:
    desk = await clock_desk("Europe/Paris")
    appointment_id = await insert_appointment(
        sessionmaker, desk_id=desk.id, agent_id=desk.agent.id, registrant_id=desk.registrant,
        starts_at=dt.datetime(2027, 10, 31, 1, 30, tzinfo=dt.UTC), minutes=30,
    )  # fmt: skip
    monkeypatch.setattr(appointments_service, "utcnow", lambda: dt.datetime(2027, 10, 30, 23, 45, tzinfo=dt.UTC))
    response = await _arrive(client, desk, appointment_id)
    assert response.status_code == 409
    assert response.json()["detail"] == (
        "The appointment starts at 02:30\u00a0(UTC+01:00) (desk time); the person's arrival can be recorded from "
        "02:30\u00a0(UTC+02:00) that day."
    )
