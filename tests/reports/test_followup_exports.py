"""Case, referral and appointment exports, and the appointments report."""

from __future__ import annotations

import csv
import datetime as dt
import io
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from tests.reports.conftest import World, utc

FEB = {"start": "2026-02-01", "end": "2026-02-28"}
D = dt.date


async def _follow_up(world: World) -> dict[str, Any]:
    amy = await world.registrant(family="Ndiaye", given="Aïssatou", dob="1990-05-17", phones=["+221771234567"])
    bob = await world.registrant(family="Diop", given="Mamadou", sex="male", dob="2008")
    first = await world.case(
        amy,
        service="SOCIAL",
        opened=D(2026, 2, 2),
        status="resolved",
        outcome="social",
        closed_at=utc(2026, 2, 9, 23, 30),
    )
    second = await world.case(bob, service="LEGAL_AID", opened=D(2026, 2, 3), status="in_follow_up", channel="phone")
    await world.case(bob, service="LEGAL_AID", opened=D(2026, 3, 3))  # March: not exported
    await world.referral(
        second,
        partner="OIM Maroc",
        referred=D(2026, 2, 4),
        expected=D(2026, 2, 18),
        answered=D(2026, 2, 20),
        status="answered",
    )
    # Casablanca is UTC+1 on 10 February 2026 (UTC+0 during Ramadan, from mid-February).
    await world.appointment(amy, starts_at=utc(2026, 2, 10, 8, 30), status="kept", case=first)
    for day in (11, 12, 13, 16, 17, 18):
        await world.appointment(bob, starts_at=utc(2026, 2, day, 9), status="kept")
    await world.appointment(bob, starts_at=utc(2026, 2, 19, 9), status="missed")
    return {"amy": amy, "bob": bob}


@pytest.fixture
async def follow_up(build) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    return await build(_follow_up)


def _dicts(content: bytes) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(content.decode("utf-8-sig"))))


async def test_cases_export_pseudonymised(client, make_staff, follow_up) -> None:  # type: ignore[no-untyped-def]
    supervisor = await make_staff("supervisor", ["CASA-BASE"])
    response = await client.get("/api/v1/exports/cases", params=FEB, headers=supervisor.headers)
    rows = _dicts(response.content)
    assert [r["service_type"] for r in rows] == ["SOCIAL", "LEGAL_AID"]
    social = rows[0]
    assert social["person_id"].startswith("P-") and social["case_id"].startswith("P-")
    assert social["person_id"] != social["case_id"]
    # Closed at 23:30 UTC on 9 February = 00:30 on 10 February in Casablanca.
    assert (social["opened_on"], social["closed_on"], social["days_to_close"]) == ("2026-02-02", "2026-02-10", "8")
    assert (social["status"], social["outcome_category"], social["age_band_at_opening"]) == (
        "resolved",
        "social",
        "35-49",
    )
    assert rows[1]["age_band_at_opening"] == "unknown" and rows[1]["closed_on"] == ""
    text = response.content.decode("utf-8-sig")
    for secret in ("Ndiaye", "Diop", "CASE-", "must never be exported", "CASA-2026"):
        assert secret not in text


async def test_cases_and_registrants_share_the_person_pseudonym(client, make_staff, follow_up) -> None:  # type: ignore[no-untyped-def]
    supervisor = await make_staff("supervisor", ["CASA-BASE"])
    cases = _dicts((await client.get("/api/v1/exports/cases", params=FEB, headers=supervisor.headers)).content)
    people = _dicts((await client.get("/api/v1/exports/registrants", headers=supervisor.headers)).content)
    assert {c["person_id"] for c in cases} == {p["person_id"] for p in people}


async def test_cases_export_named_adds_identity(client, make_staff, follow_up) -> None:  # type: ignore[no-untyped-def]
    admin = await make_staff("admin", [])
    response = await client.get(
        "/api/v1/exports/cases",
        params={**FEB, "named": "true", "purpose": "Relances des dossiers ouverts"},
        headers=admin.headers,
    )
    rows = _dicts(response.content)
    assert (rows[0]["family_name"], rows[0]["given_names"]) == ("Ndiaye", "Aïssatou")
    assert rows[0]["case_number"].startswith("CASE-")
    assert "description" not in rows[0] and "vulnerability_flags" not in rows[0]


