"""The service catalogue: the seed, administration (If-Match, Idempotency-Key) and retirement."""

from __future__ import annotations

import httpx
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.cases.catalogue import seed_service_types
from app.cases.catalogue_data import DOCUMENT_LABELS
from tests.cases.conftest import open_case
from tests.conftest import Staff

SEEDED = [
    "CONSULAR_ADMIN",
    "EMERGENCY",
    "EMPLOYMENT",
    "ENTREPRENEURSHIP",
    "HEALTH",
    "INFO_ONLY",
    "LEGAL_AID",
    "MOBILITY_INFO",
    "PSYCHOSOCIAL",
    "RESIDENCE_MA",
    "RETURN_REINTEGRATION",
    "SOCIAL",
    "STUDENT",
    "TRAINING",
]

NEW_TYPE = {
    "code": "SEASONAL_WORK",
    "label_fr": "Travail saisonnier",
    "label_en": "Seasonal work",
    "category": "mobility",
    "default_sla_days": 7,
    "documents_required": ["passport", "work_contract"],
}


async def test_the_fourteen_seeded_types_are_listed_by_code(client: httpx.AsyncClient, agent: Staff) -> None:
    response = await client.get("/api/v1/service-types", headers=agent.headers)
    assert response.status_code == 200
    assert [t["code"] for t in response.json()] == SEEDED


async def test_a_seeded_type_has_labels_category_sla_and_documents(client: httpx.AsyncClient, agent: Staff) -> None:
    response = await client.get("/api/v1/service-types/legal_aid", headers=agent.headers)
    body = response.json()
    assert response.headers["etag"] == '"v1"'
    assert {k: body[k] for k in ("label_en", "category", "default_sla_days", "closure_requires_approval")} == {
        "label_en": "Legal aid (labour disputes, housing, detention, victims)",
        "category": "legal",
        "default_sla_days": 10,
        "closure_requires_approval": True,
    }
    assert body["documents_required"] == ["identity_document", "supporting_documents"]


async def test_seeding_again_adds_nothing(sessionmaker: async_sessionmaker[AsyncSession]) -> None:
    async with sessionmaker() as session:
        assert await seed_service_types(session) == 0


async def test_admin_adds_a_type_and_a_retry_with_the_same_key_replays_it(
    client: httpx.AsyncClient, admin: Staff
) -> None:
    headers = {**admin.headers, "Idempotency-Key": "st-1"}
    first = await client.post("/api/v1/service-types", headers=headers, json=NEW_TYPE)
    again = await client.post("/api/v1/service-types", headers=headers, json=NEW_TYPE)
    assert first.status_code == 201
    assert again.status_code == 201
    assert again.headers["idempotent-replayed"] == "true"
    assert again.json()["id"] == first.json()["id"]
    listed = await client.get("/api/v1/service-types", headers=admin.headers)
    assert [t["code"] for t in listed.json()].count("SEASONAL_WORK") == 1


async def test_an_agent_cannot_add_a_type(client: httpx.AsyncClient, agent: Staff) -> None:
    response = await client.post("/api/v1/service-types", headers=agent.headers, json=NEW_TYPE)
    assert response.status_code == 403


async def test_a_taken_code_is_409(client: httpx.AsyncClient, admin: Staff) -> None:
    response = await client.post("/api/v1/service-types", headers=admin.headers, json={**NEW_TYPE, "code": "SOCIAL"})
    assert response.status_code == 409
    assert response.json()["type"] == "/problems/service-type-code-taken"


async def test_an_unknown_category_is_422(client: httpx.AsyncClient, admin: Staff) -> None:
    response = await client.post("/api/v1/service-types", headers=admin.headers, json={**NEW_TYPE, "category": "x"})
    assert response.status_code == 422


async def test_editing_needs_if_match_and_a_fresh_etag(client: httpx.AsyncClient, admin: Staff) -> None:
    url = "/api/v1/service-types/SOCIAL"
    missing = await client.patch(url, headers=admin.headers, json={"default_sla_days": 8})
    stale = await client.patch(url, headers={**admin.headers, "If-Match": '"v0"'}, json={"default_sla_days": 8})
    fresh = await client.patch(url, headers={**admin.headers, "If-Match": '"v1"'}, json={"default_sla_days": 8})
    assert (missing.status_code, stale.status_code, fresh.status_code) == (428, 412, 200)
    assert fresh.json()["default_sla_days"] == 8
    assert fresh.headers["etag"] == '"v2"'


async def test_a_retired_type_takes_no_new_case_but_keeps_its_cases(
    client: httpx.AsyncClient, admin: Staff, agent: Staff, make_registrant
) -> None:
    registrant = await make_registrant()
    kept = await open_case(client, agent, registrant, service_type="TRAINING")
    retired = await client.patch(
        "/api/v1/service-types/TRAINING", headers={**admin.headers, "If-Match": '"v1"'}, json={"is_active": False}
    )
    assert retired.status_code == 200
    assert retired.json()["retired_at"] is not None
    refused = await client.post(
        "/api/v1/cases",
        headers=agent.headers,
        json={"registrant_id": str(registrant), "service_type": "TRAINING", "channel": "phone"},
    )
    assert refused.status_code == 422
    assert refused.json()["type"] == "/problems/service-type-retired"
    still = await client.get(f"/api/v1/cases/{kept['id']}", headers=agent.headers)
    assert still.json()["service_type"] == "TRAINING"
    active = await client.get("/api/v1/service-types", headers=agent.headers)
    assert "TRAINING" not in [t["code"] for t in active.json()]
    everything = await client.get("/api/v1/service-types?include_retired=true", headers=agent.headers)
    assert "TRAINING" in [t["code"] for t in everything.json()]


async def test_retiring_is_audited(client: httpx.AsyncClient, admin: Staff) -> None:
    await client.patch(
        "/api/v1/service-types/TRAINING", headers={**admin.headers, "If-Match": '"v1"'}, json={"is_active": False}
    )
    events = await client.get("/api/v1/audit/events?action=service_type.retire", headers=admin.headers)
    [event] = events.json()["items"]
    assert event["details"]["changes"]["is_active"] == {"before": True, "after": False}


async def test_the_words_of_every_document_code_are_read_by_staff_only(client: httpx.AsyncClient, agent: Staff) -> None:
    read = await client.get("/api/v1/service-types/document-labels", headers=agent.headers)
    anonymous = await client.get("/api/v1/service-types/document-labels")
    assert (read.status_code, read.json()) == (200, DOCUMENT_LABELS)
    assert read.json()["fr"]["residence_card_or_receipt"] == "Carte de séjour ou récépissé"
    assert anonymous.status_code == 401
