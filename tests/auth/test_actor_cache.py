"""What a process remembers of tokens and staff users, and when it forgets."""

from __future__ import annotations

import datetime as dt
import uuid

from fastapi import FastAPI
from sqlalchemy import text

from app.auth.cache import AuthCache
from app.core.context import Actor
from app.core.security import create_access_token
from tests.conftest import TEST_SECRET


class FakeClock:
    """A clock the test moves: ``monotonic()`` in seconds and ``now()`` in aware UTC, together."""

    def __init__(self) -> None:
        self._start = dt.datetime.now(dt.UTC)
        self._offset = 0.0

    def advance(self, seconds: float) -> None:
        self._offset += seconds

    def monotonic(self) -> float:
        return 1_000.0 + self._offset

    def now(self) -> dt.datetime:
        return self._start + dt.timedelta(seconds=self._offset)


async def _patch_user(client, admin, user_id: uuid.UUID, changes: dict[str, object]) -> None:
    current = await client.get(f"/api/v1/users/{user_id}", headers=admin.headers)
    response = await client.patch(
        f"/api/v1/users/{user_id}", json=changes, headers={**admin.headers, "If-Match": current.headers["etag"]}
    )
    assert response.status_code == 200, response.text


async def test_a_cached_user_deactivated_through_this_process_is_refused_at_once(client, make_staff) -> None:
    admin = await make_staff("admin", [])
    agent = await make_staff("agent")
    assert (await client.get("/api/v1/auth/me", headers=agent.headers)).status_code == 200  # now cached
    await _patch_user(client, admin, agent.id, {"is_active": False})
    assert (await client.get("/api/v1/auth/me", headers=agent.headers)).status_code == 401


async def test_a_change_of_desks_applies_to_the_next_request(client, make_staff) -> None:
    admin = await make_staff("admin", [])
    agent = await make_staff("agent", ["CASA-BASE"])
    body = {"given_names": "Awa", "family_name": "Faye", "sex": "female", "desk_code": "DKR-MOB"}
    refused = await client.post("/api/v1/registrants", json=body, headers=agent.headers)
    assert refused.status_code == 404  # Dakar is not their desk (cached: CASA-BASE only)
    await _patch_user(client, admin, agent.id, {"desk_codes": ["DKR-MOB"]})  # memberships only
    accepted = await client.post("/api/v1/registrants", json=body, headers=agent.headers)
    assert accepted.status_code == 201, accepted.text


async def test_a_change_made_elsewhere_applies_when_the_entry_expires(app: FastAPI, client, make_staff) -> None:
    clock = FakeClock()
    app.state.auth_cache = AuthCache(ttl_seconds=5, monotonic=clock.monotonic)
    agent = await make_staff("agent")
    assert (await client.get("/api/v1/auth/me", headers=agent.headers)).status_code == 200
    # Another process of the deployment deactivates the user: no session event reaches this one.
    async with app.state.engine.begin() as conn:
        await conn.execute(text("UPDATE staff_users SET is_active = false WHERE email = :e"), {"e": agent.email})
    assert (await client.get("/api/v1/auth/me", headers=agent.headers)).status_code == 200  # remembered
    clock.advance(4.9)
    assert (await client.get("/api/v1/auth/me", headers=agent.headers)).status_code == 200  # still remembered
    clock.advance(0.1)  # 5 s after it was loaded: the entry has expired
    assert (await client.get("/api/v1/auth/me", headers=agent.headers)).status_code == 401


async def test_with_no_cache_every_request_reads_the_user(app: FastAPI, client, make_staff) -> None:
    app.state.auth_cache = AuthCache(ttl_seconds=0)
    agent = await make_staff("agent")
    assert (await client.get("/api/v1/auth/me", headers=agent.headers)).status_code == 200
    async with app.state.engine.begin() as conn:
        await conn.execute(text("UPDATE staff_users SET is_active = false WHERE email = :e"), {"e": agent.email})
    assert (await client.get("/api/v1/auth/me", headers=agent.headers)).status_code == 401


async def test_remembered_claims_still_expire() -> None:
    clock = FakeClock()
    cache = AuthCache(ttl_seconds=5, now=clock.now)
    token = create_access_token(user_id=uuid.uuid4(), role="agent", token_version=1, key=TEST_SECRET, ttl_seconds=60)
    assert cache.claims(token, key=TEST_SECRET) is not None  # verified and remembered
    clock.advance(59)
    assert cache.claims(token, key=TEST_SECRET) is not None
    clock.advance(2)  # past the token's exp (JWT exp is whole seconds: RFC 7519 §4.1.4)
    assert cache.claims(token, key=TEST_SECRET) is None


def test_a_forged_token_is_never_remembered() -> None:
    cache = AuthCache(ttl_seconds=5)
    token = create_access_token(
        user_id=uuid.uuid4(), role="admin", token_version=1, key="another-key" * 4, ttl_seconds=60
    )
    assert cache.claims(token, key=TEST_SECRET) is None
    assert cache.claims(token, key=TEST_SECRET) is None


