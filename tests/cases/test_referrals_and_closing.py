"""A referral awaiting its answer: one per partner on a case, and closed with the case."""

from __future__ import annotations

import httpx

from tests.cases.conftest import move, open_case, refer
from tests.conftest import Staff


async def test_a_second_open_referral_to_the_same_partner_is_409(
    client: httpx.AsyncClient, agent: Staff, make_registrant, partner
) -> None:
    case = await open_case(client, agent, await make_registrant())
    first = await refer(client, agent, case["id"], partner["id"])
    again = await client.post(
        f"/api/v1/cases/{case['id']}/referrals", headers=agent.headers, json={"partner_id": partner["id"]}
    )
    assert (again.status_code, again.json()["type"], again.json()["referral_id"]) == (
        409,
        "/problems/referral-already-open",
        first["id"],
    )
    listed = await client.get(f"/api/v1/cases/{case['id']}/referrals", headers=agent.headers)
    assert [r["id"] for r in listed.json()] == [first["id"]]


async def test_a_partner_may_be_referred_again_once_the_first_is_answered(
    client: httpx.AsyncClient, agent: Staff, make_registrant, partner
) -> None:
    case = await open_case(client, agent, await make_registrant())
    first = await refer(client, agent, case["id"], partner["id"])
    url = f"/api/v1/cases/{case['id']}/referrals/{first['id']}"
    tag = (await client.get(url, headers=agent.headers)).headers["etag"]
    silent = await client.patch(url, headers={**agent.headers, "If-Match": tag}, json={"status": "no_answer"})
    assert silent.status_code == 200, silent.text
    await refer(client, agent, case["id"], partner["id"])


async def test_closing_a_case_closes_the_referrals_awaiting_an_answer(
    client: httpx.AsyncClient, agent: Staff, make_registrant, partner
) -> None:
    case = await open_case(client, agent, await make_registrant())
    referral = await refer(client, agent, case["id"], partner["id"])
    closed = await move(client, agent, case["id"], "closed_no_response", outcome_category="no_outcome")
    assert (closed.status_code, closed.json()["waiting_on_partner"]) == (200, False)
    listed = await client.get(f"/api/v1/cases/{case['id']}/referrals", headers=agent.headers)
    assert [(r["status"], r["allowed_statuses"]) for r in listed.json()] == [
        ("closed_with_case", ["answered", "declined"])
    ]
    timeline = await client.get(f"/api/v1/cases/{case['id']}/timeline", headers=agent.headers)
    assert timeline.json()["items"][-1]["details"]["referrals_closed"] == [referral["id"]]
    queue = await client.get("/api/v1/cases", params={"queue": "waiting_on_partner"}, headers=agent.headers)
    assert queue.json()["items"] == []
