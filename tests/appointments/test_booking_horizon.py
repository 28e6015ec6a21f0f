"""Appointments are taken within the booking horizon (``APPOINTMENT_BOOKING_HORIZON_DAYS``, 365
days by default) from the desk's today: a free-slot search or a booking further ahead is a typing
slip (June 2031 for June 2026), refused 422 ``beyond-booking-horizon`` naming the last bookable day."""

from __future__ import annotations

import datetime as dt

import httpx
import pytest

from app.core.db import utcnow
from tests.appointments.clock_desks import ClockDesk, open_all_day
from tests.appointments.conftest import book, count_appointments

URL = "/api/v1/appointments/free-slots"


@pytest.fixture
async def abidjan(client, make_staff, sessionmaker) -> ClockDesk:  # type: ignore[no-untyped-def]
    return await open_all_day(
        client, make_staff, sessionmaker, code="ABJ-TEST", country="CI", time_zone="Africa/Abidjan"
    )


def _last_day() -> dt.date:
    return utcnow().date() + dt.timedelta(days=365)  # Abidjan is UTC all year


async def test_free_slots_years_ahead_are_refused(client: httpx.AsyncClient, abidjan: ClockDesk) -> None:
    response = await client.get(
        URL,
        params={"desk_id": str(abidjan.id), "start": "2031-06-02"},
        headers={**abidjan.agent.headers, "Accept-Language": "fr"},
    )
    body = response.json()
    assert (response.status_code, body["type"]) == (422, "/problems/beyond-booking-horizon")
    assert body["last_bookable_day"] == _last_day().isoformat()
    assert [(e["loc"], e["type"]) for e in body["errors"]] == [(["query", "start"], "beyond_booking_horizon")]
    assert body["detail"].startswith("Les rendez-vous se prennent au plus 365\u00a0jours à l'avance")
    assert "2031-06-02" not in body["detail"]


async def test_days_past_the_horizon_offer_no_slot(client: httpx.AsyncClient, abidjan: ClockDesk) -> None:
    last = _last_day()
    response = await client.get(
        URL,
        params={"desk_id": str(abidjan.id), "start": (last - dt.timedelta(days=1)).isoformat(), "days": 3},
        headers=abidjan.agent.headers,
    )
    assert response.status_code == 200, response.text
    assert [(d["date"], bool(d["slots"])) for d in response.json()["days"]] == [
        ((last - dt.timedelta(days=1)).isoformat(), True),
        (last.isoformat(), True),
        ((last + dt.timedelta(days=1)).isoformat(), False),
    ]


async def test_a_booking_past_the_horizon_is_refused_and_nothing_is_booked(
    client: httpx.AsyncClient, abidjan: ClockDesk, sessionmaker
) -> None:
    after = _last_day() + dt.timedelta(days=1)
    response = await book(
        client, abidjan.agent, desk_id=abidjan.id, agent_id=abidjan.agent.id, registrant_id=abidjan.registrant,
        starts_at=f"{after.isoformat()}T10:00:00Z", ends_at=f"{after.isoformat()}T10:30:00Z",
    )  # fmt: skip
    assert (response.status_code, response.json()["type"]) == (422, "/problems/beyond-booking-horizon")
    assert [e["loc"] for e in response.json()["errors"]] == [["body", "starts_at"]]
    assert await count_appointments(sessionmaker) == 0
    last = _last_day()
    on_last = await book(
        client, abidjan.agent, desk_id=abidjan.id, agent_id=abidjan.agent.id, registrant_id=abidjan.registrant,
        starts_at=f"{last.isoformat()}T10:00:00Z", ends_at=f"{last.isoformat()}T10:30:00Z",
    )  # fmt: skip
    assert on_last.status_code == 201, on_last.text


async def test_the_horizon_is_a_setting(client: httpx.AsyncClient, app, abidjan: ClockDesk) -> None:
    app.state.settings.appointment_booking_horizon_days = 30
    start = utcnow().date() + dt.timedelta(days=31)
    response = await client.get(
        URL, params={"desk_id": str(abidjan.id), "start": start.isoformat()}, headers=abidjan.agent.headers
    )
    assert response.status_code == 422
