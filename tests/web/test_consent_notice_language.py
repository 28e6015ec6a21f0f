"""The language the person was given the notice in (chosen at registration) is on their file, with
the consents, in words."""

from __future__ import annotations

import pytest
from playwright.async_api import Page, expect

from tests.web.conftest import LiveServer
from tests.web.helpers import fill_registration, open_file, sign_in

pytestmark = pytest.mark.asyncio(loop_scope="session")


async def test_the_notice_language_chosen_at_registration_is_on_the_file(page: Page, server: LiveServer) -> None:
    await sign_in(page, server, server.make_agent())
    await fill_registration(
        page, desk_code="CASA-BASE", given_names="Khadija", family_name="Benali", notice_language="Arabe"
    )
    await expect(page.locator("#register-msg")).to_contain_text("Personne enregistrée sous le numéro")
    await page.get_by_role("button", name="Rechercher").first.click()
    await open_file(page, "Khadija Benali")
    consent = page.locator("#person-consents li").first
    await expect(consent).to_contain_text("notice donnée en arabe")
