"""A refusal on screen when the client's language is switched (fr ↔ en) is said again in the new
language where the client has its own words for it, and otherwise keeps the API's words as they
were given — never « to be checked » / « à vérifier » in their place. Before, every field reason the
client had no words for became that placeholder after a switch, and stayed it even once switched
back to the language the API had answered in."""

from __future__ import annotations

import pytest
from playwright.async_api import Page, expect

from tests.web.conftest import LiveServer
from tests.web.helpers import register_via_api, sign_in

pytestmark = pytest.mark.asyncio(loop_scope="session")

TAKEN_FR = "Un partenaire nommé Caritas Rabat existe déjà"


async def test_a_reason_only_the_api_words_is_kept_as_given_across_switches(page: Page, server: LiveServer) -> None:
    admin = server.make_agent("admin")
    with server.api(admin) as http:
        assert http.post("/api/v1/partners", json={"name": "Caritas Rabat", "kind": "ngo", "country": "MA"}).is_success
    await sign_in(page, server, admin)
    await page.get_by_role("button", name="Partenaires").click()
    form = page.locator("#partner-form-new")
    await form.get_by_label("Nom", exact=True).fill("caritas  RABAT")
    await form.get_by_label("Type d'organisation").select_option("ngo")
    await form.get_by_label("Pays (code à deux lettres").fill("MA")
    await form.get_by_role("button", name="Enregistrer le partenaire").click()
    message = page.locator("#partners .msg").first
    await expect(message).to_contain_text(f"Nom : {TAKEN_FR}")
    await page.locator("#lang").click()
    await expect(message).to_contain_text(f"Check the highlighted fields:Name: {TAKEN_FR}")
    await expect(message).not_to_contain_text("to be checked")
    await page.locator("#lang").click()
    await expect(message).to_contain_text(f"Vérifiez les champs signalés :Nom : {TAKEN_FR}")
    await expect(message).not_to_contain_text("à vérifier")


async def test_a_reason_the_client_has_words_for_is_said_in_the_new_language(page: Page, server: LiveServer) -> None:
    agent = server.make_agent()
    register_via_api(server, agent, given_names="Cheikh", family_name="Fall")
    await sign_in(page, server, agent)
    form = page.locator("#search-form")
    await form.get_by_label("Nom, téléphone").fill("\u200b")  # nothing to search by: refused by the API
    await form.get_by_role("button", name="Chercher", exact=True).click()
    message = page.locator("#search-msg")
    await expect(message).to_contain_text("Nom, téléphone, n° de document ou d'enregistrement : rien à chercher")
    await page.locator("#lang").click()
    await expect(message).to_contain_text(
        "Name, phone, document or registration number: nothing to search by (neither letter nor digit)"
    )
    await page.locator("#lang").click()
    await expect(message).to_contain_text(
        "Nom, téléphone, n° de document ou d'enregistrement : rien à chercher (ni lettre ni chiffre)"
    )
