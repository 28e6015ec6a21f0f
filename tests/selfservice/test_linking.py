"""Linking an account to a registrant file with a code the desk hands over after checking the
person's identity; until then the account sees nothing."""

from __future__ import annotations

import uuid

import httpx
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.audit.models import AuditEvent
from app.selfservice.models import LinkCode, PersonAccount
from tests.selfservice.conftest import SELF, count


def codes_url(registrant_id: uuid.UUID) -> str:
    return f"/api/v1/registrants/{registrant_id}/self-service/link-codes"


async def test_an_agent_links_through_a_handed_code(
    client: httpx.AsyncClient, sessionmaker: async_sessionmaker[AsyncSession], make_staff, register, sign_in
) -> None:  # type: ignore[no-untyped-def]
    agent = await make_staff("agent", ["CASA-BASE"])
    registrant = await register(agent)
    person = await sign_in(phone="+221771234567")
    assert (await client.get(f"{SELF}/contact", headers=person.headers)).json()[
        "type"
    ] == "/problems/account-not-linked"

    issued = await client.post(codes_url(registrant), headers=agent.headers)
    assert issued.status_code == 201
    code = issued.json()["code"]
    assert len(code) == 10
    async with sessionmaker() as session:
        stored = (await session.execute(select(LinkCode))).scalar_one()
    assert code not in stored.code_digest and stored.issued_by == agent.id

    typed = f"{code[:5].lower()} - {code[5:]}"  # read aloud, typed with a space and a dash
    r = await client.post(f"{SELF}/link", json={"code": typed}, headers=person.headers)
    assert r.status_code == 200, r.text
    assert r.json()["linked"] is True and r.json()["desk_code"] == "CASA-BASE"
    contact = await client.get(f"{SELF}/contact", headers=person.headers)
    assert contact.status_code == 200 and contact.json()["given_names"] == "Awa"

    async with sessionmaker() as session:
        events = (
            await session.execute(select(AuditEvent).where(AuditEvent.action.like("self_service.link%")))
        ).scalars()
        by_action = {e.action: e for e in events}
    assert by_action["self_service.link_code_issue"].actor_id == agent.id
    assert by_action["self_service.link"].actor_role == "person"
    assert by_action["self_service.link"].entity_id == str(registrant)

    # Used once: the code links nobody else.
    other = await sign_in(email="someone@example.org")
    again = await client.post(f"{SELF}/link", json={"code": code}, headers=other.headers)
    assert again.status_code == 422 and again.json()["type"] == "/problems/invalid-link-code"
    # Already linked.
    twice = await client.post(f"{SELF}/link", json={"code": code}, headers=person.headers)
    assert twice.status_code == 409


async def test_a_new_code_revokes_the_earlier_one(client: httpx.AsyncClient, make_staff, register, sign_in) -> None:  # type: ignore[no-untyped-def]
    agent = await make_staff("agent", ["CASA-BASE"])
    registrant = await register(agent)
    person = await sign_in(phone="+221771234567")
    first = (await client.post(codes_url(registrant), headers=agent.headers)).json()["code"]
    second = (await client.post(codes_url(registrant), headers=agent.headers)).json()["code"]
    assert (await client.post(f"{SELF}/link", json={"code": first}, headers=person.headers)).status_code == 422
    assert (await client.post(f"{SELF}/link", json={"code": second}, headers=person.headers)).status_code == 200


async def test_only_the_desk_of_the_file_issues_codes(client: httpx.AsyncClient, make_staff, register) -> None:  # type: ignore[no-untyped-def]
    agent = await make_staff("agent", ["CASA-BASE"])
    registrant = await register(agent)
    dakar = await make_staff("agent", ["DKR-MOB"])
    auditor = await make_staff("auditor", [])
    assert (await client.post(codes_url(registrant), headers=dakar.headers)).status_code == 404
    assert (await client.post(codes_url(registrant), headers=auditor.headers)).status_code == 403
    assert (await client.post(codes_url(uuid.uuid4()), headers=agent.headers)).status_code == 404
    assert (await client.post(codes_url(registrant))).status_code == 401


async def test_wrong_link_codes_lock_the_account_out_of_linking(
    client: httpx.AsyncClient, sessionmaker: async_sessionmaker[AsyncSession], make_staff, register, sign_in
) -> None:  # type: ignore[no-untyped-def]
    agent = await make_staff("agent", ["CASA-BASE"])
    registrant = await register(agent)
    person = await sign_in(phone="+221771234567")
    for _ in range(5):
        r = await client.post(f"{SELF}/link", json={"code": "ZZZZZZZZZZ"}, headers=person.headers)
        assert r.status_code == 422
    code = (await client.post(codes_url(registrant), headers=agent.headers)).json()["code"]
    r = await client.post(f"{SELF}/link", json={"code": code}, headers=person.headers)
    assert r.status_code == 429 and r.json()["type"] == "/problems/link-attempts-exhausted"
    assert await count(sessionmaker, PersonAccount, PersonAccount.registrant_id.is_not(None)) == 0
    assert await count(sessionmaker, AuditEvent, AuditEvent.action == "self_service.link_failed") == 5


async def test_the_desk_lists_and_unlinks_accounts_and_their_sessions_end(
    client: httpx.AsyncClient, make_staff, register, sign_in, link
) -> None:  # type: ignore[no-untyped-def]
    agent = await make_staff("agent", ["CASA-BASE"])
    registrant = await register(agent)
    person = await sign_in(phone="+221771234567")
    await link(person, agent, registrant)
    listed = await client.get(f"/api/v1/registrants/{registrant}/self-service/accounts", headers=agent.headers)
    assert listed.status_code == 200
    [account] = listed.json()
    assert account["identifier_masked"] == "+2217*****567" and account["kind"] == "phone"
    dakar = await make_staff("agent", ["DKR-MOB"])
    url = f"/api/v1/registrants/{registrant}/self-service/accounts/{account['id']}"
    assert (await client.delete(url, headers=dakar.headers)).status_code == 404
    assert (await client.delete(url, headers=agent.headers)).status_code == 204
    assert (await client.get(f"{SELF}/contact", headers=person.headers)).status_code == 401
    assert (await client.delete(url, headers=agent.headers)).status_code == 404


async def test_bad_link_bodies_are_problems(client: httpx.AsyncClient, sign_in) -> None:  # type: ignore[no-untyped-def]
    person = await sign_in(phone="+221771234567")
    for body in ({}, {"code": ""}, {"code": 1234567890}, {"code": "x" * 33}):
        r = await client.post(f"{SELF}/link", json=body, headers=person.headers)
        assert r.status_code == 422 and r.json()["type"] == "/problems/validation-failed", body
    r = await client.post(f"{SELF}/link", content=b"{", headers={**person.headers, "Content-Type": "application/json"})
    assert r.status_code == 400
