"""An edit form opened in a list's row (a service type, a staff account, a partner) is closed by
"Annuler": nothing sent, the form gone, its "Modifier" button back and focused; the same after a
change made meanwhile drew the form again."""

from __future__ import annotations

import pytest
from playwright.async_api import Locator, Page, expect

from tests.web.conftest import LiveServer, assert_accessible
from tests.web.helpers import answer_leaving, sign_in

pytestmark = pytest.mark.asyncio(loop_scope="session")


async def _cancel(row: Locator, edit: str) -> None:
    """Open the row's edit form with the button named ``edit``, type in it, then cancel it."""
    opener = row.get_by_role("button", name=edit)
    await opener.click()
    form = row.locator("form")
    await expect(form).to_be_visible()
    await form.locator("input:visible").first.fill("Tapé puis abandonné")
    await form.get_by_role("button", name="Annuler").click()
    await expect(row.locator("form")).to_have_count(0)
    await expect(opener).to_be_visible()
    await expect(opener).to_be_focused()


async def test_the_service_type_form_is_cancelled(page: Page, server: LiveServer) -> None:
    admin = server.make_agent("admin")
    await sign_in(page, server, admin)
    await page.get_by_role("button", name="Administration").click()
    await page.get_by_role("button", name="Catalogue des services").click()
    row = page.locator("#service-list li[data-code=SOCIAL]")
    await _cancel(row, "Modifier : Accompagnement social")
    with server.api(admin) as http:
        assert http.get("/api/v1/service-types/SOCIAL").json()["label_fr"] == "Accompagnement social"
    # the language switch draws the administration screen again: asked first (before, what was
    # typed went without a word); staying keeps it and the screen's language
    await row.get_by_role("button", name="Modifier : Accompagnement social").click()
    typed = row.locator("form input:visible").first
    await typed.fill("Tapé puis gardé")
    await page.locator("#lang").click()
    await answer_leaving(page, leave=False)
    await expect(typed).to_have_value("Tapé puis gardé")
    await expect(page.get_by_role("button", name="Catalogue des services")).to_be_visible()
    await page.locator("#lang").click()
    await answer_leaving(page, leave=True)
    await expect(page.get_by_role("button", name="Service catalogue")).to_be_visible()
    await assert_accessible(page)


async def test_the_staff_account_form_is_cancelled(page: Page, server: LiveServer) -> None:
    admin = server.make_agent("admin")
    await sign_in(page, server, admin)
    await page.get_by_role("button", name="Administration").click()
    row = page.locator("#staff-list li", has_text=admin.email)
    opener = row.get_by_role("button", name="Modifier le compte")
    await opener.click()
    form = row.locator("form")
    await form.get_by_label("Rôle").select_option("auditor")
    await form.get_by_role("button", name="Annuler").click()
    await expect(row.locator("form")).to_have_count(0)
    await expect(opener).to_be_focused()
    await expect(row).to_contain_text("administrateur · CASA-BASE · actif")
    await assert_accessible(page)


async def test_the_partner_form_is_cancelled(page: Page, server: LiveServer) -> None:
    admin = server.make_agent("admin")
    with server.api(admin) as http:
        made = http.post("/api/v1/partners", json={"name": "Caritas Rabat", "kind": "ngo", "country": "MA"})
        assert made.status_code == 201, made.text
    await sign_in(page, server, admin)
    await page.get_by_role("button", name="Partenaires").click()
    await _cancel(page.locator("#partner-list li", has_text="Caritas Rabat"), "Modifier Caritas Rabat")
    with server.api(admin) as http:
        assert http.get(f"/api/v1/partners/{made.json()['id']}").json()["name"] == "Caritas Rabat"
    await assert_accessible(page)
