"""A login the database fails does not count as a failed login (``throttle.release``): neither an
attempt cut before its password had a verdict nor a correct one whose transaction was rolled back.
Otherwise a desk's outage would lock its staff out for a whole window, as the 503s of a busy SQLite
once did to a shared proxy address.

PostgreSQL (:mod:`tests.lock_waits`): the login's connection is terminated while it waits on a
table lock held by the test."""

from __future__ import annotations

import httpx
import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.auth.models import LoginThrottle
from tests.conftest import PASSWORD
from tests.lock_waits import cut_when_waiting, postgres_only, table_locked


async def _counts(sessionmaker: async_sessionmaker[AsyncSession]) -> dict[str, int]:
    async with sessionmaker() as session:
        rows = await session.execute(select(LoginThrottle.key, LoginThrottle.failures))
        return {key.split(":", 1)[0]: failures for key, failures in rows}


def _login(client: httpx.AsyncClient, email: str, password: str = PASSWORD):  # type: ignore[no-untyped-def]
    return client.post("/api/v1/auth/token", data={"username": email, "password": password})


@pytest.mark.parametrize("how", ["terminate", "cancel"])
async def test_a_login_cut_before_its_password_is_checked_counts_no_failure(
    client, make_staff, sessionmaker, database_url, how
) -> None:
    """The connection dropped, or its statement cancelled (an administrator's pg_cancel_backend, a
    statement timeout): 503 with Retry-After, the client may try again."""
    dsn = postgres_only(database_url)
    agent = await make_staff("agent")
    async with table_locked(dsn, "staff_users") as holder:  # the account's lookup waits
        cut = await cut_when_waiting(holder, _login(client, agent.email), how=how)
    assert cut.status_code == 503, cut.text
    assert cut.headers["retry-after"] == "5"
    assert await _counts(sessionmaker) == {"account": 0, "pair": 0, "address": 0}
    assert (await _login(client, agent.email)).status_code == 200


async def test_a_correct_login_whose_transaction_fails_counts_no_failure(
    client, make_staff, sessionmaker, database_url
) -> None:
    dsn = postgres_only(database_url)
    agent = await make_staff("agent")
    assert (await _login(client, agent.email, "wrong")).status_code == 401  # one real failure
    async with table_locked(dsn, "login_attempts") as holder:  # the correct login's record waits
        cut = await cut_when_waiting(holder, _login(client, agent.email))
    assert cut.status_code == 503, cut.text
    assert await _counts(sessionmaker) == {"account": 1, "pair": 1, "address": 1}, "the wrong one still counts"
    assert (await _login(client, agent.email)).status_code == 200
    # A success clears its account's failures; the address keeps the wrong attempt's (policy).
    assert await _counts(sessionmaker) == {"account": 0, "pair": 0, "address": 1}
