"""Report and export parameters: what does not apply is refused (never ignored), a date is a date,
and a named export's purpose is counted in characters that show."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.reports.conftest import World, utc

FEB = {"start": "2026-02-01", "end": "2026-02-28"}
PURPOSE = "Suivi trimestriel des dossiers"
REPORTS = [
    "registrations",
    "cases",
    "cases/monthly",
    "resolution-time",
    "sla",
    "referrals",
    "appointments",
    "funder-indicators",
]


@pytest.fixture
async def admin(build, make_staff):  # type: ignore[no-untyped-def]
    async def people(world: World) -> None:
        await world.registrant(at=utc(2026, 2, 10))

    await build(people)
    return await make_staff("admin")


async def _export(client: httpx.AsyncClient, staff: Any, **params: Any) -> httpx.Response:
    return await client.get("/api/v1/exports/registrants", params={**FEB, **params}, headers=staff.headers)


def _not_applicable(response: httpx.Response, name: str) -> None:
    assert response.status_code == 422, response.text
    body = response.json()
    assert (body["type"], body["field"]) == ("/problems/field-not-applicable", name)
    assert [(e["loc"], e["type"]) for e in body["errors"]] == [(["query", name], "not_applicable")]


@pytest.mark.parametrize("purpose", ["\u200b" * 12, "\u200b" * 8 + "abcd", "\u3164" * 10 + "x", " \u200d\ufe0f " * 6])
async def test_a_purpose_of_invisible_characters_states_nothing(client, admin, purpose) -> None:  # type: ignore[no-untyped-def]
    response = await _export(client, admin, named="true", purpose=purpose)
    assert response.status_code == 422, response.text
    assert response.json()["type"] == "/problems/export-purpose-required"
    assert response.json()["errors"][0]["loc"] == ["query", "purpose"]
    ok = await _export(client, admin, named="true", purpose="\u200b" + PURPOSE)
    assert ok.status_code == 200


@pytest.mark.parametrize("named", [None, "false"])
async def test_a_purpose_without_a_named_export_is_refused(client, admin, named) -> None:  # type: ignore[no-untyped-def]
    params = {"purpose": PURPOSE} if named is None else {"purpose": PURPOSE, "named": named}
    _not_applicable(await _export(client, admin, **params), "purpose")


async def test_a_delimiter_goes_with_csv_only(client, admin) -> None:  # type: ignore[no-untyped-def]
    _not_applicable(await _export(client, admin, format="xlsx", delimiter="semicolon"), "delimiter")
    assert (await _export(client, admin, format="csv", delimiter="semicolon")).status_code == 200
    for path in REPORTS:
        for fmt in ("json", "xlsx"):
            response = await client.get(
                f"/api/v1/reports/{path}",
                params={**FEB, "format": fmt, "delimiter": "semicolon"},
                headers=admin.headers,
            )
            _not_applicable(response, "delimiter")
    csv = await client.get(
        "/api/v1/reports/registrations",
        params={**FEB, "format": "csv", "delimiter": "semicolon"},
        headers=admin.headers,
    )
    assert csv.status_code == 200 and ";" in csv.text


@pytest.mark.parametrize("day", ["2026-02-01T00:00:00Z", "2026-02-01T00:00:00", "1769904000", "20260201"])
async def test_a_date_parameter_takes_a_date_only(client, admin, day) -> None:  # type: ignore[no-untyped-def]
    for path in REPORTS:
        response = await client.get(f"/api/v1/reports/{path}", params={**FEB, "start": day}, headers=admin.headers)
        assert response.status_code == 422, (path, response.text)
        assert [(e["loc"], e["type"]) for e in response.json()["errors"]] == [(["query", "start"], "date_only")]
    response = await _export(client, admin, end=day)
    assert response.status_code == 422
    assert [(e["loc"], e["type"]) for e in response.json()["errors"]] == [(["query", "end"], "date_only")]
