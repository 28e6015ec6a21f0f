"""A change made from a list (an account deactivated) is sent with the ETag of the record as the
list showed it: a sign-in of that account meanwhile changes no version and is no conflict."""

from __future__ import annotations

import pytest
from playwright.async_api import Page, expect

from tests.web.conftest import LiveServer
from tests.web.helpers import sign_in

pytestmark = pytest.mark.asyncio(loop_scope="session")


async def test_an_account_that_signed_in_meanwhile_is_deactivated_at_the_first_click(
    page: Page, server: LiveServer
) -> None:
    admin = server.make_agent("admin")
    colleague = server.make_agent()
    await sign_in(page, server, admin)
    await page.get_by_role("button", name="Administration").click()
    row = page.locator("#staff-list li", has_text=colleague.email)
    await expect(row).to_contain_text("actif")
    server.sign_in_elsewhere(colleague)  # last_login_at moves, the version not
    await row.get_by_role("button", name="Désactiver").click()
    await expect(page.locator("#staff-msg")).to_have_text("Compte désactivé.")
    with server.api(admin) as http:
        assert http.get(f"/api/v1/users/{colleague.id}").json()["is_active"] is False