async def test_referrals_export(client, make_staff, follow_up) -> None:  # type: ignore[no-untyped-def]
    supervisor = await make_staff("supervisor", ["CASA-BASE"])
    rows = _dicts((await client.get("/api/v1/exports/referrals", params=FEB, headers=supervisor.headers)).content)
    assert len(rows) == 1
    row = rows[0]
    assert (row["partner"], row["status"], row["referred_on"], row["answered_on"]) == (
        "OIM Maroc",
        "answered",
        "2026-02-04",
        "2026-02-20",
    )
    assert row["answered_on_time"] == "false"
    assert "partner_reference" not in row


async def test_appointments_export_in_local_time_as_xlsx(client, make_staff, follow_up, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    supervisor = await make_staff("supervisor", ["CASA-BASE"])
    response = await client.get(
        "/api/v1/exports/appointments", params={**FEB, "format": "xlsx"}, headers=supervisor.headers
    )
    path = tmp_path / "appointments.xlsx"
    path.write_bytes(response.content)
    sheet = openpyxl.load_workbook(path)["appointments"]
    header = [c.value for c in sheet[1]]
    first = dict(zip(header, [c.value for c in sheet[2]], strict=True))
    assert first["local_date"] == dt.datetime(2026, 2, 10)
    assert first["local_time"] == "09:30"
    assert first["starts_at_utc"] == dt.datetime(2026, 2, 10, 8, 30)
    assert (first["duration_minutes"], first["status"]) == (30, "kept")
    assert first["case_id"].startswith("P-")
    assert sheet.max_row == 9
    assert "purpose" not in header


async def test_appointments_report_kept_and_missed(client, make_staff, follow_up, settings) -> None:  # type: ignore[no-untyped-def]
    supervisor = await make_staff("supervisor", ["CASA-BASE"])
    body = (await client.get("/api/v1/reports/appointments", params=FEB, headers=supervisor.headers)).json()
    table = body["tables"][0]
    assert table["rows"] == ["2026-02"]
    assert table["columns"] == ["booked", "kept", "missed", "cancelled"]
    # missed (1) is small: kept (7) hides with it; the row total stays visible.
    assert table["values"] == [[0, None, None, 0]]
    assert table["row_totals"] == [8]
    settings.report_small_cell_threshold = 1
    body = (
        await client.get("/api/v1/reports/appointments", params={**FEB, "by": "sex"}, headers=supervisor.headers)
    ).json()
    assert body["tables"][0]["values"] == [[0, 1, 0, 0], [0, 6, 1, 0], [0, 0, 0, 0]]
    assert body["notes"] == ["female: 100.0% of appointments kept", "male: 85.7% of appointments kept"]


async def _two_desks(world: World) -> None:
    for desk, family in (("CASA-BASE", "Ndiaye"), ("DKR-MOB", "Diop")):
        person = await world.registrant(desk=desk, family=family)
        await world.case(person, opened=D(2026, 2, 2), status="resolved", closed_at=utc(2026, 2, 9, 23, 30))
        await world.appointment(person, starts_at=utc(2026, 2, 10, 8, 30))


async def test_local_dates_and_times_are_each_row_s_own_desk_s(client, make_staff, build) -> None:  # type: ignore[no-untyped-def]
    await build(_two_desks)
    admin = await make_staff("admin", [])
    cases = _dicts((await client.get("/api/v1/exports/cases", params=FEB, headers=admin.headers)).content)
    appointments = _dicts((await client.get("/api/v1/exports/appointments", params=FEB, headers=admin.headers)).content)
    # 23:30 UTC on 9 February: 00:30 the next day in Casablanca (UTC+1), 23:30 in Dakar (UTC+0)
    assert sorted((r["desk"], r["closed_on"], r["days_to_close"]) for r in cases) == [
        ("CASA-BASE", "2026-02-10", "8"),
        ("DKR-MOB", "2026-02-09", "7"),
    ]
    assert sorted((r["desk"], r["local_date"], r["local_time"]) for r in appointments) == [
        ("CASA-BASE", "2026-02-10", "09:30"),
        ("DKR-MOB", "2026-02-10", "08:30"),
    ]
