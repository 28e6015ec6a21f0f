"""Documents attached to cases: the same upload, listing and desk scoping as for registrants."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest
from sqlalchemy import select

from app.cases.models import Case, ServiceType
from tests.documents.conftest import NOTHING, PASSPORT, count_rows, leftovers, sha256_of


@pytest.fixture
def make_case(sessionmaker, make_registrant, desk_ids):  # type: ignore[no-untyped-def]
    """``await make_case("CASA-BASE")`` → the id of a new case, created through the ORM."""

    async def make(desk: str = "CASA-BASE") -> uuid.UUID:
        registrant_id = await make_registrant(desk)
        async with sessionmaker() as session:
            service_type_id = (await session.execute(select(ServiceType.id).limit(1))).scalar_one()
            case = Case(
                case_number=f"C-{uuid.uuid4().hex[:12]}",
                desk_id=desk_ids[desk],
                registrant_id=registrant_id,
                service_type_id=service_type_id,
                channel="walk_in",
                opened_on=dt.date(2026, 11, 30),
                due_date=dt.date(2026, 12, 14),
            )
            session.add(case)
            await session.commit()
            return case.id

    return make


async def _upload(client, headers, case_id):  # type: ignore[no-untyped-def]
    return await client.post(
        f"/api/v1/cases/{case_id}/documents",
        headers=headers,
        files={"file": ("contrat.pdf", PASSPORT.read_bytes(), "application/pdf")},
        data={"kind": "contract", "description": "Contrat de travail"},
    )


async def test_upload_to_a_case_and_list_it(client, make_staff, make_case, storage):
    agent = await make_staff("agent", ["CASA-BASE"])
    case_id = await make_case()

    response = await _upload(client, agent.headers, case_id)

    assert response.status_code == 201, response.text
    assert response.json()["owner_type"] == "case"
    assert response.json()["owner_id"] == str(case_id)
    assert response.json()["sha256"] == sha256_of(PASSPORT.read_bytes())
    listing = await client.get(f"/api/v1/cases/{case_id}/documents", headers=agent.headers)
    assert [d["id"] for d in listing.json()["items"]] == [response.json()["id"]]


async def test_case_of_another_desk_is_404_and_nothing_is_stored(client, make_staff, make_case, storage, sessionmaker):
    agent = await make_staff("agent", ["CASA-BASE"])
    case_id = await make_case("DKR-MOB")
    response = await _upload(client, agent.headers, case_id)
    assert response.status_code == 404
    assert (await client.get(f"/api/v1/cases/{case_id}/documents", headers=agent.headers)).status_code == 404
    assert await count_rows(sessionmaker) == 0
    assert await leftovers(storage) == NOTHING


async def test_attaching_and_deleting_a_case_document_shows_in_the_case_timeline(
    client, make_staff, make_case, storage
):
    agent = await make_staff("agent", ["CASA-BASE"])
    supervisor = await make_staff("supervisor", ["CASA-BASE"])
    case_id = await make_case()
    document = (await _upload(client, agent.headers, case_id)).json()
    deleted = await client.request(
        "DELETE", f"/api/v1/documents/{document['id']}", json={"reason": "wrong person"}, headers=supervisor.headers
    )
    assert deleted.status_code == 204, deleted.text
    timeline = (await client.get(f"/api/v1/cases/{case_id}/timeline", headers=supervisor.headers)).json()
    events = [(e["kind"], e["details"].get("document_id")) for e in timeline["items"]]
    assert events == [("document_attached", document["id"]), ("document_deleted", document["id"])]
