"""Agents and supervisors work at a desk: an account of theirs without one is refused, on creation
and on an edit that would leave it none; administrators and auditors may have none."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from app.auth.models import StaffUser

URL = "/api/v1/users"


def _new(role: str, **fields: object) -> dict[str, object]:
    body = {"email": f"{role}@desk.example", "full_name": "Awa Ndiaye", "role": role, "password": "long enough words"}
    return {**body, **fields}


@pytest.mark.parametrize("role", ["agent", "supervisor"])
@pytest.mark.parametrize("desks", [{"desk_codes": []}, {}], ids=["empty", "absent"])
async def test_an_agent_or_supervisor_created_without_a_desk_is_refused(
    client, make_staff, sessionmaker, role: str, desks: dict[str, object]
) -> None:
    admin = await make_staff("admin", [])
    response = await client.post(URL, json=_new(role, **desks), headers=admin.headers)
    problem = response.json()
    assert (response.status_code, problem["type"], problem["field"]) == (422, "/problems/desk-required", "desk_codes")
    assert [e["loc"] for e in problem["errors"]] == [["body", "desk_codes"]]
    async with sessionmaker() as session:
        assert await session.scalar(select(func.count()).select_from(StaffUser).where(StaffUser.role == role)) == 0


@pytest.mark.parametrize(
    ("language", "detail", "reason"),
    [
        (
            "fr",
            "Un agent ou un superviseur travaille à un guichet : cochez au moins un guichet.",
            "au moins un guichet pour un agent ou un superviseur.",
        ),
        (
            "en",
            "desk_codes: an agent or a supervisor works at a desk; give at least one.",
            "at least one desk for an agent or a supervisor.",
        ),
    ],
)
async def test_the_refusal_names_the_desks_in_both_languages(
    client, make_staff, language: str, detail: str, reason: str
) -> None:
    admin = await make_staff("admin", [])
    response = await client.post(
        URL, json=_new("agent", desk_codes=[]), headers={**admin.headers, "Accept-Language": language}
    )
    problem = response.json()
    assert (problem["detail"], [e["reason"] for e in problem["errors"]]) == (detail, [reason])


@pytest.mark.parametrize("role", ["admin", "auditor"])
async def test_an_administrator_or_auditor_may_have_no_desk(client, make_staff, role: str) -> None:
    admin = await make_staff("admin", [])
    response = await client.post(URL, json=_new(role, desk_codes=[]), headers=admin.headers)
    assert (response.status_code, response.json()["desk_codes"]) == (201, [])


async def test_an_edit_removing_an_agents_last_desk_is_refused(client, make_staff) -> None:
    admin = await make_staff("admin", [])
    agent = await make_staff("agent", ["CASA-BASE"])
    url = f"{URL}/{agent.id}"
    response = await client.patch(url, json={"desk_codes": []}, headers={**admin.headers, "If-Match": '"v1"'})
    assert (response.status_code, response.json()["type"]) == (422, "/problems/desk-required")
    read = await client.get(url, headers=admin.headers)
    assert (read.headers["etag"], read.json()["desk_codes"]) == ('"v1"', ["CASA-BASE"])


async def test_an_auditor_made_supervisor_without_a_desk_is_refused(client, make_staff) -> None:
    admin = await make_staff("admin", [])
    auditor = await make_staff("auditor", [])
    url = f"{URL}/{auditor.id}"
    refused = await client.patch(url, json={"role": "supervisor"}, headers={**admin.headers, "If-Match": '"v1"'})
    assert (refused.status_code, refused.json()["field"]) == (422, "desk_codes")
    given = await client.patch(
        url, json={"role": "supervisor", "desk_codes": ["DKR-MOB"]}, headers={**admin.headers, "If-Match": '"v1"'}
    )
    assert (given.status_code, given.json()["role"], given.json()["desk_codes"]) == (200, "supervisor", ["DKR-MOB"])


async def test_an_agent_left_without_a_desk_before_the_rule_can_still_be_renamed(client, make_staff) -> None:
    """An account the rule came after is not locked: its other fields change; its desks are asked
    only when the edit touches its role or its desks."""
    admin = await make_staff("admin", [])
    agent = await make_staff("agent", [])
    headers = {**admin.headers, "If-Match": '"v1"'}
    body = {"full_name": "Awa Diop", "is_active": False}
    response = await client.patch(f"{URL}/{agent.id}", json=body, headers=headers)
    assert (response.status_code, response.json()["full_name"]) == (200, "Awa Diop")
