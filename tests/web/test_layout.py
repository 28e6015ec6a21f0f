"""Every screen fits a phone (390×844) and a desk screen (1366×768): nothing off screen, no violation.

Set ``WEB_SCREENSHOTS=<folder>`` to keep a screenshot of each screen there (to look at the layout).
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from playwright.async_api import Page, expect

from tests.web.conftest import LiveServer, assert_accessible
from tests.web.helpers import register_via_api, sign_in

pytestmark = pytest.mark.asyncio(loop_scope="session")


async def check(page: Page, folder: Path, name: str) -> None:
    await page.screenshot(path=str(folder / f"{name}.png"), full_page=True)
    overflow = await page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
    assert overflow <= 0, f"{name}: {overflow}px off screen"
    await assert_accessible(page)


@pytest.mark.parametrize("viewport", [(390, 844), (1366, 768)], ids=["phone", "desk"], indirect=True)
async def test_screens_fit_phone_and_desk(
    page: Page, server: LiveServer, viewport: tuple[int, int], tmp_path: Path
) -> None:
    folder = Path(os.environ.get("WEB_SCREENSHOTS", tmp_path)) / f"{viewport[0]}x{viewport[1]}"
    folder.mkdir(parents=True, exist_ok=True)
    agent = server.make_agent()
    person = register_via_api(
        server, agent, given_names="Ndèye Fatou", family_name="Mbaye-Diallo", date_of_birth="1994-03",
        phones=[{"number": "0612345678", "whatsapp": True}],
        documents=[{"doc_type": "consular_card", "number": "SN12345678901", "issuing_country": "SN"}],
    )  # fmt: skip
    with server.api(agent) as http:
        http.post("/api/v1/cases", json={"registrant_id": person["id"], "service_type": "SOCIAL", "channel": "walk_in"})
    await page.goto(f"{server.url}/app/")
    await check(page, folder, "1-login")
    await sign_in(page, server, agent)
    await page.locator("#search-form").get_by_label("Nom, téléphone").fill("Mbaye")
    await page.get_by_role("button", name="Chercher", exact=True).click()
    await expect(page.locator("#results li")).to_have_count(1)
    await check(page, folder, "2-search")
    await page.locator("#results li button").click()
    await expect(page.get_by_role("heading", name="Ndèye Fatou Mbaye-Diallo")).to_be_visible()
    await page.locator("#book").get_by_role("button", name="Voir les créneaux libres").click()
    await expect(page.locator("#book fieldset.slots")).to_be_visible()
    await check(page, folder, "3-person")
    await page.locator("#person").get_by_role("button", name="Modifier").click()
    await check(page, folder, "4-edit")
    await page.get_by_role("button", name="Annuler").click()
    await page.locator("#person .list button").first.click()
    await expect(page.locator(".timeline li")).to_have_count(1)
    await check(page, folder, "5-case")
    await page.get_by_role("button", name="Nouvelle personne").click()
    form = page.locator("#register-form")
    await form.get_by_label("Prénom(s)").fill("Ndeye Fatou")
    await form.get_by_label("Nom", exact=True).fill("Mbaye Diallo")
    await form.get_by_label("Date de naissance").fill("1994-03")
    await form.get_by_label("La personne consent").check()
    await form.get_by_role("button", name="Enregistrer", exact=True).click()
    await page.locator("#candidates button").first.click()
    await expect(page.locator("#compare table")).to_be_visible()
    await check(page, folder, "6-duplicates")
    await page.get_by_role("button", name="Files de dossiers").click()
    await page.get_by_role("button", name="Afficher").click()
    await expect(page.locator("#cases li")).to_have_count(1)
    await check(page, folder, "7-queue")
    await page.get_by_role("button", name="Rendez-vous du jour").click()
    await page.locator("#week-form").get_by_role("button", name="Afficher la semaine").click()
    await expect(page.locator("#week .week-day")).to_have_count(7)
    await check(page, folder, "8-week")
