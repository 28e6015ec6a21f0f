"""Reports and the registrants export count a merged person once, and twice again after an unmerge
(the real endpoints)."""

from __future__ import annotations

import csv
import datetime as dt
import io
import zoneinfo
from typing import Any

import httpx

from app.core.config import Settings
from tests.conftest import Staff
from tests.merges.conftest import URL, Pair, merge


async def _exported(client: httpx.AsyncClient, supervisor: Staff) -> int:
    """The rows of the (pseudonymised) registrants export of CASA-BASE for today, header aside."""
    today = dt.datetime.now(zoneinfo.ZoneInfo("Africa/Casablanca")).date()
    period = {"start": (today - dt.timedelta(days=1)).isoformat(), "end": today.isoformat()}
    response = await client.get("/api/v1/exports/registrants", params=period, headers=supervisor.headers)
    assert response.status_code == 200, response.text
    return len(list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))) - 1


async def _totals(client: httpx.AsyncClient, supervisor: Staff) -> tuple[int, int]:
    """Registrations and people received (funder indicators) at CASA-BASE today (its local date)."""
    today = dt.datetime.now(zoneinfo.ZoneInfo("Africa/Casablanca")).date()
    period = {"start": (today - dt.timedelta(days=1)).isoformat(), "end": today.isoformat()}
    out: list[int] = []
    for path, name in (("registrations", None), ("funder-indicators", "people_received")):
        response = await client.get(f"/api/v1/reports/{path}", params=period, headers=supervisor.headers)
        assert response.status_code == 200, response.text
        tables: list[dict[str, Any]] = response.json()["tables"]
        table = tables[0] if name is None else next(t for t in tables if t["name"] == name)
        out.append(table["total"])
    return out[0], out[1]


async def test_reports_count_a_merged_person_once(
    client: httpx.AsyncClient, agent: Staff, supervisor: Staff, pair: Pair, settings: Settings
) -> None:
    settings.report_small_cell_threshold = 1  # exact figures: two people are a small cell
    assert await _totals(client, supervisor) == (2, 2)
    assert await _exported(client, supervisor) == 2
    record = (await merge(client, agent, pair)).json()
    assert await _totals(client, supervisor) == (1, 1)
    assert await _exported(client, supervisor) == 1
    assert (await client.post(f"{URL}/{record['id']}/unmerge", headers=agent.headers)).status_code == 200
    assert await _totals(client, supervisor) == (2, 2)
    assert await _exported(client, supervisor) == 2
