"""A login checks its password before it writes anything: other writers do not wait for Argon2.

On SQLite (the embedded default) a write transaction holds the database's only write lock from its
first statement (``BEGIN IMMEDIATE``) to its commit. A login used to read the account in the
request's transaction and then verify the password (and hash it again for a stronger hash) with that
lock held: every registration, case note or other login waited the ~100 ms of each check. These
tests hold a login inside its slow step (the check, or the new hash) and register a person at that
moment: the registration commits, and the login then succeeds. With the lock held by the login, the
registration waits out the (short, here) busy timeout and answers 503.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable
from typing import Any

import httpx
import pytest
from argon2 import PasswordHasher
from sqlalchemy import func, select

from app.audit.models import AuditEvent
from app.auth import service as auth_service
from app.auth.models import StaffUser
from app.core.config import Settings
from app.core.security import check_password
from tests.conftest import PASSWORD

WAIT_SECONDS = 20
PERSON = {"given_names": "Awa", "family_name": "Faye", "sex": "female", "desk_code": "CASA-BASE"}


@pytest.fixture
def settings(settings: Settings) -> Settings:
    """A registration that meets a held write lock gives up in 2 s (503), not the default 30 s."""
    return settings.model_copy(update={"database_busy_timeout_seconds": 2})


class Held:
    """Replaces ``owner.<name>`` (a slow function the app runs in a worker thread) by one that, on
    its first call, says it is running (:attr:`running`) and waits for :meth:`release` before doing
    its work; later calls pass straight through. A call on the event loop's own thread is not held
    (it would stop the loop): :attr:`on_loop` says it happened."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch, name: str, owner: object = auth_service) -> None:
        self.running = threading.Event()
        self.on_loop = False
        self._go = threading.Event()
        original: Callable[..., Any] = getattr(owner, name)

        def held(*args: Any) -> Any:
            if threading.current_thread() is threading.main_thread():
                self.on_loop = True
            elif not self.running.is_set():
                self.running.set()
                self._go.wait(WAIT_SECONDS)
            return original(*args)

        monkeypatch.setattr(owner, name, held)

    async def reached(self, task: asyncio.Future[Any]) -> None:
        """Return once the held call runs; fail if ``task`` ends first or it takes too long."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + WAIT_SECONDS
        while not self.running.is_set():
            assert not self.on_loop, "the slow step ran on the event loop's thread"
            assert not task.done(), f"the login ended without reaching the held step: {task.result().text}"
            assert loop.time() < deadline, "the login never reached the held step"
            await asyncio.sleep(0.01)

    def release(self) -> None:
        self._go.set()


async def _login(client: httpx.AsyncClient, email: str, password: str = PASSWORD) -> httpx.Response:
    return await client.post("/api/v1/auth/token", data={"username": email, "password": password})


async def _register_while_held(
    client: httpx.AsyncClient, held: Held, login: asyncio.Future[httpx.Response], headers: dict[str, str]
) -> tuple[httpx.Response, httpx.Response]:
    """Register a person while ``login`` is held in its slow step; (registration, login) answers."""
    try:
        await held.reached(login)
        registered = await client.post("/api/v1/registrants", json=PERSON, headers=headers)
    finally:
        held.release()
    return registered, await asyncio.wait_for(login, WAIT_SECONDS)


async def _count(sessionmaker, action: str) -> int:  # type: ignore[no-untyped-def]
    async with sessionmaker() as session:
        return int((await session.execute(select(func.count()).where(AuditEvent.action == action))).scalar_one())


async def test_a_registration_commits_while_a_login_checks_its_password(
    client, make_staff, sessionmaker, monkeypatch
) -> None:
    agent = await make_staff("agent")
    colleague = await make_staff("agent")
    held = Held(monkeypatch, "check_password")
    login = asyncio.ensure_future(_login(client, agent.email))
    registered, logged_in = await _register_while_held(client, held, login, colleague.headers)
    assert registered.status_code == 201, registered.text
    assert logged_in.status_code == 200, logged_in.text
    assert await _count(sessionmaker, "auth.login") == 1
    async with sessionmaker() as session:
        assert (await session.get(StaffUser, agent.id)).last_login_at is not None  # type: ignore[union-attr]


async def test_a_registration_commits_while_a_wrong_password_is_checked(
    client, make_staff, sessionmaker, monkeypatch
) -> None:
    agent = await make_staff("agent")
    colleague = await make_staff("agent")
    held = Held(monkeypatch, "check_password")
    login = asyncio.ensure_future(_login(client, agent.email, "not the password"))
    registered, refused = await _register_while_held(client, held, login, colleague.headers)
    assert registered.status_code == 201, registered.text
    assert refused.status_code == 401, refused.text
    assert await _count(sessionmaker, "auth.login_failed") == 1


async def test_a_registration_commits_while_a_login_hashes_its_password_again(
    client, make_staff, sessionmaker, monkeypatch
) -> None:
    agent = await make_staff("agent")
    colleague = await make_staff("agent")
    async with sessionmaker() as session:
        user = await session.get(StaffUser, agent.id)
        assert user is not None
        user.password_hash = PasswordHasher(time_cost=1, memory_cost=8192).hash(PASSWORD)  # weaker: rehashed
        await session.commit()
    held = Held(monkeypatch, "hash_password")
    login = asyncio.ensure_future(_login(client, agent.email))
    registered, logged_in = await _register_while_held(client, held, login, colleague.headers)
    assert registered.status_code == 201, registered.text
    assert logged_in.status_code == 200, logged_in.text
    async with sessionmaker() as session:
        stored = check_password(PASSWORD, (await session.get(StaffUser, agent.id)).password_hash)  # type: ignore[union-attr]
    assert (stored.valid, stored.rehash) == (True, False)


async def test_a_password_change_committed_during_the_check_interrupts_the_login(
    client, make_staff, sessionmaker, monkeypatch
) -> None:
    """The check no longer holds the lock, so an administrator's change can commit under it: the
    login then stores nothing and answers 503 ``login-interrupted`` (its token_version moved)."""
    admin = await make_staff("admin", [])
    agent = await make_staff("agent")
    held = Held(monkeypatch, "check_password")
    login = asyncio.ensure_future(_login(client, agent.email))
    try:
        await held.reached(login)
        changed = await client.patch(
            f"/api/v1/users/{agent.id}",
            json={"password": "a brand new passphrase 2026"},
            headers={**admin.headers, "If-Match": '"v1"'},
        )
    finally:
        held.release()
    interrupted = await asyncio.wait_for(login, WAIT_SECONDS)
    assert changed.status_code == 200, changed.text
    assert interrupted.status_code == 503, interrupted.text
    assert interrupted.headers["retry-after"] == "1"
    assert interrupted.json()["type"] == "/problems/login-interrupted"
    async with sessionmaker() as session:
        assert (await session.get(StaffUser, agent.id)).last_login_at is None  # type: ignore[union-attr]
    assert await _count(sessionmaker, "auth.login") == 0
    assert (await _login(client, agent.email)).status_code == 401  # the old password, tried again
    assert (await _login(client, agent.email, "a brand new passphrase 2026")).status_code == 200
