"""``/api/v1/reports/registrations``: exact figures, age bands, suppression, scoping and bad input."""

from __future__ import annotations

import httpx
import pytest

from tests.reports.conftest import World, utc

FEB = {"start": "2026-02-01", "end": "2026-02-28"}
BANDS = ["0-17", "18-24", "25-34", "35-49", "50-64", "65+", "unknown"]


async def _people(world: World) -> None:
    # CASA-BASE (Africa/Casablanca, UTC+1 on 31 January 2026).
    for _ in range(5):
        await world.registrant(sex="female", dob="1990", at=utc(2026, 2, 10))  # 35 or 36 → 35-49
    await world.registrant(sex="female", dob="1990", at=utc(2026, 1, 31, 23, 30))  # local 1 Feb 00:30: in
    await world.registrant(sex="female", dob="1990", at=utc(2026, 1, 31, 22, 30))  # local 31 Jan 23:30: out
    for _ in range(7):
        await world.registrant(sex="female", dob="2004-01-15", region="SN-MT", at=utc(2026, 2, 12))  # 22
    for _ in range(5):
        await world.registrant(sex="male", dob="2001-01-01", at=utc(2026, 2, 14))  # 25 → 25-34
    for _ in range(8):
        await world.registrant(sex="male", dob="1980-03", at=utc(2026, 2, 20))  # 45 → 35-49
    await world.registrant(sex="male", dob="2008", at=utc(2026, 2, 20))  # 17 or 18 → unknown
    await world.registrant(sex="male", dob="2008", region="SN-LG", at=utc(2026, 2, 20))
    await world.registrant(sex="male", dob="2008-01-01", at=utc(2026, 3, 1))  # March: out
    # DKR-MOB
    for _ in range(3):
        await world.registrant(desk="DKR-MOB", sex="male", dob="1985", at=utc(2026, 2, 5))


@pytest.fixture
async def people(build) -> None:  # type: ignore[no-untyped-def]
    await build(_people)


async def test_by_sex_and_age_band_with_secondary_suppression(client: httpx.AsyncClient, make_staff, people) -> None:
    supervisor = await make_staff("supervisor", ["CASA-BASE"])
    response = await client.get(
        "/api/v1/reports/registrations", params={**FEB, "by": ["sex", "age_band"]}, headers=supervisor.headers
    )
    assert response.status_code == 200
    body = response.json()
    assert body["desks"] == ["CASA-BASE"]
    assert body["suppression_threshold"] == 5
    table = body["tables"][0]
    assert table["rows"] == ["female", "male", "unknown"]
    assert table["columns"] == BANDS
    # male "unknown" (2) is small: its row hides male 25-34 (5); the totals row hides the 25-34
    # total (5) next to the unknown total (2). Female figures stay visible.
    assert table["values"] == [
        [0, 7, 0, 6, 0, 0, 0],
        [0, 0, None, 8, 0, 0, None],
        [0, 0, 0, 0, 0, 0, 0],
    ]
    assert table["row_totals"] == [13, 15, 0]
    assert table["column_totals"] == [0, 7, None, 14, 0, 0, None]
    assert table["total"] == 28


async def test_one_dimension_hides_the_complementary_cell(client: httpx.AsyncClient, make_staff, people) -> None:
    supervisor = await make_staff("supervisor", ["CASA-BASE"])
    response = await client.get(
        "/api/v1/reports/registrations", params={**FEB, "by": "origin_region"}, headers=supervisor.headers
    )
    table = response.json()["tables"][0]
    assert table["rows"] == ["SN-DK", "SN-LG", "SN-MT"]
    assert table["values"] == [[20], [None], [None]]  # SN-LG = 1, hidden with SN-MT = 7
    assert table["names"] == {"SN-DK": "Dakar", "SN-LG": "Louga", "SN-MT": "Matam"}
    assert table["total"] == 28
    assert table["row_totals"] is None


async def test_threshold_setting_changes_what_is_hidden(client, make_staff, people, settings) -> None:  # type: ignore[no-untyped-def]
    settings.report_small_cell_threshold = 1
    supervisor = await make_staff("supervisor", ["CASA-BASE"])
    response = await client.get(
        "/api/v1/reports/registrations", params={**FEB, "by": "origin_region"}, headers=supervisor.headers
    )
    assert response.json()["tables"][0]["values"] == [[20], [1], [7]]


async def test_supervisor_sees_their_desks_and_admin_all(client: httpx.AsyncClient, make_staff, people) -> None:
    supervisor = await make_staff("supervisor", ["CASA-BASE"])
    admin = await make_staff("admin", [])
    mine = (await client.get("/api/v1/reports/registrations", params=FEB, headers=supervisor.headers)).json()
    everything = (await client.get("/api/v1/reports/registrations", params=FEB, headers=admin.headers)).json()
    assert mine["tables"][0]["values"] == [[13], [15], [0]]
    assert everything["desks"] == ["CASA-BASE", "DKR-MOB"]
    assert everything["tables"][0]["values"] == [[13], [18], [0]]
    by_desk = await client.get("/api/v1/reports/registrations", params={**FEB, "by": "desk"}, headers=admin.headers)
    # DKR-MOB has 3: hidden, and so is CASA-BASE (total − 3 would give it back).
    assert by_desk.json()["tables"][0]["values"] == [[None], [None]]
    assert by_desk.json()["tables"][0]["total"] == 31


