"""Staff accounts: an auditor takes no desk, an administrator corrects an e-mail, the list is paged."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from app.audit.models import AuditEvent
from app.auth.models import StaffUser

URL = "/api/v1/users"


def _new(role: str, **fields: object) -> dict[str, object]:
    body = {"email": f"{role}@desk.example", "full_name": "Awa Ndiaye", "role": role, "password": "long enough words"}
    return {**body, **fields}


async def test_an_auditor_created_with_desks_is_refused(client, make_staff, sessionmaker) -> None:
    admin = await make_staff("admin", [])
    response = await client.post(URL, json=_new("auditor", desk_codes=["CASA-BASE"]), headers=admin.headers)
    problem = response.json()
    assert (response.status_code, problem["type"], problem["field"]) == (
        422,
        "/problems/field-not-applicable",
        "desk_codes",
    )
    async with sessionmaker() as session:
        assert (await session.execute(select(StaffUser).where(StaffUser.role == "auditor"))).first() is None
    without = await client.post(URL, json=_new("auditor", desk_codes=[]), headers=admin.headers)
    assert (without.status_code, without.json()["desk_codes"]) == (201, [])


@pytest.mark.parametrize(
    ("language", "detail", "reason"),
    [
        (
            "fr",
            "Ce champ est sans objet : un auditeur lit tous les guichets et n'appartient à aucun.",
            "sans objet : un auditeur lit tous les guichets et n'appartient à aucun.",
        ),
        (
            "en",
            "desk_codes does not apply: an auditor reads every desk and belongs to none.",
            "does not apply: an auditor reads every desk and belongs to none.",
        ),
    ],
)
async def test_the_refusal_is_said_to_a_person_without_the_fields_name(
    client, make_staff, language: str, detail: str, reason: str
) -> None:
    """The screen puts the field's own label before the reason (« Guichets du compte : sans objet :
    … »): the French texts do not repeat the API's name of it."""
    admin = await make_staff("admin", [])
    body = _new("auditor", desk_codes=["CASA-BASE"])
    response = await client.post(URL, json=body, headers={**admin.headers, "Accept-Language": language})
    problem = response.json()
    assert (problem["detail"], [e["reason"] for e in problem["errors"]]) == (detail, [reason])
    assert [e["loc"] for e in problem["errors"]] == [["body", "desk_codes"]]
    assert all(set(e) == {"loc", "msg", "type", "reason"} for e in problem["errors"])


async def test_an_auditor_given_desks_by_an_edit_is_refused(client, make_staff) -> None:
    admin = await make_staff("admin", [])
    auditor = await make_staff("auditor", [])
    response = await client.patch(
        f"{URL}/{auditor.id}", json={"desk_codes": ["CASA-BASE"]}, headers={**admin.headers, "If-Match": '"v1"'}
    )
    assert (response.status_code, response.json()["type"]) == (422, "/problems/field-not-applicable")


async def test_an_agent_made_auditor_leaves_their_desks(client, make_staff) -> None:
    admin = await make_staff("admin", [])
    agent = await make_staff("agent", ["CASA-BASE"])
    response = await client.patch(
        f"{URL}/{agent.id}", json={"role": "auditor"}, headers={**admin.headers, "If-Match": '"v1"'}
    )
    assert (response.status_code, response.json()["desk_codes"]) == (200, [])


async def test_an_administrator_corrects_an_e_mail_and_the_old_sessions_end(client, make_staff, sessionmaker) -> None:
    admin = await make_staff("admin", [])
    agent = await make_staff("agent", ["CASA-BASE"])
    assert (await client.get("/api/v1/desks", headers=agent.headers)).status_code == 200
    response = await client.patch(
        f"{URL}/{agent.id}", json={"email": "  Awa.Ndiaye@Desk.Example "}, headers={**admin.headers, "If-Match": '"v1"'}
    )
    assert (response.status_code, response.json()["email"]) == (200, "awa.ndiaye@desk.example"), response.text
    assert (await client.get("/api/v1/desks", headers=agent.headers)).status_code == 401
    async with sessionmaker() as session:
        event = (await session.execute(select(AuditEvent).where(AuditEvent.action == "user.update"))).scalar_one()
    assert event.details["changes"]["email"] == {"before": agent.email, "after": "awa.ndiaye@desk.example"}


async def test_an_e_mail_another_account_has_is_409(client, make_staff) -> None:
    admin = await make_staff("admin", [])
    agent = await make_staff("agent", ["CASA-BASE"])
    response = await client.patch(
        f"{URL}/{agent.id}", json={"email": admin.email.upper()}, headers={**admin.headers, "If-Match": '"v1"'}
    )
    assert (response.status_code, response.json()["type"]) == (409, "/problems/email-taken")


async def test_the_staff_list_is_cursor_paginated(client, make_staff) -> None:
    admin = await make_staff("admin", [])
    made = [await make_staff("agent", ["CASA-BASE"], email=f"agent-{n}@desk.example") for n in range(4)]
    seen: list[str] = []
    params: dict[str, str] = {"limit": "2"}
    while True:
        page = await client.get(URL, params=params, headers=admin.headers)
        assert page.status_code == 200, page.text
        body = page.json()
        assert len(body["items"]) <= 2
        seen += [u["email"] for u in body["items"]]
        if body["next_cursor"] is None:
            break
        params = {"limit": "2", "cursor": body["next_cursor"]}
    assert seen == sorted([admin.email, *(s.email for s in made)])


@pytest.mark.parametrize("cursor", ["not-a-cursor", "eyJrIjpbImEiXX0"])
async def test_a_cursor_not_issued_for_the_staff_list_is_400(client, make_staff, cursor: str) -> None:
    admin = await make_staff("admin", [])
    response = await client.get(URL, params={"cursor": cursor}, headers=admin.headers)
    assert response.status_code == 400
