"""The search for the other file of a merge shows its results page by page: when more files match
than one page holds, it says so, how to narrow the search, and shows the next ones on asking."""

from __future__ import annotations

import pytest
from playwright.async_api import Page, expect

from tests.web.conftest import LiveServer, assert_accessible
from tests.web.helpers import register_via_api, sign_in
from tests.web.test_merge_files import open_by_address

pytestmark = pytest.mark.asyncio(loop_scope="session")


async def test_more_files_than_a_page_are_said_and_shown_on_asking(page: Page, server: LiveServer) -> None:
    agent = server.make_agent()
    mine = register_via_api(server, agent, given_names="Fatou", family_name="Gueye")
    others = [register_via_api(server, agent, given_names=f"Fatou {n}", family_name="Gueye") for n in range(12)]
    await sign_in(page, server, agent)
    await open_by_address(page, server, mine["id"])
    section = page.locator("#person-merge")
    await section.get_by_role("button", name="Même personne qu'un autre dossier…").click()
    await section.get_by_label("Chercher l'autre dossier").fill("Gueye")
    await section.get_by_role("button", name="Chercher l'autre dossier").click()
    results = section.locator("#merge-results > li")
    # The first page: the 10 newest files; the others said to exist, with how to narrow.
    await expect(results).to_have_count(10)
    await expect(section.locator("#merge-more-note")).to_have_text(
        "D'autres dossiers correspondent à cette recherche : précisez-la (nom complet, téléphone, "
        "n° de pièce ou d'enregistrement) ou affichez les suivants."
    )
    await assert_accessible(page)
    await section.get_by_role("button", name="Afficher les dossiers suivants").click()
    await expect(results).to_have_count(12)
    await expect(section.locator("#merge-more-note")).to_have_count(0)
    await expect(section.get_by_role("button", name="Afficher les dossiers suivants")).to_have_count(0)
    shown = await results.locator("strong").all_inner_texts()
    assert sorted(shown) == sorted(f"{o['given_names']} Gueye" for o in others)
