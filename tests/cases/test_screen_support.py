"""What the case screen needs from the API: the fields each allowed move asks for, the statuses a
referral may take next, and the colleagues of the desk a supervisor assigns a case to."""

from __future__ import annotations

import httpx

from tests.cases.conftest import move, open_case, refer
from tests.conftest import Staff


async def test_each_allowed_move_names_the_fields_it_needs_and_those_fields_are_required(
    client: httpx.AsyncClient, agent: Staff, make_registrant
) -> None:
    case = await open_case(client, agent, await make_registrant())
    fields = case["transition_fields"]
    assert set(fields) == set(case["allowed_transitions"])
    assert fields["qualified"] == []
    assert fields["resolved"] == ["outcome_category"]
    assert fields["pending_closure"] == ["outcome_category"]
    assert fields["transferred"] == ["to_desk", "consent_id"]
    refused = await move(client, agent, case["id"], "resolved")
    assert refused.status_code == 422, refused.text
    closed = await move(client, agent, case["id"], "resolved", outcome_category="information")
    assert closed.status_code == 200, closed.text
    assert closed.json()["transition_fields"] == {"in_follow_up": ["reason"]}
    refused = await move(client, agent, case["id"], "in_follow_up")
    assert refused.status_code == 422, refused.text


async def test_a_referral_lists_the_statuses_it_may_take_next(
    client: httpx.AsyncClient, agent: Staff, make_registrant, partner
) -> None:
    case = await open_case(client, agent, await make_registrant())
    referral = await refer(client, agent, case["id"], partner["id"])
    assert referral["allowed_statuses"] == ["acknowledged", "answered", "declined", "no_answer"]
    url = f"/api/v1/cases/{case['id']}/referrals/{referral['id']}"
    tag = (await client.get(url, headers=agent.headers)).headers["etag"]
    answered = await client.patch(url, headers={**agent.headers, "If-Match": tag}, json={"status": "answered"})
    assert answered.status_code == 200, answered.text
    assert answered.json()["allowed_statuses"] == []
    listed = (await client.get(f"/api/v1/cases/{case['id']}/referrals", headers=agent.headers)).json()
    assert listed[0]["allowed_statuses"] == []


async def test_desk_staff_lists_active_agents_and_supervisors_of_that_desk_only(
    client: httpx.AsyncClient, agent: Staff, agent2: Staff, supervisor: Staff, admin: Staff, dakar_agent: Staff,
    make_staff, desk_ids,
) -> None:  # fmt: skip
    auditor = await make_staff("auditor", ["CASA-BASE"])
    url = f"/api/v1/desks/{desk_ids['CASA-BASE']}/staff"
    response = await client.get(url, headers=agent.headers)
    assert response.status_code == 200, response.text
    ids = {row["id"]: row["role"] for row in response.json()}
    assert ids == {str(agent.id): "agent", str(agent2.id): "agent", str(supervisor.id): "supervisor"}
    assert set(response.json()[0]) == {"id", "full_name", "role"}  # no e-mail
    assert (await client.get(url, headers=dakar_agent.headers)).status_code == 404
    assert (await client.get(url, headers=auditor.headers)).status_code == 403
    assert (await client.get(url, headers=admin.headers)).status_code == 200
