"""``/api/v1/registrant-merges``: one survivor, every record moved, the merged file redirected,
everything put back by an unmerge."""

from __future__ import annotations

import uuid

import httpx
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.appointments.models import Appointment
from app.audit.models import AuditEvent
from app.documents.models import Document
from app.registrants.models import RegistrantKey
from tests.conftest import Staff
from tests.merges.conftest import REGISTRANTS, URL, Pair, awa, merge, read, register, stable


async def _children(sessionmaker: async_sessionmaker[AsyncSession], registrant: str) -> dict[str, int]:
    registrant_id = uuid.UUID(registrant)
    async with sessionmaker() as session:
        appointments = select(func.count()).where(Appointment.registrant_id == registrant_id)
        documents = select(func.count()).where(Document.owner_type == "registrant", Document.owner_id == registrant_id)
        keys = select(func.count()).where(RegistrantKey.registrant_id == registrant_id)
        return {
            "appointments": (await session.execute(appointments)).scalar_one(),
            "documents": (await session.execute(documents)).scalar_one(),
            "keys": (await session.execute(keys)).scalar_one(),
        }


async def test_preview_lists_the_conflicts_and_what_moves(client: httpx.AsyncClient, agent: Staff, pair: Pair) -> None:
    response = await client.get(
        f"{URL}/preview", params={"survivor_id": pair.survivor, "merged_id": pair.merged}, headers=agent.headers
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["conflicts"] == [
        {"field": "email", "survivor": None, "merged": "awa.badji@example.org"},
        {"field": "occupation", "survivor": "couturière", "merged": "commerçante"},
    ]
    # the shared phone stays the survivor's; the other phone, the passport and the rest move
    assert body["moves"] == {
        "phones": 1,
        "identity_documents": 1,
        "documents": 1,
        "consents": 1,
        "cases": 1,
        "appointments": 1,
        "disclosures": 0,
        "subject_requests": 0,
        "legal_holds": 0,
        "notifications": 2,  # the registration receipt and the case's, not sent (no consent to contact)
        "person_accounts": 0,
        "link_codes": 0,
        "notification_preferences": 0,
        "redirects": 0,
    }
    assert (body["survivor"]["etag"], body["merged"]["etag"]) == ('"v1"', '"v1"')
    assert body["approval_required"] is False


async def test_merge_moves_every_record_redirects_and_unmerge_restores_both(
    client: httpx.AsyncClient, agent: Staff, pair: Pair, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    before = {rid: (await read(client, agent, rid)).json() for rid in (pair.survivor, pair.merged)}
    children_before = {rid: await _children(sessionmaker, rid) for rid in (pair.survivor, pair.merged)}

    response = await merge(client, agent, pair)
    assert response.status_code == 201, response.text
    record = response.json()
    assert record["status"] == "merged"
    assert record["choices"] == {"email": "merged", "occupation": "merged"}
    assert response.headers["location"] == f"{URL}/{record['id']}"

    survivor = (await read(client, agent, pair.survivor)).json()
    assert (survivor["registration_number"], survivor["occupation"], survivor["email"]) == (
        pair.survivor_number,
        "commerçante",
        "awa.badji@example.org",
    )
    assert [p["e164"] for p in survivor["phones"]] == ["+212612345678", "+221771234567"]
    assert [d["number"] for d in survivor["documents"]] == ["A01234567"]
    assert [c["purpose"] for c in survivor["consents"]] == ["statistics"]
    cases = await client.get(f"{REGISTRANTS}/{pair.survivor}/cases", headers=agent.headers)
    assert [c["id"] for c in cases.json()["items"]] == [pair.case_id]
    notes = await client.get(f"/api/v1/cases/{pair.case_id}/notes", headers=agent.headers)
    assert [n["text"] for n in notes.json()["items"]] == ["Vue au guichet."]
    docs = await client.get(f"{REGISTRANTS}/{pair.survivor}/documents", headers=agent.headers)
    assert [d["original_filename"] for d in docs.json()["items"]] == ["passeport.png"]
    survivor_children = await _children(sessionmaker, pair.survivor)
    assert (survivor_children["appointments"], survivor_children["documents"]) == (1, 1)
    assert survivor_children["keys"] > children_before[pair.survivor]["keys"]  # the moved phone's keys
    # the merged file keeps its match keys, as they were: its spellings find the survivor
    merged_children = await _children(sessionmaker, pair.merged)
    assert merged_children == {"appointments": 0, "documents": 0, "keys": children_before[pair.merged]["keys"]}

    # the merged file: 301 to the survivor on GET, 409 with the pointer on writes, out of search
    moved = await read(client, agent, pair.merged)
    assert moved.status_code == 301
    assert moved.headers["location"] == f"{REGISTRANTS}/{pair.survivor}"
    write = await client.patch(
        f"{REGISTRANTS}/{pair.merged}", json={"occupation": "x"}, headers={**agent.headers, "If-Match": "*"}
    )
    assert write.status_code == 409
    assert write.headers["content-type"] == "application/problem+json"
    assert (write.json()["type"], write.json()["survivor_id"]) == ("/problems/registrant-merged", pair.survivor)
    case = await client.post(
        "/api/v1/cases",
        headers=agent.headers,
        json={"registrant_id": pair.merged, "service_type": "SOCIAL", "channel": "walk_in"},
    )
    assert (case.status_code, case.json()["survivor_id"]) == (409, pair.survivor)
    listed = await client.get(f"{REGISTRANTS}/{pair.merged}/documents", headers=agent.headers)
    assert (listed.status_code, listed.json()["survivor_id"]) == (409, pair.survivor)
    found = await client.get(REGISTRANTS, params={"q": "Awa Badji"}, headers=agent.headers)
    assert [r["id"] for r in found.json()["items"]] == [pair.survivor]
    by_number = await client.get(REGISTRANTS, params={"q": pair.merged_number}, headers=agent.headers)
    assert [r["id"] for r in by_number.json()["items"]] == [pair.survivor]
    by_phone = await client.get(REGISTRANTS, params={"q": "+221771234567"}, headers=agent.headers)
    assert [r["id"] for r in by_phone.json()["items"]] == [pair.survivor]

    # unmerge: both files exactly as they were, every record back where it was
    undone = await client.post(f"{URL}/{record['id']}/unmerge", headers=agent.headers)
    assert undone.status_code == 200, undone.text
    assert undone.json()["status"] == "unmerged"
    for rid in (pair.survivor, pair.merged):
        after = await read(client, agent, rid)
        assert after.status_code == 200
        assert stable(after.json()) == stable(before[rid])
        assert after.json()["version"] > before[rid]["version"]  # an ETag is never reused
        assert await _children(sessionmaker, rid) == children_before[rid]
    cases = await client.get(f"{REGISTRANTS}/{pair.merged}/cases", headers=agent.headers)
    assert [c["id"] for c in cases.json()["items"]] == [pair.case_id]
    found = await client.get(REGISTRANTS, params={"q": "Awa Badji"}, headers=agent.headers)
    assert sorted(r["id"] for r in found.json()["items"]) == sorted([pair.survivor, pair.merged])

    again = await client.post(f"{URL}/{record['id']}/unmerge", headers=agent.headers)
    assert again.status_code == 409
    assert (again.json()["type"], again.json()["status_now"]) == ("/problems/merge-not-in-force", "unmerged")

    async with sessionmaker() as session:
        events = (
            await session.execute(
                select(AuditEvent.action, AuditEvent.entity_id)
                .where(AuditEvent.action.in_(["registrant.merge", "registrant.merged", "registrant.unmerge"]))
                .order_by(AuditEvent.id)
            )
        ).all()
    assert [(a, str(e)) for a, e in events] == [
        ("registrant.merge", pair.survivor),
        ("registrant.merged", pair.merged),
        ("registrant.unmerge", pair.survivor),
        ("registrant.unmerge", pair.merged),
    ]


async def test_a_merged_number_resolves_in_one_step_when_its_survivor_is_merged_in_turn(
    client: httpx.AsyncClient, agent: Staff, pair: Pair
) -> None:
    first = (await merge(client, agent, pair)).json()
    third = await register(client, agent, awa())
    onward = Pair(third["id"], pair.survivor, "", third["registration_number"], pair.survivor_number)
    second = await merge(client, agent, onward, choices={"occupation": "survivor", "email": "survivor"})
    assert second.status_code == 201, second.text
    assert second.json()["moved"]["redirects"] == 1
    for moved in (pair.merged, pair.survivor):
        assert (await read(client, agent, moved)).headers["location"] == f"{REGISTRANTS}/{third['id']}"
    serial = pair.merged_number.rsplit("-", 1)[1]
    for number in (pair.merged_number, serial, str(int(serial))):  # the serial alone is its number too
        by_number = await client.get(REGISTRANTS, params={"q": number}, headers=agent.headers)
        assert [r["id"] for r in by_number.json()["items"]] == [third["id"]], number

    refused = await client.post(f"{URL}/{first['id']}/unmerge", headers=agent.headers)
    assert refused.status_code == 409
    assert [r["code"] for r in refused.json()["reasons"]] == ["survivor_merged"]
    assert (await client.post(f"{URL}/{second.json()['id']}/unmerge", headers=agent.headers)).status_code == 200
    assert (await read(client, agent, pair.merged)).headers["location"] == f"{REGISTRANTS}/{pair.survivor}"
    assert (await client.post(f"{URL}/{first['id']}/unmerge", headers=agent.headers)).status_code == 200
    assert (await read(client, agent, pair.merged)).status_code == 200
