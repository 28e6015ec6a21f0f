"""``allowed_transitions`` lists the moves the caller may make, in every response carrying a case:
an agent is not offered a move the API then refuses them (403 ``closure-approval-required``)."""

from __future__ import annotations

import httpx

from tests.cases.conftest import Db, move, open_case, refer
from tests.conftest import Staff

CLOSING = ["resolved", "closed_no_response", "closed_withdrawn"]


async def test_an_agent_on_a_case_needing_closure_approval_is_not_offered_closing(
    client: httpx.AsyncClient, agent: Staff, make_registrant
) -> None:
    case = await open_case(client, agent, await make_registrant(), service_type="LEGAL_AID")
    assert case["allowed_transitions"] == ["qualified", "transferred", "pending_closure"]
    assert set(case["transition_fields"]) == {"qualified", "transferred", "pending_closure"}
    read = await client.get(f"/api/v1/cases/{case['id']}", headers=agent.headers)
    assert not set(CLOSING) & set(read.json()["allowed_transitions"])
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


async def test_an_agent_is_offered_no_move_of_a_closure_request(
    client: httpx.AsyncClient, agent: Staff, supervisor: Staff, make_registrant
) -> None:
    case = await open_case(client, agent, await make_registrant(), service_type="LEGAL_AID")
    asked = await move(client, agent, case["id"], "pending_closure", outcome_category="legal")
    assert (asked.status_code, asked.json()["allowed_transitions"]) == (200, [])
    read = await client.get(f"/api/v1/cases/{case['id']}", headers=supervisor.headers)
    assert read.json()["allowed_transitions"] == [*CLOSING, "in_follow_up"]


async def test_referred_is_offered_once_a_referral_awaits_its_answer(
    client: httpx.AsyncClient, agent: Staff, make_registrant, partner, db: Db
) -> None:
    case = await open_case(client, agent, await make_registrant())
    await db.set_case(case["id"], status="qualified")
    read = await client.get(f"/api/v1/cases/{case['id']}", headers=agent.headers)
    assert "referred" not in read.json()["allowed_transitions"]
    await refer(client, agent, case["id"], partner["id"])
    read = await client.get(f"/api/v1/cases/{case['id']}", headers=agent.headers)
    assert read.json()["allowed_transitions"][:2] == ["oriented", "referred"]
