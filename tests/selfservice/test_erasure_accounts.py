"""Erasure removes the person's self-service accounts: they sign in with the person's phone or
e-mail and exist to reach the file. The person's tokens stop working, a link code not used yet
can no longer link an account to the anonymised file, and other people's accounts stay. The
sign-in codes sent to their phone or e-mail go with the accounts."""

from __future__ import annotations

import json
import uuid

import httpx
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.notifications.models import Notification
from app.selfservice.models import OneTimeCode, PersonAccount
from tests.selfservice.conftest import SELF, World, count


async def _erase(client: httpx.AsyncClient, supervisor, registrant_id: uuid.UUID) -> dict:  # type: ignore[no-untyped-def,type-arg]
    request = await client.post(
        "/api/v1/privacy/subject-requests",
        headers=supervisor.headers,
        json={"registrant_id": str(registrant_id), "kind": "erasure"},
    )
    assert request.status_code == 201, request.text
    erased = await client.post(
        f"/api/v1/privacy/subject-requests/{request.json()['id']}/erase", headers=supervisor.headers
    )
    assert erased.status_code == 200, erased.text
    return erased.json()  # type: ignore[no-any-return]


async def test_erasure_removes_the_persons_accounts_and_their_sign_in(
    client: httpx.AsyncClient,
    world: World,
    make_staff,
    sessionmaker,
    sign_in,  # type: ignore[no-untyped-def]
) -> None:
    supervisor = await make_staff("supervisor", ["CASA-BASE"])
    registrant_id = world.a.registrant_id
    assert registrant_id is not None
    unused = await client.post(
        f"/api/v1/registrants/{registrant_id}/self-service/link-codes", headers=world.agent.headers
    )
    assert unused.status_code == 201, unused.text

    outcome = await _erase(client, supervisor, registrant_id)

    assert outcome["counts"]["self_service_accounts"] == 1
    assert await count(sessionmaker, PersonAccount, PersonAccount.identifier == "+221771234567") == 0
    assert (await client.get(f"{SELF}/account", headers=world.a.headers)).status_code == 401
    # The code issued before the erasure links nobody to the anonymised file.
    again = await sign_in(email="someone.else@example.org")
    refused = await client.post(f"{SELF}/link", json={"code": unused.json()["code"]}, headers=again.headers)
    assert (refused.status_code, refused.json()["type"]) == (422, "/problems/invalid-link-code")
    assert (await client.get(f"{SELF}/account", headers=again.headers)).json()["linked"] is False
    # Another person's account is untouched.
    assert (await client.get(f"{SELF}/account", headers=world.b.headers)).status_code == 200
    assert await count(sessionmaker, PersonAccount, PersonAccount.registrant_id.is_not(None)) == 2


async def test_erasure_forgets_the_sign_in_codes_sent_to_the_persons_accounts(
    client: httpx.AsyncClient,
    world: World,
    make_staff,  # type: ignore[no-untyped-def]
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    """The one-time-code messages and the sign-in code rows of the person's accounts hold their
    phone (or e-mail) and are theirs alone: forgotten (address, code, a provider's answer) and
    deleted with the accounts, and counted. Before: left behind, ``notifications: 0``."""
    supervisor = await make_staff("supervisor", ["CASA-BASE"])
    phone = "+221771234567"
    async with sessionmaker() as session:  # a delivery refused earlier, the provider quoting the number
        await session.execute(
            update(Notification)
            .where(Notification.recipient == phone)
            .values(status="failed", reason=f"Twilio 400: The 'To' number {phone} is not valid")
        )
        await session.commit()
    assert world.a.registrant_id is not None

    outcome = await _erase(client, supervisor, world.a.registrant_id)

    assert (outcome["counts"]["notifications"], outcome["counts"]["sign_in_codes"]) == (1, 1)
    async with sessionmaker() as session:
        messages = (await session.execute(select(Notification).where(Notification.event == "one_time_code"))).scalars()
        left = [(m.recipient, m.context, m.reason) for m in messages if phone in json.dumps([m.recipient, m.reason])]
        assert left == []
    assert await count(sessionmaker, OneTimeCode, OneTimeCode.identifier == phone) == 0
    # Other people's codes and messages stay.
    assert await count(sessionmaker, OneTimeCode, OneTimeCode.identifier == "binta.diop@example.org") == 1
    assert await count(sessionmaker, Notification, Notification.recipient == "binta.diop@example.org") == 1
