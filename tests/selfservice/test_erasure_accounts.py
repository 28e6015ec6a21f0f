"""Erasure removes the person's self-service accounts: they sign in with the person's phone or
e-mail and exist to reach the file. The person's tokens stop working, a link code not used yet
can no longer link an account to the anonymised file, and other people's accounts stay."""

from __future__ import annotations

import uuid

import httpx

from app.selfservice.models import PersonAccount
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
