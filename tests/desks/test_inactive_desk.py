"""A closed desk (``is_active: false``) takes nothing new; what it holds stays readable.

Before: a desk set inactive still took registrations from its agents, and administrators could
add members to it. It now answers 409 ``desk-inactive`` naming the field to a new registration,
case, appointment, register import or member; reads still work, and reopening the desk lifts it.
"""

from __future__ import annotations

import uuid
from typing import Any

import httpx
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.auth.models import StaffUser
from app.registrants.models import Registrant
from tests.appointments.conftest import World, book
from tests.appointments.helpers import DAKAR_TZ, next_weekday
from tests.conftest import Staff
from tests.registrants.conftest import person


async def _set_dakar_active(client: httpx.AsyncClient, admin: Staff, desk_id: uuid.UUID, active: bool) -> None:
    url = f"/api/v1/desks/{desk_id}"
    etag = (await client.get(url, headers=admin.headers)).headers["etag"]
    response = await client.patch(url, json={"is_active": active}, headers={**admin.headers, "If-Match": etag})
    assert (response.status_code, response.json()["is_active"]) == (200, active), response.text


async def _count(sessionmaker: async_sessionmaker[AsyncSession], model: Any) -> int:
    async with sessionmaker() as session:
        return (await session.execute(select(func.count()).select_from(model))).scalar_one()


def _closed(response: httpx.Response, field: str) -> None:
    body = response.json()
    assert (response.status_code, body["type"], body["field"], body["desk_code"]) == (
        409,
        "/problems/desk-inactive",
        field,
        "DKR-MOB",
    ), response.text
    assert body["detail"] == "Le guichet DKR-MOB est fermé : il ne prend rien de nouveau."


async def test_a_closed_desk_takes_no_registration(client, make_staff, desk_ids, sessionmaker) -> None:  # type: ignore[no-untyped-def]
    admin = await make_staff("admin", [])
    agent = await make_staff("agent", ["DKR-MOB"])
    await _set_dakar_active(client, admin, desk_ids["DKR-MOB"], False)
    before = await _count(sessionmaker, Registrant)
    named = await client.post("/api/v1/registrants", json=person(desk_code="DKR-MOB"), headers=agent.headers)
    _closed(named, "desk_code")
    only_desk = await client.post("/api/v1/registrants", json=person(), headers=agent.headers)
    _closed(only_desk, "desk_code")
    assert await _count(sessionmaker, Registrant) == before
    await _set_dakar_active(client, admin, desk_ids["DKR-MOB"], True)
    reopened = await client.post("/api/v1/registrants", json=person(desk_code="DKR-MOB"), headers=agent.headers)
    assert reopened.status_code == 201, reopened.text


async def test_a_closed_desk_takes_no_case_nor_appointment_but_its_files_stay_readable(
    client: httpx.AsyncClient, world: World, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    await _set_dakar_active(client, world.admin, world.dakar, False)
    registrant = world.dakar_registrant
    case = await client.post(
        "/api/v1/cases",
        json={"registrant_id": str(registrant), "service_type": "SOCIAL", "channel": "walk_in"},
        headers=world.dakar_agent.headers,
    )
    _closed(case, "registrant_id")
    day = next_weekday(1, tz=DAKAR_TZ)
    appointment = await book(
        client,
        world.dakar_agent,
        desk_id=world.dakar,
        agent_id=world.dakar_agent.id,
        registrant_id=registrant,
        starts_at=f"{day.isoformat()}T10:00:00Z",
        ends_at=f"{day.isoformat()}T10:45:00Z",
    )
    _closed(appointment, "desk_id")
    read = await client.get(f"/api/v1/registrants/{registrant}", headers=world.dakar_agent.headers)
    assert read.status_code == 200
    listed = await client.get("/api/v1/registrants", headers=world.dakar_agent.headers)
    assert str(registrant) in {r["id"] for r in listed.json()["items"]}


async def test_a_closed_desk_takes_no_new_member(client, make_staff, desk_ids, sessionmaker) -> None:  # type: ignore[no-untyped-def]
    admin = await make_staff("admin", [])
    member = await make_staff("agent", ["DKR-MOB"])
    outsider = await make_staff("agent", ["CASA-BASE"])
    await _set_dakar_active(client, admin, desk_ids["DKR-MOB"], False)
    before = await _count(sessionmaker, StaffUser)
    created = await client.post(
        "/api/v1/users",
        json={
            "email": "new@desk.example",
            "full_name": "New",
            "role": "agent",
            "password": "a long enough password",
            "desk_codes": ["CASA-BASE", "DKR-MOB"],
        },
        headers=admin.headers,
    )
    _closed(created, "desk_codes")
    assert await _count(sessionmaker, StaffUser) == before
    added = await client.patch(
        f"/api/v1/users/{outsider.id}",
        json={"desk_codes": ["CASA-BASE", "DKR-MOB"]},
        headers={**admin.headers, "If-Match": '"v1"'},
    )
    _closed(added, "desk_codes")
    kept = await client.patch(
        f"/api/v1/users/{member.id}",
        json={"desk_codes": ["DKR-MOB", "CASA-BASE"]},
        headers={**admin.headers, "If-Match": '"v1"'},
    )
    assert (kept.status_code, kept.json()["desk_codes"]) == (200, ["CASA-BASE", "DKR-MOB"])
    unchanged = await client.get(f"/api/v1/users/{outsider.id}", headers=admin.headers)
    assert unchanged.json()["desk_codes"] == ["CASA-BASE"]


async def test_a_closed_desk_takes_no_register_import(client, make_staff, desk_ids, sessionmaker) -> None:  # type: ignore[no-untyped-def]
    admin = await make_staff("admin", [])
    await _set_dakar_active(client, admin, desk_ids["DKR-MOB"], False)
    response = await client.post(
        "/api/v1/imports/registers",
        files={"file": ("r.csv", "Nom;Prénom\nDiop;Awa\n".encode(), "text/csv")},
        data={"desk_code": "DKR-MOB", "dry_run": "false"},
        headers=admin.headers,
    )
    _closed(response, "desk_code")
