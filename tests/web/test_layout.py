"""Every screen fits a phone (390×844) and a desk screen (1366×768): nothing off screen, no violation.

Set ``WEB_SCREENSHOTS=<folder>`` to keep a screenshot of each screen there (to look at the layout).
"""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

import pytest
from playwright.async_api import Page, expect

from tests.web.conftest import LiveServer, assert_accessible
from tests.web.helpers import fill_registration, register_via_api, sign_in

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
    await fill_registration(page, given_names="Ndeye Fatou", family_name="Mbaye Diallo", date_of_birth="1994-03")
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

    # A supervisor's screens of the people's data-protection rights: the rights in the file (a
    # request overdue, a legal hold, the disclosures, the erasure's question and its outcome) and
    # the data-protection screen.
    supervisor, admin = server.make_agent("supervisor"), server.make_agent("admin")
    with server.api(admin) as http:
        partner = http.post(
            "/api/v1/partners",
            json={"name": "Caritas Rabat", "kind": "ngo", "country": "MA", "city": "Rabat", "service_types": []},
        ).json()
    with server.api(agent) as http:
        consent = {"purpose": "partner_referral", "partner_id": partner["id"], "granted": True, "channel": "in_person",
                   "notice_version": "2026-01", "language": "fr"}  # fmt: skip
        assert http.post(f"/api/v1/registrants/{person['id']}/consents", json=consent).status_code == 201
        case_id = http.get(f"/api/v1/registrants/{person['id']}/cases").json()["items"][0]["id"]
        assert http.post(f"/api/v1/cases/{case_id}/referrals", json={"partner_id": partner["id"]}).status_code == 201
    long_ago = (dt.date.today() - dt.timedelta(days=45)).isoformat()
    with server.api(supervisor) as http:
        for kind, received in (("access", long_ago), ("erasure", None)):
            made = http.post(
                "/api/v1/privacy/subject-requests",
                json={"registrant_id": person["id"], "kind": kind, "received_on": received},
            )
            assert made.status_code == 201, made.text
        http.post("/api/v1/privacy/legal-holds", json={"registrant_id": person["id"], "reason": "Enquête en cours"})
    await page.get_by_role("button", name="Se déconnecter").click()
    await sign_in(page, server, supervisor)
    await page.locator("#search-form").get_by_label("Nom, téléphone").fill("Mbaye")
    await page.get_by_role("button", name="Chercher", exact=True).click()
    await page.locator("#results li button").first.click()
    await expect(page.locator("#subject-request-list li")).to_have_count(2)
    await page.get_by_role("button", name="Afficher les communications de la personne").click()
    await expect(page.locator("#disclosure-list li")).to_have_count(1)
    await page.get_by_role("button", name="Afficher les corrections").click()
    await expect(page.locator("#correction-list li")).to_have_text("Aucune correction.")
    erasure = page.locator("#subject-request-list li").nth(1)
    await erasure.get_by_role("button", name="Effectuer l'effacement : demande reçue le").click()
    await erasure.get_by_role("button", name="Oui, anonymiser définitivement").click()
    await expect(erasure.locator(".msg")).to_contain_text("Effacement refusé")
    await check(page, folder, "9-rights")
    await page.get_by_role("button", name="Lever la conservation légale : Enquête en cours").click()
    await page.get_by_role("button", name="Oui, lever la conservation").click()
    await expect(page.locator("#legal-holds-msg")).to_have_text("Conservation légale levée.")
    await erasure.get_by_role("button", name="Oui, anonymiser définitivement").click()
    await expect(page.locator(".erasure-outcome")).to_be_visible()
    await check(page, folder, "10-erasure")
    await page.get_by_role("button", name="Protection des données").click()
    await expect(page.locator("#pending-list li")).to_have_count(1)
    await expect(page.locator("#disc-register-list li")).to_have_count(1)
    await check(page, folder, "11-privacy")
