"""A referral's answer date goes with an answer, and a referral moves only to the statuses its
``allowed_statuses`` lists (its own status is not one: 409, as a case's move to its own status)."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.cases.conftest import open_case, refer
from tests.conftest import Staff


async def _referral_url(client: httpx.AsyncClient, agent: Staff, make_registrant, partner: dict[str, Any]) -> str:
    case = await open_case(client, agent, await make_registrant())
    referral = await refer(client, agent, case["id"], partner["id"])
    return f"/api/v1/cases/{case['id']}/referrals/{referral['id']}"


async def _patch(client: httpx.AsyncClient, agent: Staff, url: str, body: dict[str, Any]) -> httpx.Response:
    tag = (await client.get(url, headers=agent.headers)).headers["etag"]
    return await client.patch(url, headers={**agent.headers, "If-Match": tag}, json=body)


@pytest.mark.parametrize("status", [None, "acknowledged", "no_answer"])
async def test_an_answer_date_for_a_referral_not_answered_is_refused(
    status: str | None, client: httpx.AsyncClient, agent: Staff, make_registrant, partner: dict[str, Any]
) -> None:
    url = await _referral_url(client, agent, make_registrant, partner)
    today = (await client.get(url, headers=agent.headers)).json()["referred_on"]
    body: dict[str, Any] = {"answered_on": today} | ({"status": status} if status else {})
    response = await _patch(client, agent, url, body)
    assert response.status_code == 422, response.text
    problem = response.json()
    assert (problem["type"], problem["field"]) == ("/problems/field-not-applicable", "answered_on")
    after = await client.get(url, headers=agent.headers)
    assert (after.json()["status"], after.json()["answered_on"], after.headers["etag"]) == ("sent", None, '"v1"')


async def test_an_acknowledged_referral_takes_no_answer_date_either(
    client: httpx.AsyncClient, agent: Staff, make_registrant, partner: dict[str, Any]
) -> None:
    url = await _referral_url(client, agent, make_registrant, partner)
    assert (await _patch(client, agent, url, {"status": "acknowledged"})).status_code == 200
    today = (await client.get(url, headers=agent.headers)).json()["referred_on"]
    response = await _patch(client, agent, url, {"answered_on": today})
    assert (response.status_code, response.json()["field"]) == (422, "answered_on")


@pytest.mark.parametrize("status", ["answered", "declined"])
async def test_an_answer_date_goes_with_an_answer_and_may_be_corrected_after(
    status: str, client: httpx.AsyncClient, agent: Staff, make_registrant, partner: dict[str, Any]
) -> None:
    url = await _referral_url(client, agent, make_registrant, partner)
    today = (await client.get(url, headers=agent.headers)).json()["referred_on"]
    answered = await _patch(client, agent, url, {"status": status, "answered_on": today})
    assert (answered.status_code, answered.json()["status"], answered.json()["answered_on"]) == (200, status, today)
    corrected = await _patch(client, agent, url, {"answered_on": today, "outcome": "Rendez-vous donné"})
    assert (corrected.status_code, corrected.json()["answered_on"], corrected.json()["outcome"]) == (
        200,
        today,
        "Rendez-vous donné",
    )


@pytest.mark.parametrize(("first", "again"), [(None, "sent"), ("acknowledged", "acknowledged")])
async def test_a_referral_cannot_move_to_its_own_status(
    first: str | None,
    again: str,
    client: httpx.AsyncClient,
    agent: Staff,
    make_registrant,
    partner: dict[str, Any],
) -> None:
    url = await _referral_url(client, agent, make_registrant, partner)
    if first:
        assert (await _patch(client, agent, url, {"status": first})).status_code == 200
    before = await client.get(url, headers=agent.headers)
    response = await _patch(client, agent, url, {"status": again, "partner_reference": "R-12"})
    assert response.status_code == 409, response.text
    problem = response.json()
    assert (problem["type"], problem["current_status"], problem["allowed"]) == (
        "/problems/referral-status-not-allowed",
        again,
        before.json()["allowed_statuses"],
    )
    after = await client.get(url, headers=agent.headers)
    assert (after.json()["partner_reference"], after.headers["etag"]) == (None, before.headers["etag"])


@pytest.mark.parametrize(
    ("body", "field", "kind"),
    [
        ({"status": "answered", "answered_on": "2099-01-01"}, "answered_on", "date_in_future"),
        ({"status": "declined", "answered_on": "2000-01-01"}, "answered_on", "date_before_referral"),
        ({"expected_answer_on": "2000-01-01"}, "expected_answer_on", "date_before_referral"),
    ],
)
async def test_a_referral_date_out_of_order_names_its_field(
    body: dict[str, Any],
    field: str,
    kind: str,
    client: httpx.AsyncClient,
    agent: Staff,
    make_registrant,
    partner: dict[str, Any],
) -> None:
    """The web client marks the date at fault (``field``, ``errors[].type``); nothing is saved."""
    url = await _referral_url(client, agent, make_registrant, partner)
    response = await _patch(client, agent, url, body)
    assert response.status_code == 422, response.text
    problem = response.json()
    assert (problem["field"], [(e["loc"], e["type"]) for e in problem["errors"]]) == (field, [(["body", field], kind)])
    after = await client.get(url, headers=agent.headers)
    assert (after.json()["status"], after.headers["etag"]) == ("sent", '"v1"')
