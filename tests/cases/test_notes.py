"""Case notes: authored and timestamped; confidential text only for supervisors and administrators."""

from __future__ import annotations

import httpx

from tests.cases.conftest import move, open_case
from tests.conftest import Staff


async def add_note(client: httpx.AsyncClient, staff: Staff, case_id: str, text: str, confidential: bool = False):
    return await client.post(
        f"/api/v1/cases/{case_id}/notes", headers=staff.headers, json={"text": text, "confidential": confidential}
    )


async def test_a_note_is_authored_and_timestamped(client: httpx.AsyncClient, agent: Staff, make_registrant) -> None:
    case = await open_case(client, agent, await make_registrant())
    response = await add_note(client, agent, case["id"], "Pièces demandées : passeport, bail.")
    body = response.json()
    assert response.status_code == 201
    assert (body["author_id"], body["author_label"], body["confidential"]) == (str(agent.id), agent.email, False)
    assert body["text"] == "Pièces demandées : passeport, bail."
    assert body["created_at"].endswith("Z") or body["created_at"].endswith("+00:00")


async def test_an_agent_sees_a_confidential_note_exists_but_not_its_text(
    client: httpx.AsyncClient, agent: Staff, supervisor: Staff, make_registrant
) -> None:
    case = await open_case(client, agent, await make_registrant())
    await add_note(client, agent, case["id"], "RDV pris au consulat.")
    await add_note(client, supervisor, case["id"], "Suivi psychologique en cours (dépression).", confidential=True)
    response = await client.get(f"/api/v1/cases/{case['id']}/notes", headers=agent.headers)
    assert response.status_code == 200
    assert [(n["confidential"], n["text"]) for n in response.json()["items"]] == [
        (False, "RDV pris au consulat."),
        (True, None),
    ]
    assert "dépression" not in response.text


async def test_a_supervisor_reads_the_confidential_text(
    client: httpx.AsyncClient, agent: Staff, supervisor: Staff, make_registrant
) -> None:
    case = await open_case(client, agent, await make_registrant())
    await add_note(client, agent, case["id"], "Suivi psychologique en cours.", confidential=True)
    response = await client.get(f"/api/v1/cases/{case['id']}/notes", headers=supervisor.headers)
    assert [n["text"] for n in response.json()["items"]] == ["Suivi psychologique en cours."]


async def test_an_agent_writing_a_confidential_note_gets_it_back_without_text(
    client: httpx.AsyncClient, agent: Staff, make_registrant
) -> None:
    case = await open_case(client, agent, await make_registrant())
    response = await add_note(client, agent, case["id"], "VIH, traitement en cours.", confidential=True)
    assert (response.status_code, response.json()["text"]) == (201, None)


async def test_confidential_text_is_not_on_the_timeline_nor_in_the_audit_log(
    client: httpx.AsyncClient, agent: Staff, admin: Staff, make_registrant
) -> None:
    case = await open_case(client, agent, await make_registrant())
    note = (await add_note(client, agent, case["id"], "Victime de violences.", confidential=True)).json()
    timeline = await client.get(f"/api/v1/cases/{case['id']}/timeline", headers=agent.headers)
    last = timeline.json()["items"][-1]
    assert (last["kind"], last["details"]) == ("note_added", {"note_id": note["id"], "confidential": True})
    audit = await client.get("/api/v1/audit/events", headers=admin.headers)
    assert audit.status_code == 200
    assert any(e["action"] == "case_note.create" for e in audit.json()["items"])
    assert "Victime" not in audit.text


async def test_reading_notes_is_audited_with_what_was_withheld(
    client: httpx.AsyncClient, agent: Staff, admin: Staff, make_registrant
) -> None:
    case = await open_case(client, agent, await make_registrant())
    await add_note(client, agent, case["id"], "ok")
    await add_note(client, agent, case["id"], "secret", confidential=True)
    await client.get(f"/api/v1/cases/{case['id']}/notes", headers=agent.headers)
    events = await client.get("/api/v1/audit/events?action=case_note.list", headers=admin.headers)
    [event] = events.json()["items"]
    assert event["details"] == {"notes": 2, "confidential_shown": 0, "confidential_withheld": 1}


async def test_an_empty_note_is_422(client: httpx.AsyncClient, agent: Staff, make_registrant) -> None:
    case = await open_case(client, agent, await make_registrant())
    response = await add_note(client, agent, case["id"], "")
    assert response.status_code == 422


async def test_notes_can_be_added_to_a_closed_case(client: httpx.AsyncClient, agent: Staff, make_registrant) -> None:
    case = await open_case(client, agent, await make_registrant())
    await move(client, agent, case["id"], "resolved", outcome_category="social")
    response = await add_note(client, agent, case["id"], "A rappelé pour remercier.")
    assert response.status_code == 201


async def test_notes_are_paginated_oldest_first(client: httpx.AsyncClient, agent: Staff, make_registrant) -> None:
    case = await open_case(client, agent, await make_registrant())
    for text in ("un", "deux", "trois"):
        await add_note(client, agent, case["id"], text)
    first = await client.get(f"/api/v1/cases/{case['id']}/notes?limit=2", headers=agent.headers)
    second = await client.get(
        f"/api/v1/cases/{case['id']}/notes?limit=2&cursor={first.json()['next_cursor']}", headers=agent.headers
    )
    assert [n["text"] for n in first.json()["items"] + second.json()["items"]] == ["un", "deux", "trois"]
