"""A due date set by hand falls within ``CASE_DUE_DATE_HORIZON_DAYS`` (365 by default) of the
desk's today: 2099-12-31 is a typing slip or a "never", refused 422 ``due-date-too-far``."""

from __future__ import annotations

import datetime as dt

import httpx

from app.core.db import utcnow
from tests.cases.conftest import open_case
from tests.conftest import Staff


async def _move(client: httpx.AsyncClient, staff: Staff, case: dict, day: str) -> httpx.Response:
    return await client.patch(
        f"/api/v1/cases/{case['id']}",
        headers={**staff.headers, "If-Match": '"v1"', "Accept-Language": "fr"},
        json={"due_date": day, "due_date_reason": "attente du consulat"},
    )


async def test_a_due_date_decades_ahead_is_refused_and_nothing_changes(
    client: httpx.AsyncClient, agent: Staff, supervisor: Staff, make_registrant
) -> None:
    case = await open_case(client, agent, await make_registrant())
    response = await _move(client, supervisor, case, "2099-12-31")
    body = response.json()
    assert (response.status_code, body["type"]) == (422, "/problems/due-date-too-far")
    assert [(e["loc"], e["type"]) for e in body["errors"]] == [(["body", "due_date"], "due_date_too_far")]
    assert body["detail"].startswith("L'échéance (31\u00a0décembre 2099) est trop lointaine : au plus 365\u00a0jours")
    after = await client.get(f"/api/v1/cases/{case['id']}", headers=agent.headers)
    assert (after.json()["due_date"], after.headers["etag"]) == (case["due_date"], '"v1"')


async def test_a_due_date_on_the_last_day_allowed_is_kept(
    client: httpx.AsyncClient, agent: Staff, supervisor: Staff, make_registrant
) -> None:
    case = await open_case(client, agent, await make_registrant())
    # CASA-BASE is on UTC+00 (Africa/Casablanca since 2026-09-20 … except in Ramadan): a day of margin
    last = utcnow().date() + dt.timedelta(days=364)
    response = await _move(client, supervisor, case, last.isoformat())
    assert response.status_code == 200, response.text
    assert response.json()["due_date"] == last.isoformat()
