"""Items 9, 11 and 12: a document viewed in the page (fetched with the agent's token, shown from a
blob: URL), the reports' chart images, and the list of import batches with their flagged rows."""

from __future__ import annotations

from pathlib import Path

import pytest
from PIL import Image
from playwright.async_api import Page, Request, Route, expect

from tests.imports.conftest import csv_file
from tests.web.conftest import LiveServer, assert_accessible
from tests.web.helpers import open_file, register_via_api, sign_in

pytestmark = pytest.mark.asyncio(loop_scope="session")

SPECIMENS = Path(__file__).resolve().parents[1] / "fixtures" / "documents"


async def test_an_image_and_a_pdf_are_viewed_in_the_page_through_an_authorised_fetch(
    page: Page, server: LiveServer
) -> None:
    agent = server.make_agent()
    person = register_via_api(server, agent, given_names="Aminata", family_name="Kane")
    with server.api(agent) as http:
        for name, media_type, kind in (
            ("specimen_residence_card.png", "image/png", "residence_card"),
            ("specimen_passport.pdf", "application/pdf", "passport"),
        ):
            sent = http.post(
                f"/api/v1/registrants/{person['id']}/documents",
                files={"file": (name, (SPECIMENS / name).read_bytes(), media_type)},
                data={"kind": kind},
            )
            assert sent.status_code == 201, sent.text
    fetched: list[Request] = []
    page.on("request", lambda r: fetched.append(r) if "/content" in r.url else None)
    await sign_in(page, server, agent)
    await open_file(page, "Aminata Kane")

    card = page.locator("#document-list li", has_text="specimen_residence_card.png")
    await card.get_by_role("button", name="Voir", exact=True).click()
    view = page.locator("#document-view")
    await expect(view).to_be_focused()
    image = view.locator("img")
    await expect(image).to_have_attribute("alt", "Titre de séjour — specimen_residence_card.png")
    assert (await image.get_attribute("src") or "").startswith("blob:")
    with Image.open(SPECIMENS / "specimen_residence_card.png") as specimen:
        width = specimen.size[0]
    assert await image.evaluate("img => img.decode().then(() => img.naturalWidth)") == width
    assert fetched and all((r.headers.get("authorization") or "").startswith("Bearer ") for r in fetched)
    await assert_accessible(page)

    passport = page.locator("#document-list li", has_text="specimen_passport.pdf")
    await passport.get_by_role("button", name="Voir", exact=True).click()
    frame = page.locator("#document-view iframe")
    await expect(frame).to_have_attribute("title", "Aperçu du document : specimen_passport.pdf")
    assert (await frame.get_attribute("src") or "").startswith("blob:")
    await expect(page.locator("#document-view")).to_have_count(1)  # one preview at a time
    await page.locator("#document-view").get_by_role("button", name="Fermer l'aperçu").click()
    await expect(page.locator("#document-view")).to_have_count(0)
    await expect(passport.get_by_role("button", name="Voir", exact=True)).to_be_focused()


async def test_reports_show_the_chart_images_of_the_api(page: Page, server: LiveServer) -> None:
    supervisor = server.make_agent("supervisor")
    for name in ("Aïda", "Coumba"):
        register_via_api(server, supervisor, given_names=name, family_name="Diagne")
    await sign_in(page, server, supervisor)
    await page.get_by_role("button", name="Rapports").click()
    await page.locator("#reports-form").get_by_role("button", name="Afficher").click()
    charts = page.locator("#reports img.chart")
    await expect(charts).to_have_count(3)
    await expect(charts.first).to_have_attribute("alt", "Graphique : Inscriptions par sexe")
    for i in range(3):
        assert (await charts.nth(i).get_attribute("src") or "").startswith("blob:")
        assert await charts.nth(i).evaluate("img => img.decode().then(() => img.naturalWidth)") > 100
    await assert_accessible(page)


async def test_report_tables_do_not_wait_for_their_charts(page: Page, server: LiveServer) -> None:
    """The charts are drawn by the server and come after the figures: a chart request that hangs
    or fails leaves the tables shown and nothing said (the figures are all in the tables)."""
    supervisor = server.make_agent("supervisor")
    register_via_api(server, supervisor, given_names="Aïda", family_name="Diagne")
    await sign_in(page, server, supervisor)
    held: list[Route] = []

    async def hold(route: Route) -> None:  # never answered
        held.append(route)

    await page.route("**/api/v1/reports/registrations?*format=png*", hold)
    await page.route("**/api/v1/reports/cases?*format=png*", lambda route: route.abort())
    await page.get_by_role("button", name="Rapports").click()
    await page.locator("#reports-form").get_by_role("button", name="Afficher").click()
    await expect(page.locator("#reports table caption")).to_contain_text(
        ["Inscriptions par sexe", "Dossiers ouverts par service", "Dossiers en cours par statut", "Personnes reçues"]
    )
    await expect(page.locator("#reports img.chart")).to_have_count(0)
    await expect(page.locator("#reports-msg")).to_have_text("")
    assert held, "the registrations chart was asked for"


async def test_import_batches_are_listed_with_their_flagged_rows(page: Page, server: LiveServer) -> None:
    admin = server.make_agent("admin")
    register = csv_file(
        "1;12/03/2020;Saliou;Ka;M;14/05/1990;Dakar;Dakar;;;;;Casablanca;Etudiant;;;;",
        "2;15/03/2020;Saliou;Ka;M;14/05/1990;Dakar;Dakar;;;;;Casablanca;Etudiant;;;;",
    )
    with server.api(admin) as http:
        for _ in range(2):  # imported again: its flagged row is already_flagged, held by the first batch
            response = http.post(
                "/api/v1/imports/registers",
                files={"file": ("registre-2020.csv", register, "text/csv")},
                data={"desk_code": "CASA-BASE"},
            )
            assert response.status_code == 201, response.text
    await sign_in(page, server, admin)
    await page.get_by_role("button", name="Registres importés").click()
    table = page.locator("#batch-table")
    await expect(table.locator("caption")).to_have_text("Lots d'import")
    again, row = table.locator("tr").nth(1), table.locator("tr").nth(2)
    await expect(row).to_contain_text("CASA-BASE")
    await expect(row).to_contain_text("registre-2020.csv")
    assert [c.strip() for c in await row.locator("td").all_inner_texts()][4:7] == ["Terminé", "2", "1"]
    assert [c.strip() for c in await again.locator("td").all_inner_texts()][4:7] == ["Terminé", "2", "0"]
    await assert_accessible(page)
    report = page.locator("#import-report table caption")
    await again.get_by_role("button", name="Voir les lignes signalées").click()
    await expect(report).to_contain_text("lignes signalées comme doublons possibles : 0 / 2")
    await row.get_by_role("button", name="Voir les lignes signalées").click()
    await expect(report).to_contain_text("lignes signalées comme doublons possibles : 1 / 2")
    await expect(page.locator("#import-report table")).to_be_focused()
