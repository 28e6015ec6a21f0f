"""Exports at the edges: periods reaching the ends of the calendar, and ``X-Export-Rows`` against
the rows the file holds (the audit log export among them, which records an event of its own)."""

from __future__ import annotations

import csv
import datetime as dt
import io
from typing import Any

import pytest

from tests.reports.conftest import World, utc

KINDS = ["registrants", "cases", "referrals", "appointments", "audit"]


async def _world(world: World) -> dict[str, Any]:
    amy = await world.registrant(family="Ndiaye", given="Aïssatou", dob="1990-05-17", at=utc(2026, 2, 10, 9))
    case = await world.case(amy, service="SOCIAL", opened=dt.date(2026, 2, 10))
    await world.referral(case, partner="OIM Maroc", referred=dt.date(2026, 2, 11), expected=dt.date(2026, 2, 25))
    await world.appointment(amy, starts_at=utc(2026, 2, 12, 9), status="kept", case=case)
    return {"amy": amy}


@pytest.fixture
async def world_data(build) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    return await build(_world)


def _rows(content: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize(
    ("period", "found"),
    [
        ({"end": "9999-12-31"}, True),
        ({"start": "0001-01-01"}, True),
        ({"start": "9990-01-01", "end": "9999-12-31"}, False),
        ({"start": "0001-01-01", "end": "0001-12-31"}, False),
    ],
)
async def test_a_period_reaching_an_end_of_the_calendar_is_a_period_like_any_other(  # type: ignore[no-untyped-def]
    client, make_staff, world_data, kind, period, found
) -> None:
    admin = await make_staff("admin", [])
    assert (await client.get(f"/api/v1/exports/{kind}", headers=admin.headers)).status_code == 200  # log events
    response = await client.get(f"/api/v1/exports/{kind}", params=period, headers=admin.headers)
    assert response.status_code == 200, response.text
    rows = _rows(response.content)
    assert (len(rows) > 1) is found  # the rows of February 2026 (for the log, the first export's events)
    assert response.headers["x-export-rows"] == str(len(rows) - 1)


@pytest.mark.parametrize("kind", KINDS)
async def test_x_export_rows_counts_the_rows_of_the_file(client, make_staff, world_data, kind) -> None:  # type: ignore[no-untyped-def]
    admin = await make_staff("admin", [])
    for _ in range(2):  # the second time, the log holds the first export's events too
        response = await client.get(f"/api/v1/exports/{kind}", headers=admin.headers)
        assert response.status_code == 200
        rows = _rows(response.content)
        assert response.headers["x-export-rows"] == str(len(rows) - 1)
    if kind != "audit":
        assert len(rows) == 2


async def test_the_audit_export_leaves_out_its_own_start(client, make_staff, world_data) -> None:  # type: ignore[no-untyped-def]
    auditor = await make_staff("auditor", [])
    first = await client.get("/api/v1/exports/audit", headers=auditor.headers)
    second = await client.get("/api/v1/exports/audit", headers=auditor.headers)
    entity_ids = [row[6] for row in _rows(second.content)[1:] if row[4].startswith("export.")]
    assert entity_ids == [first.headers["x-export-id"]] * 2  # the first export's start and finish
