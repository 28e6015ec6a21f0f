"""Opening and reading cases: numbers, bad inputs, Idempotency-Key, scoping, concurrent updates."""

from __future__ import annotations

import asyncio
import uuid

import httpx
import pytest

from tests.cases.conftest import open_case, refer
from tests.conftest import Staff


async def test_a_case_gets_a_readable_number_per_desk_and_year(
    client: httpx.AsyncClient, agent: Staff, dakar_agent: Staff, make_registrant
) -> None:
    first = await open_case(client, agent, await make_registrant())
    second = await open_case(client, agent, await make_registrant())
    dakar = await open_case(client, dakar_agent, await make_registrant("DKR-MOB"))
    year = first["opened_on"][:4]
    assert [first["case_number"], second["case_number"]] == [f"CASA-{year}-C-000001", f"CASA-{year}-C-000002"]
    assert dakar["case_number"] == f"DKR-{dakar['opened_on'][:4]}-C-000001"


async def test_a_case_records_what_the_desk_needs(client: httpx.AsyncClient, agent: Staff, make_registrant) -> None:
    registrant = await make_registrant()
    case = await open_case(
        client,
        agent,
        registrant,
        service_type="residence_ma",
        channel="phone",
        priority="urgent",
        vulnerability_flags=["pregnant", "no_documents", "pregnant"],
        description="Renouvellement de carte, récépissé expiré.",
        language="WO",
        interpreter_used=True,
    )
    assert {
        k: case[k]
        for k in (
            "registrant_id",
            "service_type",
            "channel",
            "priority",
            "vulnerability_flags",
            "language",
            "interpreter_used",
            "desk_code",
            "assignee_id",
            "status",
        )
    } == {
        "registrant_id": str(registrant),
        "service_type": "RESIDENCE_MA",
        "channel": "phone",
        "priority": "urgent",
        "vulnerability_flags": ["no_documents", "pregnant"],
        "language": "wo",
        "interpreter_used": True,
        "desk_code": "CASA-BASE",
        "assignee_id": None,
        "status": "received",
    }


async def test_opening_is_audited_and_on_the_timeline(
    client: httpx.AsyncClient, agent: Staff, admin: Staff, make_registrant
) -> None:
    case = await open_case(client, agent, await make_registrant())
    timeline = await client.get(f"/api/v1/cases/{case['id']}/timeline", headers=agent.headers)
    [event] = timeline.json()["items"]
    assert (event["kind"], event["actor_label"], event["details"]["case_number"]) == (
        "case_opened",
        agent.email,
        case["case_number"],
    )
    audit = await client.get(f"/api/v1/audit/events?entity_id={case['id']}", headers=admin.headers)
    assert [e["action"] for e in audit.json()["items"]] == ["case.timeline_read", "case.create"]


@pytest.mark.parametrize(
    ("change", "status", "problem"),
    [
        ({"service_type": "ASTROLOGY"}, 422, "/problems/unknown-service-type"),
        ({"registrant_id": str(uuid.uuid4())}, 404, "/problems/unknown-registrant"),
        ({"channel": "pigeon"}, 422, "/problems/validation-failed"),
        ({"language": "xx"}, 422, "/problems/validation-failed"),
        ({"language": "fr-" + "x" * 30}, 422, "/problems/validation-failed"),  # longer than the column
        ({"language": "fr-sn-dakar"}, 422, "/problems/validation-failed"),
        ({"vulnerability_flags": ["rich"]}, 422, "/problems/validation-failed"),
        ({"colour": "blue"}, 422, "/problems/field-not-applicable"),  # a field it does not take (README)
    ],
    ids=[
        "unknown-service-type",
        "unknown-registrant",
        "channel",
        "language",
        "long-tag",
        "two-subtags",
        "flag",
        "unknown-field",
    ],
)
async def test_bad_inputs_open_nothing(
    change: dict[str, object], status: int, problem: str, client: httpx.AsyncClient, agent: Staff, make_registrant
) -> None:
    body = {"registrant_id": str(await make_registrant()), "service_type": "SOCIAL", "channel": "walk_in", **change}
    response = await client.post("/api/v1/cases", headers=agent.headers, json=body)
    assert (response.status_code, response.json()["type"]) == (status, problem)
    assert response.headers["content-type"] == "application/problem+json"
    listed = await client.get("/api/v1/cases", headers=agent.headers)
    assert listed.json()["items"] == []


