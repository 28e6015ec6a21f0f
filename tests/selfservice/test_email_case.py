"""An e-mail address names one mailbox whatever the case of its letters: codes, sending limits,
accounts and links compare addresses without regard to case, as staff e-mails are compared
(docs/self-service.md). Accounts stored before, with capitals, keep signing in."""

from __future__ import annotations

import uuid

import httpx
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.core.db import utcnow
from app.notifications.models import Notification
from app.selfservice.models import OneTimeCode, PersonAccount
from tests.selfservice.conftest import SELF, Person, count, latest_code


async def test_a_code_asked_in_capitals_signs_in_the_address_in_small_letters(
    client: httpx.AsyncClient, sessionmaker: async_sessionmaker[AsyncSession], app
) -> None:  # type: ignore[no-untyped-def]
    assert (await client.post(f"{SELF}/codes", json={"email": "RTL@Example.org "})).status_code == 202
    code = await latest_code(sessionmaker, "rtl@example.org")
    r = await client.post(f"{SELF}/sessions", json={"email": "rtl@example.org", "code": code})
    assert r.status_code == 200, r.text
    first = r.json()["account"]["id"]
    app.state.settings.self_service_code_cooldown_seconds = 0
    assert (await client.post(f"{SELF}/codes", json={"email": "Rtl@EXAMPLE.org"})).status_code == 202
    code = await latest_code(sessionmaker, "rtl@example.org")
    r = await client.post(f"{SELF}/sessions", json={"email": "rTl@example.ORG", "code": code})
    assert r.status_code == 200, r.text
    assert r.json()["account"]["id"] == first
    assert await count(sessionmaker, PersonAccount) == 1


async def test_the_cool_down_and_the_daily_cap_hold_whatever_the_case(
    client: httpx.AsyncClient, sessionmaker: async_sessionmaker[AsyncSession], app
) -> None:  # type: ignore[no-untyped-def]
    assert (await client.post(f"{SELF}/codes", json={"email": "RTL@example.org"})).status_code == 202
    for other in ("Rtl@example.org", "rTl@example.org", "rtl@EXAMPLE.ORG"):
        r = await client.post(f"{SELF}/codes", json={"email": other})
        assert r.status_code == 429 and r.json()["limit"] == "recipient_cooldown", other
    app.state.settings.self_service_code_cooldown_seconds = 0
    for other in ("rtl@example.org", "RTl@example.org", "RTL@example.org", "rtL@example.org"):
        assert (await client.post(f"{SELF}/codes", json={"email": other})).status_code == 202
    r = await client.post(f"{SELF}/codes", json={"email": "rtl@Example.org"})
    assert r.status_code == 429 and r.json()["limit"] == "recipient_daily_cap"
    async with sessionmaker() as session:
        sent_to = set((await session.execute(select(Notification.recipient))).scalars())
    assert sent_to == {"rtl@example.org"}


async def test_an_account_stored_with_capitals_keeps_signing_in_and_is_not_doubled(
    client: httpx.AsyncClient, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    """Decided: addresses are kept in small letters from now on; an account stored before with
    capitals is found by comparing in small letters (no migration rewrites it)."""
    old = uuid.uuid4()
    async with sessionmaker() as session:
        session.add(
            PersonAccount(id=old, kind="email", identifier="Awa.Ndiaye@example.org", created_at=utcnow(), language="wo")
        )
        await session.commit()
    assert (await client.post(f"{SELF}/codes", json={"email": "awa.ndiaye@example.org"})).status_code == 202
    async with sessionmaker() as session:
        message = (await session.execute(select(Notification))).scalar_one()
    assert message.language == "wo"  # the language kept on the account stored before
    code = await latest_code(sessionmaker, "awa.ndiaye@example.org")
    r = await client.post(f"{SELF}/sessions", json={"email": "AWA.NDIAYE@example.org", "code": code})
    assert r.status_code == 200, r.text
    assert r.json()["account"]["id"] == str(old)
    assert await count(sessionmaker, PersonAccount) == 1


async def test_erasure_forgets_the_codes_of_an_account_stored_with_capitals(
    client: httpx.AsyncClient, sessionmaker: async_sessionmaker[AsyncSession], make_staff, register, link
) -> None:  # type: ignore[no-untyped-def]
    """The codes sent since addresses are kept in small letters go with the account stored before
    with capitals."""
    agent = await make_staff("agent", ["CASA-BASE"])
    supervisor = await make_staff("supervisor", ["CASA-BASE"])
    async with sessionmaker() as session:
        session.add(PersonAccount(id=uuid.uuid4(), kind="email", identifier="Awa@Example.org", created_at=utcnow()))
        await session.commit()
    assert (await client.post(f"{SELF}/codes", json={"email": "awa@example.org"})).status_code == 202
    code = await latest_code(sessionmaker, "awa@example.org")
    r = await client.post(f"{SELF}/sessions", json={"email": "awa@example.org", "code": code})
    person = Person(recipient={"email": "awa@example.org"}, token=r.json()["access_token"])
    registrant_id = await register(agent)
    await link(person, agent, registrant_id)
    request = await client.post(
        "/api/v1/privacy/subject-requests",
        headers=supervisor.headers,
        json={"registrant_id": str(registrant_id), "kind": "erasure"},
    )
    erased = await client.post(
        f"/api/v1/privacy/subject-requests/{request.json()['id']}/erase", headers=supervisor.headers
    )
    assert erased.status_code == 200, erased.text
    assert erased.json()["counts"]["sign_in_codes"] == 1
    assert await count(sessionmaker, OneTimeCode) == 0
    assert await count(sessionmaker, Notification, Notification.recipient == "awa@example.org") == 0
