"""An auditor reads every desk and belongs to none (the API refuses desks for one,
`field-not-applicable` at `desk_codes`): the account form offers no desk for that role, sends none,
and the account is created."""

from __future__ import annotations

import pytest
from playwright.async_api import Page, expect

from tests.web.conftest import LiveServer
from tests.web.helpers import sign_in

pytestmark = pytest.mark.asyncio(loop_scope="session")


async def test_an_auditor_account_is_offered_no_desk_and_is_created(page: Page, server: LiveServer) -> None:
    admin = server.make_agent("admin")
    await sign_in(page, server, admin)
    await page.get_by_role("button", name="Administration").click()
    form = page.locator("#staff-form-new")
    await form.get_by_label("E-mail professionnel").fill("awa.auditrice@desk.example")
    await form.get_by_label("Nom complet").fill("Awa Auditrice")
    await form.get_by_label("Mot de passe initial").fill("un mot de passe assez long")
    await form.get_by_label("(CASA-BASE)").check()
    await form.get_by_label("Rôle").select_option("auditor")
    await expect(form.get_by_label("(CASA-BASE)")).to_be_hidden()
    await expect(form).to_contain_text("Un auditeur lit tous les guichets et n'appartient à aucun")
    await form.get_by_role("button", name="Créer le compte").click()
    await expect(page.locator("#staff-list li", has_text="awa.auditrice@desk.example")).to_contain_text("auditeur")
    users: list[dict[str, object]] = []
    with server.api(admin) as http:
        listed = http.get("/api/v1/users").json()
        users += listed["items"]
        while listed["next_cursor"]:
            listed = http.get("/api/v1/users", params={"cursor": listed["next_cursor"]}).json()
            users += listed["items"]
    created = next(u for u in users if u["email"] == "awa.auditrice@desk.example")
    assert (created["role"], created["desk_codes"]) == ("auditor", [])


async def test_an_agent_made_auditor_loses_the_desk_boxes_and_back_again(page: Page, server: LiveServer) -> None:
    await sign_in(page, server, server.make_agent("admin"))
    await page.get_by_role("button", name="Administration").click()
    form = page.locator("#staff-form-new")
    await form.get_by_label("Rôle").select_option("auditor")
    await expect(form.get_by_label("(CASA-BASE)")).to_be_hidden()
    await form.get_by_label("Rôle").select_option("supervisor")
    await expect(form.get_by_label("(CASA-BASE)")).to_be_visible()
    await expect(form.get_by_label("(CASA-BASE)")).to_be_enabled()
