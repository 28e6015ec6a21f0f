"""Requests that touch one staff user's row at the same moment never answer 500.

A login's bookkeeping on the account (``last_login_at``, a stronger hash of the password) is one
``UPDATE`` that neither checks nor bumps the row's optimistic ``version``: simultaneous logins to
one account used to lose that check (``StaleDataError``, 500) on PostgreSQL. An administrator's
edit still checks it (412), and a login that meets an administrator's password, role or status
change committed under it answers 503 with ``Retry-After``.

PostgreSQL: :class:`HeldTogether` holds each request just before a chosen statement until all have
reached it, so every transaction has read the row before any writes it (the interleaving of the
defect). SQLite: a write transaction holds the database's lock from its first statement, so
requests are serialised and there is no race to force; the same requests run without holding.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

import httpx
import pytest
from argon2 import PasswordHasher
from fastapi import FastAPI
from sqlalchemy import event, func, select
from sqlalchemy.util import await_only

from app.audit.models import AuditEvent
from app.auth.models import StaffUser
from app.core.security import check_password
from tests.conftest import PASSWORD
from tests.lock_waits import postgres_only

HOLD_SECONDS = 10


class HeldTogether:
    """Holds every connection of ``app``'s engine just before a statement ``matches`` until
    ``parties`` of them have reached one, or ``HOLD_SECONDS`` passed; ``met``: all of them were
    held at once (none gave up waiting)."""

    def __init__(self, app: FastAPI, parties: int, matches: Callable[[str, Any], bool]) -> None:
        self.engine = app.state.engine.sync_engine
        self.parties = parties
        self.matches = matches
        self.arrived = 0
        self.gave_up = False
        self.all_here = asyncio.Event()

    @property
    def met(self) -> bool:
        return self.all_here.is_set() and not self.gave_up

    def _hold(self, _conn: Any, _cursor: Any, statement: str, parameters: Any, *_: Any) -> None:
        if not self.matches(statement, parameters):
            return
        self.arrived += 1
        if self.arrived >= self.parties:
            self.all_here.set()
        try:  # a sync event in the engine's greenlet: awaiting lets the loop run the others
            await_only(asyncio.wait_for(self.all_here.wait(), HOLD_SECONDS))
        except TimeoutError:
            self.gave_up = True

    def __enter__(self) -> HeldTogether:
        event.listen(self.engine, "before_cursor_execute", self._hold)
        return self

    def __exit__(self, *_: object) -> None:
        event.remove(self.engine, "before_cursor_execute", self._hold)


def _reads_the_account(statement: str, _parameters: Any) -> bool:
    """The login's read of the account by e-mail: held there, every login has read the row (and
    its ``version``) before any of them writes it."""
    text = " ".join(statement.split()).upper()
    return text.startswith("SELECT") and "FROM STAFF_USERS WHERE STAFF_USERS.EMAIL =" in text


def _writes_staff_users(statement: str) -> bool:
    return statement.lstrip().upper().startswith("UPDATE STAFF_USERS")


def _on_postgres(database_url: str) -> bool:
    return database_url.startswith("postgresql")


async def _login(client: httpx.AsyncClient, email: str, password: str = PASSWORD) -> httpx.Response:
    return await client.post("/api/v1/auth/token", data={"username": email, "password": password})


async def _row(sessionmaker, user_id) -> StaffUser:  # type: ignore[no-untyped-def]
    async with sessionmaker() as session:
        return (await session.execute(select(StaffUser).where(StaffUser.id == user_id))).scalar_one()


async def _logins_audited(sessionmaker, user_id) -> int:  # type: ignore[no-untyped-def]
    async with sessionmaker() as session:
        stmt = select(func.count()).where(AuditEvent.action == "auth.login", AuditEvent.actor_id == user_id)
        return int((await session.execute(stmt)).scalar_one())


@pytest.mark.parametrize("parties", [2, 4])
async def test_simultaneous_logins_to_one_account_all_succeed(
    app, client, make_staff, sessionmaker, database_url, parties
) -> None:
    agent = await make_staff("agent")
    with HeldTogether(app, parties if _on_postgres(database_url) else 1, _reads_the_account) as held:
        responses = await asyncio.gather(*(_login(client, agent.email) for _ in range(parties)))
    assert held.met
    assert [r.status_code for r in responses] == [200] * parties, [r.text for r in responses]
    row = await _row(sessionmaker, agent.id)
    assert row.last_login_at is not None
    assert row.version == 1, "a login is not an edit of the account"
    assert await _logins_audited(sessionmaker, agent.id) == parties


async def test_simultaneous_logins_that_rehash_the_password_all_succeed(
    app, client, make_staff, sessionmaker, database_url
) -> None:
    agent = await make_staff("agent")
    async with sessionmaker() as session:
        user = await session.get(StaffUser, agent.id)
        assert user is not None
        user.password_hash = PasswordHasher(time_cost=1, memory_cost=8192).hash(PASSWORD)  # weaker: rehashed
        await session.commit()
    parties = 2 if _on_postgres(database_url) else 1
    with HeldTogether(app, parties, _reads_the_account) as held:
        responses = await asyncio.gather(_login(client, agent.email), _login(client, agent.email))
    assert held.met
    assert [r.status_code for r in responses] == [200, 200], [r.text for r in responses]
    row = await _row(sessionmaker, agent.id)
    stored = check_password(PASSWORD, row.password_hash)
    assert (stored.valid, stored.rehash) == (True, False)
    assert row.version == 2, "the test's own edit, and no more"


async def test_a_login_keeps_the_accounts_etag_for_its_administrator(client, make_staff) -> None:
    admin = await make_staff("admin", [])
    agent = await make_staff("agent")
    read = await client.get(f"/api/v1/users/{agent.id}", headers=admin.headers)
    assert (await _login(client, agent.email)).status_code == 200
    if_match = {**admin.headers, "If-Match": read.headers["etag"]}
    edited = await client.patch(f"/api/v1/users/{agent.id}", json={"full_name": "Amina B."}, headers=if_match)
    assert edited.status_code == 200, edited.text
    assert edited.json()["last_login_at"] is not None


def _reads_the_agent(agent_id: Any) -> Callable[[str, Any], bool]:
    def matches(statement: str, parameters: Any) -> bool:
        text = statement.lstrip().upper()
        return text.startswith("SELECT") and "FROM STAFF_USERS" in text and agent_id in tuple(parameters or ())

    return matches


async def test_simultaneous_edits_by_two_administrators_answer_200_and_412(
    app, client, make_staff, database_url
) -> None:
    postgres_only(database_url)
    admin = await make_staff("admin", [])
    agent = await make_staff("agent")
    url, headers = f"/api/v1/users/{agent.id}", {**admin.headers, "If-Match": '"v1"'}
    assert (await client.get("/api/v1/auth/me", headers=admin.headers)).status_code == 200  # actor remembered
    with HeldTogether(app, 2, _reads_the_agent(agent.id)) as held:
        responses = await asyncio.gather(
            client.patch(url, json={"full_name": "First"}, headers=headers),
            client.patch(url, json={"full_name": "Second"}, headers=headers),
        )
    assert held.met
    assert sorted(r.status_code for r in responses) == [200, 412], [r.text for r in responses]
    refused = next(r for r in responses if r.status_code == 412)
    assert refused.json()["type"] == "/problems/precondition-failed"
    assert refused.json()["current_etag"] == '"v2"'


async def test_a_login_meeting_a_password_change_answers_503_with_retry_after(
    app, client, make_staff, sessionmaker, database_url
) -> None:
    """The administrator's change commits between the login's password check and its write."""
    postgres_only(database_url)
    admin = await make_staff("admin", [])
    agent = await make_staff("agent")
    engine = app.state.engine.sync_engine
    changed: list[httpx.Response] = []

    def change_password_first(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        if not changed and _writes_staff_users(statement) and "last_login_at" in statement:
            changed.append(httpx.Response(0))  # once: the change's own statements pass through
            changed[0] = await_only(
                client.patch(
                    f"/api/v1/users/{agent.id}",
                    json={"password": "a brand new passphrase 2026"},
                    headers={**admin.headers, "If-Match": '"v1"'},
                )
            )

    event.listen(engine, "before_cursor_execute", change_password_first)
    try:
        interrupted = await _login(client, agent.email)
    finally:
        event.remove(engine, "before_cursor_execute", change_password_first)
    assert changed[0].status_code == 200, changed[0].text
    assert interrupted.status_code == 503, interrupted.text
    assert interrupted.headers["content-type"].startswith("application/problem+json")
    assert interrupted.headers["retry-after"] == "1"
    assert interrupted.json()["type"] == "/problems/login-interrupted"
    assert (await _row(sessionmaker, agent.id)).last_login_at is None
    assert (await _login(client, agent.email)).status_code == 401  # the old password, tried again
    assert (await _login(client, agent.email, "a brand new passphrase 2026")).status_code == 200


async def test_one_refresh_token_presented_twice_at_once_rotates_once(client, make_staff, database_url) -> None:
    """The second presentation is a reuse (OAuth 2.0 Security BCP §4.14): 401, never 500."""
    agent = await make_staff("agent")
    first = (await _login(client, agent.email)).json()
    data = {"grant_type": "refresh_token", "refresh_token": first["refresh_token"]}
    responses = await asyncio.gather(*(client.post("/api/v1/auth/token", data=data) for _ in range(2)))
    assert sorted(r.status_code for r in responses) == [200, 401], [r.text for r in responses]


async def test_logins_refreshes_and_a_logout_of_one_account_at_once_never_answer_500(
    client, make_staff, database_url
) -> None:
    agent = await make_staff("agent")
    sessions = [(await _login(client, agent.email)).json() for _ in range(3)]
    bearer = {"Authorization": f"Bearer {sessions[0]['access_token']}"}
    refresh = [{"grant_type": "refresh_token", "refresh_token": s["refresh_token"]} for s in sessions[1:]]
    responses = await asyncio.gather(
        _login(client, agent.email),
        _login(client, agent.email),
        client.post("/api/v1/auth/token", data=refresh[0]),
        client.post("/api/v1/auth/token", data=refresh[1]),
        client.post("/api/v1/auth/logout", json={"refresh_token": sessions[0]["refresh_token"]}, headers=bearer),
    )
    assert [r.status_code for r in responses] == [200, 200, 200, 200, 204], [r.text for r in responses]
