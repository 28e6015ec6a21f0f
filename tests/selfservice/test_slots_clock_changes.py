"""A person's free slots on the days their desk's clock changes, and at the end of the dates an
appointment may fall on: every slot offered lasts the desk's slot length of elapsed time and
books exactly as offered; nothing past the desk's 2100-12-31 is offered or booked."""

from __future__ import annotations

import datetime as dt

import httpx
import pytest

from tests.appointments.clock_desks import open_all_day
from tests.selfservice.conftest import SELF, Person

DESKS = {
    "Europe/Paris": ("PAR-TEST", "FR"),
    "America/New_York": ("NYC-TEST", "US"),
    "Pacific/Kiritimati": ("KIR-TEST", "KI"),
}


@pytest.fixture(autouse=True)
def _horizon_to_the_calendar_s_end(app) -> None:  # type: ignore[no-untyped-def]
    """These tests reach the calendar's last day: the booking horizon is set that far."""
    app.state.settings.appointment_booking_horizon_days = 36_600


@pytest.fixture
def person_at(client, make_staff, sessionmaker, register, sign_in, link):  # type: ignore[no-untyped-def]
    """``await person_at("Europe/Paris")`` → a person linked to a desk in that zone, open all day."""

    async def make(time_zone: str) -> Person:
        code, country = DESKS[time_zone]
        desk = await open_all_day(client, make_staff, sessionmaker, code=code, country=country, time_zone=time_zone)
        person = await sign_in(email=f"awa.{code.lower()}@example.org")
        await link(person, desk.agent, await register(desk.agent))
        return person

    return make


async def _slots(client: httpx.AsyncClient, person: Person, **params: object) -> httpx.Response:
    return await client.get(f"{SELF}/slots", params={k: str(v) for k, v in params.items()}, headers=person.headers)


def _pair(slot: dict[str, str]) -> str:
    return f"{slot['starts_at'][11:16]}{slot['starts_at'][19:]} {slot['ends_at'][11:16]}{slot['ends_at'][19:]}"


@pytest.mark.parametrize(
    ("zone", "day", "expected", "count"),
    [
        pytest.param(
            "Europe/Paris", "2027-03-28",
            ["01:00+01:00 01:30+01:00", "01:30+01:00 03:00+02:00", "03:00+02:00 03:30+02:00"],
            45, id="paris-spring",
        ),
        pytest.param(
            "Europe/Paris", "2027-10-31",
            ["02:00+02:00 02:30+02:00", "02:30+02:00 02:00+01:00", "02:00+01:00 02:30+01:00",
             "02:30+01:00 03:00+01:00"],
            49, id="paris-autumn",
        ),
        pytest.param(
            "America/New_York", "2027-11-07",
            ["01:00-04:00 01:30-04:00", "01:30-04:00 01:00-05:00", "01:00-05:00 01:30-05:00",
             "01:30-05:00 02:00-05:00"],
            49, id="new-york-autumn",
        ),
    ],
)  # fmt: skip
async def test_a_person_s_slots_around_a_clock_change_book_as_offered(
    client, person_at, zone: str, day: str, expected: list[str], count: int
) -> None:
    person = await person_at(zone)
    response = await _slots(client, person, **{"from": day, "days": 1})
    assert response.status_code == 200, response.text
    assert response.json()["slot_minutes"] == 30
    slots = response.json()["slots"]
    shown = [_pair(s) for s in slots]
    first = shown.index(expected[0])
    assert shown[first : first + len(expected)] == expected
    assert len(slots) == count
    lengths = {dt.datetime.fromisoformat(s["ends_at"]) - dt.datetime.fromisoformat(s["starts_at"]) for s in slots}
    assert lengths == {dt.timedelta(minutes=30)}
    for slot in slots[first : first + len(expected)]:
        body = {"starts_at": slot["starts_at"]}
        booked = await client.post(f"{SELF}/appointments", json=body, headers=person.headers)
        assert booked.status_code == 201, (slot, booked.text)
        assert (booked.json()["starts_at"], booked.json()["ends_at"]) == (slot["starts_at"], slot["ends_at"])
    left = [_pair(s) for s in (await _slots(client, person, **{"from": day, "days": 1})).json()["slots"]]
    assert len(left) == count - len(expected) and not set(expected) & set(left)


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"from": "2101-01-01"}, ["query", "from"]),
        ({"from": "2100-12-25"}, ["query", "days"]),  # 14 days by default: to 2101-01-07
        ({"from": "2100-12-31", "days": 2}, ["query", "days"]),
        ({"from": "1999-12-31"}, ["query", "from"]),
    ],
)
async def test_a_person_s_slots_stop_at_the_desk_s_2100_12_31(
    client, person_at, params: dict[str, object], field: list[str]
) -> None:
    person = await person_at("Pacific/Kiritimati")
    response = await _slots(client, person, **params)
    assert response.status_code == 422, response.text
    assert [(e["loc"], e["type"]) for e in response.json()["errors"]] == [(field, "date_range")]


async def test_a_person_books_the_last_slot_but_not_the_desk_s_2101(client, person_at) -> None:
    person = await person_at("Pacific/Kiritimati")
    response = await _slots(client, person, **{"from": "2100-12-31", "days": 1})
    assert response.status_code == 200, response.text
    last = response.json()["slots"][-1]
    assert (last["starts_at"], last["ends_at"]) == ("2100-12-31T23:00:00+14:00", "2100-12-31T23:30:00+14:00")
    booked = await client.post(f"{SELF}/appointments", json={"starts_at": last["starts_at"]}, headers=person.headers)
    assert booked.status_code == 201, booked.text
    # 2101-01-01 00:30 at the desk, written in UTC: no list shows it, so it does not book.
    late = await client.post(f"{SELF}/appointments", json={"starts_at": "2100-12-31T10:30:00Z"}, headers=person.headers)
    assert late.status_code == 422, late.text
    assert [(e["loc"], e["type"]) for e in late.json()["errors"]] == [(["body", "starts_at"], "date_range")]
