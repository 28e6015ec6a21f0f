"""A JSON body's flags are JSON booleans and a consent id a JSON integer: ``"yes"``, ``"true"``,
``1`` or ``"1"`` is a client's bug, told with 422 ``bool_type``/``int_type`` at the field, never
read as a value (as the registrants' bodies already did)."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.cases.conftest import etag, move, open_case
from tests.conftest import Staff

NOT_BOOLEANS = ["yes", "true", 1, 0, "false"]


def _type_error_at(response: httpx.Response, field: str, kind: str) -> None:
    assert response.status_code == 422, response.text
    assert [(e["loc"], e["type"]) for e in response.json()["errors"]] == [(["body", field], kind)]


@pytest.mark.parametrize("value", NOT_BOOLEANS)
async def test_a_case_opened_with_interpreter_used_not_a_boolean_is_refused(
    value: Any, client: httpx.AsyncClient, agent: Staff, make_registrant
) -> None:
    registrant = await make_registrant()
    body = {"registrant_id": str(registrant), "service_type": "SOCIAL", "channel": "walk_in", "interpreter_used": value}
    _type_error_at(
        await client.post("/api/v1/cases", headers=agent.headers, json=body), "interpreter_used", "bool_type"
    )
    listed = await client.get(f"/api/v1/registrants/{registrant}/cases", headers=agent.headers)
    assert listed.json()["items"] == []


async def test_a_case_update_with_interpreter_used_not_a_boolean_is_refused(
    client: httpx.AsyncClient, agent: Staff, make_registrant
) -> None:
    case = await open_case(client, agent, await make_registrant())
    before = await etag(client, agent, case["id"])
    response = await client.patch(
        f"/api/v1/cases/{case['id']}", headers={**agent.headers, "If-Match": before}, json={"interpreter_used": "true"}
    )
    _type_error_at(response, "interpreter_used", "bool_type")
    assert await etag(client, agent, case["id"]) == before


@pytest.mark.parametrize("field", ["confidential", "internal_assessment"])
@pytest.mark.parametrize("value", NOT_BOOLEANS)
async def test_a_note_flag_not_a_boolean_is_refused(
    field: str, value: Any, client: httpx.AsyncClient, agent: Staff, make_registrant
) -> None:
    case = await open_case(client, agent, await make_registrant())
    url = f"/api/v1/cases/{case['id']}/notes"
    response = await client.post(url, headers=agent.headers, json={"text": "Suivi santé", field: value})
    _type_error_at(response, field, "bool_type")
    assert (await client.get(url, headers=agent.headers)).json()["items"] == []


async def test_real_booleans_are_stored(client: httpx.AsyncClient, agent: Staff, make_registrant) -> None:
    case = await open_case(client, agent, await make_registrant(), interpreter_used=True)
    note = await client.post(
        f"/api/v1/cases/{case['id']}/notes", headers=agent.headers, json={"text": "Suivi santé", "confidential": True}
    )
    assert (case["interpreter_used"], note.status_code, note.json()["confidential"]) == (True, 201, True)


@pytest.mark.parametrize("value", ["1", 1.0])
async def test_a_consent_id_not_an_integer_is_refused(
    value: Any, client: httpx.AsyncClient, agent: Staff, make_registrant
) -> None:
    case = await open_case(client, agent, await make_registrant(consents=("desk_transfer",)))
    response = await move(client, agent, case["id"], "transferred", to_desk="DKR-MOB", consent_id=value)
    _type_error_at(response, "consent_id", "int_type")


@pytest.mark.parametrize(
    ("method", "path", "body", "field"),
    [
        ("PATCH", "/api/v1/desks/{desk}", {"merge_requires_approval": "true"}, "merge_requires_approval"),
        ("PATCH", "/api/v1/desks/{desk}", {"is_active": 1}, "is_active"),
        ("PATCH", "/api/v1/users/{user}", {"is_active": "false"}, "is_active"),
        ("PATCH", "/api/v1/partners/{partner}", {"is_active": "yes"}, "is_active"),
        ("PATCH", "/api/v1/service-types/SOCIAL", {"closure_requires_approval": "yes"}, "closure_requires_approval"),
        ("PATCH", "/api/v1/service-types/SOCIAL", {"is_active": 0}, "is_active"),
    ],
)
async def test_other_flags_not_booleans_are_refused(
    method: str,
    path: str,
    body: dict[str, Any],
    field: str,
    client: httpx.AsyncClient,
    admin: Staff,
    agent: Staff,
    partner: dict[str, Any],
) -> None:
    desks = (await client.get("/api/v1/desks", headers=admin.headers)).json()
    desk = next(d["id"] for d in (desks["items"] if isinstance(desks, dict) else desks) if d["code"] == "CASA-BASE")
    url = path.format(desk=desk, user=agent.id, partner=partner["id"])
    response = await client.request(method, url, headers={**admin.headers, "If-Match": "*"}, json=body)
    _type_error_at(response, field, "bool_type")
