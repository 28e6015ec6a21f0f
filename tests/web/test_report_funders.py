"""The funders' indicators on the reports screen: for the period shown, a table by indicator (sex ×
age band, with totals) in the screen's language, and their file (XLSX, CSV) in its words, a
refused file said under them. Supervisors and administrators read them (the API's roles, the
screen's); before, the screen did not show them at all."""

from __future__ import annotations

import datetime as dt
import json
from io import BytesIO

import pytest
from openpyxl import load_workbook
from playwright.async_api import Locator, Page, Route, expect

from tests.web.conftest import Agent, LiveServer, assert_accessible
from tests.web.helpers import register_via_api, sign_in

pytestmark = pytest.mark.asyncio(loop_scope="session")

TITLE = "Indicateurs des bailleurs"


def five_women_born_in_1995(server: LiveServer, agent: Agent) -> None:
    """Five women aged 25 to 34, registered today: enough for the small-cell threshold (5)."""
    for given in ("Aïda", "Binta", "Coumba", "Dieynaba", "Fatou"):
        # an administrator registers at any desk: which one is said
        register_via_api(
            server, agent, given_names=given, family_name="Sarr", date_of_birth="1995", desk_code="CASA-BASE"
        )


async def cells(table: Locator) -> list[list[str]]:
    return await table.evaluate("(t) => [...t.rows].map((r) => [...r.cells].map((c) => c.textContent))")  # type: ignore[no-any-return]


async def show_this_month(page: Page) -> Locator:
    """Open the reports, show this month so far (the period's default): the funders' section."""
    await page.get_by_role("button", name="Rapports").click()
    await page.locator("#reports-form").get_by_role("button", name="Afficher").click()
    section = page.locator("#reports section.report", has=page.get_by_role("heading", name=TITLE))
    await expect(section.locator("table")).to_have_count(8)
    return section


async def test_an_administrator_reads_the_funder_indicators_and_downloads_them_in_words(
    page: Page, server: LiveServer
) -> None:
    admin = server.make_agent("admin")
    five_women_born_in_1995(server, admin)
    await sign_in(page, server, admin)
    section = await show_this_month(page)
    captions = ["Personnes reçues", "Dossiers résolus : social", "Dossiers résolus : psychosocial"]
    await expect(section.locator("caption")).to_contain_text([*captions, "Orientations faites"])
    received = section.get_by_role("table", name="Personnes reçues")
    bands = ["0-17", "18-24", "25-34", "35-49", "50-64", "65+", "Non précisé"]
    assert await cells(received) == [
        ["Sexe", "Tranche d'âge", "Total"],
        bands,
        ["Femme", "0", "0", "5", "0", "0", "0", "0", "5"],
        ["Homme", "0", "0", "0", "0", "0", "0", "0", "0"],
        ["Non précisé", "0", "0", "0", "0", "0", "0", "0", "0"],
        ["Total", "0", "0", "5", "0", "0", "0", "0", "5"],
    ]
    await assert_accessible(page)

    today = dt.date.today()
    start = today.replace(day=1).isoformat()
    async with page.expect_download() as info:
        await section.get_by_role("button", name="Télécharger (Excel, XLSX)").click()
    download = await info.value
    assert download.suggested_filename == f"funder_indicators_{start}_{today.isoformat()}.xlsx"
    sheet = load_workbook(BytesIO((await download.path()).read_bytes())).active
    assert sheet is not None
    rows = [[cell for cell in row if cell is not None] for row in sheet.iter_rows(values_only=True)]
    assert rows[0][0].startswith(f"Indicateurs des bailleurs {start}..{today.isoformat()} "), rows
    assert rows[2] == ["Personnes reçues", "Femme", 0, 0, 5, 0, 0, 0, 0, 5], rows  # words, not codes
    await expect(section.locator(".msg")).to_have_text(f"Fichier exporté : {download.suggested_filename}")

    # in English, the same figures in English words, and their file in them
    await page.get_by_role("button", name="English").click()
    section = page.locator("#reports section.report", has=page.get_by_role("heading", name="Funder indicators"))
    received = section.get_by_role("table", name="People received")
    await expect(received.locator("tr").first.locator("th")).to_have_text(["Sex", "Age band", "Total"])
    await expect(received.locator("th[scope=row]")).to_have_text(["Female", "Male", "Not stated", "Total"])
    async with page.expect_download() as info:
        await section.get_by_role("button", name="Download (CSV): Funder indicators", exact=True).click()
    lines = (await (await info.value).path()).read_text("utf-8-sig").splitlines()
    assert lines[0].startswith(f'"Funder indicators {start}..{today.isoformat()} '), lines
    assert lines[2].startswith('"People received","Female",0,0,5,'), lines


async def test_a_refused_download_of_the_funder_indicators_says_why_under_them(page: Page, server: LiveServer) -> None:
    supervisor = server.make_agent("supervisor")  # a supervisor reads them too: their desks' figures
    await sign_in(page, server, supervisor)
    section = await show_this_month(page)
    problem = {
        "type": "https://diaspora-desk.example/problems/unavailable",
        "title": "Service indisponible",
        "status": 503,
        "detail": "Trop de fichiers en cours de préparation : réessayez dans une minute.",
    }

    async def busy_server(route: Route) -> None:
        await route.fulfill(status=503, content_type="application/problem+json", body=json.dumps(problem))

    await page.route("**/api/v1/reports/funder-indicators?*format=csv*", busy_server)
    await section.get_by_role("button", name="Télécharger (CSV)").click()
    await expect(section.locator(".msg")).to_have_text(problem["detail"])
