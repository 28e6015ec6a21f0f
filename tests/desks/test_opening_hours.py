"""Opening hours of a desk: ``"24:00"`` ends a span at midnight (ISO 8601's end of day), and a desk
created without hours says so."""

from __future__ import annotations

import datetime as dt

import pytest

from tests.appointments.conftest import World, book
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
