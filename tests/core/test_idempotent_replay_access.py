"""A replay never shows what the user may not read now.

Before: an agent of CASA-BASE and DKR-MOB registered someone at DKR-MOB with an Idempotency-Key;
an administrator then took DKR-MOB away from them. Reading the registrant answered 404, but the
same POST with the same key answered 201 ``Idempotent-Replayed: true`` with the whole record.
A stored answer is now sent again only if the user may still read it; otherwise 404, as a read.
"""

from __future__ import annotations

from typing import Any

import httpx

from tests.conftest import PASSWORD, Staff
from tests.registrants.conftest import URL as REGISTRANTS
from tests.registrants.conftest import person

KEY = {"Idempotency-Key": "counter-7"}


async def _set_desks(client: httpx.AsyncClient, admin: Staff, staff: Staff, codes: list[str]) -> None:
    url = f"/api/v1/users/{staff.id}"
    etag = (await client.get(url, headers=admin.headers)).headers["etag"]
    changed = await client.patch(url, json={"desk_codes": codes}, headers={**admin.headers, "If-Match": etag})
    assert changed.status_code == 200, changed.text


async def test_a_registrant_of_a_desk_the_agent_left_is_not_replayed(
    client: httpx.AsyncClient, make_staff: Any
) -> None:
    admin = await make_staff("admin", [])
    agent = await make_staff("agent", ["CASA-BASE", "DKR-MOB"])
    body = person(desk_code="DKR-MOB")
    created = await client.post(REGISTRANTS, json=body, headers={**agent.headers, **KEY})
    assert created.status_code == 201, created.text
    await _set_desks(client, admin, agent, ["CASA-BASE"])
    assert (await client.get(f"{REGISTRANTS}/{created.json()['id']}", headers=agent.headers)).status_code == 404
    replay = await client.post(REGISTRANTS, json=body, headers={**agent.headers, **KEY, "Accept-Language": "en"})
    assert (replay.status_code, replay.json()["type"]) == (404, "/problems/not-found")
    assert replay.json()["detail"] == "The record this request created is not readable with your current access."
    assert "idempotent-replayed" not in replay.headers
    assert created.json()["id"] not in replay.text


async def test_a_registrant_of_a_desk_the_agent_kept_is_replayed(client: httpx.AsyncClient, make_staff: Any) -> None:
    admin = await make_staff("admin", [])
    agent = await make_staff("agent", ["CASA-BASE", "DKR-MOB"])
    body = person(desk_code="CASA-BASE")
    created = await client.post(REGISTRANTS, json=body, headers={**agent.headers, **KEY})
    await _set_desks(client, admin, agent, ["CASA-BASE"])
    replay = await client.post(REGISTRANTS, json=body, headers={**agent.headers, **KEY})
    assert (replay.status_code, replay.headers["idempotent-replayed"]) == (201, "true")
    assert replay.json() == created.json()


async def test_a_case_and_its_note_of_a_desk_left_are_not_replayed(client: httpx.AsyncClient, make_staff: Any) -> None:
    admin = await make_staff("admin", [])
    agent = await make_staff("agent", ["CASA-BASE", "DKR-MOB"])
    registrant = await client.post(REGISTRANTS, json=person(desk_code="DKR-MOB"), headers=agent.headers)
    case_body = {"registrant_id": registrant.json()["id"], "service_type": "SOCIAL", "channel": "walk_in"}
    case = await client.post("/api/v1/cases", json=case_body, headers={**agent.headers, **KEY})
    assert case.status_code == 201, case.text
    note_url = f"/api/v1/cases/{case.json()['id']}/notes"
    note_key = {"Idempotency-Key": "note-1"}
    note = await client.post(note_url, json={"text": "dossier"}, headers={**agent.headers, **note_key})
    assert note.status_code == 201, note.text
    await _set_desks(client, admin, agent, ["CASA-BASE"])
    again = await client.post("/api/v1/cases", json=case_body, headers={**agent.headers, **KEY})
    assert (again.status_code, again.json()["type"]) == (404, "/problems/not-found")
    note_again = await client.post(note_url, json={"text": "dossier"}, headers={**agent.headers, **note_key})
    assert note_again.status_code == 404
    assert "dossier" not in note_again.text


async def test_after_a_change_of_role_nothing_is_replayed(client: httpx.AsyncClient, make_staff: Any) -> None:
    """A supervisor reads sensitive fields an agent does not: the stored answer is not sent again."""
    admin = await make_staff("admin", [])
    supervisor = await make_staff("supervisor", ["CASA-BASE"])
    body = person(desk_code="CASA-BASE")
    created = await client.post(REGISTRANTS, json=body, headers={**supervisor.headers, **KEY})
    assert created.status_code == 201
    url = f"/api/v1/users/{supervisor.id}"
    etag = (await client.get(url, headers=admin.headers)).headers["etag"]
    demoted = await client.patch(url, json={"role": "agent"}, headers={**admin.headers, "If-Match": etag})
    assert demoted.status_code == 200
    login = await client.post("/api/v1/auth/token", data={"username": supervisor.email, "password": PASSWORD})
    headers = {"Authorization": f"Bearer {login.json()['access_token']}"}
    replay = await client.post(REGISTRANTS, json=body, headers={**headers, **KEY})
    assert (replay.status_code, replay.json()["type"]) == (404, "/problems/not-found")