async def test_a_registrant_of_another_desk_is_404(client: httpx.AsyncClient, agent: Staff, make_registrant) -> None:
    body = {"registrant_id": str(await make_registrant("DKR-MOB")), "service_type": "SOCIAL", "channel": "walk_in"}
    response = await client.post("/api/v1/cases", headers=agent.headers, json=body)
    assert (response.status_code, response.json()["type"]) == (404, "/problems/unknown-registrant")


async def test_a_retry_with_the_same_idempotency_key_opens_one_case(
    client: httpx.AsyncClient, agent: Staff, make_registrant
) -> None:
    body = {"registrant_id": str(await make_registrant()), "service_type": "SOCIAL", "channel": "walk_in"}
    headers = {**agent.headers, "Idempotency-Key": "counter-42"}
    first = await client.post("/api/v1/cases", headers=headers, json=body)
    again = await client.post("/api/v1/cases", headers=headers, json=body)
    other = await client.post("/api/v1/cases", headers=headers, json={**body, "channel": "phone"})
    assert (first.status_code, again.status_code, other.status_code) == (201, 201, 422)
    assert again.json() == first.json()
    assert again.headers["etag"] == '"v1"'
    listed = await client.get("/api/v1/cases", headers=agent.headers)
    assert len(listed.json()["items"]) == 1


async def test_an_auditor_does_not_work_cases(client: httpx.AsyncClient, make_staff) -> None:
    auditor = await make_staff("auditor", [])
    response = await client.get("/api/v1/cases", headers=auditor.headers)
    assert response.status_code == 403


# --- scoping -------------------------------------------------------------------------------------


async def test_every_case_endpoint_is_404_from_another_desk(
    client: httpx.AsyncClient, agent: Staff, dakar_agent: Staff, make_registrant, partner
) -> None:
    case = await open_case(client, agent, await make_registrant())
    referral = await refer(client, agent, case["id"], partner["id"])
    url = f"/api/v1/cases/{case['id']}"
    headers = {**dakar_agent.headers, "If-Match": '"v1"'}
    responses = [
        await client.get(url, headers=headers),
        await client.patch(url, headers=headers, json={"priority": "low"}),
        await client.post(f"{url}/transitions", headers=headers, json={"to": "qualified"}),
        await client.post(f"{url}/assignment", headers=headers, json={"assignee_id": str(dakar_agent.id)}),
        await client.get(f"{url}/timeline", headers=headers),
        await client.get(f"{url}/notes", headers=headers),
        await client.post(f"{url}/notes", headers=headers, json={"text": "x"}),
        await client.get(f"{url}/referrals", headers=headers),
        await client.post(f"{url}/referrals", headers=headers, json={"partner_id": partner["id"]}),
        await client.patch(f"{url}/referrals/{referral['id']}", headers=headers, json={"status": "answered"}),
    ]
    assert [r.status_code for r in responses] == [404] * 10
    listed = await client.get("/api/v1/cases", headers=dakar_agent.headers)
    assert listed.json()["items"] == []
    still = await client.get(url, headers=agent.headers)
    # v2: the referral made above; nothing of the other desk's
    assert (still.json()["status"], still.json()["priority"], still.headers["etag"]) == ("received", "normal", '"v2"')


