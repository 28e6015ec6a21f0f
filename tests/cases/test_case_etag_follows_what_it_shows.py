"""A case's ETag moves with everything a read of the case shows, its referrals included
(``waiting_on_partner``, ``partner_answer_overdue``, ``allowed_transitions``): a write sent with
the ETag of a read made before such a change is refused (412), not applied to a stale view."""

from __future__ import annotations

from typing import Any

import httpx

from tests.cases.conftest import etag, open_case, refer
from tests.conftest import Staff


async def _patch_case(client: httpx.AsyncClient, staff: Staff, case_id: str, tag: str) -> httpx.Response:
    return await client.patch(
        f"/api/v1/cases/{case_id}", headers={**staff.headers, "If-Match": tag}, json={"priority": "high"}
    )


async def test_a_referral_made_after_the_read_makes_the_case_etag_stale(
    client: httpx.AsyncClient, agent: Staff, make_registrant, partner: dict[str, Any]
) -> None:
    case = await open_case(client, agent, await make_registrant())
    before = await etag(client, agent, case["id"])
    await refer(client, agent, case["id"], partner["id"])
    response = await _patch_case(client, agent, case["id"], before)
    assert response.status_code == 412, response.text
    assert response.json()["current"]["waiting_on_partner"] is True
    assert response.json()["current_etag"] == await etag(client, agent, case["id"]) != before


async def test_a_partner_answer_makes_the_case_etag_stale(
    client: httpx.AsyncClient, agent: Staff, make_registrant, partner: dict[str, Any]
) -> None:
    case = await open_case(client, agent, await make_registrant())
    referral = await refer(client, agent, case["id"], partner["id"])
    url = f"/api/v1/cases/{case['id']}/referrals/{referral['id']}"
    before = await etag(client, agent, case["id"])
    referral_tag = (await client.get(url, headers=agent.headers)).headers["etag"]
    answered = await client.patch(url, headers={**agent.headers, "If-Match": referral_tag}, json={"status": "answered"})
    assert answered.status_code == 200, answered.text
    response = await _patch_case(client, agent, case["id"], before)
    assert response.status_code == 412, response.text
    assert response.json()["current"]["waiting_on_partner"] is False


async def test_a_new_expected_answer_date_makes_the_case_etag_stale(
    client: httpx.AsyncClient, agent: Staff, make_registrant, partner: dict[str, Any]
) -> None:
    case = await open_case(client, agent, await make_registrant())
    referral = await refer(client, agent, case["id"], partner["id"])
    url = f"/api/v1/cases/{case['id']}/referrals/{referral['id']}"
    before = await etag(client, agent, case["id"])
    referral_tag = (await client.get(url, headers=agent.headers)).headers["etag"]
    moved = await client.patch(
        url, headers={**agent.headers, "If-Match": referral_tag}, json={"expected_answer_on": referral["referred_on"]}
    )
    assert moved.status_code == 200, moved.text
    assert (await _patch_case(client, agent, case["id"], before)).status_code == 412


async def test_a_referral_write_refused_leaves_the_case_etag_as_it_was(
    client: httpx.AsyncClient, agent: Staff, make_registrant, partner: dict[str, Any]
) -> None:
    case = await open_case(client, agent, await make_registrant())
    referral = await refer(client, agent, case["id"], partner["id"])
    url = f"/api/v1/cases/{case['id']}/referrals/{referral['id']}"
    before = await etag(client, agent, case["id"])
    refused = await client.patch(url, headers={**agent.headers, "If-Match": '"v1"'}, json={"status": "sent"})
    assert refused.status_code == 409, refused.text
    assert await etag(client, agent, case["id"]) == before


async def test_a_closure_approval_set_on_the_type_makes_its_open_cases_etags_stale(
    client: httpx.AsyncClient, agent: Staff, admin: Staff, make_registrant
) -> None:
    case = await open_case(client, agent, await make_registrant(), service_type="SOCIAL")
    before = await etag(client, agent, case["id"])
    assert (
        "resolved"
        in (await client.get(f"/api/v1/cases/{case['id']}", headers=agent.headers)).json()["allowed_transitions"]
    )
    type_tag = (await client.get("/api/v1/service-types/SOCIAL", headers=admin.headers)).headers["etag"]
    changed = await client.patch(
        "/api/v1/service-types/SOCIAL",
        headers={**admin.headers, "If-Match": type_tag},
        json={"closure_requires_approval": True},
    )
    assert changed.status_code == 200, changed.text
    response = await _patch_case(client, agent, case["id"], before)
    assert response.status_code == 412, response.text
    assert "resolved" not in response.json()["current"]["allowed_transitions"]


async def test_a_type_edit_that_changes_no_move_leaves_the_case_etag_as_it_was(
    client: httpx.AsyncClient, agent: Staff, admin: Staff, make_registrant
) -> None:
    case = await open_case(client, agent, await make_registrant(), service_type="SOCIAL")
    before = await etag(client, agent, case["id"])
    type_tag = (await client.get("/api/v1/service-types/SOCIAL", headers=admin.headers)).headers["etag"]
    changed = await client.patch(
        "/api/v1/service-types/SOCIAL", headers={**admin.headers, "If-Match": type_tag}, json={"label_en": "Social"}
    )
    assert changed.status_code == 200, changed.text
    assert await etag(client, agent, case["id"]) == before
