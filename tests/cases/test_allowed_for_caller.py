"""``allowed_transitions`` lists the moves the reader may make now, in every response carrying a
case: a move listed succeeds for them, a move of the workflow table left out is refused them (the
agent is no longer offered a move the API then answers 403 or 409)."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

import httpx
import pytest
from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.cases.workflow import allowed_from
from app.registrants.models import Registrant
from tests.cases.conftest import Db, move, open_case, refer
from tests.conftest import Staff

CLOSING = ["resolved", "closed_no_response", "closed_withdrawn"]


def _needed(source: str, target: str) -> dict[str, Any]:
    """What the move asks for (the person consented to transfers: ``desk_transfer``)."""
    if target in (*CLOSING, "pending_closure"):
        return {"outcome_category": "social"}
    if target == "in_follow_up" and source in (*CLOSING, "pending_closure"):
        return {"reason": "new facts"}
    if target == "transferred":
        return {"to_desk": "DKR-MOB"}
    return {}


async def _anonymise(sessionmaker: async_sessionmaker[AsyncSession], registrant_id: uuid.UUID) -> None:
    async with sessionmaker() as session:
        await session.execute(
            update(Registrant)
            .where(Registrant.id == registrant_id)
            .values(anonymised_at=dt.datetime(2026, 6, 1, tzinfo=dt.UTC))
        )
        await session.commit()


async def test_an_agent_on_a_case_needing_closure_approval_is_not_offered_closing(
    client: httpx.AsyncClient, agent: Staff, make_registrant
) -> None:
    case = await open_case(client, agent, await make_registrant(), service_type="LEGAL_AID")
    assert case["allowed_transitions"] == ["qualified", "transferred", "pending_closure"]
    assert set(case["transition_fields"]) == {"qualified", "transferred", "pending_closure"}
    read = await client.get(f"/api/v1/cases/{case['id']}", headers=agent.headers)
    assert read.json()["allowed_transitions"] == ["qualified", "transferred", "pending_closure"]
    listed = await client.get("/api/v1/cases", headers=agent.headers)
    assert [c["allowed_transitions"] for c in listed.json()["items"]] == [
        ["qualified", "transferred", "pending_closure"]
    ]


async def test_a_supervisor_on_the_same_case_is_offered_closing(
    client: httpx.AsyncClient, agent: Staff, supervisor: Staff, make_registrant
) -> None:
    case = await open_case(client, agent, await make_registrant(), service_type="LEGAL_AID")
    read = await client.get(f"/api/v1/cases/{case['id']}", headers=supervisor.headers)
    assert read.json()["allowed_transitions"] == ["qualified", *CLOSING, "transferred", "pending_closure"]


async def test_a_type_put_under_closure_approval_stops_offering_an_agent_closing(
    client: httpx.AsyncClient, agent: Staff, admin: Staff, make_registrant
) -> None:
    case = await open_case(client, agent, await make_registrant(), service_type="SOCIAL")
    assert "resolved" in case["allowed_transitions"]
    url = "/api/v1/service-types/SOCIAL"
    tag = (await client.get(url, headers=admin.headers)).headers["etag"]
    edited = await client.patch(
        url, headers={**admin.headers, "If-Match": tag}, json={"closure_requires_approval": True}
    )
    assert edited.status_code == 200, edited.text
    read = await client.get(f"/api/v1/cases/{case['id']}", headers=agent.headers)
    assert read.json()["allowed_transitions"] == ["qualified", "transferred", "pending_closure"]


async def test_an_agent_is_offered_no_move_of_a_closure_request_a_supervisor_decides_it(
    client: httpx.AsyncClient, agent: Staff, supervisor: Staff, make_registrant
) -> None:
    case = await open_case(client, agent, await make_registrant(), service_type="LEGAL_AID")
    asked = await move(client, agent, case["id"], "pending_closure", outcome_category="legal")
    assert (asked.status_code, asked.json()["allowed_transitions"], asked.json()["transition_fields"]) == (200, [], {})
    read = await client.get(f"/api/v1/cases/{case['id']}", headers=supervisor.headers)
    assert read.json()["allowed_transitions"] == [*CLOSING, "in_follow_up"]


async def test_referred_is_offered_once_a_referral_awaits_its_answer_and_no_longer_once_answered(
    client: httpx.AsyncClient, agent: Staff, make_registrant, partner, db: Db
) -> None:
    case = await open_case(client, agent, await make_registrant())
    await db.set_case(case["id"], status="qualified")
    read = await client.get(f"/api/v1/cases/{case['id']}", headers=agent.headers)
    assert read.json()["allowed_transitions"] == ["oriented", *CLOSING, "transferred", "pending_closure"]
    referral = await refer(client, agent, case["id"], partner["id"])
    read = await client.get(f"/api/v1/cases/{case['id']}", headers=agent.headers)
    assert read.json()["allowed_transitions"] == ["oriented", "referred", *CLOSING, "transferred", "pending_closure"]
    assert read.json()["transition_fields"]["referred"] == []
    await db.set_referral(referral["id"], status="answered", answered_on=dt.date.today())
    read = await client.get(f"/api/v1/cases/{case['id']}", headers=agent.headers)
    assert "referred" not in read.json()["allowed_transitions"]


async def test_the_case_of_an_anonymised_file_is_only_offered_winding_down(
    client: httpx.AsyncClient, agent: Staff, supervisor: Staff, make_registrant, partner, sessionmaker, db: Db
) -> None:
    person = await make_registrant()
    case = await open_case(client, agent, person)
    closed = await open_case(client, agent, person)
    await refer(client, agent, case["id"], partner["id"])
    await db.set_case(case["id"], status="in_follow_up")
    await db.set_case(closed["id"], status="resolved", outcome_category="social")
    await _anonymise(sessionmaker, person)
    read = await client.get(f"/api/v1/cases/{case['id']}", headers=agent.headers)
    assert read.json()["allowed_transitions"] == [*CLOSING, "pending_closure"]  # no referred, no transfer
    read = await client.get(f"/api/v1/cases/{closed['id']}", headers=supervisor.headers)
    assert read.json()["allowed_transitions"] == []  # a reopen needs a reason: text on an anonymised file


async def test_every_response_carrying_a_case_gives_the_readers_moves(
    client: httpx.AsyncClient, agent: Staff, supervisor: Staff, make_registrant
) -> None:
    """Create, read, list, queues, the person's cases, update, assignment, transition, the 412
    ``current`` body and the delta sync: an agent on a LEGAL_AID case is never offered closing."""
    agent_moves = ["qualified", "transferred", "pending_closure"]
    person = await make_registrant()
    case = await open_case(client, agent, person, service_type="LEGAL_AID")
    url = f"/api/v1/cases/{case['id']}"
    assert case["allowed_transitions"] == agent_moves
    got = await client.get(url, headers=agent.headers)
    tag = got.headers["etag"]
    assert got.json()["allowed_transitions"] == agent_moves
    for path in ("/api/v1/cases", "/api/v1/cases?queue=unassigned", f"/api/v1/registrants/{person}/cases"):
        items = (await client.get(path, headers=agent.headers)).json()["items"]
        assert [c["allowed_transitions"] for c in items] == [agent_moves], path
    taken = await client.post(
        f"{url}/assignment", headers={**agent.headers, "If-Match": tag}, json={"assignee_id": str(agent.id)}
    )
    assert taken.json()["allowed_transitions"] == agent_moves
    edited = await client.patch(
        url, headers={**agent.headers, "If-Match": taken.headers["etag"]}, json={"priority": "high"}
    )
    assert edited.json()["allowed_transitions"] == agent_moves
    stale = await client.patch(url, headers={**agent.headers, "If-Match": tag}, json={"priority": "urgent"})
    assert stale.status_code == 412, stale.text
    assert stale.json()["current"]["allowed_transitions"] == agent_moves
    moved = await move(client, agent, case["id"], "qualified")
    assert moved.json()["allowed_transitions"] == ["oriented", "transferred", "pending_closure"]
    synced = await client.get("/api/v1/sync", params={"limit": 200}, headers=agent.headers)
    data = next(i["data"] for i in synced.json()["items"] if i["type"] == "case" and i["id"] == case["id"])
    assert data["allowed_transitions"] == ["oriented", "transferred", "pending_closure"]
    synced = await client.get("/api/v1/sync", params={"limit": 200}, headers=supervisor.headers)
    data = next(i["data"] for i in synced.json()["items"] if i["type"] == "case" and i["id"] == case["id"])
    assert data["allowed_transitions"] == ["oriented", *CLOSING, "transferred", "pending_closure"]


# (reader, service type, status, a referral awaiting its answer, file anonymised)
SITUATIONS = [
    ("agent", "LEGAL_AID", "received", False, False),
    ("agent", "LEGAL_AID", "pending_closure", True, False),
    ("agent", "SOCIAL", "qualified", False, False),
    ("agent", "SOCIAL", "in_follow_up", True, False),
    ("supervisor", "LEGAL_AID", "oriented", False, False),
    ("supervisor", "LEGAL_AID", "pending_closure", False, False),
    ("agent", "SOCIAL", "in_follow_up", True, True),
    ("supervisor", "SOCIAL", "resolved", False, True),
]


@pytest.mark.parametrize(("role", "service_type", "status", "referred", "anonymised"), SITUATIONS)
async def test_a_move_is_listed_exactly_when_the_api_makes_it(
    role: str,
    service_type: str,
    status: str,
    referred: bool,
    anonymised: bool,
    client: httpx.AsyncClient,
    agent: Staff,
    supervisor: Staff,
    make_registrant,
    partner,
    sessionmaker,
    db: Db,
) -> None:
    """For each move of the workflow table from ``status``, on a case of its own: listed ⇔ 2xx."""
    reader = agent if role == "agent" else supervisor
    made: dict[str, int] = {}
    listed: list[str] = []
    for target in allowed_from(status):
        person = await make_registrant(consents=("desk_transfer", "partner_referral"))
        case = await open_case(client, agent, person, service_type=service_type)
        if referred:
            await refer(client, agent, case["id"], partner["id"])
        extra = {"outcome_category": "social"} if status in (*CLOSING, "pending_closure") else {}
        if status == "pending_closure":
            extra["closure_requested_status"] = "resolved"
        await db.set_case(case["id"], status=status, **extra)
        if anonymised:
            await _anonymise(sessionmaker, person)
        listed = (await client.get(f"/api/v1/cases/{case['id']}", headers=reader.headers)).json()["allowed_transitions"]
        made[target] = (await move(client, reader, case["id"], target, **_needed(status, target))).status_code
    assert [t for t in allowed_from(status) if made[t] == 200] == listed, made