async def test_by_month_lists_every_month_of_the_period(client: httpx.AsyncClient, make_staff, people) -> None:
    admin = await make_staff("admin", [])
    response = await client.get(
        "/api/v1/reports/registrations",
        params={"start": "2026-01-01", "end": "2026-03-31", "desk": "CASA-BASE", "by": "month"},
        headers=admin.headers,
    )
    table = response.json()["tables"][0]
    assert table["rows"] == ["2026-01", "2026-02", "2026-03"]
    assert table["values"] == [[None], [28], [None]]  # January 1, March 1
    assert table["total"] == 30


@pytest.mark.parametrize(
    ("params", "status", "problem"),
    [
        ({"start": "2026-03-01", "end": "2026-02-01"}, 422, "invalid-period"),
        ({"start": "2026-03-01"}, 422, "validation-failed"),
        ({**FEB, "desk": "NOPE"}, 422, "unknown-desk"),
        ({**FEB, "desk": "DKR-MOB"}, 404, "not-found"),
        ({**FEB, "format": "pdf"}, 422, "unsupported-format"),
        ({**FEB, "by": "colour"}, 422, "unknown-dimension"),
        ({**FEB, "by": ["sex", "sex"]}, 422, "unknown-dimension"),
        ({**FEB, "by": ["sex", "desk", "month"]}, 422, "unknown-dimension"),
        ({"start": "2026-02-30", "end": "2026-03-01"}, 422, "validation-failed"),
    ],
)
async def test_bad_requests_are_clear_problems(client, make_staff, params, status, problem) -> None:  # type: ignore[no-untyped-def]
    supervisor = await make_staff("supervisor", ["CASA-BASE"])
    response = await client.get("/api/v1/reports/registrations", params=params, headers=supervisor.headers)
    assert response.status_code == status
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["type"] == f"/problems/{problem}"


async def test_agents_cannot_read_reports(client: httpx.AsyncClient, make_staff) -> None:
    agent = await make_staff("agent", ["CASA-BASE"])
    response = await client.get("/api/v1/reports/registrations", params=FEB, headers=agent.headers)
    assert response.status_code == 403


async def test_chart_by_region_of_origin_as_png_and_svg(client: httpx.AsyncClient, make_staff, people) -> None:
    supervisor = await make_staff("supervisor", ["CASA-BASE"])
    png = await client.get(
        "/api/v1/reports/registrations",
        params={**FEB, "by": "origin_region", "format": "png"},
        headers=supervisor.headers,
    )
    assert png.status_code == 200
    assert png.headers["content-type"] == "image/png"
    assert png.content.startswith(b"\x89PNG\r\n\x1a\n")
    svg = await client.get(
        "/api/v1/reports/registrations",
        params={**FEB, "by": "origin_region", "format": "svg"},
        headers=supervisor.headers,
    )
    assert svg.headers["content-type"].startswith("image/svg+xml")
    assert b"<svg" in svg.content
    assert b"petits effectifs" in svg.content  # the chart's words in French by default
    english = await client.get(
        "/api/v1/reports/registrations",
        params={**FEB, "by": "origin_region", "format": "svg"},
        headers={**supervisor.headers, "Accept-Language": "en"},
    )
    assert b"small counts" in english.content


async def test_report_as_csv_shows_suppressed_cells_as_below_threshold(client, make_staff, people) -> None:  # type: ignore[no-untyped-def]
    import csv
    import io

    supervisor = await make_staff("supervisor", ["CASA-BASE"])
    response = await client.get(
        "/api/v1/reports/registrations",
        params={**FEB, "by": "origin_region", "format": "csv", "delimiter": "semicolon"},
        headers=supervisor.headers,
    )
    assert response.headers["content-disposition"] == 'attachment; filename="registrations_2026-02-01_2026-02-28.csv"'
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig")), delimiter=";"))
    assert rows[1] == ["table", "origin_region", "name", "count", "total"]
    assert rows[2:] == [
        ["registrations", "SN-DK", "Dakar", "20", "20"],
        ["registrations", "SN-LG", "Louga", "x", "x"],
        ["registrations", "SN-MT", "Matam", "x", "x"],
        ["registrations", "total", "", "28", "28"],
    ]


async def test_regions_have_their_names_in_every_format(client, make_staff, people) -> None:  # type: ignore[no-untyped-def]
    """Charts showed the regions' names while JSON (as columns), CSV and XLSX gave codes only."""
    import csv
    import io

    import openpyxl

    supervisor = await make_staff("supervisor", ["CASA-BASE"])
    params = {**FEB, "by": ["sex", "origin_region"]}
    table = (await client.get("/api/v1/reports/registrations", params=params, headers=supervisor.headers)).json()[
        "tables"
    ][0]
    assert table["columns"] == ["SN-DK", "SN-LG", "SN-MT"]
    assert table["names"] == {"SN-DK": "Dakar", "SN-LG": "Louga", "SN-MT": "Matam"}
    response = await client.get(
        "/api/v1/reports/registrations", params={**params, "format": "csv"}, headers=supervisor.headers
    )
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[1:3] == [
        ["table", "sex", "SN-DK", "SN-LG", "SN-MT", "total"],
        ["", "name", "Dakar", "Louga", "Matam", ""],
    ]
    book = await client.get(
        "/api/v1/reports/registrations",
        params={**FEB, "by": "origin_region", "format": "xlsx"},
        headers=supervisor.headers,
    )
    sheet = openpyxl.load_workbook(io.BytesIO(book.content)).active
    cells = [[c.value for c in row] for row in sheet.iter_rows(min_row=2)]
    assert cells[0] == ["table", "origin_region", "name", "count", "total"]
    assert cells[1] == ["registrations", "SN-DK", "Dakar", 20, 20]
