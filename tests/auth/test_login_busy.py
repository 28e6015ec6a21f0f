"""A login that finds its account's allowance of attempts taken by attempts still in flight
(none of them failed yet) waits ``LOGIN_BUSY_WAIT_SECONDS`` for their verdicts; past that it answers
429 ``login-busy`` with ``Retry-After: 1``, audited ``auth.login_busy``: not a failure, and not
the 15-minute lockout, which is for real failures only.

The attempts are held in flight between their reservation and their password check (as a slow
Argon2 would hold them), over HTTP, on SQLite and PostgreSQL.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from app.audit.models import AuditEvent
from app.auth import service, throttle
from app.core.config import Settings
from tests.conftest import PASSWORD

LIMIT = 5
BUSY_WAIT = 1.0


@pytest.fixture
def busy_wait() -> float:
    """``LOGIN_BUSY_WAIT_SECONDS`` of the test (a test parametrised on ``busy_wait`` sets its own)."""
    return BUSY_WAIT


@pytest.fixture
def settings(settings: Settings, busy_wait: float) -> Settings:
    return settings.model_copy(update={"login_busy_wait_seconds": busy_wait})


class Held:
    """Holds the next ``count`` admitted logins just after their reservation until released."""

    def __init__(self, count: int) -> None:
        self.count = count
        self.arrived = asyncio.Semaphore(0)
        self.gate = asyncio.Event()
        self.real = throttle.reserve
        self.released_before: list[bool] = []  # for each attempt let in unheld: was the gate open?

    async def reserve(self, *args: Any, **kwargs: Any) -> Any:
        reservation = await self.real(*args, **kwargs)
        if isinstance(reservation, throttle.Reservation) and self.count > 0:
            self.count -= 1
            self.arrived.release()
            await asyncio.wait_for(self.gate.wait(), 20)
        elif isinstance(reservation, throttle.Reservation):
            self.released_before.append(self.gate.is_set())
        return reservation

    async def all_arrived(self, count: int) -> None:
        for _ in range(count):
            await asyncio.wait_for(self.arrived.acquire(), 20)


@pytest.fixture
async def held(monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[Held]:
    holder = Held(LIMIT)
    monkeypatch.setattr(service.throttle, "reserve", holder.reserve)
    yield holder
    holder.gate.set()


def _login(client: httpx.AsyncClient, email: str, **headers: str):  # type: ignore[no-untyped-def]
    return client.post("/api/v1/auth/token", data={"username": email, "password": PASSWORD}, headers=headers)


async def _actions(sessionmaker) -> list[tuple[str, dict[str, Any] | None]]:  # type: ignore[no-untyped-def]
    async with sessionmaker() as session:
        rows = await session.execute(select(AuditEvent.action, AuditEvent.details).order_by(AuditEvent.id))
        return [(action, details) for action, details in rows if action.startswith("auth.")]


async def test_a_login_past_the_attempts_in_flight_answers_busy_for_a_second(
    client, make_staff, sessionmaker, held
) -> None:
    agent = await make_staff("agent")
    in_flight = [asyncio.ensure_future(_login(client, agent.email)) for _ in range(LIMIT)]
    await held.all_arrived(LIMIT)
    loop = asyncio.get_running_loop()
    started = loop.time()
    busy = await _login(client, agent.email)
    waited = loop.time() - started
    held.gate.set()
    assert [r.status_code for r in await asyncio.gather(*in_flight)] == [200] * LIMIT
    assert busy.status_code == 429, busy.text
    assert busy.headers["content-type"].startswith("application/problem+json")
    assert busy.headers["retry-after"] == "1"
    assert busy.json()["type"] == "/problems/login-busy"
    assert busy.json()["title"] == "Trop de connexions simultanées"
    assert busy.json()["detail"] == (
        "D'autres connexions à ce compte sont en cours de vérification ; réessayez dans une seconde."
    )
    assert waited >= BUSY_WAIT
    actions = await _actions(sessionmaker)
    assert [a for a in actions if a[0] != "auth.login"] == [("auth.login_busy", {"scope": "account"})]
    assert (await _login(client, agent.email)).status_code == 200


async def test_busy_is_said_in_english_too(client, make_staff, held) -> None:
    agent = await make_staff("agent")
    in_flight = [asyncio.ensure_future(_login(client, agent.email)) for _ in range(LIMIT)]
    await held.all_arrived(LIMIT)
    busy = await _login(client, agent.email, **{"Accept-Language": "en"})
    held.gate.set()
    await asyncio.gather(*in_flight)
    assert busy.json()["title"] == "Too many simultaneous logins"
    assert busy.json()["detail"] == (
        "Other logins to this account are being checked at this moment; try again in a second."
    )


@pytest.mark.parametrize("busy_wait", [60.0])
async def test_a_login_that_waited_for_the_attempts_in_flight_succeeds(client, make_staff, sessionmaker, held) -> None:
    """Released within the wait (the longest here: the others' Argon2 checks take what this
    machine gives them), the sixth is let in once one of them is through, and verified."""
    agent = await make_staff("agent")
    in_flight = [asyncio.ensure_future(_login(client, agent.email)) for _ in range(LIMIT)]
    await held.all_arrived(LIMIT)
    sixth = asyncio.ensure_future(_login(client, agent.email))
    await asyncio.sleep(0.2)
    assert not sixth.done()
    held.gate.set()
    assert [r.status_code for r in await asyncio.gather(*in_flight, sixth)] == [200] * (LIMIT + 1)
    assert held.released_before == [True], "the sixth was let in only after the others were released"
    assert {a for a, _ in await _actions(sessionmaker)} == {"auth.login"}
