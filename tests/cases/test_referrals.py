"""Referrals to partners, partners themselves, and the bad inputs around them."""

from __future__ import annotations

import datetime as dt
import uuid

import httpx

from tests.cases.conftest import move, open_case, refer
from tests.conftest import Staff


async def test_a_referral_is_sent_with_a_default_answer_date_ten_business_days_later(
    client: httpx.AsyncClient, agent: Staff, make_registrant, partner
) -> None:
    case = await open_case(client, agent, await make_registrant())
    referral = await refer(client, agent, case["id"], partner["id"], partner_reference="OIM-CASA-2026-117")
    today = dt.date.fromisoformat(case["opened_on"])
    expected = today
    counted = 0
    while counted < 10:  # no holidays in this database: weekdays only
        expected += dt.timedelta(days=1)
        counted += expected.weekday() < 5
    assert (referral["status"], referral["referred_on"], referral["expected_answer_on"]) == (
        "sent",
        today.isoformat(),
        expected.isoformat(),
    )
    assert (referral["partner_name"], referral["partner_reference"]) == ("OIM Maroc", "OIM-CASA-2026-117")


async def test_a_referral_to_an_inactive_partner_is_refused(
    client: httpx.AsyncClient, agent: Staff, admin: Staff, make_registrant, partner
) -> None:
    await client.patch(
        f"/api/v1/partners/{partner['id']}", headers={**admin.headers, "If-Match": '"v1"'}, json={"is_active": False}
    )
    case = await open_case(client, agent, await make_registrant())
    response = await client.post(
        f"/api/v1/cases/{case['id']}/referrals", headers=agent.headers, json={"partner_id": partner["id"]}
    )
    assert response.status_code == 422
    assert response.json()["type"] == "/problems/partner-inactive"
    listed = await client.get(f"/api/v1/cases/{case['id']}/referrals", headers=agent.headers)
    assert listed.json() == []


async def test_a_referral_to_an_unknown_partner_is_refused(
    client: httpx.AsyncClient, agent: Staff, make_registrant
) -> None:
    case = await open_case(client, agent, await make_registrant())
    response = await client.post(
        f"/api/v1/cases/{case['id']}/referrals", headers=agent.headers, json={"partner_id": str(uuid.uuid4())}
    )
    assert response.status_code == 422
    assert response.json()["type"] == "/problems/unknown-partner"


async def test_an_answer_expected_before_the_referral_is_refused(
    client: httpx.AsyncClient, agent: Staff, make_registrant, partner
) -> None:
    case = await open_case(client, agent, await make_registrant())
    yesterday = (dt.date.fromisoformat(case["opened_on"]) - dt.timedelta(days=1)).isoformat()
    response = await client.post(
        f"/api/v1/cases/{case['id']}/referrals",
        headers=agent.headers,
        json={"partner_id": partner["id"], "expected_answer_on": yesterday},
    )
    assert response.status_code == 422


async def test_a_referral_dated_in_the_future_is_refused(
    client: httpx.AsyncClient, agent: Staff, make_registrant, partner
) -> None:
    case = await open_case(client, agent, await make_registrant())
    response = await client.post(
        f"/api/v1/cases/{case['id']}/referrals",
        headers=agent.headers,
        json={"partner_id": partner["id"], "referred_on": "2099-01-01"},
    )
    assert response.status_code == 422


async def test_the_partners_answer_is_recorded_with_todays_date(
    client: httpx.AsyncClient, agent: Staff, make_registrant, partner
) -> None:
    case = await open_case(client, agent, await make_registrant())
    referral = await refer(client, agent, case["id"], partner["id"])
    url = f"/api/v1/cases/{case['id']}/referrals/{referral['id']}"
    acknowledged = await client.patch(
        url, headers={**agent.headers, "If-Match": '"v1"'}, json={"status": "acknowledged", "partner_reference": "R-9"}
    )
    answered = await client.patch(
        url, headers={**agent.headers, "If-Match": '"v2"'}, json={"status": "answered", "outcome": "AVR accepted"}
    )
    body = answered.json()
    assert acknowledged.status_code == 200
    assert (body["status"], body["answered_on"], body["outcome"], body["partner_reference"]) == (
        "answered",
        case["opened_on"],
        "AVR accepted",
        "R-9",
    )


async def test_an_answered_referral_cannot_go_back_to_sent(
    client: httpx.AsyncClient, agent: Staff, make_registrant, partner
) -> None:
    case = await open_case(client, agent, await make_registrant())
    referral = await refer(client, agent, case["id"], partner["id"])
    url = f"/api/v1/cases/{case['id']}/referrals/{referral['id']}"
    await client.patch(url, headers={**agent.headers, "If-Match": '"v1"'}, json={"status": "declined"})
    response = await client.patch(url, headers={**agent.headers, "If-Match": '"v2"'}, json={"status": "sent"})
    assert response.status_code == 409
    assert (response.json()["type"], response.json()["allowed"]) == ("/problems/referral-status-not-allowed", [])


async def test_updating_a_referral_with_a_stale_etag_is_412(
    client: httpx.AsyncClient, agent: Staff, make_registrant, partner
) -> None:
    case = await open_case(client, agent, await make_registrant())
    referral = await refer(client, agent, case["id"], partner["id"])
    url = f"/api/v1/cases/{case['id']}/referrals/{referral['id']}"
    await client.patch(url, headers={**agent.headers, "If-Match": '"v1"'}, json={"status": "acknowledged"})
    response = await client.patch(url, headers={**agent.headers, "If-Match": '"v1"'}, json={"status": "answered"})
    assert response.status_code == 412


