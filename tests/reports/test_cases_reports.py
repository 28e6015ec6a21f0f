"""Case statistics, resolution times, SLA, referrals and the funder indicators on one data set."""

from __future__ import annotations

import datetime as dt
from typing import Any

import httpx
import pytest

from app.cases.models import CaseEvent
from app.cases.workflow import OPEN_STATUSES
from tests.reports.conftest import World, utc

FEB = {"start": "2026-02-01", "end": "2026-02-28"}
D = dt.date


async def _desk_activity(world: World) -> dict[str, Any]:
    """Six women born 1990 (35-49) with social cases, six men born 2000-01-01 (25-34) with health
    cases, training and financing outcomes, two open cases, two referrals, one Feb registration."""
    jan = utc(2026, 1, 10)
    women = [await world.registrant(sex="female", dob="1990", at=jan) for _ in range(6)]
    men = [await world.registrant(sex="male", dob="2000-01-01", at=jan) for _ in range(6)]
    teen = await world.registrant(sex="female", dob="2008", at=jan)  # 17 or 18 in February 2026
    await world.registrant(sex="male", dob="1970", at=utc(2026, 2, 15))  # registered, no case: 50-64

    social = []
    for person, days in zip(women, (3, 5, 7, 9, 11, 13), strict=True):
        closed = utc(2026, 2, 2 + days)
        social.append(
            await world.case(
                person,
                service="SOCIAL",
                opened=D(2026, 2, 2),
                due=D(2026, 2, 16),
                status="resolved",
                outcome="social",
                closed_at=closed,
            )
        )
    for person, days in zip(men, (10, 12, 14, 16, 18, 22), strict=True):
        await world.case(
            person,
            service="HEALTH",
            opened=D(2026, 2, 3),
            due=D(2026, 2, 17),
            status="resolved",
            outcome="health",
            closed_at=utc(2026, 2, 3 + days),
            channel="phone",
        )
    await world.case(
        women[0],
        service="TRAINING",
        opened=D(2026, 2, 5),
        status="resolved",
        outcome="training",
        closed_at=utc(2026, 2, 20),
    )
    await world.case(
        women[1],
        service="TRAINING",
        opened=D(2026, 1, 20),
        status="resolved",
        outcome="training",
        closed_at=utc(2026, 2, 21),
    )
    await world.case(
        men[0],
        service="ENTREPRENEURSHIP",
        opened=D(2026, 2, 6),
        status="resolved",
        outcome="financing",
        closed_at=utc(2026, 2, 26),
    )
    legal = await world.case(
        teen, service="LEGAL_AID", opened=D(2026, 2, 10), due=D(2026, 2, 20), status="in_follow_up"
    )
    await world.case(men[1], service="SOCIAL", opened=D(2026, 1, 15), due=D(2026, 3, 15), status="referred")
    await world.referral(legal, partner="OIM Maroc", referred=D(2026, 2, 11), expected=D(2026, 2, 25))
    await world.referral(
        social[0],
        partner="CARITAS",
        referred=D(2026, 2, 3),
        expected=D(2026, 2, 10),
        answered=D(2026, 2, 5),
        status="answered",
    )
    return {}


@pytest.fixture
async def activity(build) -> None:  # type: ignore[no-untyped-def]
    await build(_desk_activity)


@pytest.fixture
async def supervisor(make_staff):  # type: ignore[no-untyped-def]
    return await make_staff("supervisor", ["CASA-BASE"])


async def _get(client: httpx.AsyncClient, staff: Any, path: str, **params: Any) -> Any:
    response = await client.get(f"/api/v1/reports/{path}", params={**FEB, **params}, headers=staff.headers)
    assert response.status_code == 200, response.text
    return response.json()


async def test_cases_opened_by_service_type_with_suppression(client, supervisor, activity) -> None:  # type: ignore[no-untyped-def]
    table = (await _get(client, supervisor, "cases", measure="opened", by="service_type"))["tables"][0]
    assert table["rows"] == ["ENTREPRENEURSHIP", "HEALTH", "LEGAL_AID", "SOCIAL", "TRAINING"]
    assert table["values"] == [[None], [6], [None], [6], [None]]
    assert table["total"] == 15


