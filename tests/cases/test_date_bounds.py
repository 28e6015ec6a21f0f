"""Every date a person types into a case, a referral, a subject request or a legal hold lies in
the desk's calendar, 2000-01-01 to 2100-12-31: outside, 422 ``date_range`` naming the field and
nothing stored, the reason said in words (« avant 2000 : … »: the screen said « valeur non valide »)."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.cases.conftest import etag, open_case, refer
from tests.conftest import Staff

FAR = ["9999-12-31", "2101-01-01", "0001-01-01", "1999-12-31"]


REASONS = {
    "avant 2000 : une date à partir de 2000 est attendue",
    "après 2100 : une date jusqu'à 2100 est attendue",
    "before 2000: a date from 2000 on is expected",
    "after 2100: a date up to 2100 is expected",
}


def _date_range_at(response: httpx.Response, field: str) -> None:
    assert response.status_code == 422, response.text
    assert [(e["loc"], e["type"]) for e in response.json()["errors"]] == [(["body", field], "date_range")]
    assert {e["reason"] for e in response.json()["errors"]} <= REASONS


@pytest.mark.parametrize("day", FAR)
async def test_a_due_date_outside_the_calendar_is_refused(
    day: str, client: httpx.AsyncClient, agent: Staff, make_registrant
) -> None:
    case = await open_case(client, agent, await make_registrant())
    before = await etag(client, agent, case["id"])
    response = await client.patch(
        f"/api/v1/cases/{case['id']}",
        headers={**agent.headers, "If-Match": before},
        json={"due_date": day, "due_date_reason": "attente du consulat"},
    )
    _date_range_at(response, "due_date")
    assert await etag(client, agent, case["id"]) == before


async def test_the_last_day_of_the_calendar_is_a_due_date(
    client: httpx.AsyncClient, app, agent: Staff, supervisor: Staff, make_registrant
) -> None:
    app.state.settings.case_due_date_horizon_days = 36_600  # the calendar's edge, not the horizon, is tested
    case = await open_case(client, agent, await make_registrant())
    response = await client.patch(
        f"/api/v1/cases/{case['id']}",
        headers={**supervisor.headers, "If-Match": await etag(client, agent, case["id"])},
        json={"due_date": "2100-12-31", "due_date_reason": "attente du consulat"},
    )
    assert (response.status_code, response.json()["due_date"]) == (200, "2100-12-31")


@pytest.mark.parametrize("field", ["expected_answer_on", "referred_on"])
async def test_a_referral_dated_outside_the_calendar_is_refused(
    field: str, client: httpx.AsyncClient, agent: Staff, make_registrant, partner: dict[str, Any]
) -> None:
    case = await open_case(client, agent, await make_registrant())
    url = f"/api/v1/cases/{case['id']}/referrals"
    response = await client.post(url, headers=agent.headers, json={"partner_id": partner["id"], field: "9999-12-31"})
    _date_range_at(response, field)
    assert (await client.get(url, headers=agent.headers)).json() == []


@pytest.mark.parametrize(("field", "extra"), [("expected_answer_on", {}), ("answered_on", {"status": "answered"})])
async def test_a_referral_update_dated_outside_the_calendar_is_refused(
    field: str,
    extra: dict[str, Any],
    client: httpx.AsyncClient,
    agent: Staff,
    make_registrant,
    partner: dict[str, Any],
) -> None:
    case = await open_case(client, agent, await make_registrant())
    referral = await refer(client, agent, case["id"], partner["id"])
    url = f"/api/v1/cases/{case['id']}/referrals/{referral['id']}"
    response = await client.patch(
        url, headers={**agent.headers, "If-Match": '"v1"'}, json={field: "9999-12-31", **extra}
    )
    _date_range_at(response, field)
    assert (await client.get(url, headers=agent.headers)).headers["etag"] == '"v1"'


@pytest.mark.parametrize("day", ["0001-01-01", "1999-12-31"])
async def test_a_subject_request_received_before_the_calendar_is_refused(
    day: str, client: httpx.AsyncClient, supervisor: Staff, make_registrant
) -> None:
    registrant = await make_registrant()
    response = await client.post(
        "/api/v1/privacy/subject-requests",
        headers=supervisor.headers,
        json={"registrant_id": str(registrant), "kind": "access", "received_on": day},
    )
    _date_range_at(response, "received_on")
    listed = await client.get("/api/v1/privacy/subject-requests", headers=supervisor.headers)
    assert listed.json()["items"] == []


async def test_a_legal_hold_until_after_the_calendar_is_refused(
    client: httpx.AsyncClient, supervisor: Staff, make_registrant
) -> None:
    registrant = await make_registrant()
    body = {"registrant_id": str(registrant), "reason": "Procédure prud'homale en cours", "until": "9999-12-31"}
    response = await client.post("/api/v1/privacy/legal-holds", headers=supervisor.headers, json=body)
    _date_range_at(response, "until")
    holds = await client.get(f"/api/v1/registrants/{registrant}/legal-holds", headers=supervisor.headers)
    assert holds.json() == []