def test_the_least_recently_used_entries_leave_first() -> None:
    cache = AuthCache(ttl_seconds=5, max_entries=2)
    users = [uuid.uuid4() for _ in range(3)]
    from app.auth.cache import generation

    for user_id in users:
        cache.remember(user_id, 1, Actor(user_id=user_id, email="x", role="agent"), generation=generation())
    assert cache.actor(users[0], 1) is None
    assert cache.actor(users[2], 1) is not None


def test_a_used_entry_stays_while_an_unused_one_leaves() -> None:
    from app.auth.cache import generation

    cache = AuthCache(ttl_seconds=5, max_entries=2)
    first, second, third = (uuid.uuid4() for _ in range(3))
    for user_id in (first, second):
        cache.remember(user_id, 1, Actor(user_id=user_id, email="x", role="agent"), generation=generation())
    assert cache.actor(first, 1) is not None  # used: now the most recent
    cache.remember(third, 1, Actor(user_id=third, email="x", role="agent"), generation=generation())
    assert cache.actor(first, 1) is not None
    assert cache.actor(second, 1) is None


async def test_a_login_forgets_no_one(client, make_staff) -> None:
    from app.auth.cache import generation
    from tests.conftest import PASSWORD

    agent = await make_staff("agent")
    before = generation()
    response = await client.post("/api/v1/auth/token", data={"username": agent.email, "password": PASSWORD})
    assert response.status_code == 200, response.text
    assert generation() == before


class SetClock:
    """A wall clock the test sets to an exact instant (aware UTC)."""

    def __init__(self, at: dt.datetime) -> None:
        self.at = at

    def now(self) -> dt.datetime:
        return self.at


def test_a_token_is_refused_from_the_second_of_its_expiry() -> None:
    """RFC 7519 §4.1.4: the token "MUST NOT be accepted" on or after ``exp``."""
    token = create_access_token(user_id=uuid.uuid4(), role="agent", token_version=1, key=TEST_SECRET, ttl_seconds=60)
    first = AuthCache(ttl_seconds=5).claims(token, key=TEST_SECRET)
    assert first is not None
    clock = SetClock(first.expires_at - dt.timedelta(microseconds=1))
    cache = AuthCache(ttl_seconds=5, now=clock.now)
    assert cache.claims(token, key=TEST_SECRET) is not None  # one microsecond before exp
    clock.at = first.expires_at
    assert cache.claims(token, key=TEST_SECRET) is None  # exactly at exp


def test_a_token_signature_is_verified_once_then_remembered() -> None:
    """The module's promise: the signature of a remembered token is not checked again (the
    signing key is one per process; a different key here shows the second use was not verified)."""
    cache = AuthCache(ttl_seconds=5)
    token = create_access_token(user_id=uuid.uuid4(), role="agent", token_version=3, key=TEST_SECRET, ttl_seconds=60)
    first = cache.claims(token, key=TEST_SECRET)
    assert first is not None
    again = cache.claims(token, key="a-key-that-did-not-sign-it" * 2)
    assert again == first
    assert AuthCache(ttl_seconds=5).claims(token, key="a-key-that-did-not-sign-it" * 2) is None  # not remembered


def test_an_actor_cache_of_one_second_or_less_still_remembers() -> None:
    from app.auth.cache import generation

    for ttl in (0.5, 1):
        cache = AuthCache(ttl_seconds=ttl)
        user_id = uuid.uuid4()
        actor = Actor(user_id=user_id, email="x", role="agent")
        cache.remember(user_id, 1, actor, generation=generation())
        assert cache.actor(user_id, 1) == actor, ttl


def test_each_map_holds_4096_entries_by_default() -> None:
    """The default bound (``max_entries``) the application's cache is built with."""
    from app.auth.cache import generation

    cache = AuthCache(ttl_seconds=5)
    users = [uuid.uuid4() for _ in range(4097)]
    for user_id in users[:4096]:
        cache.remember(user_id, 1, Actor(user_id=user_id, email="x", role="agent"), generation=generation())
    assert cache.actor(users[0], 1) is not None  # 4,096 fit; reading it makes it the most recent
    cache.remember(users[4096], 1, Actor(user_id=users[4096], email="x", role="agent"), generation=generation())
    assert cache.actor(users[1], 1) is None  # the least recently used left for the 4,097th
    assert cache.actor(users[0], 1) is not None


async def test_a_membership_moved_to_another_desk_forgets_every_actor(sessionmaker, make_staff, desk_ids) -> None:
    from sqlalchemy import select

    from app.auth.cache import generation
    from app.auth.models import DeskMembership

    agent = await make_staff("agent", ["CASA-BASE"])
    before = generation()
    async with sessionmaker() as session:
        membership = (await session.execute(select(DeskMembership).filter_by(user_id=agent.id))).scalar_one()
        membership.desk_id = desk_ids["DKR-MOB"]  # the same row, changed in place
        await session.commit()
    assert generation() == before + 1
