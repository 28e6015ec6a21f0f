"""The dates an appointment may fall on (the desk's local dates 2000-01-01 .. 2100-12-31) are the
same for the free slots offered and for booking: every slot offered books, nothing is booked on a
local day no free-slot search can show."""

from __future__ import annotations

import httpx
import pytest

from tests.appointments.clock_desks import ClockDesk, open_all_day
from tests.appointments.conftest import book

URL = "/api/v1/appointments/free-slots"


@pytest.fixture(autouse=True)
def _horizon_to_the_calendar_s_end(app) -> None:  # type: ignore[no-untyped-def]
    """These tests reach the calendar's last day: the booking horizon is set that far."""
    app.state.settings.appointment_booking_horizon_days = 36_600


@pytest.fixture
async def abidjan(client, make_staff, sessionmaker) -> ClockDesk:  # type: ignore[no-untyped-def]
    """UTC+00 all year."""
    return await open_all_day(
        client, make_staff, sessionmaker, code="ABJ-TEST", country="CI", time_zone="Africa/Abidjan"
    )


@pytest.fixture
async def kiritimati(client, make_staff, sessionmaker) -> ClockDesk:  # type: ignore[no-untyped-def]
    """UTC+14 all year: its 1 January 2101 begins at 2100-12-31T10:00Z."""
    return await open_all_day(
        client, make_staff, sessionmaker, code="KIR-TEST", country="KI", time_zone="Pacific/Kiritimati"
    )


async def _free(client: httpx.AsyncClient, desk: ClockDesk, **params: object) -> httpx.Response:
    query = {"desk_id": str(desk.id), **{k: str(v) for k, v in params.items()}}
    return await client.get(URL, params=query, headers=desk.agent.headers)


async def _book(client: httpx.AsyncClient, desk: ClockDesk, start: str, end: str) -> httpx.Response:
    return await book(
        client, desk.agent, desk_id=desk.id, agent_id=desk.agent.id, registrant_id=desk.registrant,
        starts_at=start, ends_at=end,
    )  # fmt: skip


def _errors(response: httpx.Response) -> list[tuple[list[str], str]]:
    assert response.status_code == 422, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    return [(e["loc"], e["type"]) for e in response.json()["errors"]]


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"start": "2100-12-31", "days": 14}, ["query", "days"]),  # 2101-01-01 .. 2101-01-13 were offered
        ({"start": "2100-12-19", "days": 14}, ["query", "days"]),
        ({"start": "2101-01-01"}, ["query", "start"]),
        ({"start": "1999-12-31"}, ["query", "start"]),
    ],
)
async def test_free_slots_are_not_searched_past_the_dates_an_appointment_may_fall_on(
    client, abidjan: ClockDesk, params: dict[str, object], field: list[str]
) -> None:
    assert _errors(await _free(client, abidjan, **params)) == [(field, "date_range")]


async def test_the_last_day_s_slots_are_offered_and_book(client, kiritimati: ClockDesk) -> None:
    response = await _free(client, kiritimati, start="2100-12-18", days=14, duration_minutes=60)
    assert response.status_code == 200, response.text
    days = response.json()["days"]
    assert (days[0]["date"], days[-1]["date"]) == ("2100-12-18", "2100-12-31")
    last = days[-1]["slots"][-1]
    assert (last["start_local"], last["end_local"]) == ("2100-12-31T22:00:00+14:00", "2100-12-31T23:00:00+14:00")
    assert last["starts_at"] == "2100-12-31T08:00:00Z"
    booked = await _book(client, kiritimati, last["start_local"], last["end_local"])
    assert booked.status_code == 201, booked.text


@pytest.mark.parametrize(
    ("desk", "start", "end", "field"),
    [
        # Kiritimati's 2101-01-01 00:30, written in UTC: a local day no search shows.
        ("kiritimati", "2100-12-31T10:30:00Z", "2100-12-31T11:30:00Z", ["body", "starts_at"]),
        # Abidjan's 2101-01-01 06:00, written at -10:00.
        ("abidjan", "2100-12-31T20:00:00-10:00", "2100-12-31T21:00:00-10:00", ["body", "starts_at"]),
        ("abidjan", "2101-01-01T00:30:00+00:00", "2101-01-01T01:00:00+00:00", ["body", "starts_at"]),
        # Ends on Kiritimati's 2101-01-01.
        ("kiritimati", "2100-12-31T09:30:00Z", "2100-12-31T10:30:00Z", ["body", "ends_at"]),
    ],
)
async def test_a_booking_on_a_local_day_after_2100_is_refused(
    client, abidjan: ClockDesk, kiritimati: ClockDesk, desk: str, start: str, end: str, field: list[str]
) -> None:
    place = {"abidjan": abidjan, "kiritimati": kiritimati}[desk]
    assert (field, "date_range") in _errors(await _book(client, place, start, end))


async def test_a_time_written_in_2101_on_the_desk_s_last_day_books(client, abidjan: ClockDesk) -> None:
    """2101-01-01T09:00+14:00 is 2100-12-31T19:00 at Abidjan: the desk's date decides, not the offset."""
    slots = (await _free(client, abidjan, start="2100-12-31", duration_minutes=60)).json()["days"][0]["slots"]
    assert ("2100-12-31T19:00:00+00:00", "2100-12-31T20:00:00+00:00") in [
        (s["start_local"], s["end_local"]) for s in slots
    ]
    booked = await _book(client, abidjan, "2101-01-01T09:00:00+14:00", "2101-01-01T10:00:00+14:00")
    assert booked.status_code == 201, booked.text
    assert (booked.json()["start_local"], booked.json()["local_date"]) == ("2100-12-31T19:00:00+00:00", "2100-12-31")


async def test_a_day_outside_the_calendar_is_said_in_words_and_in_good_french(client, abidjan: ClockDesk) -> None:
    """Before: « … doit être comprise entre du 1er janvier 2000 au 31 décembre 2100. », and no
    reason at the field (the screen, where the field is « Jour », said the detail)."""
    response = await client.get(
        URL,
        params={"desk_id": str(abidjan.id), "start": "1899-12-31"},
        headers={**abidjan.agent.headers, "Accept-Language": "fr"},
    )
    assert response.status_code == 422, response.text
    assert response.json()["detail"] == (
        "La date de début doit être comprise entre le 1er\u00a0janvier 2000 et le 31\u00a0décembre 2100."
    )  # a day never parted from its month (no-break spaces)
    assert [(e["loc"], e["reason"]) for e in response.json()["errors"]] == [
        (["query", "start"], "une date entre le 1er\u00a0janvier 2000 et le 31\u00a0décembre 2100 est attendue")
    ]
