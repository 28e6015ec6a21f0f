"""Tombstones for what leaves an agent's app otherwise than by a deletion: a merged file, an
anonymised person (and every record of theirs), on both databases; the same cursor gives the same
answer, and a device synced from scratch holds what a device synced incrementally holds."""

from __future__ import annotations

from typing import Any

import httpx

from tests.cases.conftest import open_case
from tests.conftest import Staff
from tests.merges.conftest import Pair, awa, awa_again, merge, register
from tests.sync.test_sync import PASSPORT, keys, sync_all


async def test_a_merge_tombstones_the_merged_file_and_carries_its_case_to_the_survivor(
    client: httpx.AsyncClient, make_staff: Any, audit_log: Any
) -> None:
    agent: Staff = await make_staff("agent", ["CASA-BASE"])
    survivor = await register(client, agent, awa())
    merged = await register(client, agent, awa_again())
    case = await client.post(
        "/api/v1/cases",
        headers=agent.headers,
        json={"registrant_id": merged["id"], "service_type": "SOCIAL", "channel": "walk_in"},
    )
    assert case.status_code == 201, case.text
    uploads = []
    for owner in (survivor, merged):  # the same file on both: the merge leaves the merged file's copy
        uploads.append(
            await client.post(
                f"/api/v1/registrants/{owner['id']}/documents",
                headers=agent.headers,
                files={"file": ("p.pdf", PASSPORT.read_bytes(), "application/pdf")},
                data={"kind": "passport"},
            )
        )
    assert [u.status_code for u in uploads] == [201, 201]
    await audit_log.seal()
    _, cursor = await sync_all(client, agent)

    pair = Pair(
        survivor=survivor["id"],
        merged=merged["id"],
        case_id=case.json()["id"],
        survivor_number=survivor["registration_number"],
        merged_number=merged["registration_number"],
    )
    done = await merge(client, agent, pair)
    assert done.status_code in (200, 201), done.text
    await audit_log.seal()

    changes, next_cursor = await sync_all(client, agent, cursor)
    by_key = {(i["type"], i["id"]): i for i in changes}
    assert by_key[("registrant", merged["id"])] == {
        "type": "registrant",
        "id": merged["id"],
        "op": "delete",
        "reason": "merged",
    }
    assert by_key[("registrant", survivor["id"])]["op"] == "upsert"  # the survivor is not a tombstone
    moved_case = by_key[("case", case.json()["id"])]
    assert (moved_case["op"], moved_case["data"]["registrant_id"]) == ("upsert", survivor["id"])
    assert by_key[("document", uploads[1].json()["id"])] == {
        "type": "document",
        "id": uploads[1].json()["id"],
        "op": "delete",
        "reason": "merged",
    }
    order = [(i["type"], i["id"]) for i in changes]
    assert order.index(("registrant", merged["id"])) < order.index(("case", case.json()["id"]))
    assert await sync_all(client, agent, cursor) == (changes, next_cursor)

    fresh, _ = await sync_all(client, agent)
    assert ("registrant", merged["id"], "upsert") not in keys(fresh)
    assert {("registrant", survivor["id"], "upsert"), ("case", case.json()["id"], "upsert")} <= set(keys(fresh))
    assert uploads[1].json()["id"] not in {i["id"] for i in fresh}
    assert ("document", uploads[0].json()["id"], "upsert") in keys(fresh)


async def test_an_anonymised_person_and_every_record_of_theirs_are_tombstoned(
    client: httpx.AsyncClient, make_staff: Any, make_registrant: Any, audit_log: Any
) -> None:
    agent: Staff = await make_staff("agent", ["CASA-BASE"])
    supervisor: Staff = await make_staff("supervisor", ["CASA-BASE"])
    dakar_agent: Staff = await make_staff("agent", ["DKR-MOB"])
    person = await make_registrant("CASA-BASE", given="Khady", family="Fall")
    other = await make_registrant("CASA-BASE", given="Modou", family="Sy")
    case = await open_case(client, agent, person)
    note = await client.post(f"/api/v1/cases/{case['id']}/notes", json={"text": "suivi"}, headers=agent.headers)
    assert note.status_code == 201
    await audit_log.seal()
    _, cursor = await sync_all(client, agent)
    _, dakar_cursor = await sync_all(client, dakar_agent)

    request = await client.post(
        "/api/v1/privacy/subject-requests",
        headers=supervisor.headers,
        json={"registrant_id": str(person), "kind": "erasure", "channel": "in_person"},
    )
    assert request.status_code == 201, request.text
    erased = await client.post(
        f"/api/v1/privacy/subject-requests/{request.json()['id']}/erase", headers=supervisor.headers
    )
    assert erased.status_code == 200, erased.text
    await audit_log.seal()

    changes, next_cursor = await sync_all(client, agent, cursor)
    gone = [(i["type"], i["id"], i.get("reason")) for i in changes if i["op"] == "delete"]
    assert gone == [
        ("registrant", str(person), "anonymised"),
        ("case", case["id"], "anonymised"),
        ("case_note", note.json()["id"], "anonymised"),
    ]
    assert [i for i in changes if i["op"] == "upsert" and i["id"] in {str(person), case["id"]}] == []
    assert await sync_all(client, agent, cursor) == (changes, next_cursor)
    fresh, _ = await sync_all(client, agent)
    assert keys(fresh) == [("registrant", str(other), "upsert")]
    dakar, _ = await sync_all(client, dakar_agent, dakar_cursor)
    assert dakar == []  # another desk learns nothing, not even the ids