async def test_cases_opened_exact_without_suppression(client, supervisor, activity, settings) -> None:  # type: ignore[no-untyped-def]
    settings.report_small_cell_threshold = 1
    table = (await _get(client, supervisor, "cases", by="service_type"))["tables"][0]
    assert table["values"] == [[1], [6], [1], [6], [1]]
    by_age = (await _get(client, supervisor, "cases", by="age_band"))["tables"][0]
    assert by_age["values"] == [[0], [0], [7], [7], [0], [0], [1]]
    by_channel_sex = (await _get(client, supervisor, "cases", by=["channel", "sex"]))["tables"][0]
    assert by_channel_sex["rows"] == ["walk_in", "phone", "mobile_app", "web", "partner_referral"]
    assert by_channel_sex["values"][:2] == [[8, 1, 0], [0, 6, 0]]


async def test_cases_closed_by_outcome_and_open_at_period_end(client, supervisor, activity, settings) -> None:  # type: ignore[no-untyped-def]
    settings.report_small_cell_threshold = 1
    closed = (await _get(client, supervisor, "cases", measure="closed", by="outcome_category"))["tables"][0]
    assert closed["rows"][:6] == ["social", "psychosocial", "health", "economic", "training", "financing"]
    assert [v[0] for v in closed["values"]] == [6, 0, 6, 0, 2, 1, 0, 0, 0, 0]
    open_feb = (await _get(client, supervisor, "cases", measure="open", by="status"))["tables"][0]
    assert dict(zip(open_feb["rows"], [v[0] for v in open_feb["values"]], strict=True))["in_follow_up"] == 1
    assert open_feb["total"] == 2
    # At the end of January: the SOCIAL case opened 15 Jan and the TRAINING case closed 21 Feb.
    open_jan = await client.get(
        "/api/v1/reports/cases",
        params={"start": "2026-01-01", "end": "2026-01-31", "measure": "open", "by": "service_type"},
        headers=supervisor.headers,
    )
    table = open_jan.json()["tables"][0]
    assert (table["rows"], table["values"]) == (["SOCIAL", "TRAINING"], [[1], [1]])


async def test_resolution_time_median_and_p90(client, supervisor, activity) -> None:  # type: ignore[no-untyped-def]
    body = await _get(client, supervisor, "resolution-time")
    groups = {g["group"]: g for g in body["groups"]}
    assert groups["SOCIAL"] == {"group": "SOCIAL", "cases": 6, "median_days": 8.0, "p90_days": 13.0}
    assert groups["HEALTH"] == {"group": "HEALTH", "cases": 6, "median_days": 15.0, "p90_days": 22.0}
    assert groups["TRAINING"] == {"group": "TRAINING", "cases": None, "median_days": None, "p90_days": None}
    assert body["overall"] == {"group": "all", "cases": 15, "median_days": 13.0, "p90_days": 22.0}


async def test_sla_compliance(client, supervisor, activity, settings) -> None:  # type: ignore[no-untyped-def]
    settings.report_small_cell_threshold = 1
    body = await _get(client, supervisor, "sla")
    table = body["tables"][0]
    assert table["columns"] == ["closed_on_time", "closed_late", "open_overdue", "open_within_sla"]
    assert dict(zip(table["rows"], table["values"], strict=True)) == {
        "ENTREPRENEURSHIP": [0, 1, 0, 0],
        "HEALTH": [3, 3, 0, 0],
        "LEGAL_AID": [0, 0, 1, 0],
        "SOCIAL": [6, 0, 0, 1],
        "TRAINING": [0, 2, 0, 0],
    }
    assert "HEALTH: 50.0% closed on time" in body["notes"]
    assert "SOCIAL: 100.0% closed on time" in body["notes"]


