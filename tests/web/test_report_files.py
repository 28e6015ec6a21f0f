"""Each report shown on the reports screen is downloaded as its file (XLSX, CSV), in words in the
screen's language, for the period shown: the file sent to the ministry and funders."""

from __future__ import annotations

import datetime as dt
import json
from io import BytesIO

import pytest
from openpyxl import load_workbook
from playwright.async_api import Locator, Page, Route, expect

from app.reports.writers import content_disposition
from tests.web.conftest import LiveServer
from tests.web.helpers import register_via_api, sign_in

pytestmark = pytest.mark.asyncio(loop_scope="session")


def _report(page: Page, title: str) -> Locator:
    return page.locator("#reports section.report", has=page.get_by_role("heading", name=title))


async def _show_reports(page: Page, start: str, end: str) -> None:
    period = page.locator("#reports-form")
    await period.get_by_label("Du").fill(start)
    await period.get_by_label("Au").fill(end)
    await period.get_by_role("button", name="Afficher").click()
    await expect(page.locator("#reports section.report")).to_have_count(4)


async def test_a_report_downloads_as_xlsx_in_french_words_for_the_period_shown(page: Page, server: LiveServer) -> None:
    supervisor = server.make_agent("supervisor")
    register_via_api(server, supervisor, given_names="Aïda", family_name="Diagne")
    await sign_in(page, server, supervisor)
    await page.get_by_role("button", name="Rapports").click()
    today = dt.date.today()
    start = (today - dt.timedelta(days=40)).isoformat()
    await _show_reports(page, start, today.isoformat())
    # a period typed but not shown: the file is the one of the report on screen
    await page.locator("#reports-form").get_by_label("Du").fill("2020-01-01")
    report = _report(page, "Inscriptions par sexe")
    async with page.expect_download() as info:
        await report.get_by_role("button", name="Télécharger (Excel, XLSX)").click()
    download = await info.value
    assert download.suggested_filename == f"registrations_{start}_{today.isoformat()}.xlsx"
    sheet = load_workbook(BytesIO((await download.path()).read_bytes())).active
    assert sheet is not None
    rows = [[cell for cell in row if cell is not None] for row in sheet.iter_rows(values_only=True)]
    assert rows[0][0].startswith(f"Inscriptions {start}..{today.isoformat()} "), rows  # the period shown
    assert rows[1] == ["Tableau", "sexe", "nombre", "Total"]  # French words, not the codes
    assert [row[1] for row in rows[2:]] == ["Femme", "Homme", "Non précisé", "Total"]
    await expect(report.locator(".msg")).to_have_text(f"Fichier exporté : {download.suggested_filename}")


async def test_a_report_downloads_as_csv_in_english_words_when_the_screen_is_in_english(
    page: Page, server: LiveServer
) -> None:
    supervisor = server.make_agent("supervisor")
    await sign_in(page, server, supervisor)
    await page.get_by_role("button", name="Rapports").click()
    await _show_reports(page, "2026-01-01", "2026-06-30")
    await page.get_by_role("button", name="English").click()
    report = _report(page, "Open cases by status")
    # English typography in the button's and the chart's accessible names: no space before a colon
    await expect(report.get_by_role("button", name="Download (CSV): Open cases by status", exact=True)).to_have_count(1)
    await expect(report.get_by_role("img", name="Chart: Open cases by status", exact=True)).to_have_count(1)
    async with page.expect_download() as info:
        await report.get_by_role("button", name="Download (CSV)").click()
    download = await info.value
    assert download.suggested_filename == "cases_open_2026-01-01_2026-06-30.csv"
    lines = (await download.path()).read_text("utf-8-sig").splitlines()
    assert lines[:2] == [
        '"Open cases 2026-01-01..2026-06-30 CASA-BASE"',
        '"Table","status","count","Total"',
    ]


async def test_a_refused_report_download_says_why(page: Page, server: LiveServer) -> None:
    supervisor = server.make_agent("supervisor")
    await sign_in(page, server, supervisor)
    await page.get_by_role("button", name="Rapports").click()
    await _show_reports(page, "2026-01-01", "2026-06-30")
    # the API refuses the file (here, a server busy writing others): its problem is said, in its words
    problem = {
        "type": "https://diaspora-desk.example/problems/unavailable",
        "title": "Service indisponible",
        "status": 503,
        "detail": "Trop de fichiers en cours de préparation : réessayez dans une minute.",
    }

    async def busy_server(route: Route) -> None:
        await route.fulfill(status=503, content_type="application/problem+json", body=json.dumps(problem))

    await page.route("**/api/v1/reports/cases?*format=xlsx*", busy_server)
    report = _report(page, "Dossiers ouverts par service")
    await report.get_by_role("button", name="Télécharger (Excel, XLSX)").click()
    await expect(report.locator(".msg")).to_contain_text("Trop de fichiers en cours de préparation")


async def test_a_file_is_saved_under_its_exact_name_not_the_ascii_fallback(page: Page, server: LiveServer) -> None:
    """A name with accents comes as RFC 8187 ``filename*`` after an ASCII ``filename`` (RFC 6266):
    the file is saved as the person reads it, "été", not "ete"."""
    supervisor = server.make_agent("supervisor")
    await sign_in(page, server, supervisor)
    await page.get_by_role("button", name="Rapports").click()
    await _show_reports(page, "2026-01-01", "2026-06-30")

    async def named_file(route: Route) -> None:
        headers = {"Content-Disposition": content_disposition("dossiers ouverts été 2026.csv")}
        await route.fulfill(status=200, content_type="text/csv; charset=utf-8", headers=headers, body="a;b\n")

    await page.route("**/api/v1/reports/cases?*format=csv*", named_file)
    report = _report(page, "Dossiers ouverts par service")
    async with page.expect_download() as info:
        await report.get_by_role("button", name="Télécharger (CSV)").click()
    assert (await info.value).suggested_filename == "dossiers ouverts été 2026.csv"
