"""A screen says only the latest outcome: an earlier success does not stay beside a later refusal."""

from __future__ import annotations

import pytest
from playwright.async_api import Page, expect

from tests.conftest import PASSWORD
from tests.web.conftest import LiveServer
from tests.web.helpers import sign_in

pytestmark = pytest.mark.asyncio(loop_scope="session")


async def test_an_account_created_then_a_duplicate_says_only_the_refusal(page: Page, server: LiveServer) -> None:
    admin = server.make_agent("admin")
    await sign_in(page, server, admin)
    await page.get_by_role("button", name="Administration").click()
    for _ in range(2):
        form = page.locator("#staff-form-new")
        await form.get_by_label("E-mail professionnel").fill("awa.ba@desk.example")
        await form.get_by_label("Nom complet").fill("Awa Ba")
        await form.get_by_label("Rôle").select_option("agent")
        await form.get_by_label("Mot de passe initial").fill(PASSWORD)
        await form.get_by_label("(CASA-BASE)").check()
        await form.get_by_role("button", name="Créer le compte").click()
        await expect(page.locator("#tab-admin .msg:visible").last).not_to_have_text("")
    await expect(page.locator("#staff-form-new .msg")).to_contain_text("awa.ba@desk.example")
    await expect(page.locator("#staff-msg")).to_be_hidden()
