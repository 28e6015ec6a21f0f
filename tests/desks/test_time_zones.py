"""A desk keeps the IANA zone of its place (canonical, of its country), and a desk with history
changes it only when the administrator confirms (the change re-dates what it holds)."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from app.audit.models import AuditEvent
from app.desks.models import Desk
from tests.appointments.conftest import add_registrant, insert_appointment

MONTREAL = {"code": "MTL-DIA", "name": "Montréal", "country": "CA", "city": "Montréal"}


async def _patch(client, admin, desk_id, body: dict):
    etag = (await client.get(f"/api/v1/desks/{desk_id}", headers=admin.headers)).headers["etag"]
    return await client.patch(f"/api/v1/desks/{desk_id}", json=body, headers={**admin.headers, "If-Match": etag})


async def _zone(sessionmaker, desk_id) -> str:
    async with sessionmaker() as session:
        return (await session.execute(select(Desk.time_zone).where(Desk.id == desk_id))).scalar_one()


@pytest.mark.parametrize(
    ("zone", "says"),
    [
        ("EST", "fixed offset"),
        ("Etc/GMT+5", "fixed offset"),
        ("UTC", "fixed offset"),
        ("GMT", "fixed offset"),
        ("Africa/Timbuktu", "alias"),  # a link kept for backward compatibility (to Africa/Abidjan)
        ("Mars/Olympus", "not an IANA time zone name"),
    ],
)
async def test_a_fixed_offset_or_an_alias_is_no_desk_zone(client, make_staff, desk_ids, sessionmaker, zone, says):
    admin = await make_staff("admin", [])
    response = await _patch(client, admin, desk_ids["DKR-MOB"], {"time_zone": zone})
    assert response.status_code == 422, response.text
    [error] = response.json()["errors"]
    assert (error["loc"], says in error["msg"]) == (["body", "time_zone"], True)
    assert await _zone(sessionmaker, desk_ids["DKR-MOB"]) == "Africa/Dakar"


async def test_a_zone_of_another_country_is_refused_with_the_country_s_zones(client, make_staff) -> None:
    admin = await make_staff("admin", [])
    response = await client.post("/api/v1/desks", json={**MONTREAL, "time_zone": "Asia/Tokyo"}, headers=admin.headers)
    assert response.status_code == 422, response.text
    problem = response.json()
    assert (problem["type"], problem["field"], problem["country"]) == (
        "/problems/time-zone-not-in-country",
        "time_zone",
        "CA",
    )
    assert "America/Toronto" in problem["valid_time_zones"] and "Asia/Tokyo" not in problem["valid_time_zones"]
    assert problem["errors"][0]["loc"] == ["body", "time_zone"]
    listing = await client.get("/api/v1/desks", headers=admin.headers)
    assert "MTL-DIA" not in [d["code"] for d in listing.json()]
    created = await client.post(
        "/api/v1/desks", json={**MONTREAL, "time_zone": "America/Toronto"}, headers=admin.headers
    )
    assert (created.status_code, created.json()["time_zone"]) == (201, "America/Toronto")


async def test_a_patch_to_a_zone_of_another_country_is_refused(client, make_staff, desk_ids, sessionmaker) -> None:
    admin = await make_staff("admin", [])
    response = await _patch(client, admin, desk_ids["CASA-BASE"], {"time_zone": "Europe/Paris"})
    assert (response.status_code, response.json()["valid_time_zones"]) == (422, ["Africa/Casablanca"])
    assert await _zone(sessionmaker, desk_ids["CASA-BASE"]) == "Africa/Casablanca"


async def test_a_desk_without_history_changes_zone_without_confirmation(client, make_staff, desk_ids, sessionmaker):
    admin = await make_staff("admin", [])
    response = await _patch(client, admin, desk_ids["DKR-MOB"], {"time_zone": "Africa/Abidjan"})
    assert (response.status_code, response.json()["time_zone"]) == (200, "Africa/Abidjan")


async def test_a_desk_with_history_keeps_its_zone_unless_confirmed(client, make_staff, desk_ids, sessionmaker) -> None:
    admin = await make_staff("admin", [])
    agent = await make_staff("agent", ["DKR-MOB"])
    registrant = await add_registrant(sessionmaker, desk_ids["DKR-MOB"], "DKR-2026-000001")
    starts = dt.datetime.now(dt.UTC).replace(microsecond=0) + dt.timedelta(days=30)
    await insert_appointment(
        sessionmaker, desk_id=desk_ids["DKR-MOB"], agent_id=agent.id, registrant_id=registrant, starts_at=starts
    )
    refused = await _patch(client, admin, desk_ids["DKR-MOB"], {"time_zone": "Africa/Abidjan"})
    assert refused.status_code == 409, refused.text
    problem = refused.json()
    assert problem["type"] == "/problems/desk-time-zone-in-use"
    assert (problem["registrants"], problem["appointments"], problem["future_appointments"]) == (1, 1, 1)
    assert await _zone(sessionmaker, desk_ids["DKR-MOB"]) == "Africa/Dakar"

    confirmed = await _patch(
        client, admin, desk_ids["DKR-MOB"], {"time_zone": "Africa/Abidjan", "confirm_time_zone_change": True}
    )
    assert (confirmed.status_code, confirmed.json()["time_zone"]) == (200, "Africa/Abidjan")
    async with sessionmaker() as session:
        event = (await session.execute(select(AuditEvent).where(AuditEvent.action == "desk.update"))).scalar_one()
    assert event.details["time_zone_change"] == {
        "confirmed": True,
        "registrants": 1,
        "cases": 0,
        "appointments": 1,
        "future_appointments": 1,
    }
    assert event.details["changes"]["time_zone"] == {"before": "Africa/Dakar", "after": "Africa/Abidjan"}


async def test_a_confirmation_without_a_zone_does_not_apply(client, make_staff, desk_ids) -> None:
    admin = await make_staff("admin", [])
    response = await _patch(client, admin, desk_ids["DKR-MOB"], {"city": "Dakar", "confirm_time_zone_change": True})
    assert (response.status_code, response.json()["type"]) == (422, "/problems/field-not-applicable")
    assert response.json()["field"] == "confirm_time_zone_change"
