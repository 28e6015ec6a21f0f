"""Delta sync with an app client's token: only the record types its read scopes allow."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.cases.conftest import open_case
from tests.clients.test_oauth import client_credentials_token, confidential_client
from tests.conftest import Staff

URL = "/api/v1/sync"
PASSPORT = Path(__file__).resolve().parents[1] / "fixtures" / "documents" / "specimen_passport.pdf"


@pytest.fixture
async def agent(make_staff):  # type: ignore[no-untyped-def]
    return await make_staff("agent", ["CASA-BASE"])


async def bearer(client: httpx.AsyncClient, admin: Staff, agent: Staff, scopes: list[str]) -> dict[str, str]:
    _, auth = await confidential_client(client, admin, agent, scopes)
    token = await client_credentials_token(client, auth)
    return {"Authorization": f"Bearer {token['access_token']}"}


async def records_of_desk(client: httpx.AsyncClient, agent: Staff, make_registrant: Any, audit_log: Any) -> None:
    """A registrant with a case, a note on it and a document."""
    awa = await make_registrant("CASA-BASE", given="Awa", family="Ndiaye")
    case = await open_case(client, agent, awa)
    note = await client.post(f"/api/v1/cases/{case['id']}/notes", json={"text": "suivi"}, headers=agent.headers)
    assert note.status_code == 201, note.text
    uploaded = await client.post(
        f"/api/v1/registrants/{awa}/documents",
        headers=agent.headers,
        files={"file": ("p.pdf", PASSPORT.read_bytes(), "application/pdf")},
        data={"kind": "passport"},
    )
    assert uploaded.status_code == 201, uploaded.text
    await audit_log.seal()


async def test_a_sync_only_token_receives_no_record_and_is_told_what_was_left_out(
    client: httpx.AsyncClient, admin: Staff, agent: Staff, make_registrant: Any, audit_log: Any
) -> None:
    await records_of_desk(client, agent, make_registrant, audit_log)
    headers = await bearer(client, admin, agent, ["sync"])

    response = await client.get(URL, headers=headers)

    assert response.status_code == 200, response.text
    body = response.json()
    assert body["items"] == []
    assert body["left_out"] == ["registrant", "case", "case_note", "referral", "appointment", "document"]


async def test_read_scopes_choose_the_record_types_a_sync_sends(
    client: httpx.AsyncClient, admin: Staff, agent: Staff, make_registrant: Any, audit_log: Any
) -> None:
    await records_of_desk(client, agent, make_registrant, audit_log)
    headers = await bearer(client, admin, agent, ["sync", "registrants:read", "cases:read"])

    response = await client.get(URL, headers=headers)

    body = response.json()
    assert [i["type"] for i in body["items"]] == ["registrant", "case", "case_note"]
    assert body["left_out"] == ["document"]
    # Changes after the first sync are filtered the same way (the document's deletion too).
    document = (await client.get(URL, headers=agent.headers)).json()["items"][-1]
    assert document["type"] == "document"
    deleted = await client.request(
        "DELETE", f"/api/v1/documents/{document['id']}", headers=admin.headers, json={"reason": "doublon"}
    )
    assert deleted.status_code in (200, 204), deleted.text
    await audit_log.seal()
    later = await client.get(URL, params={"cursor": body["next_cursor"]}, headers=headers)
    assert (later.json()["items"], later.json()["left_out"]) == ([], ["document"])


async def test_a_token_with_every_read_scope_and_a_staff_sign_in_get_everything(
    client: httpx.AsyncClient, admin: Staff, agent: Staff, make_registrant: Any, audit_log: Any
) -> None:
    await records_of_desk(client, agent, make_registrant, audit_log)
    headers = await bearer(client, admin, agent, ["sync", "registrants:read", "cases:read", "documents:read"])

    scoped = (await client.get(URL, headers=headers)).json()
    staff = (await client.get(URL, headers=agent.headers)).json()

    assert [i["type"] for i in scoped["items"]] == ["registrant", "case", "case_note", "document"]
    assert [i["id"] for i in scoped["items"]] == [i["id"] for i in staff["items"]]
    assert "left_out" not in scoped and "left_out" not in staff


async def test_a_token_with_other_read_scopes_starts_the_sync_over(
    client: httpx.AsyncClient, admin: Staff, agent: Staff, make_registrant: Any, audit_log: Any
) -> None:
    await records_of_desk(client, agent, make_registrant, audit_log)
    narrow = await bearer(client, admin, agent, ["sync", "registrants:read"])
    cursor = (await client.get(URL, headers=narrow)).json()["next_cursor"]
    wider = await bearer(client, admin, agent, ["sync", "registrants:read", "cases:read"])

    again = (await client.get(URL, params={"cursor": cursor}, headers=wider)).json()

    assert again["reset"] is True
    assert [i["type"] for i in again["items"]] == ["registrant", "case", "case_note"]