async def test_a_closed_case_takes_no_referral(
    client: httpx.AsyncClient, agent: Staff, make_registrant, partner
) -> None:
    case = await open_case(client, agent, await make_registrant())
    await move(client, agent, case["id"], "closed_no_response", outcome_category="no_outcome")
    response = await client.post(
        f"/api/v1/cases/{case['id']}/referrals", headers=agent.headers, json={"partner_id": partner["id"]}
    )
    assert response.status_code == 409


# --- partners ------------------------------------------------------------------------------------


async def test_a_partner_lists_the_service_types_it_handles(client: httpx.AsyncClient, agent: Staff, partner) -> None:
    response = await client.get(f"/api/v1/partners/{partner['id']}", headers=agent.headers)
    body = response.json()
    assert (body["country"], body["contact_phone"], body["service_types"]) == (
        "MA",
        "+212537652881",
        ["EMERGENCY", "RETURN_REINTEGRATION"],
    )


async def test_partners_are_filtered_by_service_type_country_and_activity(
    client: httpx.AsyncClient, admin: Staff, partner
) -> None:
    other = await client.post(
        "/api/v1/partners",
        headers=admin.headers,
        json={"name": "ANPEJ", "kind": "national_agency", "country": "SN", "service_types": ["EMPLOYMENT"]},
    )
    assert other.status_code == 201

    async def names(**params: str) -> list[str]:
        response = await client.get("/api/v1/partners", headers=admin.headers, params=params)
        return [p["name"] for p in response.json()["items"]]

    assert await names() == ["ANPEJ", "OIM Maroc"]
    assert await names(service_type="EMPLOYMENT") == ["ANPEJ"]
    assert await names(country="MA") == ["OIM Maroc"]
    assert await names(active="false") == []


async def test_a_partner_with_an_unknown_service_type_is_refused(client: httpx.AsyncClient, admin: Staff) -> None:
    response = await client.post(
        "/api/v1/partners",
        headers=admin.headers,
        json={"name": "X", "kind": "ngo", "country": "MA", "service_types": ["NOPE"]},
    )
    assert response.status_code == 422
    assert response.json()["type"] == "/problems/unknown-service-type"
    listed = await client.get("/api/v1/partners", headers=admin.headers)
    assert listed.json()["items"] == []


async def test_a_partner_with_a_bad_country_is_422(client: httpx.AsyncClient, admin: Staff) -> None:
    response = await client.post(
        "/api/v1/partners", headers=admin.headers, json={"name": "X", "kind": "ngo", "country": "XX"}
    )
    assert response.status_code == 422


async def test_changing_a_partners_service_types_bumps_its_etag(
    client: httpx.AsyncClient, admin: Staff, partner
) -> None:
    response = await client.patch(
        f"/api/v1/partners/{partner['id']}",
        headers={**admin.headers, "If-Match": '"v1"'},
        json={"service_types": ["HEALTH"]},
    )
    assert (response.status_code, response.headers["etag"], response.json()["service_types"]) == (
        200,
        '"v2"',
        ["HEALTH"],
    )


async def test_an_agent_cannot_edit_a_partner(client: httpx.AsyncClient, agent: Staff, partner) -> None:
    response = await client.patch(
        f"/api/v1/partners/{partner['id']}", headers={**agent.headers, "If-Match": '"v1"'}, json={"is_active": False}
    )
    assert response.status_code == 403


async def test_a_partner_phone_pasted_with_direction_marks_and_unicode_dashes_is_read(
    client: httpx.AsyncClient, admin: Staff
) -> None:
    """The same rule as registrants' phones (app.core.text.normalise_typed_identifier)."""
    response = await client.post(
        "/api/v1/partners",
        headers=admin.headers,
        json={
            "name": "Caritas Rabat",
            "kind": "ngo",
            "country": "MA",
            "contact_phone": "\u202a+212\u00a05\u201137\u201165\u201128\u201181\u202c",
            "service_types": ["EMERGENCY"],
        },
    )
    assert response.status_code == 201, response.text
    assert response.json()["contact_phone"] == "+212537652881"


async def test_an_answer_dated_after_the_desks_today_is_refused(
    client: httpx.AsyncClient, agent: Staff, make_registrant, partner
) -> None:
    case = await open_case(client, agent, await make_registrant())
    referral = await refer(client, agent, case["id"], partner["id"])
    url = f"/api/v1/cases/{case['id']}/referrals/{referral['id']}"
    tomorrow = (dt.date.fromisoformat(case["opened_on"]) + dt.timedelta(days=1)).isoformat()
    refused = await client.patch(
        url, headers={**agent.headers, "If-Match": '"v1"'}, json={"status": "answered", "answered_on": tomorrow}
    )
    assert (refused.status_code, refused.json()["type"]) == (422, "/problems/validation-failed")
    unchanged = await client.get(url, headers=agent.headers)
    assert (unchanged.json()["status"], unchanged.json()["answered_on"], unchanged.headers["etag"]) == (
        "sent",
        None,
        '"v1"',
    )
