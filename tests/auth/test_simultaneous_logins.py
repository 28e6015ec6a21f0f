"""Logins to one account at the same moment: correct ones all succeed, wrong ones still get no more
than ``LOGIN_MAX_FAILURES`` verifications, and every refusal says what is true.

The limit reserves a failure for each attempt before its password is checked (parallel guesses
cannot all read the same old count), so attempts in flight fill the account's allowance. They
used to be refused as if they had failed: 15 correct logins at once gave 5 × 200 and 10 × 429
"too many failed attempts, retry in 15 minutes", audited as failures. Now an attempt that finds
the allowance taken only by attempts still in flight waits for their verdicts
(``LOGIN_BUSY_WAIT_SECONDS``); past that wait it answers 429 ``login-busy`` with
``Retry-After: 1``, audited ``auth.login_busy``; the 15-minute lockout is for real failures only.

Real concurrency over HTTP: the requests run at once through the app (``asyncio.gather``), the
password checks in worker threads, on SQLite and PostgreSQL. The wait is set to its longest here,
so that what each attempt gets depends on the verdicts of the others and not on how fast this
machine checks passwords; ``test_login_busy`` holds attempts in flight past a short wait.
"""

from __future__ import annotations

import asyncio
import collections
from collections.abc import Iterator

import httpx
import pytest
from sqlalchemy import select

from app.audit.models import AuditEvent
from app.auth import service
from app.core.config import Settings
from app.core.security import PasswordCheck
from tests.conftest import PASSWORD

LIMIT = 5
WINDOW = 900


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return settings.model_copy(update={"login_busy_wait_seconds": 60})


async def _login(client: httpx.AsyncClient, email: str, password: str = PASSWORD) -> httpx.Response:
    return await client.post("/api/v1/auth/token", data={"username": email, "password": password})


async def _audited(sessionmaker, action: str, reason: str | None = None) -> int:  # type: ignore[no-untyped-def]
    async with sessionmaker() as session:
        stmt = select(AuditEvent.details).where(AuditEvent.action == action)
        details = (await session.execute(stmt)).scalars().all()
        return sum(1 for d in details if reason is None or (d or {}).get("reason") == reason)


@pytest.fixture
def verifications(monkeypatch: pytest.MonkeyPatch) -> Iterator[collections.Counter[str]]:
    """How many passwords the login checked: ``right`` and ``wrong`` (each one Argon2 verification)."""
    counts: collections.Counter[str] = collections.Counter()
    real = service.check_password

    def counted(password: str, stored: str | None) -> PasswordCheck:
        counts["right" if password == PASSWORD else "wrong"] += 1
        return real(password, stored)

    monkeypatch.setattr(service, "check_password", counted)
    yield counts


def _problem(response: httpx.Response) -> tuple[int, str, str]:
    assert response.headers["content-type"].startswith("application/problem+json"), response.text
    return response.status_code, response.json()["type"], response.headers["retry-after"]


@pytest.mark.parametrize("parties", [LIMIT + 1, 15])
async def test_simultaneous_correct_logins_to_one_account_all_succeed(
    client, make_staff, sessionmaker, verifications, parties
) -> None:
    agent = await make_staff("agent")
    responses = await asyncio.gather(*(_login(client, agent.email) for _ in range(parties)))
    assert [r.status_code for r in responses] == [200] * parties, [r.text for r in responses if r.status_code != 200]
    assert verifications == {"right": parties}
    assert await _audited(sessionmaker, "auth.login") == parties
    assert await _audited(sessionmaker, "auth.login_failed") == 0
    assert await _audited(sessionmaker, "auth.login_busy") == 0


async def test_a_hundred_simultaneous_guesses_get_only_the_allowed_verifications(
    client, make_staff, sessionmaker, verifications
) -> None:
    agent = await make_staff("agent")
    responses = await asyncio.gather(*(_login(client, agent.email, f"guess-{i}") for i in range(100)))
    assert verifications == {"wrong": LIMIT}
    assert sorted(r.status_code for r in responses) == [401] * LIMIT + [429] * (100 - LIMIT)
    # Each refusal came once the allowed guesses had failed: the lockout, honestly worded.
    refused = [r for r in responses if r.status_code == 429]
    assert {_problem(r) for r in refused} == {(429, "/problems/login-rate-limited", str(WINDOW))}
    assert refused[0].json()["detail"] == "Trop de tentatives échouées ; réessayez dans 15 minutes."
    assert await _audited(sessionmaker, "auth.login_failed", "wrong_password") == LIMIT
    assert await _audited(sessionmaker, "auth.login_failed", "rate_limited") == 100 - LIMIT
    assert await _audited(sessionmaker, "auth.login_busy") == 0
    blocked = await _login(client, agent.email)  # the right password too, for this window
    assert _problem(blocked) == (429, "/problems/login-rate-limited", str(WINDOW))
    assert verifications == {"wrong": LIMIT}


async def test_simultaneous_correct_and_wrong_logins_under_the_limit_all_get_their_verdict(
    client, make_staff, sessionmaker, verifications
) -> None:
    agent = await make_staff("agent")
    passwords = [PASSWORD] * 11 + [f"typo-{i}" for i in range(LIMIT - 1)]
    responses = await asyncio.gather(*(_login(client, agent.email, p) for p in passwords))
    statuses = collections.Counter(r.status_code for r in responses)
    assert statuses == {200: 11, 401: LIMIT - 1}, [r.text for r in responses if r.status_code == 429]
    assert verifications == {"right": 11, "wrong": LIMIT - 1}
    assert await _audited(sessionmaker, "auth.login_busy") == 0


async def test_simultaneous_correct_and_wrong_logins_past_the_limit_verify_no_more_than_allowed(
    client, make_staff, verifications
) -> None:
    """Twenty guesses with the owner's login among them: the guesses verified never exceed the
    allowance left by the failures before them (a success starts the count over, NIST SP 800-63B
    §5.2.2), and every answer is a verdict or an honest refusal."""
    agent = await make_staff("agent")
    passwords = [f"guess-{i}" for i in range(20)]
    passwords[7] = PASSWORD
    responses = await asyncio.gather(*(_login(client, agent.email, p) for p in passwords))
    owner = responses[7]
    guesses = [r for i, r in enumerate(responses) if i != 7]
    assert owner.status_code in (200, 429)
    if owner.status_code == 200:  # verified before the guesses filled the allowance
        assert verifications["wrong"] <= 2 * LIMIT
    else:  # the guesses failed LIMIT times first: the account is locked, the owner too
        assert _problem(owner) == (429, "/problems/login-rate-limited", str(WINDOW))
        assert verifications == {"wrong": LIMIT}
    assert sum(r.status_code == 401 for r in guesses) == verifications["wrong"]
    locked = (429, "/problems/login-rate-limited", str(WINDOW))
    assert {_problem(r) for r in guesses if r.status_code == 429} <= {locked}


async def test_simultaneous_correct_logins_to_many_accounts_from_one_address_all_succeed(
    client, make_staff, verifications
) -> None:
    """Colleagues behind one proxy, more of them than the address's 4 × 5 allowance."""
    accounts = [await make_staff("agent") for _ in range(4 * LIMIT + 1)]
    responses = await asyncio.gather(*(_login(client, a.email) for a in accounts))
    assert [r.status_code for r in responses] == [200] * len(accounts)
    assert verifications == {"right": len(accounts)}
