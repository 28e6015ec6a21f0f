"""Who moves a case's due date: supervisors and administrators, who watch the overdue cases; an
agent who could would push their own deadlines out (README, "Web client")."""

from __future__ import annotations

import datetime as dt

import httpx

from tests.cases.conftest import open_case
from tests.conftest import Staff


def _later(case: dict[str, str], days: int = 30) -> str:
    return (dt.date.fromisoformat(case["due_date"]) + dt.timedelta(days=days)).isoformat()


async def test_an_agent_moving_a_due_date_is_403_and_nothing_changes(
    client: httpx.AsyncClient, agent: Staff, make_registrant
) -> None:
    case = await open_case(client, agent, await make_registrant())
    response = await client.patch(
        f"/api/v1/cases/{case['id']}",
        headers={**agent.headers, "If-Match": '"v1"'},
        json={"due_date": _later(case), "due_date_reason": "attente", "priority": "high"},
    )
    assert (response.status_code, response.json()["type"]) == (403, "/problems/due-date-supervisor-only")
    after = await client.get(f"/api/v1/cases/{case['id']}", headers=agent.headers)
    assert (after.json()["due_date"], after.json()["priority"], after.headers["etag"]) == (
        case["due_date"],
        "normal",
        '"v1"',
    )


async def test_an_agent_sending_the_due_date_unchanged_edits_the_rest(
    client: httpx.AsyncClient, agent: Staff, make_registrant
) -> None:
    case = await open_case(client, agent, await make_registrant())
    response = await client.patch(
        f"/api/v1/cases/{case['id']}",
        headers={**agent.headers, "If-Match": '"v1"'},
        json={"due_date": case["due_date"], "due_date_reason": "formulaire complet", "priority": "high"},
    )
    assert (response.status_code, response.json()["due_date"], response.json()["priority"]) == (
        200,
        case["due_date"],
        "high",
    )


async def test_a_supervisor_moves_the_due_date(
    client: httpx.AsyncClient, agent: Staff, supervisor: Staff, make_registrant
) -> None:
    case = await open_case(client, agent, await make_registrant())
    response = await client.patch(
        f"/api/v1/cases/{case['id']}",
        headers={**supervisor.headers, "If-Match": '"v1"'},
        json={"due_date": _later(case), "due_date_reason": "attente du consulat"},
    )
    assert (response.status_code, response.json()["due_date"]) == (200, _later(case))


async def test_an_administrator_moves_the_due_date(
    client: httpx.AsyncClient, agent: Staff, admin: Staff, make_registrant
) -> None:
    case = await open_case(client, agent, await make_registrant())
    response = await client.patch(
        f"/api/v1/cases/{case['id']}",
        headers={**admin.headers, "If-Match": '"v1"'},
        json={"due_date": _later(case, 3), "due_date_reason": "attente du consulat"},
    )
    assert (response.status_code, response.json()["due_date"]) == (200, _later(case, 3))
