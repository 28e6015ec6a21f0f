"""Delta sync over HTTP: first sync, incremental sync, resuming, tombstones, desk scoping."""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.cases.models import Case
from tests.cases.conftest import move, open_case
from tests.conftest import Staff

URL = "/api/v1/sync"
PASSPORT = Path(__file__).resolve().parents[1] / "fixtures" / "documents" / "specimen_passport.pdf"


@pytest.fixture
async def agent(make_staff):  # type: ignore[no-untyped-def]
    return await make_staff("agent", ["CASA-BASE"])


@pytest.fixture
async def supervisor(make_staff):  # type: ignore[no-untyped-def]
    return await make_staff("supervisor", ["CASA-BASE"])


@pytest.fixture
async def dakar_agent(make_staff):  # type: ignore[no-untyped-def]
    return await make_staff("agent", ["DKR-MOB"])


async def sync_all(
    client: httpx.AsyncClient, staff: Staff, cursor: str | None = None, limit: int = 200
) -> tuple[list[dict[str, Any]], str]:
    """Every page from ``cursor`` until ``has_more`` is false: (items, last next_cursor)."""
    items: list[dict[str, Any]] = []
    while True:
        params: dict[str, Any] = {"limit": limit}
        if cursor:
            params["cursor"] = cursor
        response = await client.get(URL, params=params, headers=staff.headers)
        assert response.status_code == 200, response.text
        body = response.json()
        items.extend(body["items"])
        cursor = body["next_cursor"]
        if not body["has_more"]:
            return items, cursor


def keys(items: list[dict[str, Any]]) -> list[tuple[str, str, str]]:
    return [(i["type"], i["id"], i["op"]) for i in items]


async def test_first_then_incremental_sync_with_a_deletion_tombstone(
    client: httpx.AsyncClient, agent: Staff, supervisor: Staff, dakar_agent: Staff, make_registrant: Any, audit_log: Any
) -> None:
    awa = await make_registrant("CASA-BASE", given="Awa", family="Ndiaye")
    moussa = await make_registrant("CASA-BASE", given="Moussa", family="Diop")
    dakar_person = await make_registrant("DKR-MOB", given="Fatou", family="Sarr")
    case = await open_case(client, agent, awa)
    note = await client.post(
        f"/api/v1/cases/{case['id']}/notes",
        json={"text": "suivi psychologique", "confidential": True},
        headers=agent.headers,
    )
    assert note.status_code == 201
    uploaded = await client.post(
        f"/api/v1/registrants/{moussa}/documents",
        headers=agent.headers,
        files={"file": ("p.pdf", PASSPORT.read_bytes(), "application/pdf")},
        data={"kind": "passport"},
    )
    assert uploaded.status_code == 201, uploaded.text
    await audit_log.seal()

    first, cursor = await sync_all(client, agent)

    assert sorted(keys(first)) == sorted(
        [
            ("registrant", str(awa), "upsert"),
            ("registrant", str(moussa), "upsert"),
            ("case", case["id"], "upsert"),
            ("case_note", note.json()["id"], "upsert"),
            ("document", uploaded.json()["id"], "upsert"),
        ]
    )
    assert [i["type"] for i in first] == ["registrant", "registrant", "case", "case_note", "document"]
    assert str(dakar_person) not in {i["id"] for i in first}
    by_id = {i["id"]: i for i in first}
    assert by_id[note.json()["id"]]["data"]["text"] is None  # confidential: not for an agent
    assert by_id[str(awa)]["data"]["residence_status"] is None
    assert by_id[str(awa)]["data"]["phones"][0]["e164"] == "+212612345678"
    assert by_id[case["id"]]["etag"] == '"v1"'
    # Nothing changed: the same cursor answers nothing more, and the same cursor again.
    again = await client.get(URL, params={"cursor": cursor}, headers=agent.headers)
    assert again.json() == {"items": [], "next_cursor": cursor, "has_more": False, "reset": False}

    patched = await client.patch(
        f"/api/v1/registrants/{awa}",
        json={"host_city": "Fès"},
        headers={**agent.headers, "If-Match": by_id[str(awa)]["etag"]},
    )
    assert patched.status_code == 200, patched.text
    deleted = await client.request(
        "DELETE", f"/api/v1/documents/{uploaded.json()['id']}", headers=supervisor.headers, json={"reason": "doublon"}
    )
    assert deleted.status_code in (200, 204), deleted.text
    await audit_log.seal()

    changes, later = await sync_all(client, agent, cursor)

    assert changes == [
        {"type": "registrant", "id": str(awa), "op": "upsert", "etag": '"v2"', "data": patched.json()},
        {"type": "document", "id": uploaded.json()["id"], "op": "delete", "reason": "deleted"},
    ]
    replay = await client.get(URL, params={"cursor": cursor}, headers=agent.headers)
    assert replay.json()["items"] == changes
    assert replay.json()["next_cursor"] == later
    # The Dakar agent never receives anything of Casablanca's, not even a tombstone.
    dakar_items, _ = await sync_all(client, dakar_agent)
    assert keys(dakar_items) == [("registrant", str(dakar_person), "upsert")]


