"""Records created offline (client-generated ids, Idempotency-Key) and edits that meet a newer
version (412 with the server's current version)."""

from __future__ import annotations

import uuid
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.cases.models import Case, CaseNote
from app.registrants.models import Registrant
from tests.conftest import Staff


@pytest.fixture
async def agent(make_staff):  # type: ignore[no-untyped-def]
    return await make_staff("agent", ["CASA-BASE"])


async def count(sessionmaker: async_sessionmaker[AsyncSession], model: Any) -> int:
    async with sessionmaker() as session:
        return int((await session.execute(select(func.count()).select_from(model))).scalar_one())


async def test_offline_records_are_accepted_once_whatever_order_they_are_replayed_in(
    client: httpx.AsyncClient, agent: Staff, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    registrant_id, case_id, note_id = str(uuid.uuid4()), str(uuid.uuid4()), str(uuid.uuid4())
    pushes = [
        (
            "/api/v1/registrants",
            {"id": registrant_id, "given_names": "Ousmane", "family_name": "Faye", "sex": "male"},
            "k-registrant",
        ),
        (
            "/api/v1/cases",
            {"id": case_id, "registrant_id": registrant_id, "service_type": "STUDENT", "channel": "mobile_app"},
            "k-case",
        ),
        (f"/api/v1/cases/{case_id}/notes", {"id": note_id, "text": "inscription à Fès"}, "k-note"),
    ]
    first = []
    for url, body, key in pushes:
        response = await client.post(url, json=body, headers={**agent.headers, "Idempotency-Key": key})
        assert response.status_code == 201, response.text
        assert response.json()["id"] == body["id"]
        first.append(response.json())
    assert first[1]["registrant_id"] == registrant_id

    # The app did not hear back and pushes everything again, in another order.
    for index in (2, 0, 1):
        url, body, key = pushes[index]
        again = await client.post(url, json=body, headers={**agent.headers, "Idempotency-Key": key})
        assert again.status_code == 201
        assert again.headers["idempotent-replayed"] == "true"
        assert again.json() == first[index]
    assert (
        await count(sessionmaker, Registrant),
        await count(sessionmaker, Case),
        await count(sessionmaker, CaseNote),
    ) == (
        1,
        1,
        1,
    )

    # The same id with other content and no matching key is refused, nothing written.
    other = await client.post(
        "/api/v1/registrants",
        json={"id": registrant_id, "given_names": "Awa", "family_name": "Sow"},
        headers={**agent.headers, "Idempotency-Key": "k-other"},
    )
    assert other.status_code == 409
    assert other.json()["type"] == "/problems/id-taken"
    assert other.json()["location"] == f"/api/v1/registrants/{registrant_id}"
    assert await count(sessionmaker, Registrant) == 1
    taken_note = await client.post(
        f"/api/v1/cases/{case_id}/notes", json={"id": note_id, "text": "autre"}, headers=agent.headers
    )
    assert taken_note.status_code == 409


async def test_an_id_that_is_not_a_uuid_is_refused(client: httpx.AsyncClient, agent: Staff) -> None:
    for bad in ("42", "not-a-uuid", 42, ""):
        response = await client.post(
            "/api/v1/registrants", json={"id": bad, "given_names": "Awa", "family_name": "Sow"}, headers=agent.headers
        )
        assert response.status_code == 422, bad
        assert response.json()["errors"][0]["loc"] == ["body", "id"]


async def test_a_stale_edit_gets_412_with_the_current_version_to_merge_into(
    client: httpx.AsyncClient, agent: Staff, make_staff: Any, audit_log: Any
) -> None:
    created = await client.post(
        "/api/v1/registrants",
        json={"given_names": "Mariama", "family_name": "Ba", "sex": "female"},
        headers=agent.headers,
    )
    registrant_id, offline_etag = created.json()["id"], created.headers["etag"]
    colleague = await make_staff("agent", ["CASA-BASE"])
    online = await client.patch(
        f"/api/v1/registrants/{registrant_id}",
        json={"host_city": "Rabat"},
        headers={**colleague.headers, "If-Match": offline_etag},
    )
    assert online.status_code == 200

    stale = await client.patch(
        f"/api/v1/registrants/{registrant_id}",
        json={"occupation": "étudiante"},
        headers={**agent.headers, "If-Match": offline_etag},
    )

    assert stale.status_code == 412
    problem = stale.json()
    assert problem["type"] == "/problems/precondition-failed"
    assert problem["current_etag"] == '"v2"'
    assert problem["current"] == online.json()
    merged = await client.patch(
        f"/api/v1/registrants/{registrant_id}",
        json={"occupation": "étudiante"},
        headers={**agent.headers, "If-Match": problem["current_etag"]},
    )
    assert merged.status_code == 200
    assert (merged.json()["host_city"], merged.json()["occupation"]) == ("Rabat", "étudiante")
    # The conflict's read of the person is in the audit log although the request failed.
    await audit_log.seal()
    events = await client.get(
        "/api/v1/audit/events",
        params={"entity_id": registrant_id, "action": "registrant.read"},
        headers=(await make_staff("auditor", [])).headers,
    )
    assert events.status_code == 200, events.text
    assert [e["details"] for e in events.json()["items"]] == [{"reason": "precondition_failed"}]


async def test_a_stale_case_edit_gets_the_current_case(client: httpx.AsyncClient, agent: Staff) -> None:
    registrant = await client.post(
        "/api/v1/registrants", json={"given_names": "Cheikh", "family_name": "Sy", "sex": "male"}, headers=agent.headers
    )
    case = await client.post(
        "/api/v1/cases",
        json={"registrant_id": registrant.json()["id"], "service_type": "SOCIAL", "channel": "walk_in"},
        headers=agent.headers,
    )
    tag = case.headers["etag"]
    first = await client.patch(
        f"/api/v1/cases/{case.json()['id']}", json={"priority": "high"}, headers={**agent.headers, "If-Match": tag}
    )
    assert first.status_code == 200
    stale = await client.patch(
        f"/api/v1/cases/{case.json()['id']}", json={"description": "x"}, headers={**agent.headers, "If-Match": tag}
    )
    assert stale.status_code == 412
    assert stale.json()["current"]["priority"] == "high"
    assert stale.json()["current_etag"] == first.headers["etag"]
