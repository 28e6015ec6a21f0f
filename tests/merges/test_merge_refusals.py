"""Merges refused (and nothing written): itself, unknown files, another desk, stale or missing
ETags, unchosen conflicts, a file already merged; approval by a supervisor; unmerge refused."""

from __future__ import annotations

import uuid
from typing import Any

import httpx
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.merges.models import RegistrantMerge
from app.registrants.models import RegistrantPhone
from tests.conftest import Staff
from tests.merges.conftest import REGISTRANTS, URL, Pair, awa, merge, read, register, require_approval


async def _written(sessionmaker: async_sessionmaker[AsyncSession], pair: Pair) -> tuple[int, int]:
    """Merge records, and phones on the merged file (2 until a merge moves one)."""
    async with sessionmaker() as session:
        merges = (await session.execute(select(func.count()).select_from(RegistrantMerge))).scalar_one()
        phones = select(func.count()).where(RegistrantPhone.registrant_id == uuid.UUID(pair.merged))
        return merges, (await session.execute(phones)).scalar_one()


def _problem(response: httpx.Response, status: int, slug: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    body: dict[str, Any] = response.json()
    assert body["type"] == f"/problems/{slug}"
    return body


async def test_bad_merges_are_refused_with_a_problem_and_write_nothing(
    client: httpx.AsyncClient, agent: Staff, pair: Pair, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    itself = await client.post(
        URL, json={"survivor_id": pair.survivor, "merged_id": pair.survivor, "survivor_etag": "*", "merged_etag": "*"},
        headers=agent.headers,
    )  # fmt: skip
    _problem(itself, 422, "merge-same-registrant")
    unknown = await client.post(
        URL,
        json={"survivor_id": pair.survivor, "merged_id": str(uuid.uuid4()), "survivor_etag": "*", "merged_etag": "*"},
        headers=agent.headers,
    )
    _problem(unknown, 404, "not-found")
    missing_etag = await merge(client, agent, pair, merged_etag=None)
    assert _problem(missing_etag, 428, "precondition-required")["file"] == "merged"
    stale = await merge(client, agent, pair, survivor_etag='"v0"')
    body = _problem(stale, 412, "precondition-failed")
    assert (body["file"], body["current_etag"]) == ("survivor", '"v1"')
    unchosen = await merge(client, agent, pair, choices={"occupation": "merged"})
    body = _problem(unchosen, 422, "merge-choices-missing")
    assert body["missing"] == ["email"]
    unknown_field = await merge(
        client, agent, pair, choices={"occupation": "merged", "email": "merged", "desk_id": "x"}
    )
    _problem(unknown_field, 422, "validation-failed")
    bad_side = await merge(client, agent, pair, choices={"occupation": "both", "email": "merged"})
    _problem(bad_side, 422, "validation-failed")
    assert await _written(sessionmaker, pair) == (0, 2)

    assert (await merge(client, agent, pair)).status_code == 201
    twice = await merge(client, agent, pair, survivor_etag="*", merged_etag="*")
    assert _problem(twice, 409, "registrant-merged")["survivor_id"] == pair.survivor
    assert _problem(await client.post(f"{URL}/{uuid.uuid4()}/unmerge", headers=agent.headers), 404, "merge-not-found")


async def test_files_of_another_desk_are_merged_only_by_staff_of_both_desks(
    client: httpx.AsyncClient, agent: Staff, make_staff: Any, pair: Pair
) -> None:
    dakar = await make_staff("agent", ["DKR-MOB"])
    admin = await make_staff("admin", [])
    elsewhere = await register(client, dakar, awa(desk_code="DKR-MOB"))
    across = Pair(pair.survivor, elsewhere["id"], pair.case_id, pair.survivor_number, elsewhere["registration_number"])
    refused = await merge(client, agent, across, survivor_etag="*", merged_etag="*", choices={})
    _problem(refused, 404, "not-found")
    preview = await client.get(
        f"{URL}/preview", params={"survivor_id": pair.survivor, "merged_id": elsewhere["id"]}, headers=dakar.headers
    )
    _problem(preview, 404, "not-found")
    done = await merge(client, admin, across, choices={})
    assert done.status_code == 201, done.text
    # the Dakar agent is sent to the survivor, a Casablanca file they may not read
    moved = await read(client, dakar, elsewhere["id"])
    assert (moved.status_code, moved.headers["location"]) == (301, f"{REGISTRANTS}/{pair.survivor}")
    assert (await read(client, dakar, pair.survivor)).status_code == 404


async def test_an_agents_merge_waits_for_a_supervisor_where_the_desk_wants_it(
    client: httpx.AsyncClient, agent: Staff, supervisor: Staff, make_staff: Any, pair: Pair
) -> None:
    await require_approval(client, await make_staff("admin", []))
    proposed = await merge(client, agent, pair)
    assert proposed.status_code == 202, proposed.text
    record = proposed.json()
    assert record["status"] == "proposed"
    assert (await read(client, agent, pair.merged)).status_code == 200  # nothing merged yet
    listed = await client.get(URL, params={"status": "proposed"}, headers=supervisor.headers)
    assert [m["id"] for m in listed.json()["items"]] == [record["id"]]
    _problem(await merge(client, supervisor, pair), 409, "merge-pending")
    _problem(await client.post(f"{URL}/{record['id']}/approve", headers=agent.headers), 403, "merge-approval-required")

    approved = await client.post(
        f"{URL}/{record['id']}/approve", json={"note": "Même passeport."}, headers=supervisor.headers
    )
    assert approved.status_code == 200, approved.text
    assert (approved.json()["status"], approved.json()["decided_by"]) == ("merged", str(supervisor.id))
    assert (await read(client, agent, pair.merged)).status_code == 301
    access = await client.post(
        "/api/v1/privacy/subject-requests", json={"registrant_id": pair.merged}, headers=supervisor.headers
    )
    assert _problem(access, 409, "registrant-merged")["survivor_id"] == pair.survivor
    _problem(await client.post(f"{URL}/{record['id']}/approve", headers=supervisor.headers), 409, "merge-not-proposed")
    # undoing it needs a supervisor too, at this desk
    _problem(await client.post(f"{URL}/{record['id']}/unmerge", headers=agent.headers), 403, "merge-approval-required")
    assert (await client.post(f"{URL}/{record['id']}/unmerge", headers=supervisor.headers)).status_code == 200


async def test_a_proposal_is_not_approved_once_a_file_changed_and_can_be_rejected(
    client: httpx.AsyncClient, agent: Staff, supervisor: Staff, make_staff: Any, pair: Pair
) -> None:
    await require_approval(client, await make_staff("admin", []))
    record = (await merge(client, agent, pair)).json()
    changed = await client.patch(
        f"{REGISTRANTS}/{pair.survivor}", json={"host_city": "Rabat"}, headers={**agent.headers, "If-Match": '"v1"'}
    )
    assert changed.status_code == 200
    stale = await client.post(f"{URL}/{record['id']}/approve", headers=supervisor.headers)
    assert _problem(stale, 412, "precondition-failed")["file"] == "survivor"
    rejected = await client.post(f"{URL}/{record['id']}/reject", headers=supervisor.headers)
    assert (rejected.status_code, rejected.json()["status"]) == (200, "rejected")
    assert (await read(client, agent, pair.merged)).status_code == 200


async def test_unmerge_is_refused_naming_what_changed_since(
    client: httpx.AsyncClient, agent: Staff, pair: Pair
) -> None:
    record = (await merge(client, agent, pair)).json()
    survivor = await read(client, agent, pair.survivor)
    edited = await client.patch(
        f"{REGISTRANTS}/{pair.survivor}",
        json={"occupation": "vendeuse", "phones": [{"number": "+212612345678"}]},  # drops the moved phone
        headers={**agent.headers, "If-Match": survivor.headers["etag"]},
    )
    assert edited.status_code == 200, edited.text
    refused = await client.post(f"{URL}/{record['id']}/unmerge", headers=agent.headers)
    body = _problem(refused, 409, "unmerge-refused")
    assert [(r["code"], r.get("field") or r.get("kind")) for r in body["reasons"]] == [
        ("field_changed", "occupation"),
        ("record_gone", "phones"),
    ]
    assert (await read(client, agent, pair.merged)).status_code == 301  # still merged
    assert (await client.get(f"{URL}/{record['id']}", headers=agent.headers)).json()["status"] == "merged"


async def test_only_a_supervisor_takes_the_residence_status_of_the_merged_file(
    client: httpx.AsyncClient, agent: Staff, supervisor: Staff
) -> None:
    first = await register(client, agent, awa())
    second = await register(client, supervisor, awa(residence_status="carte de séjour valide"))
    files = Pair(first["id"], second["id"], "", first["registration_number"], second["registration_number"])
    preview = await client.get(
        f"{URL}/preview", params={"survivor_id": first["id"], "merged_id": second["id"]}, headers=agent.headers
    )
    assert preview.json()["conflicts"] == [{"field": "residence_status", "survivor": None, "merged": None}]
    refused = await merge(client, agent, files, choices={"residence_status": "merged"})
    _problem(refused, 403, "restricted-field")
    done = await merge(client, supervisor, files, choices={"residence_status": "merged"})
    assert done.status_code == 201, done.text
    survivor = await read(client, supervisor, first["id"])
    assert survivor.json()["residence_status"] == "carte de séjour valide"


async def test_a_merge_without_a_file_s_version_says_so_in_the_screen_s_words(
    client: httpx.AsyncClient, agent: Staff, pair: Pair
) -> None:
    french = Staff(agent.id, agent.email, agent.role, {**agent.headers, "Accept-Language": "fr"})
    body = _problem(await merge(client, french, pair, merged_etag=None), 428, "precondition-required")
    assert body["file"] == "merged"  # the machine-readable member names the API's field as before
    assert body["detail"] == (
        "La fusion ne dit pas quelle version du dossier à fusionner vous avez ouverte : rouvrez les deux dossiers, "
        "puis refaites la fusion."
    )