async def test_referrals_by_partner_and_answer(client, supervisor, activity, settings) -> None:  # type: ignore[no-untyped-def]
    settings.report_small_cell_threshold = 1
    by_status, answers = (await _get(client, supervisor, "referrals"))["tables"]
    assert by_status["rows"] == ["CARITAS", "OIM Maroc"]
    assert by_status["values"] == [[0, 0, 1, 0, 0, 0], [1, 0, 0, 0, 0, 0]]  # the last: closed_with_case
    assert answers["columns"] == ["answered_on_time", "answered_late", "awaiting", "awaiting_overdue"]
    assert answers["values"] == [[1, 0, 0, 0], [0, 0, 0, 1]]


async def test_unknown_service_type_is_a_problem(client, supervisor, activity) -> None:  # type: ignore[no-untyped-def]
    response = await client.get(
        "/api/v1/reports/cases", params={**FEB, "service_type": "NOPE"}, headers=supervisor.headers
    )
    assert response.status_code == 422
    assert response.json()["type"] == "/problems/unknown-service-type"
    bad_measure = await client.get(
        "/api/v1/reports/cases", params={**FEB, "measure": "lost"}, headers=supervisor.headers
    )
    assert bad_measure.json()["type"] == "/problems/unknown-dimension"


async def test_service_type_filter(client, supervisor, activity) -> None:  # type: ignore[no-untyped-def]
    table = (await _get(client, supervisor, "cases", service_type="social", by="sex"))["tables"][0]
    assert table["values"] == [[6], [0], [0]]


async def test_cases_per_month_by_service_type_chart(client, supervisor, activity) -> None:  # type: ignore[no-untyped-def]
    data = await client.get(
        "/api/v1/reports/cases/monthly",
        params={"start": "2026-01-01", "end": "2026-02-28"},
        headers=supervisor.headers,
    )
    table = data.json()["tables"][0]
    assert table["rows"] == ["2026-01", "2026-02"]
    assert table["columns"] == ["ENTREPRENEURSHIP", "HEALTH", "LEGAL_AID", "SOCIAL", "TRAINING"]
    assert table["column_totals"][1] == 6
    png = await client.get(
        "/api/v1/reports/cases/monthly",
        params={"start": "2026-01-01", "end": "2026-02-28", "format": "png"},
        headers=supervisor.headers,
    )
    assert png.headers["content-type"] == "image/png"
    assert png.content[:8] == b"\x89PNG\r\n\x1a\n"


async def test_funder_indicators_exact(client, supervisor, activity, settings) -> None:  # type: ignore[no-untyped-def]
    settings.report_small_cell_threshold = 1
    body = await _get(client, supervisor, "funder-indicators")
    tables = {t["name"]: t for t in body["tables"]}
    assert list(tables) == [
        "people_received",
        "cases_resolved_social",
        "cases_resolved_psychosocial",
        "cases_resolved_health",
        "cases_resolved_economic",
        "people_trained",
        "people_financed",
        "referrals_made",
    ]
    received = tables["people_received"]
    assert received["rows"] == ["female", "male", "unknown"]
    assert received["columns"] == ["0-17", "18-24", "25-34", "35-49", "50-64", "65+", "unknown"]
    assert received["values"][:2] == [[0, 0, 0, 6, 0, 0, 1], [0, 0, 6, 0, 1, 0, 0]]
    assert received["total"] == 14
    assert tables["cases_resolved_social"]["values"][0] == [0, 0, 0, 6, 0, 0, 0]
    assert tables["cases_resolved_health"]["values"][1] == [0, 0, 6, 0, 0, 0, 0]
    assert tables["cases_resolved_psychosocial"]["total"] == 0
    assert tables["cases_resolved_economic"]["total"] == 0
    assert tables["people_trained"]["values"][0] == [0, 0, 0, 2, 0, 0, 0]
    assert tables["people_financed"]["values"][1] == [0, 0, 1, 0, 0, 0, 0]
    assert tables["referrals_made"]["values"][0] == [0, 0, 0, 1, 0, 0, 1]
    assert [t["total"] for t in body["tables"]] == [14, 6, 0, 6, 0, 2, 1, 2]


