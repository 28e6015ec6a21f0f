"""No change leaves the desk without an active administrator.

An administrator who demoted or deactivated the last administrator account (their own) locked
everyone out of staff and desk management: only the server's command line could recover. Such an
edit answers 409 ``last-administrator`` and changes nothing; with two administrators, each may
demote the other, but not both at the same moment (PostgreSQL: the edits lock the active
administrators' rows first; SQLite serialises writers).
"""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from tests.auth.test_concurrent_logins import HeldTogether
from tests.conftest import PASSWORD
from tests.lock_waits import postgres_only


@pytest.mark.parametrize(("change", "field"), [({"is_active": False}, "is_active"), ({"role": "agent"}, "role")])
async def test_the_last_administrator_cannot_demote_or_deactivate_itself(client, make_staff, change, field) -> None:
    admin = await make_staff("admin", [])
    url = f"/api/v1/users/{admin.id}"
    response = await client.patch(url, json=change, headers={**admin.headers, "If-Match": '"v1"'})
    assert response.status_code == 409
    body = response.json()
    assert (body["type"], body["field"]) == ("/problems/last-administrator", field)
    assert body["detail"] == ("C'est le dernier administrateur actif : nommez d'abord un autre administrateur.")
    english = await client.patch(
        url, json=change, headers={**admin.headers, "If-Match": '"v1"', "Accept-Language": "en"}
    )
    assert english.json()["detail"] == (
        "This is the last active administrator: make another account an administrator first."
    )
    still = await client.get(url, headers=admin.headers)
    assert (still.status_code, still.json()["role"], still.json()["is_active"], still.headers["etag"]) == (
        200,
        "admin",
        True,
        '"v1"',
    )
    login = await client.post("/api/v1/auth/token", data={"username": admin.email, "password": PASSWORD})
    assert login.status_code == 200


async def test_an_inactive_administrator_does_not_count(client, make_staff) -> None:
    admin = await make_staff("admin", [])
    other = await make_staff("admin", [])
    off = await client.patch(
        f"/api/v1/users/{other.id}", json={"is_active": False}, headers={**admin.headers, "If-Match": '"v1"'}
    )
    assert off.status_code == 200
    demote = await client.patch(
        f"/api/v1/users/{admin.id}", json={"role": "supervisor"}, headers={**admin.headers, "If-Match": '"v1"'}
    )
    assert (demote.status_code, demote.json()["type"]) == (409, "/problems/last-administrator")


async def test_with_another_administrator_the_change_is_made(client, make_staff) -> None:
    admin = await make_staff("admin", [])
    await make_staff("admin", [])
    response = await client.patch(
        f"/api/v1/users/{admin.id}",
        json={"role": "agent", "desk_codes": ["CASA-BASE"]},
        headers={**admin.headers, "If-Match": '"v1"'},
    )
    assert (response.status_code, response.json()["role"]) == (200, "agent")


async def test_a_name_change_of_the_last_administrator_is_allowed(client, make_staff) -> None:
    admin = await make_staff("admin", [])
    response = await client.patch(
        f"/api/v1/users/{admin.id}",
        json={"full_name": "Awa Diop", "role": "admin", "is_active": True},
        headers={**admin.headers, "If-Match": '"v1"'},
    )
    assert (response.status_code, response.json()["full_name"]) == (200, "Awa Diop")


def _locks_staff_rows(statement: str, _parameters: Any) -> bool:
    text = " ".join(statement.split()).upper()
    return "FROM STAFF_USERS" in text and "FOR NO KEY UPDATE" in text


async def test_two_administrators_demoting_each_other_at_once_leave_one(app, client, make_staff, database_url) -> None:
    """PostgreSQL only: on SQLite the second request waits for the first's commit and is then
    refused as no longer an administrator (401) — there is no race to lose."""
    postgres_only(database_url)
    # each at a desk: made an agent, they keep one
    first = await make_staff("admin", ["CASA-BASE"])
    second = await make_staff("admin", ["CASA-BASE"])

    def demote(actor: Any, target: Any) -> Any:
        return client.patch(
            f"/api/v1/users/{target.id}", json={"role": "agent"}, headers={**actor.headers, "If-Match": '"v1"'}
        )

    # Both requests reach their first lock on an account before either takes it.
    with HeldTogether(app, 2, _locks_staff_rows) as held:
        answers = await asyncio.gather(demote(first, second), demote(second, first))
    assert held.met
    assert sorted(a.status_code for a in answers) == [200, 409]
    users = await client.get("/api/v1/users", headers=(first if answers[1].status_code == 409 else second).headers)
    admins = [u for u in users.json()["items"] if u["role"] == "admin" and u["is_active"]]
    assert len(admins) == 1
