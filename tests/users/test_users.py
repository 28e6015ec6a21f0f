"""Staff accounts managed by administrators."""

import pytest
from pydantic import ValidationError
from sqlalchemy import func, select

from app.auth.models import StaffUser
from app.core.config import Settings
from app.seed import SeedReport, seed_admin


async def test_admin_creates_an_agent_with_desks(client, make_staff) -> None:
    admin = await make_staff("admin", [])
    response = await client.post(
        "/api/v1/users",
        json={
            "email": "Awa.Diop@Desk.Example",
            "full_name": "Awa Diop",
            "role": "agent",
            "password": "a long enough password",
            "desk_codes": ["casa-base"],
        },
        headers=admin.headers,
    )
    assert response.status_code == 201
    body = response.json()
    assert body["email"] == "awa.diop@desk.example"
    assert body["desk_codes"] == ["CASA-BASE"]
    assert response.headers["etag"] == '"v1"'
    login = await client.post(
        "/api/v1/auth/token", data={"username": "AWA.DIOP@desk.example", "password": "a long enough password"}
    )
    assert login.status_code == 200


async def test_email_is_unique_whatever_its_case(client, make_staff) -> None:
    admin = await make_staff("admin", [])
    await make_staff("agent", email="moussa@desk.example")
    response = await client.post(
        "/api/v1/users",
        json={
            "email": "MOUSSA@desk.example",
            "full_name": "M",
            "role": "agent",
            "password": "a long enough password",
            "desk_codes": ["CASA-BASE"],
        },
        headers=admin.headers,
    )
    assert response.status_code == 409
    assert response.json()["type"] == "/problems/email-taken"


async def test_unknown_desk_code_is_422_and_creates_nothing(client, make_staff, sessionmaker) -> None:
    admin = await make_staff("admin", [])
    response = await client.post(
        "/api/v1/users",
        json={
            "email": "x@desk.example",
            "full_name": "X",
            "role": "agent",
            "password": "a long enough password",
            "desk_codes": ["NOWHERE"],
        },
        headers=admin.headers,
    )
    assert response.status_code == 422
    assert response.json()["type"] == "/problems/unknown-desk"
    async with sessionmaker() as session:
        count = (await session.execute(select(func.count()).where(StaffUser.email == "x@desk.example"))).scalar_one()
    assert count == 0


async def test_agents_cannot_manage_users(client, make_staff) -> None:
    agent = await make_staff("agent")
    assert (await client.get("/api/v1/users", headers=agent.headers)).status_code == 403


async def test_update_needs_if_match_and_refuses_stale_etag(client, make_staff) -> None:
    admin = await make_staff("admin", [])
    agent = await make_staff("agent")
    url = f"/api/v1/users/{agent.id}"
    missing = await client.patch(url, json={"full_name": "New"}, headers=admin.headers)
    assert missing.status_code == 428
    assert missing.json()["type"] == "/problems/precondition-required"
    ok = await client.patch(url, json={"full_name": "New"}, headers={**admin.headers, "If-Match": '"v1"'})
    assert ok.status_code == 200
    assert ok.headers["etag"] == '"v2"'
    stale = await client.patch(url, json={"full_name": "Newer"}, headers={**admin.headers, "If-Match": '"v1"'})
    assert stale.status_code == 412
    assert stale.json()["current_etag"] == '"v2"'


async def test_a_change_of_desks_alone_moves_the_etag(client, make_staff) -> None:
    """The memberships are rows of their own: changing only them used to leave the account's ETag
    as it was, so a second administrator's edit sent with the old ETag overwrote the first."""
    admin = await make_staff("admin", [])
    agent = await make_staff("agent", ["CASA-BASE"])
    url = f"/api/v1/users/{agent.id}"
    first = await client.patch(url, json={"desk_codes": ["DKR-MOB"]}, headers={**admin.headers, "If-Match": '"v1"'})
    assert (first.status_code, first.headers["etag"]) == (200, '"v2"')
    stale = await client.patch(url, json={"desk_codes": ["CASA-BASE"]}, headers={**admin.headers, "If-Match": '"v1"'})
    assert (stale.status_code, stale.json()["current_etag"]) == (412, '"v2"')
    read = await client.get(url, headers=admin.headers)
    assert (read.headers["etag"], read.json()["desk_codes"]) == ('"v2"', ["DKR-MOB"])
    both = await client.patch(
        url, json={"full_name": "Awa", "desk_codes": ["CASA-BASE"]}, headers={**admin.headers, "If-Match": '"v2"'}
    )
    assert (both.status_code, both.headers["etag"]) == (200, '"v3"')  # one edit, one version
    same = await client.patch(url, json={"desk_codes": ["CASA-BASE"]}, headers={**admin.headers, "If-Match": '"v3"'})
    assert (same.status_code, same.headers["etag"]) == (200, '"v3"')  # nothing changed: the ETag stays


async def test_short_password_and_bad_role_are_422(client, make_staff) -> None:
    admin = await make_staff("admin", [])
    response = await client.post(
        "/api/v1/users",
        json={"email": "y@desk.example", "full_name": "Y", "role": "boss", "password": "short"},
        headers=admin.headers,
    )
    assert response.status_code == 422
    fields = sorted(e["loc"][-1] for e in response.json()["errors"])
    assert fields == ["password", "role"]


async def test_the_seeded_administrator_has_an_address_the_api_accepts(client, make_staff, sessionmaker) -> None:
    async with sessionmaker() as session:
        report = SeedReport()
        await seed_admin(session, Settings(_env_file=None, desk_admin_email=None), report)  # type: ignore[call-arg]
        await session.commit()
    assert report.admin_email is not None
    admin = await make_staff("admin", [])
    colleague = "colleague@" + report.admin_email.split("@")[1]
    response = await client.post(
        "/api/v1/users",
        json={
            "email": colleague,
            "full_name": "Colleague",
            "role": "agent",
            "password": "a long enough password",
            "desk_codes": ["CASA-BASE"],
        },
        headers=admin.headers,
    )
    assert response.status_code == 201, response.text


def test_a_first_administrator_address_the_api_would_refuse_stops_the_settings() -> None:
    with pytest.raises(ValidationError, match="desk_admin_email"):
        Settings(_env_file=None, desk_admin_email="admin@desk.local")  # type: ignore[call-arg]


async def test_the_seeded_administrator_s_name_reads_in_french_and_english(sessionmaker) -> None:  # type: ignore[no-untyped-def]
    async with sessionmaker() as session:
        await seed_admin(session, Settings(_env_file=None, desk_admin_email=None), SeedReport())  # type: ignore[call-arg]
        await session.commit()
        names = (await session.execute(select(StaffUser.full_name).where(StaffUser.role == "admin"))).scalars()
        assert list(names) == ["Administrateur"]
