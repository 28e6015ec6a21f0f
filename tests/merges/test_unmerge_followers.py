"""What was attached to a case while it was the survivor's goes back with it at the unmerge: an
appointment's (a message's, a disclosure's) person and its case always agree. A case transferred to
another desk meanwhile cannot be given back: the unmerge is refused."""

from __future__ import annotations

from typing import Any

import httpx

from tests.appointments.helpers import iso, next_weekday
from tests.conftest import Staff
from tests.merges.conftest import REGISTRANTS, URL, Pair, merge


async def _casa(client: httpx.AsyncClient, staff: Staff) -> str:
    desks = (await client.get("/api/v1/desks", headers=staff.headers)).json()
    return next(d["id"] for d in desks if d["code"] == "CASA-BASE")  # type: ignore[no-any-return]


async def _book(client: httpx.AsyncClient, agent: Staff, hhmm: str, **subject: str) -> dict[str, Any]:
    day = next_weekday(4)
    end = f"{hhmm[:3]}30"
    response = await client.post(
        "/api/v1/appointments",
        headers=agent.headers,
        json={
            "desk_id": await _casa(client, agent),
            "agent_id": str(agent.id),
            "starts_at": iso(day, hhmm),
            "ends_at": iso(day, end),
            **subject,
        },
    )
    assert response.status_code == 201, response.text
    return response.json()  # type: ignore[no-any-return]


async def _appointments(client: httpx.AsyncClient, staff: Staff, registrant_id: str) -> list[tuple[str, str | None]]:
    listed = await client.get("/api/v1/appointments", params={"registrant_id": registrant_id}, headers=staff.headers)
    assert listed.status_code == 200, listed.text
    return sorted((a["id"], a["case_id"]) for a in listed.json()["items"])


async def _events(client: httpx.AsyncClient, staff: Staff, registrant_id: str) -> list[str]:
    listed = await client.get(f"{REGISTRANTS}/{registrant_id}/notifications", headers=staff.headers)
    assert listed.status_code == 200, listed.text
    return sorted(n["event"] for n in listed.json()["items"])


async def _disclosed(client: httpx.AsyncClient, staff: Staff, registrant_id: str) -> list[tuple[str, str]]:
    listed = await client.get(
        "/api/v1/privacy/disclosures", params={"registrant_id": registrant_id}, headers=staff.headers
    )
    assert listed.status_code == 200, listed.text
    return [(d["entity_type"], d["entity_id"]) for d in listed.json()["items"]]


async def test_what_was_attached_to_a_case_since_the_merge_goes_back_with_it(
    client: httpx.AsyncClient, agent: Staff, supervisor: Staff, make_staff: Any, pair: Pair
) -> None:
    admin = await make_staff("admin", [])
    partner = await client.post(
        "/api/v1/partners",
        headers=admin.headers,
        json={"name": "OIM Maroc", "kind": "international_organisation", "country": "MA", "service_types": ["SOCIAL"]},
    )
    assert partner.status_code == 201, partner.text
    merged_before = await _appointments(client, agent, pair.merged)
    record = await merge(client, agent, pair)
    assert record.status_code == 201, record.text
    # the person's messages are listed where the person's cases are
    assert await _events(client, agent, pair.survivor) == [
        "case_received",
        "registration_receipt",
        "registration_receipt",
    ]

    # while merged, on the merged file's case (now the survivor's): an appointment, a referral, a status change
    on_case = await _book(client, agent, "09:00", case_id=pair.case_id)
    assert on_case["registrant_id"] == pair.survivor
    consent = {"purpose": "partner_referral", "granted": True, "channel": "in_person", "notice_version": "2026-01"}
    given = await client.post(
        f"/api/v1/registrants/{pair.survivor}/consents",
        headers=agent.headers,
        json={**consent, "language": "fr", "partner_id": partner.json()["id"]},
    )
    assert given.status_code == 201, given.text
    referral = await client.post(
        f"/api/v1/cases/{pair.case_id}/referrals", headers=agent.headers, json={"partner_id": partner.json()["id"]}
    )
    assert referral.status_code == 201, referral.text
    case = await client.get(f"/api/v1/cases/{pair.case_id}", headers=agent.headers)
    moved_on = await client.post(
        f"/api/v1/cases/{pair.case_id}/transitions",
        headers={**agent.headers, "If-Match": case.headers["etag"]},
        json={"to": "qualified"},
    )
    assert moved_on.status_code == 200, moved_on.text
    # and on the survivor itself: stays with it
    own = await _book(client, agent, "10:00", registrant_id=pair.survivor)

    undone = await client.post(f"{URL}/{record.json()['id']}/unmerge", headers=agent.headers)
    assert undone.status_code == 200, undone.text
    assert undone.json()["followed"] == {
        "appointments": 1,
        "notifications": 2,
        "disclosures": 1,
        "person_accounts": 0,
    }

    assert await _appointments(client, agent, pair.merged) == sorted([*merged_before, (on_case["id"], pair.case_id)])
    assert await _appointments(client, agent, pair.survivor) == [(own["id"], None)]
    assert await _events(client, agent, pair.merged) == [
        "appointment_booked",
        "case_received",
        "case_status_changed",
        "registration_receipt",
    ]
    assert await _events(client, agent, pair.survivor) == ["appointment_booked", "registration_receipt"]
    assert await _disclosed(client, supervisor, pair.merged) == [("referral", referral.json()["id"])]
    assert await _disclosed(client, supervisor, pair.survivor) == []


async def test_unmerge_is_refused_once_a_case_given_back_was_transferred_to_another_desk(
    client: httpx.AsyncClient, agent: Staff, supervisor: Staff, pair: Pair
) -> None:
    record = (await merge(client, agent, pair)).json()
    case = await client.get(f"/api/v1/cases/{pair.case_id}", headers=supervisor.headers)
    transferred = await client.post(
        f"/api/v1/cases/{pair.case_id}/transitions",
        headers={**supervisor.headers, "If-Match": case.headers["etag"]},
        json={
            "to": "transferred",
            "to_desk": "DKR-MOB",
            "legal_basis": "vital_interest",
            "legal_basis_note": "Rapatriement sanitaire urgent, personne hospitalisée.",
        },
    )
    assert transferred.status_code == 200, transferred.text

    refused = await client.post(f"{URL}/{record['id']}/unmerge", headers=supervisor.headers)
    assert refused.status_code == 409, refused.text
    assert refused.json()["type"] == "/problems/unmerge-refused"
    assert [(r["code"], r.get("ids")) for r in refused.json()["reasons"]] == [("case_transferred", [pair.case_id])]
    assert (await client.get(f"{REGISTRANTS}/{pair.merged}", headers=agent.headers)).status_code == 301