async def test_resuming_page_by_page_gives_every_record_once(
    client: httpx.AsyncClient, agent: Staff, make_registrant: Any, audit_log: Any
) -> None:
    ids = [await make_registrant("CASA-BASE", given=f"P{n}", family="Ba") for n in range(5)]
    await audit_log.seal()
    first = await client.get(URL, params={"limit": 2}, headers=agent.headers)
    assert first.json()["has_more"] is True
    assert len(first.json()["items"]) == 2
    resumed, cursor = await sync_all(client, agent, first.json()["next_cursor"], limit=2)
    seen = [i["id"] for i in first.json()["items"] + resumed]
    assert seen == sorted(str(i) for i in ids)
    # A change made afterwards comes with the next sync, paged as well.
    for registrant_id in ids[:3]:
        response = await client.get(f"/api/v1/registrants/{registrant_id}", headers=agent.headers)
        patched = await client.patch(
            f"/api/v1/registrants/{registrant_id}",
            json={"host_city": "Tanger"},
            headers={**agent.headers, "If-Match": response.headers["etag"]},
        )
        assert patched.status_code == 200
    await audit_log.seal()
    page = await client.get(URL, params={"limit": 2, "cursor": cursor}, headers=agent.headers)
    assert [i["id"] for i in page.json()["items"]] == [str(i) for i in ids[:2]]
    assert page.json()["has_more"] is True
    rest, _ = await sync_all(client, agent, page.json()["next_cursor"], limit=2)
    assert [i["id"] for i in rest] == [str(ids[2])]


async def test_a_transfer_tombstones_the_case_and_what_is_under_it_for_the_sending_desk_and_reaches_the_other(
    client: httpx.AsyncClient,
    agent: Staff,
    dakar_agent: Staff,
    make_registrant: Any,
    audit_log: Any,
    sessionmaker: async_sessionmaker[AsyncSession],
    desk_ids: dict[str, uuid.UUID],
) -> None:
    registrant = await make_registrant("CASA-BASE", consents=("transfer_to_senegal",))
    case = await open_case(client, agent, registrant)
    staying = await open_case(client, agent, registrant)
    note = await client.post(f"/api/v1/cases/{case['id']}/notes", json={"text": "dossier"}, headers=agent.headers)
    assert note.status_code == 201
    await audit_log.seal()
    _, casa_cursor = await sync_all(client, agent)
    _, dakar_cursor = await sync_all(client, dakar_agent)

    moved = await move(client, agent, case["id"], "transferred", to_desk="DKR-MOB", legal_basis_note="retour")
    assert moved.status_code == 200, moved.text
    await audit_log.seal()

    casa, next_casa_cursor = await sync_all(client, agent, casa_cursor)
    assert casa == [
        {"type": "case", "id": case["id"], "op": "delete", "reason": "transferred"},
        {"type": "case_note", "id": note.json()["id"], "op": "delete", "reason": "transferred"},
    ]
    replay, replay_cursor = await sync_all(client, agent, casa_cursor)  # the same cursor, the same answer
    assert (replay, replay_cursor) == (casa, next_casa_cursor)
    fresh, _ = await sync_all(client, agent)  # a new device holds what a synced one holds
    assert sorted(keys(fresh)) == sorted([("registrant", str(registrant), "upsert"), ("case", staying["id"], "upsert")])

    dakar, _ = await sync_all(client, dakar_agent, dakar_cursor)
    new_case_id = moved.json()["transferred_to_case_id"]
    assert {(i["type"], i["op"]) for i in dakar} == {("registrant", "upsert"), ("case", "upsert")}
    assert new_case_id in {i["id"] for i in dakar}
    assert str(registrant) not in {i["id"] for i in dakar}  # Dakar holds its own copy
    assert "delete" not in {i["op"] for i in dakar}

    # A record that leaves the desk (here moved in the database, as a future re-assignment would)
    # is a tombstone for the desk it left at its next event.
    async with sessionmaker() as session:
        await session.execute(
            update(Case).where(Case.id == uuid.UUID(staying["id"])).values(desk_id=desk_ids["DKR-MOB"])
        )
        await session.commit()
    async with sessionmaker() as session:
        from app.audit import service as audit_service
        from app.core.context import Actor

        await audit_service.record(
            session,
            actor=Actor(user_id=None, email="system", role="system"),
            action="case.update",
            entity_type="case",
            entity_id=staying["id"],
            desk_id=desk_ids["CASA-BASE"],
        )
        await session.commit()
    await audit_log.seal()
    casa, _ = await sync_all(client, agent, next_casa_cursor)
    assert casa == [{"type": "case", "id": staying["id"], "op": "delete", "reason": "out_of_scope"}]


async def test_a_changed_desk_membership_starts_the_sync_over(
    client: httpx.AsyncClient, make_staff: Any, make_registrant: Any, audit_log: Any, sessionmaker: Any
) -> None:
    both = await make_staff("agent", ["CASA-BASE", "DKR-MOB"])
    await make_registrant("CASA-BASE")
    await make_registrant("DKR-MOB")
    await audit_log.seal()
    items, cursor = await sync_all(client, both)
    assert len(items) == 2
    from sqlalchemy import delete, select

    from app.auth.models import DeskMembership
    from app.desks.models import Desk

    async with sessionmaker() as session:
        dakar = (await session.execute(select(Desk.id).where(Desk.code == "DKR-MOB"))).scalar_one()
        await session.execute(
            delete(DeskMembership).where(DeskMembership.user_id == both.id, DeskMembership.desk_id == dakar)
        )
        await session.commit()
    response = await client.get(URL, params={"cursor": cursor}, headers=both.headers)
    assert response.json()["reset"] is True
    assert [i["type"] for i in response.json()["items"]] == ["registrant"]


async def test_bad_cursors_and_limits_are_refused(client: httpx.AsyncClient, agent: Staff) -> None:
    for cursor in ("not-a-cursor", "eyJ2IjoxfQ", "e30"):
        response = await client.get(URL, params={"cursor": cursor}, headers=agent.headers)
        assert response.status_code == 400, cursor
        assert response.json()["type"] == "/problems/bad-request"
    assert (await client.get(URL, params={"limit": 0}, headers=agent.headers)).status_code == 422
    assert (await client.get(URL, params={"limit": 1001}, headers=agent.headers)).status_code == 422
    assert (await client.get(URL)).status_code == 401
