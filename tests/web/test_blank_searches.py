"""A search with nothing typed — the box left empty or holding only spaces — and nothing chosen
searches nothing: the client says what to type (in the language switched to, too) and lists no
one. Before, the spaces were trimmed away and the search listed everyone of the desk; the API now
refuses a ``q`` of white space (422) as one of invisible characters."""

from __future__ import annotations

import pytest
from playwright.async_api import Page, expect

from tests.web.conftest import LiveServer
from tests.web.helpers import register_via_api, sign_in
from tests.web.test_merge_files import open_by_address

pytestmark = pytest.mark.asyncio(loop_scope="session")

HINT_FR = "Tapez un nom, un téléphone ou un numéro, ou choisissez un filtre."
HINT_EN = "Type a name, a phone or a number, or choose a filter."


@pytest.mark.parametrize("typed", ["   ", ""], ids=["spaces", "empty"])
async def test_a_search_with_nothing_typed_nor_chosen_lists_no_one_and_says_what_to_type(
    page: Page, server: LiveServer, typed: str
) -> None:
    agent = server.make_agent()
    register_via_api(server, agent, given_names="Awa", family_name="Sarr")
    await sign_in(page, server, agent)
    asked: list[str] = []
    page.on("request", lambda r: asked.append(r.url) if "/api/v1/registrants?" in r.url else None)
    form = page.locator("#search-form")
    await form.get_by_label("Nom, téléphone").fill(typed)
    await form.get_by_role("button", name="Chercher", exact=True).click()
    await expect(page.locator("#search-msg")).to_have_text(HINT_FR)
    await expect(page.locator("#results li")).to_have_count(0)
    assert asked == []
    await page.locator("#lang").click()
    await expect(page.locator("#search-msg")).to_have_text(HINT_EN)

    await form.get_by_label("Name, phone").fill("Sarr")  # something typed: searched
    await form.get_by_role("button", name="Search", exact=True).click()
    await expect(page.locator("#results li")).to_have_count(1)
    await expect(page.locator("#search-msg")).to_be_hidden()


async def test_spaces_with_a_filter_search_by_the_filter(page: Page, server: LiveServer) -> None:
    agent = server.make_agent()
    register_via_api(server, agent, given_names="Awa", family_name="Sarr", sex="female")
    register_via_api(server, agent, given_names="Modou", family_name="Sarr", sex="male")
    await sign_in(page, server, agent)
    form = page.locator("#search-form")
    await form.get_by_label("Nom, téléphone").fill("   ")
    await form.get_by_label("Sexe").select_option("male")
    await form.get_by_role("button", name="Chercher", exact=True).click()
    await expect(page.locator("#results li")).to_have_count(1)
    await expect(page.locator("#results li")).to_contain_text("Modou Sarr")


async def test_the_merge_search_with_only_spaces_lists_no_one_and_says_what_to_type(
    page: Page, server: LiveServer
) -> None:
    agent = server.make_agent()
    mine = register_via_api(server, agent, given_names="Fatou", family_name="Gueye")
    register_via_api(server, agent, given_names="Binta", family_name="Gueye")
    await sign_in(page, server, agent)
    await open_by_address(page, server, mine["id"])
    section = page.locator("#person-merge")
    await section.get_by_role("button", name="Même personne qu'un autre dossier…").click()
    await section.get_by_label("Chercher l'autre dossier").fill("   ")
    await section.get_by_role("button", name="Chercher l'autre dossier").click()
    await expect(section.locator(".msg")).to_have_text("Tapez un nom, un téléphone ou un numéro.")
    await expect(section.locator("#merge-results > li")).to_have_count(0)
