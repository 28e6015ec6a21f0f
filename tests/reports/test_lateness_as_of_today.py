"""A period that ends in the future (this month's report) counts nothing overdue whose due date has
not come: lateness is judged as of the earlier of today and the period's end."""

from __future__ import annotations

import datetime as dt

import httpx

from tests.reports.conftest import World

TODAY = dt.datetime.now(dt.UTC).date()
PERIOD = {"start": str(TODAY - dt.timedelta(days=20)), "end": str(TODAY + dt.timedelta(days=20))}


async def _open_work(world: World) -> None:
    """Two open cases opened ten days ago, one due in three days, one due three days ago; a
    referral of each awaiting an answer expected on those days."""
    person = await world.registrant(at=dt.datetime.now(dt.UTC) - dt.timedelta(days=10))
    opened = TODAY - dt.timedelta(days=10)
    for days in (3, -3):
        case = await world.case(person, opened=opened, due=TODAY + dt.timedelta(days=days), status="in_follow_up")
        await world.referral(case, referred=opened, expected=TODAY + dt.timedelta(days=days))


async def test_open_cases_are_overdue_only_past_today(build, client: httpx.AsyncClient, make_staff, settings) -> None:  # type: ignore[no-untyped-def]
    settings.report_small_cell_threshold = 1
    await build(_open_work)
    supervisor = await make_staff("supervisor", ["CASA-BASE"])
    response = await client.get("/api/v1/reports/sla", params=PERIOD, headers=supervisor.headers)
    body = response.json()
    table = body["tables"][0]
    assert dict(zip(table["rows"], table["values"], strict=True)) == {"SOCIAL": [0, 0, 1, 1]}
    assert any("earlier of today" in note for note in body["notes"])


async def test_referrals_are_awaited_overdue_only_past_today(
    build, client: httpx.AsyncClient, make_staff, settings
) -> None:  # type: ignore[no-untyped-def]
    settings.report_small_cell_threshold = 1
    await build(_open_work)
    supervisor = await make_staff("supervisor", ["CASA-BASE"])
    response = await client.get("/api/v1/reports/referrals", params=PERIOD, headers=supervisor.headers)
    body = response.json()
    answers = body["tables"][1]
    assert answers["columns"] == ["answered_on_time", "answered_late", "awaiting", "awaiting_overdue"]
    assert answers["values"] == [[0, 0, 1, 1]]
    assert any("earlier of today" in note for note in body["notes"])


async def test_a_past_period_is_judged_at_its_end(build, client: httpx.AsyncClient, make_staff, settings) -> None:  # type: ignore[no-untyped-def]
    """A period that is over still judges at its end, not today."""
    settings.report_small_cell_threshold = 1
    await build(_open_work)
    supervisor = await make_staff("supervisor", ["CASA-BASE"])
    end = TODAY - dt.timedelta(days=5)  # both cases open then, neither due yet
    params = {"start": str(TODAY - dt.timedelta(days=20)), "end": str(end)}
    table = (await client.get("/api/v1/reports/sla", params=params, headers=supervisor.headers)).json()["tables"][0]
    assert table["values"] == [[0, 0, 0, 2]]
