"""Exports at the edges: periods reaching the ends of the calendar, and ``X-Export-Rows`` against
the rows the file holds (the audit log export among them, which records an event of its own; a
registration committed after the request counted its rows)."""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import pytest

from app.reports import exports_router, service
from app.reports.streaming import closing
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


def _before_the_rows(monkeypatch: pytest.MonkeyPatch, fmt: str, late: Callable[[], Awaitable[Any]]) -> None:
    """Have ``late`` run (and commit) between the request's count and the snapshot the export's
    rows are read from: the moment a registration at another counter can fall in."""
    name = f"{fmt}_stream"
    stream = getattr(exports_router, name)

    def delayed(*args: Any, **kwargs: Any) -> AsyncIterator[bytes]:
        async def body() -> AsyncIterator[bytes]:
            await late()
            async with closing(stream(*args, **kwargs)) as chunks:
                async for chunk in chunks:
                    yield chunk

        return body()

    monkeypatch.setattr(exports_router, name, delayed)


def _registration(build: Any) -> Callable[[], Awaitable[Any]]:
    return lambda: build(lambda world: world.registrant(family="Sarr", given="Modou", at=utc(2026, 2, 20)))


@pytest.mark.parametrize("kind", ["registrants", "audit"])
async def test_x_export_rows_counts_what_was_committed_before_the_rows_were_read(  # type: ignore[no-untyped-def]
    client, make_staff, world_data, monkeypatch, build, kind
) -> None:
    admin = await make_staff("admin", [])
    asked = await client.head(f"/api/v1/exports/{kind}", headers=admin.headers)
    amy = world_data["amy"]
    # the audit log's late event: a person's file read (audited) at another counter
    read = lambda: client.get(f"/api/v1/registrants/{amy.id}", headers=admin.headers)  # noqa: E731
    _before_the_rows(monkeypatch, "csv", _registration(build) if kind == "registrants" else read)
    response = await client.get(f"/api/v1/exports/{kind}", headers=admin.headers)
    assert response.status_code == 200, response.text
    rows = _rows(response.content)
    assert response.headers["x-export-rows"] == str(len(rows) - 1)
    assert int(asked.headers["x-export-rows"]) + 1 == len(rows) - 1  # the late row is in the file, and counted
    if kind == "audit":
        assert rows[-1][4] == "registrant.read"


async def test_an_xlsx_that_outgrew_a_sheet_before_its_rows_were_read_is_refused(  # type: ignore[no-untyped-def]
    client, make_staff, world_data, monkeypatch, build
) -> None:
    """One row fits the (lowered) sheet when the request counts, two by the time the rows are
    read: refused with the problem, before any byte, not a file missing a row."""
    monkeypatch.setattr(service, "XLSX_MAX_ROWS", 1)
    admin = await make_staff("admin", [])
    _before_the_rows(monkeypatch, "xlsx", _registration(build))
    refused = await client.get("/api/v1/exports/registrants", params={"format": "xlsx"}, headers=admin.headers)
    assert refused.status_code == 422, refused.text
    assert refused.json()["type"] == "/problems/too-many-rows-for-xlsx"
    assert refused.json()["detail"].startswith("2 lignes")


async def test_the_head_of_an_export_is_an_operation_of_the_openapi_document(client) -> None:  # type: ignore[no-untyped-def]
    """``HEAD`` (check and count without exporting) is described in the export's own text; it is
    an operation of its own in the document too, with the GET's parameters and the headers it
    answers. Before: only ``get`` under ``/api/v1/exports/{kind}``."""
    document = (await client.get("/openapi.json")).json()
    item = document["paths"]["/api/v1/exports/{kind}"]

    head = item["head"]

    assert [p["name"] for p in head["parameters"]] == [p["name"] for p in item["get"]["parameters"]]
    assert head["operationId"] != item["get"]["operationId"]
    assert set(head["responses"]["200"]["headers"]) == {"Content-Disposition", "X-Export-Rows", "X-Export-Unnamed-Rows"}
    assert {"401", "403", "404", "422", "429", "503"} <= set(head["responses"])
