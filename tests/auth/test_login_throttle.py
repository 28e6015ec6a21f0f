"""Login rate limiting: atomic under parallel attempts, per account and per client address, without
locking an address's other users out and without one login clearing another's failures.

Policy (README, "Login rate limiting"): LOGIN_MAX_FAILURES (5 here) failures per account per window;
a client address may fail 4 × 5 = 20 times, past which each account may still be tried from it
while it has no failure from that address (one guess per account)."""

from __future__ import annotations

import asyncio
import datetime as dt

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import select

from app.auth import throttle
from app.auth.models import LoginThrottle
from tests.conftest import PASSWORD

LIMIT = 5
ADDRESS_CAP = 4 * LIMIT


async def _login(client: httpx.AsyncClient, email: str, password: str = PASSWORD) -> int:
    response = await client.post("/api/v1/auth/token", data={"username": email, "password": password})
    if response.status_code == 429:
        assert response.headers["content-type"].startswith("application/problem+json")
        assert int(response.headers["retry-after"]) > 0
    return int(response.status_code)


@pytest.fixture
async def other_address(app: FastAPI):  # type: ignore[no-untyped-def]
    """A second client, from another address."""
    transport = httpx.ASGITransport(app=app, client=("198.51.100.9", 50001))
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
        yield http


async def test_parallel_wrong_passwords_get_at_most_the_limit_of_401(client, make_staff) -> None:
    agent = await make_staff("agent")
    statuses = await asyncio.gather(*(_login(client, agent.email, f"wrong-{i}") for i in range(30)))
    assert sorted(statuses) == [401] * LIMIT + [429] * (30 - LIMIT)
    assert await _login(client, agent.email) == 429  # the right password too, for this window


async def test_parallel_attempts_from_many_addresses_are_counted_atomically_per_account(app, make_staff) -> None:
    agent = await make_staff("agent")

    async def attempt(i: int) -> int:
        transport = httpx.ASGITransport(app=app, client=(f"192.0.2.{i + 1}", 40000 + i))
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
            return await _login(http, agent.email, f"wrong-{i}")

    statuses = await asyncio.gather(*(attempt(i) for i in range(12)))
    assert sorted(statuses) == [401] * LIMIT + [429] * (12 - LIMIT)


async def test_one_accounts_success_does_not_clear_another_accounts_failures(client, make_staff) -> None:
    victim = await make_staff("agent")
    mine = await make_staff("agent")
    for i in range(LIMIT - 1):
        assert await _login(client, victim.email, f"wrong-{i}") == 401
    assert await _login(client, mine.email) == 200
    assert await _login(client, victim.email, "wrong-again") == 401  # the 5th
    assert await _login(client, victim.email, "and again") == 429


async def test_a_correct_login_clears_only_its_own_accounts_failures(client, make_staff) -> None:
    """NIST SP 800-63B §5.2.2 counts consecutive failures: the owner's success starts them over."""
    agent = await make_staff("agent")
    for i in range(LIMIT - 1):
        assert await _login(client, agent.email, f"wrong-{i}") == 401
    assert await _login(client, agent.email) == 200
    for i in range(LIMIT):
        assert await _login(client, agent.email, f"typo-{i}") == 401
    assert await _login(client, agent.email, "once more") == 429


async def test_spraying_from_one_address_does_not_lock_its_other_users_out(client, other_address, make_staff) -> None:
    colleague = await make_staff("agent")
    sprayer_own = await make_staff("agent")
    sprayed = [f"person-{i}@desk.example" for i in range(ADDRESS_CAP + 1)]
    # Past the address's cap every sprayed account was tried once: 401 each time.
    for email in sprayed:
        assert await _login(client, email, "Winter2026!") == 401
    # A second guess on an account that already failed from this address: refused.
    assert await _login(client, sprayed[0], "Summer2026!") == 429
    assert await _login(client, sprayed[-1], "Summer2026!") == 429
    # The sprayer logging into their own account reopens nothing.
    assert await _login(client, sprayer_own.email) == 200
    assert await _login(client, sprayed[1], "Autumn2026!") == 429
    # A colleague behind the same address, with no failure, logs in with the right password.
    assert await _login(client, colleague.email) == 200
    # The sprayed accounts themselves are not locked elsewhere (one failure each, under the limit).
    assert await _login(other_address, sprayed[0], "whatever") == 401


async def test_refused_attempts_do_not_count(client, other_address, make_staff) -> None:
    """A 429 is not a failure: it does not push the address towards its cap."""
    agent = await make_staff("agent")
    for i in range(LIMIT):
        assert await _login(other_address, agent.email, f"wrong-{i}") == 401
    for _ in range(ADDRESS_CAP + 5):
        assert await _login(client, agent.email, "still wrong") == 429
    newcomer = await make_staff("agent")
    assert await _login(client, newcomer.email, "typo") == 401
    assert await _login(client, newcomer.email) == 200


async def test_counts_of_ended_windows_are_deleted_by_the_next_attempt(app: FastAPI) -> None:
    start = dt.datetime(2026, 11, 30, 9, 0, tzinfo=dt.UTC)
    window = 900
    for identifier in ("awa@desk.example", "moussa@desk.example"):
        await throttle.reserve(
            app.state.engine,
            identifier=identifier,
            ip="203.0.113.7",
            max_failures=LIMIT,
            window_seconds=window,
            now=start,
        )
    assert await _keys(app) == {
        "account:awa@desk.example",
        "pair:203.0.113.7 awa@desk.example",
        "account:moussa@desk.example",
        "pair:203.0.113.7 moussa@desk.example",
        "address:203.0.113.7",
    }
    still_open = start + dt.timedelta(seconds=window - 1)
    await throttle.reserve(
        app.state.engine,
        identifier="awa@desk.example",
        ip=None,
        max_failures=LIMIT,
        window_seconds=window,
        now=still_open,
    )
    assert len(await _keys(app)) == 5  # nothing has ended yet
    ended = start + dt.timedelta(seconds=window)
    await throttle.reserve(
        app.state.engine, identifier="fatou@desk.example", ip=None, max_failures=LIMIT, window_seconds=window, now=ended
    )
    # awa's second failure counted in the window begun at ``start``, which has now ended too
    assert await _keys(app) == {"account:fatou@desk.example"}


async def _keys(app: FastAPI) -> set[str]:
    async with app.state.engine.connect() as conn:
        return set((await conn.execute(select(LoginThrottle.key))).scalars())
