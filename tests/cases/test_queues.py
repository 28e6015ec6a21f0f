"""The queues after a scripted day of work at the Casablanca desk, and assignment rules.

Cases "opened days ago" get their dates arranged in the database (the API only opens cases
today); everything else happens over HTTP.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import httpx
import pytest

from tests.cases.conftest import Db, etag, move, open_case, refer
from tests.conftest import Staff


async def assign(client: httpx.AsyncClient, staff: Staff, case_id: str, assignee: Staff | None) -> httpx.Response:
    tag = await etag(client, staff, case_id)
    return await client.post(
        f"/api/v1/cases/{case_id}/assignment",
        headers={**staff.headers, "If-Match": tag},
        json={"assignee_id": str(assignee.id) if assignee else None},
    )


async def queue(client: httpx.AsyncClient, staff: Staff, name: str, **params: Any) -> list[str]:
    response = await client.get("/api/v1/cases", headers=staff.headers, params={"queue": name, **params})
    assert response.status_code == 200, response.text
    return [c["case_number"] for c in response.json()["items"]]


@pytest.fixture
async def day(
    client: httpx.AsyncClient,
    agent: Staff,
    agent2: Staff,
    supervisor: Staff,
    dakar_agent: Staff,
    make_registrant,
    partner,
    db: Db,
) -> dict[str, dict[str, Any]]:
    """The scripted day; returns the cases by label (c1…c10)."""
    today = dt.date.fromisoformat(
        (await open_case(client, agent, await make_registrant(), service_type="SOCIAL"))["opened_on"]
    )
    # That first case is c1: the agent takes it.
    cases: dict[str, dict[str, Any]] = {}
    listed = await client.get("/api/v1/cases", headers=agent.headers)
    cases["c1"] = listed.json()["items"][0]
    assert (await assign(client, agent, cases["c1"]["id"], agent)).status_code == 200
    # c2: opened, nobody takes it.
    cases["c2"] = await open_case(client, agent, await make_registrant(given="Moussa", family="Diop"))
    # c3: the supervisor gives it to the second agent.
    cases["c3"] = await open_case(client, agent, await make_registrant(given="Fatou", family="Sarr"))
    assert (await assign(client, supervisor, cases["c3"]["id"], agent2)).status_code == 200
    # c4: opened three weeks ago, due three days ago, the agent's.
    cases["c4"] = await open_case(client, agent, await make_registrant(given="Ibrahima", family="Fall"))
    await db.set_case(cases["c4"]["id"], opened_on=today - dt.timedelta(days=21), due_date=today - dt.timedelta(days=3))
    assert (await assign(client, agent, cases["c4"]["id"], agent)).status_code == 200
    # c5: a one-off question, due today, unassigned.
    cases["c5"] = await open_case(client, agent, await make_registrant(given="Aïssatou", family="Ba"), "INFO_ONLY")
    # c6: referred to the partner today, answer expected later; the agent's.
    cases["c6"] = await open_case(client, agent, await make_registrant(given="Cheikh", family="Mbaye"))
    await refer(client, agent, cases["c6"]["id"], partner["id"])
    assert (await assign(client, agent, cases["c6"]["id"], agent)).status_code == 200
    # c7: referred two weeks ago, the partner's answer was due two days ago; the agent's.
    cases["c7"] = await open_case(client, agent, await make_registrant(given="Ndèye", family="Gueye"))
    late = await refer(client, agent, cases["c7"]["id"], partner["id"])
    await db.set_case(cases["c7"]["id"], opened_on=today - dt.timedelta(days=20))
    await db.set_referral(
        late["id"], referred_on=today - dt.timedelta(days=14), expected_answer_on=today - dt.timedelta(days=2)
    )
    assert (await assign(client, agent, cases["c7"]["id"], agent)).status_code == 200
    # c8: overdue but resolved today: in no queue.
    cases["c8"] = await open_case(client, agent, await make_registrant(given="Omar", family="Sy"))
    await db.set_case(cases["c8"]["id"], opened_on=today - dt.timedelta(days=30), due_date=today - dt.timedelta(days=9))
    assert (await move(client, agent, cases["c8"]["id"], "resolved", outcome_category="social")).status_code == 200
    # c9: at the Dakar desk, unassigned and overdue: never in Casablanca's queues.
    cases["c9"] = await open_case(client, dakar_agent, await make_registrant("DKR-MOB", given="Pape", family="Ndao"))
    await db.set_case(cases["c9"]["id"], opened_on=today - dt.timedelta(days=30), due_date=today - dt.timedelta(days=9))
    # c10: the partner answered; the second agent follows it.
    cases["c10"] = await open_case(client, agent, await make_registrant(given="Mame", family="Thiam"))
    answered = await refer(client, agent, cases["c10"]["id"], partner["id"])
    response = await client.patch(
        f"/api/v1/cases/{cases['c10']['id']}/referrals/{answered['id']}",
        headers={**agent.headers, "If-Match": '"v1"'},
        json={"status": "answered", "outcome": "appointment given"},
    )
    assert response.status_code == 200
    assert (await assign(client, supervisor, cases["c10"]["id"], agent2)).status_code == 200
    return cases


def numbers(day: dict[str, dict[str, Any]], *labels: str) -> list[str]:
    return [day[label]["case_number"] for label in labels]


async def test_my_queue(client: httpx.AsyncClient, agent: Staff, day) -> None:
    assert await queue(client, agent, "mine") == numbers(day, "c1", "c4", "c6", "c7")


async def test_the_second_agents_queue(client: httpx.AsyncClient, agent2: Staff, day) -> None:
    assert await queue(client, agent2, "mine") == numbers(day, "c3", "c10")


async def test_the_supervisors_own_queue_is_empty(client: httpx.AsyncClient, supervisor: Staff, day) -> None:
    assert await queue(client, supervisor, "mine") == []


async def test_unassigned_queue(client: httpx.AsyncClient, agent: Staff, day) -> None:
    assert await queue(client, agent, "unassigned") == numbers(day, "c2", "c5")


async def test_overdue_queue_has_late_cases_and_late_partner_answers(
    client: httpx.AsyncClient, agent: Staff, day
) -> None:
    assert await queue(client, agent, "overdue") == numbers(day, "c4", "c7")


async def test_due_today_queue(client: httpx.AsyncClient, agent: Staff, day) -> None:
    assert await queue(client, agent, "due_today") == numbers(day, "c5")


async def test_waiting_on_partner_queue(client: httpx.AsyncClient, agent: Staff, day) -> None:
    assert await queue(client, agent, "waiting_on_partner") == numbers(day, "c6", "c7")


async def test_the_dakar_queue_holds_only_its_case(client: httpx.AsyncClient, dakar_agent: Staff, day) -> None:
    assert await queue(client, dakar_agent, "overdue") == numbers(day, "c9")
    assert await queue(client, dakar_agent, "unassigned") == numbers(day, "c9")


async def test_queues_are_filterable(client: httpx.AsyncClient, agent: Staff, day) -> None:
    assert await queue(client, agent, "unassigned", service_type="INFO_ONLY") == numbers(day, "c5")
    assert await queue(client, agent, "mine", status="received") == numbers(day, "c1", "c4", "c6", "c7")


async def test_queues_are_cursor_paginated(client: httpx.AsyncClient, agent: Staff, day) -> None:
    first = await client.get("/api/v1/cases", headers=agent.headers, params={"queue": "mine", "limit": 3})
    second = await client.get(
        "/api/v1/cases",
        headers=agent.headers,
        params={"queue": "mine", "limit": 3, "cursor": first.json()["next_cursor"]},
    )
    assert [c["case_number"] for c in first.json()["items"]] == numbers(day, "c1", "c4", "c6")
    assert [c["case_number"] for c in second.json()["items"]] == numbers(day, "c7")
    assert second.json()["next_cursor"] is None


async def test_the_flags_of_the_day(client: httpx.AsyncClient, agent: Staff, day) -> None:
    response = await client.get("/api/v1/cases", headers=agent.headers, params={"queue": "overdue"})
    flags = {
        c["case_number"]: (c["is_overdue"], c["waiting_on_partner"], c["partner_answer_overdue"])
        for c in response.json()["items"]
    }
    assert flags == {day["c4"]["case_number"]: (True, False, False), day["c7"]["case_number"]: (False, True, True)}


async def test_an_unknown_queue_is_422(client: httpx.AsyncClient, agent: Staff) -> None:
    response = await client.get("/api/v1/cases", headers=agent.headers, params={"queue": "everything"})
    assert response.status_code == 422


async def test_a_naive_datetime_filter_is_422(client: httpx.AsyncClient, agent: Staff) -> None:
    response = await client.get("/api/v1/cases", headers=agent.headers, params={"created_since": "2026-11-29T08:00:00"})
    assert response.status_code == 422
    assert response.json()["errors"][0]["type"] == "timezone_aware"


async def test_an_aware_datetime_filter_is_applied(client: httpx.AsyncClient, agent: Staff, make_registrant) -> None:
    await open_case(client, agent, await make_registrant())
    future = await client.get(
        "/api/v1/cases", headers=agent.headers, params={"created_since": "2099-01-01T00:00:00+01:00"}
    )
    past = await client.get(
        "/api/v1/cases", headers=agent.headers, params={"created_since": "2020-01-01T00:00:00+01:00"}
    )
    assert (len(future.json()["items"]), len(past.json()["items"])) == (0, 1)


# --- assignment rules ----------------------------------------------------------------------------


async def test_an_agent_takes_an_unassigned_case(client: httpx.AsyncClient, agent: Staff, make_registrant) -> None:
    case = await open_case(client, agent, await make_registrant())
    response = await assign(client, agent, case["id"], agent)
    assert (response.status_code, response.json()["assignee_id"]) == (200, str(agent.id))


async def test_an_agent_cannot_take_a_case_assigned_to_someone_else(
    client: httpx.AsyncClient, agent: Staff, agent2: Staff, make_registrant
) -> None:
    case = await open_case(client, agent, await make_registrant())
    await assign(client, agent2, case["id"], agent2)
    response = await assign(client, agent, case["id"], agent)
    assert response.status_code == 403


async def test_an_agent_cannot_assign_a_colleague(
    client: httpx.AsyncClient, agent: Staff, agent2: Staff, make_registrant
) -> None:
    case = await open_case(client, agent, await make_registrant())
    response = await assign(client, agent, case["id"], agent2)
    assert response.status_code == 403


async def test_a_supervisor_reassigns(
    client: httpx.AsyncClient, agent: Staff, agent2: Staff, supervisor: Staff, make_registrant
) -> None:
    case = await open_case(client, agent, await make_registrant())
    await assign(client, agent, case["id"], agent)
    response = await assign(client, supervisor, case["id"], agent2)
    assert (response.status_code, response.json()["assignee_id"]) == (200, str(agent2.id))


async def test_a_supervisor_cannot_assign_staff_of_another_desk(
    client: httpx.AsyncClient, agent: Staff, supervisor: Staff, dakar_agent: Staff, make_registrant
) -> None:
    case = await open_case(client, agent, await make_registrant())
    response = await assign(client, supervisor, case["id"], dakar_agent)
    assert response.status_code == 422
    assert response.json()["type"] == "/problems/invalid-assignee"


async def test_a_closed_case_cannot_be_assigned(client: httpx.AsyncClient, agent: Staff, make_registrant) -> None:
    case = await open_case(client, agent, await make_registrant())
    await move(client, agent, case["id"], "closed_withdrawn", outcome_category="no_outcome")
    response = await assign(client, agent, case["id"], agent)
    assert response.status_code == 409
    assert response.json()["type"] == "/problems/case-not-open"