async def test_funder_indicators_suppressed_by_default(client, supervisor, activity) -> None:  # type: ignore[no-untyped-def]
    tables = {t["name"]: t for t in (await _get(client, supervisor, "funder-indicators"))["tables"]}
    trained = tables["people_trained"]
    assert trained["values"][0] == [0, 0, 0, None, 0, 0, 0]
    assert trained["row_totals"] == [None, 0, 0]
    assert trained["total"] is None
    assert tables["cases_resolved_social"]["values"][0] == [0, 0, 0, 6, 0, 0, 0]
    received = tables["people_received"]
    # female "unknown" (1) and male 50-64 (1) are small: their rows hide 35-49 (6) and 25-34 (6);
    # those columns then hide a cell each (zeros, the only inner cells left) so the column totals
    # (6 and 6) cannot give them back.
    assert received["values"][:2] == [[0, 0, None, None, 0, 0, None], [0, 0, None, None, None, 0, 0]]
    assert received["row_totals"] == [7, 7, 0]
    assert received["column_totals"] == [0, 0, 6, 6, None, 0, None]
    assert received["total"] == 14


async def test_funder_indicators_as_xlsx(client, supervisor, activity, tmp_path) -> None:  # type: ignore[no-untyped-def]
    import openpyxl

    response = await client.get(
        "/api/v1/reports/funder-indicators", params={**FEB, "format": "xlsx"}, headers=supervisor.headers
    )
    assert response.status_code == 200
    assert response.headers["content-disposition"] == (
        'attachment; filename="funder_indicators_2026-02-01_2026-02-28.xlsx"'
    )
    path = tmp_path / "funders.xlsx"
    path.write_bytes(response.content)
    rows = [[c.value for c in row] for row in openpyxl.load_workbook(path).active.iter_rows()]
    assert rows[0][0] == "funder_indicators 2026-02-01..2026-02-28 CASA-BASE"
    assert rows[1] == ["table", "sex", "0-17", "18-24", "25-34", "35-49", "50-64", "65+", "unknown", "total"]
    social = [r for r in rows if r[0] == "cases_resolved_social"]
    assert social[0] == ["cases_resolved_social", "female", 0, 0, 0, 6, 0, 0, 0, 6]
    assert social[-1] == ["cases_resolved_social", "total", 0, 0, 0, 6, 0, 0, 0, 6]
    trained = [r for r in rows if r[0] == "people_trained"]
    assert trained[0] == ["people_trained", "female", 0, 0, 0, "x", 0, 0, 0, "x"]


async def _closed_since(world: Any) -> None:
    """Open on 31 January, resolved in February: one went through the workflow (its timeline says
    it was in follow-up then), one has no timeline (still « received » then)."""
    person = await world.registrant(sex="female", dob="1990", at=utc(2026, 1, 5))
    followed = await world.case(
        person, opened=D(2026, 1, 6), status="resolved", outcome="social", closed_at=utc(2026, 2, 10)
    )
    await world.case(person, opened=D(2026, 1, 7), status="resolved", outcome="social", closed_at=utc(2026, 2, 11))
    for to, at in (("qualified", utc(2026, 1, 8)), ("in_follow_up", utc(2026, 1, 20)), ("resolved", utc(2026, 2, 10))):
        world.session.add(
            CaseEvent(
                case_id=followed.id,
                kind="status_changed",
                occurred_at=at,
                actor_label="x",
                actor_role="agent",
                details={"to": to},
            )
        )
    await world.session.flush()


async def test_cases_open_by_status_list_open_statuses_only_each_case_under_its_status_then(
    client, supervisor, build, settings
) -> None:  # type: ignore[no-untyped-def]
    settings.report_small_cell_threshold = 1
    await build(_closed_since)
    jan = await _get(client, supervisor, "cases", measure="open", by="status", start="2026-01-01", end="2026-01-31")
    table = jan["tables"][0]
    assert table["rows"] == list(OPEN_STATUSES)
    assert dict(zip(table["rows"], [v[0] for v in table["values"]], strict=True)) == {
        "received": 1,
        "qualified": 0,
        "oriented": 0,
        "referred": 0,
        "in_follow_up": 1,
        "pending_closure": 0,
    }
    feb = (await _get(client, supervisor, "cases", measure="open", by="status"))["tables"][0]
    assert (feb["rows"], feb["total"]) == (list(OPEN_STATUSES), 0)
