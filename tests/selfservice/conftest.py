"""Self-service fixtures: people registered through the staff API, their accounts signed in with
the code read from where the delivery lands (the notification outbox row), linked by a desk."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.notifications.models import Notification
from tests.conftest import Staff

SELF = "/api/v1/self"


@dataclass
class Person:
    """A signed-in person: the recipient they used and ready-made headers."""

    recipient: dict[str, str]
    token: str
    registrant_id: uuid.UUID | None = None

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}


async def latest_code(sessionmaker: async_sessionmaker[AsyncSession], recipient: str) -> str:
    """The code of the last one-time-code message queued for ``recipient`` (the outbox row)."""
    async with sessionmaker() as session:
        row = (
            await session.execute(
                select(Notification)
                .where(Notification.event == "one_time_code", Notification.recipient == recipient)
                .order_by(Notification.created_at.desc())
                .limit(1)
            )
        ).scalar_one()
        return str(row.context["code"])


async def count(sessionmaker: async_sessionmaker[AsyncSession], model: Any, *where: Any) -> int:
    async with sessionmaker() as session:
        return int((await session.execute(select(func.count()).select_from(model).where(*where))).scalar_one())


@pytest.fixture
def register(client: httpx.AsyncClient) -> Callable[..., Awaitable[uuid.UUID]]:
    """``await register(staff, given_names=…)`` → a new registrant's id (through the staff API)."""

    async def make(staff: Staff, **fields: Any) -> uuid.UUID:
        body = {"given_names": "Awa", "family_name": "Ndiaye", "sex": "female", "date_of_birth": "1994-03-12"}
        body.update(fields)
        r = await client.post("/api/v1/registrants?confirm_duplicates=true", json=body, headers=staff.headers)
        assert r.status_code == 201, r.text
        return uuid.UUID(r.json()["id"])

    return make


@pytest.fixture
def sign_in(
    client: httpx.AsyncClient, sessionmaker: async_sessionmaker[AsyncSession]
) -> Callable[..., Awaitable[Person]]:
    """``await sign_in(phone="+221771234567")`` or ``sign_in(email=…)`` → a signed-in :class:`Person`."""

    async def go(**recipient: str) -> Person:
        r = await client.post(f"{SELF}/codes", json=recipient)
        assert r.status_code == 202, r.text
        address = recipient.get("email") or recipient["phone"]
        code = await latest_code(sessionmaker, address)
        r = await client.post(f"{SELF}/sessions", json={**recipient, "code": code})
        assert r.status_code == 200, r.text
        return Person(recipient=recipient, token=r.json()["access_token"])

    return go


@pytest.fixture
def link(client: httpx.AsyncClient) -> Callable[..., Awaitable[None]]:
    """``await link(person, agent, registrant_id)``: the agent issues a link code, the person types it."""

    async def go(person: Person, agent: Staff, registrant_id: uuid.UUID) -> None:
        r = await client.post(f"/api/v1/registrants/{registrant_id}/self-service/link-codes", headers=agent.headers)
        assert r.status_code == 201, r.text
        r = await client.post(f"{SELF}/link", json={"code": r.json()["code"]}, headers=person.headers)
        assert r.status_code == 200, r.text
        person.registrant_id = registrant_id

    return go


@dataclass
class World:
    """CASA-BASE: an agent, persons A and B (both linked, same desk); DKR-MOB: an agent, person C."""

    agent: Staff
    dakar_agent: Staff
    a: Person
    b: Person
    c: Person


@pytest.fixture
async def world(make_staff, register, sign_in, link) -> World:  # type: ignore[no-untyped-def]
    agent = await make_staff("agent", ["CASA-BASE"])
    dakar_agent = await make_staff("agent", ["DKR-MOB"])
    a = await sign_in(phone="+221771234567")
    b = await sign_in(email="binta.diop@example.org")
    c = await sign_in(phone="+212612345678", country="MA")
    await link(a, agent, await register(agent, given_names="Awa"))
    await link(b, agent, await register(agent, given_names="Binta", family_name="Diop"))
    await link(c, dakar_agent, await register(dakar_agent, given_names="Coumba", family_name="Fall"))
    return World(agent, dakar_agent, a, b, c)
