"""A sync page holds at most ``limit`` items, whatever one change carries along.

Before: ``limit`` counted audit events, and each event answered every record it changed — a merge
of a file with 4 cases gave, at ``limit=1``, pages of 1 and 5 items (a tombstone and 4 upserts);
an import or a large merge made one unbounded page. An event's records are now split across pages
when they do not fit, the cursor keeping the place inside the event.
"""

from __future__ import annotations

from typing import Any

import httpx

from tests.cases.conftest import move, open_case
from tests.conftest import Staff
from tests.merges.conftest import Pair, awa, awa_again, merge, register
from tests.sync.test_sync import URL, sync_all


async def _pages(client: httpx.AsyncClient, staff: Staff, cursor: str, limit: int) -> tuple[list[list[Any]], str]:
    pages: list[list[Any]] = []
    while True:
        response = await client.get(URL, params={"cursor": cursor, "limit": limit}, headers=staff.headers)
        assert response.status_code == 200, response.text
        body = response.json()
        pages.append(body["items"])
        cursor = body["next_cursor"]
        if not body["has_more"]:
            return pages, cursor


def _applied(pages: list[list[dict[str, Any]]]) -> dict[tuple[str, str], dict[str, Any]]:
    """What a device holds after applying ``pages`` in order: each record's last item. (A record
    two events change comes once in a page holding both, once per page otherwise.)"""
    held: dict[tuple[str, str], dict[str, Any]] = {}
    for page in pages:
        for item in page:
            held[(item["type"], item["id"])] = item
    return held


async def _merged_with_four_cases(client: httpx.AsyncClient, agent: Staff, audit_log: Any) -> tuple[str, Pair]:
    survivor = await register(client, agent, awa())
    merged = await register(client, agent, awa_again())
    cases = []
    for service_type in ("SOCIAL", "SOCIAL", "SOCIAL", "SOCIAL"):
        created = await client.post(
            "/api/v1/cases",
            headers=agent.headers,
            json={"registrant_id": merged["id"], "service_type": service_type, "channel": "walk_in"},
        )
        assert created.status_code == 201, created.text
        cases.append(created.json()["id"])
    await audit_log.seal()
    _, cursor = await sync_all(client, agent)
    pair = Pair(
        survivor=survivor["id"],
        merged=merged["id"],
        case_id=cases[0],
        survivor_number=survivor["registration_number"],
        merged_number=merged["registration_number"],
    )
    done = await merge(client, agent, pair)
    assert done.status_code in (200, 201), done.text
    await audit_log.seal()
    return cursor, pair


async def test_a_merge_carrying_four_cases_comes_one_item_a_page_at_limit_1(
    client: httpx.AsyncClient, make_staff: Any, audit_log: Any
) -> None:
    agent = await make_staff("agent", ["CASA-BASE"])
    cursor, pair = await _merged_with_four_cases(client, agent, audit_log)
    whole, whole_next = await sync_all(client, agent, cursor)
    pages, last_next = await _pages(client, agent, cursor, limit=1)
    assert {len(p) for p in pages} == {1}
    assert _applied(pages) == _applied([whole])
    assert last_next == whole_next
    merged_at = [(i["type"], i["id"], i["op"]) for i in whole].index(("registrant", pair.merged, "delete"))
    moved = [i for i in whole[merged_at + 1 :] if i["type"] == "case"]
    assert len(moved) == 4 and {c["data"]["registrant_id"] for c in moved} == {pair.survivor}


async def test_every_limit_gives_the_same_records_in_pages_no_larger_than_it(
    client: httpx.AsyncClient, make_staff: Any, audit_log: Any
) -> None:
    agent = await make_staff("agent", ["CASA-BASE"])
    cursor, _ = await _merged_with_four_cases(client, agent, audit_log)
    whole, _ = await sync_all(client, agent, cursor)
    for limit in (2, 3, 4):
        pages, _ = await _pages(client, agent, cursor, limit=limit)
        assert max(len(p) for p in pages) <= limit
        assert _applied(pages) == _applied([whole]), limit
    again, _ = await _pages(client, agent, cursor, limit=3)
    assert again == (await _pages(client, agent, cursor, limit=3))[0]


async def test_a_transferred_case_and_its_notes_come_one_a_page_at_limit_1(
    client: httpx.AsyncClient, make_staff: Any, make_registrant: Any, audit_log: Any
) -> None:
    agent = await make_staff("agent", ["CASA-BASE"])
    registrant = await make_registrant("CASA-BASE", consents=("transfer_to_senegal",))
    case = await open_case(client, agent, registrant)
    for text in ("dossier", "relance", "pièces"):
        note = await client.post(f"/api/v1/cases/{case['id']}/notes", json={"text": text}, headers=agent.headers)
        assert note.status_code == 201
    await audit_log.seal()
    _, cursor = await sync_all(client, agent)
    moved = await move(client, agent, case["id"], "transferred", to_desk="DKR-MOB", legal_basis_note="retour")
    assert moved.status_code == 200, moved.text
    await audit_log.seal()
    whole, _ = await sync_all(client, agent, cursor)
    assert [(i["type"], i["reason"]) for i in whole] == [("case", "transferred")] + [("case_note", "transferred")] * 3
    pages, _ = await _pages(client, agent, cursor, limit=1)
    assert {len(p) for p in pages} == {1}
    assert _applied(pages) == _applied([whole])
