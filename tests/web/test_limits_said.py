"""A text too short or too long is said with its limit, as the API says it, whoever refuses it (the
browser's own check or the API) and after a language switch: « trop court (au moins 10 caractères
visibles) », never a bare « trop court » that leaves the agent guessing how much to add.

Before: a named export's purpose of `   x   ` said « Finalité de l'export nominatif : trop court »;
a partner's name too long said « trop long (200 caractères au plus) », then « too long » once the
language switched."""

from __future__ import annotations

import pytest
from playwright.async_api import Page, expect

from tests.web.conftest import LiveServer
from tests.web.helpers import fill_registration, sign_in

pytestmark = pytest.mark.asyncio(loop_scope="session")


async def test_a_named_export_s_purpose_too_short_says_the_minimum(page: Page, server: LiveServer) -> None:
    admin = server.make_agent("admin", desks=[])
    await sign_in(page, server, admin)
    await page.get_by_role("button", name="Rapports").click()
    form = page.locator("#export-form")
    await form.get_by_label("Avec noms et contacts").check()
    purpose = form.get_by_label("Finalité de l'export nominatif")
    message = page.locator("#export-msg")
    await purpose.fill("   x   ")  # stopped by the browser (minlength)
    await form.get_by_role("button", name="Exporter").click()
    await expect(message).to_contain_text(
        "Finalité de l'export nominatif : trop court (au moins 10\u00a0caractères visibles)"
    )
    await purpose.fill("     x          ")  # long enough for the browser, not for the API
    await form.get_by_role("button", name="Exporter").click()
    await expect(message).to_contain_text(
        "Finalité de l'export nominatif : trop court (au moins 10\u00a0caractères visibles)"
    )
    await expect(purpose).to_have_attribute("aria-invalid", "true")


async def test_a_limit_is_still_said_after_a_language_switch(page: Page, server: LiveServer) -> None:
    admin = server.make_agent("admin")
    await sign_in(page, server, admin)
    await page.get_by_role("button", name="Partenaires").click()
    form = page.locator("#partner-form-new")
    await form.get_by_label("Nom", exact=True).fill("Caritas " * 30)
    await form.get_by_label("Type d'organisation").select_option("ngo")
    await form.get_by_label("Pays (code à deux lettres").fill("MA")
    await form.get_by_role("button", name="Enregistrer le partenaire").click()
    message = page.locator("#partners .msg:not([hidden])").first  # refused in the page: nothing sent
    await expect(message).to_contain_text("Nom : trop long (200\u00a0caractères au plus)")
    await page.locator("#lang").click()
    await expect(message).to_contain_text("Name: too long (at most 200\u00a0characters)")


async def test_registration_notes_too_long_are_stopped_in_the_page(page: Page, server: LiveServer) -> None:
    agent = server.make_agent("agent")
    await sign_in(page, server, agent)
    posts: list[str] = []
    page.on("request", lambda request: posts.append(request.url) if request.method == "POST" else None)
    form = await fill_registration(page, submit=False, given_names="Awa", family_name="Ndiaye")
    await form.locator("#reg-notes").fill("Suivi. " * 300)  # 2,100 characters: the API takes 2,000
    await form.get_by_role("button", name="Enregistrer", exact=True).click()
    await expect(page.locator("#register-msg")).to_contain_text("trop long (2\u00a0000\u00a0caractères au plus)")
    assert not [url for url in posts if "/registrants" in url]  # nothing sent