async def test_a_registrants_cases_are_listed_for_their_desk_only(
    client: httpx.AsyncClient, agent: Staff, dakar_agent: Staff, admin: Staff, make_registrant
) -> None:
    registrant = await make_registrant()
    first = await open_case(client, agent, registrant)
    second = await open_case(client, agent, registrant, service_type="HEALTH")
    await open_case(client, agent, await make_registrant(given="Autre"))
    mine = await client.get(f"/api/v1/registrants/{registrant}/cases", headers=agent.headers)
    assert [c["id"] for c in mine.json()["items"]] == [second["id"], first["id"]]
    elsewhere = await client.get(f"/api/v1/registrants/{registrant}/cases", headers=dakar_agent.headers)
    assert (elsewhere.status_code, elsewhere.json()["type"]) == (404, "/problems/unknown-registrant")
    audit = await client.get("/api/v1/audit/events?action=registrant.cases_read", headers=admin.headers)
    assert [e["entity_id"] for e in audit.json()["items"]] == [str(registrant)]


async def test_an_administrator_sees_every_desk(
    client: httpx.AsyncClient, agent: Staff, dakar_agent: Staff, make_staff, make_registrant
) -> None:
    casa = await open_case(client, agent, await make_registrant())
    dakar = await open_case(client, dakar_agent, await make_registrant("DKR-MOB"))
    admin = await make_staff("admin", [])
    listed = await client.get("/api/v1/cases", headers=admin.headers)
    assert [c["id"] for c in listed.json()["items"]] == [dakar["id"], casa["id"]]


# --- concurrent updates --------------------------------------------------------------------------


async def test_two_concurrent_updates_from_one_read_one_wins_one_gets_412(
    client: httpx.AsyncClient, agent: Staff, agent2: Staff, make_registrant
) -> None:
    case = await open_case(client, agent, await make_registrant())
    url = f"/api/v1/cases/{case['id']}"
    first, second = await asyncio.gather(
        client.patch(url, headers={**agent.headers, "If-Match": '"v1"'}, json={"priority": "high"}),
        client.patch(url, headers={**agent2.headers, "If-Match": '"v1"'}, json={"priority": "low"}),
    )
    assert sorted([first.status_code, second.status_code]) == [200, 412]
    winner = first if first.status_code == 200 else second
    current = await client.get(url, headers=agent.headers)
    assert (current.json()["priority"], current.headers["etag"]) == (winner.json()["priority"], '"v2"')


async def test_two_concurrent_transitions_from_one_read_one_wins_one_gets_412(
    client: httpx.AsyncClient, agent: Staff, agent2: Staff, make_registrant
) -> None:
    case = await open_case(client, agent, await make_registrant())
    url = f"/api/v1/cases/{case['id']}/transitions"
    first, second = await asyncio.gather(
        client.post(url, headers={**agent.headers, "If-Match": '"v1"'}, json={"to": "qualified"}),
        client.post(
            url,
            headers={**agent2.headers, "If-Match": '"v1"'},
            json={"to": "closed_withdrawn", "outcome_category": "no_outcome"},
        ),
    )
    assert sorted([first.status_code, second.status_code]) == [200, 412]
    timeline = await client.get(f"/api/v1/cases/{case['id']}/timeline", headers=agent.headers)
    assert [e["kind"] for e in timeline.json()["items"]] == ["case_opened", "status_changed"]


async def test_concurrent_assignment_of_an_unassigned_case_goes_to_one_agent(
    client: httpx.AsyncClient, agent: Staff, agent2: Staff, make_registrant
) -> None:
    case = await open_case(client, agent, await make_registrant())
    url = f"/api/v1/cases/{case['id']}/assignment"
    first, second = await asyncio.gather(
        client.post(url, headers={**agent.headers, "If-Match": '"v1"'}, json={"assignee_id": str(agent.id)}),
        client.post(url, headers={**agent2.headers, "If-Match": '"v1"'}, json={"assignee_id": str(agent2.id)}),
    )
    assert sorted([first.status_code, second.status_code]) == [200, 412]
