"""The file's history names each actor by what they are — a staff member by their address, an app
client by its name and the staff account it acts for, the system as such, the person by their
online account as the desk sees it (partly masked) — never by an internal id."""

from __future__ import annotations

import uuid
from typing import Any

import httpx

from app.notifications.worker import deliver_due
from tests.clients.test_oauth import client_credentials_token, confidential_client
from tests.conftest import Staff

CONSENT = {"granted": True, "channel": "in_person", "notice_version": "2026-01", "language": "fr"}


async def _history(client: httpx.AsyncClient, staff: Staff, registrant_id: uuid.UUID | str) -> list[dict[str, Any]]:
    r = await client.get(f"/api/v1/registrants/{registrant_id}/history", headers=staff.headers)
    assert r.status_code == 200, r.text
    return list(r.json())


def _who(entry: dict[str, Any]) -> tuple[str, str | None, str | None]:
    return entry["actor_kind"], entry["actor_name"], entry["actor_client"]


async def test_a_person_acting_from_their_account_is_named_by_the_account_never_its_id(  # type: ignore[no-untyped-def]
    client, make_staff, register, sign_in, link
) -> None:
    agent = await make_staff("agent", ["CASA-BASE"])
    person = await sign_in(email="rtl@example.org")
    registrant_id = await register(agent)
    await link(person, agent, registrant_id)

    history = await _history(client, agent, registrant_id)

    by_action = {e["action"]: e for e in history}
    assert _who(by_action["self_service.link"]) == ("person", "r***@example.org", None)
    assert _who(by_action["self_service.link_code_issue"]) == ("staff", agent.email, None)
    assert _who(by_action["registrant.create"]) == ("staff", agent.email, None)
    account_id = by_action["self_service.link"]["actor_label"].removeprefix("person:")
    assert all(account_id not in str(_who(e)) for e in history)


async def test_the_system_and_an_app_client_are_named_as_such(  # type: ignore[no-untyped-def]
    client, make_staff, sessionmaker, settings
) -> None:
    admin = await make_staff("admin", ["CASA-BASE"])
    agent = await make_staff("agent", ["CASA-BASE"])
    _, auth = await confidential_client(
        client,
        admin,
        agent,
        ["registrants:read", "registrants:write", "cases:read", "cases:write"],
        name="Tablette Fès",
    )
    token = await client_credentials_token(client, auth)
    app = Staff(agent.id, agent.email, agent.role, {"Authorization": f"Bearer {token['access_token']}"})
    body = {
        "given_names": "Awa", "family_name": "Ndiaye", "sex": "female",
        "phones": [{"number": "+212612345678", "whatsapp": True}],
        "consents": [{"purpose": "contact_sms_whatsapp", **CONSENT}],
    }  # fmt: skip
    made = await client.post("/api/v1/registrants?confirm_duplicates=true", json=body, headers=app.headers)
    assert made.status_code == 201, made.text
    registrant_id = made.json()["id"]
    opened = await client.post(
        "/api/v1/cases",
        json={"registrant_id": registrant_id, "service_type": "SOCIAL", "channel": "walk_in"},
        headers=agent.headers,
    )
    assert opened.status_code == 201, opened.text
    await deliver_due(sessionmaker, settings)

    history = await _history(client, agent, registrant_id)

    by_action = {e["action"]: e for e in history}
    assert _who(by_action["registrant.create"]) == ("app_client", agent.email, "Tablette Fès")
    assert _who(by_action["privacy.disclosure"]) == ("system", None, None)
    assert by_action["privacy.disclosure"]["actor_label"] == "system"
