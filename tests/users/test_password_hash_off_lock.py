"""An administrator's new password (a new account, or a password set on one) is hashed before the
edit's transaction begins, in a worker thread: on SQLite no other write waits for Argon2, and the
event loop keeps answering meanwhile. The hash used to run on the event loop's thread, inside the
transaction that held the database's write lock.
"""

from __future__ import annotations

import asyncio

import pytest

from app.core.config import Settings
from app.users import service as users_service
from tests.auth.test_login_write_lock import PERSON, WAIT_SECONDS, Held
from tests.conftest import PASSWORD

NEW_PASSWORD = "a brand new passphrase 2026"


@pytest.fixture
def settings(settings: Settings) -> Settings:
    """A registration that meets a held write lock gives up in 2 s (503), not the default 30 s."""
    return settings.model_copy(update={"database_busy_timeout_seconds": 2})


async def _while_hashing(client, held: Held, request: asyncio.Future, headers: dict[str, str]):  # type: ignore[no-untyped-def]
    try:
        await held.reached(request)
        registered = await client.post("/api/v1/registrants", json=PERSON, headers=headers)
    finally:
        held.release()
    return registered, await asyncio.wait_for(request, WAIT_SECONDS)


async def test_a_registration_commits_while_a_new_password_is_hashed(client, make_staff, monkeypatch) -> None:
    admin = await make_staff("admin", [])
    agent = await make_staff("agent")
    colleague = await make_staff("agent")
    assert (await client.get("/api/v1/auth/me", headers=admin.headers)).status_code == 200  # actor remembered
    held = Held(monkeypatch, "hash_password", users_service)
    change = asyncio.ensure_future(
        client.patch(
            f"/api/v1/users/{agent.id}", json={"password": NEW_PASSWORD}, headers={**admin.headers, "If-Match": '"v1"'}
        )
    )
    registered, changed = await _while_hashing(client, held, change, colleague.headers)
    assert registered.status_code == 201, registered.text
    assert changed.status_code == 200, changed.text
    login = {"username": agent.email, "password": NEW_PASSWORD}
    assert (await client.post("/api/v1/auth/token", data=login)).status_code == 200
    old = {"username": agent.email, "password": PASSWORD}
    assert (await client.post("/api/v1/auth/token", data=old)).status_code == 401


async def test_a_registration_commits_while_a_new_accounts_password_is_hashed(client, make_staff, monkeypatch) -> None:
    admin = await make_staff("admin", [])
    colleague = await make_staff("agent")
    assert (await client.get("/api/v1/auth/me", headers=admin.headers)).status_code == 200  # actor remembered
    held = Held(monkeypatch, "hash_password", users_service)
    body = {
        "email": "fatou.ndiaye@desk.example",
        "full_name": "Fatou Ndiaye",
        "role": "agent",
        "password": NEW_PASSWORD,
        "desk_codes": ["CASA-BASE"],
    }
    create = asyncio.ensure_future(client.post("/api/v1/users", json=body, headers=admin.headers))
    registered, created = await _while_hashing(client, held, create, colleague.headers)
    assert registered.status_code == 201, registered.text
    assert created.status_code == 201, created.text
    login = {"username": "fatou.ndiaye@desk.example", "password": NEW_PASSWORD}
    assert (await client.post("/api/v1/auth/token", data=login)).status_code == 200
