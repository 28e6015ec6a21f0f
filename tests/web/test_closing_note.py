"""A closing note written with a closing move is shown on the case screen and in its history,
and stays in the history once the case is reopened."""

from __future__ import annotations

import pytest
from playwright.async_api import Page, expect

from tests.web.conftest import LiveServer
from tests.web.helpers import agent_with_case, show_case, sign_in

pytestmark = pytest.mark.asyncio(loop_scope="session")


async def test_the_closing_note_is_shown_and_kept_in_the_history_after_reopening(
    page: Page, server: LiveServer
) -> None:
    agent, case = agent_with_case(server, given_names="Coumba", family_name="Diallo")
    await sign_in(page, server, agent)
    await show_case(page, server, case)
    move = page.locator("#move-form")
    await move.get_by_label("Passer au statut").select_option("resolved")
    await move.get_by_label("Résultat").select_option("social")
    await move.get_by_label("Note de clôture").fill("Hébergement trouvé chez une cousine")
    await move.get_by_role("button", name="Changer le statut").click()
    await expect(page.locator("#case-msg")).to_have_text("Statut changé.")
    facts = page.locator("#case dl").first
    await expect(facts).to_contain_text("RésultatSocial")
    await expect(facts).to_contain_text("Note de clôtureHébergement trouvé chez une cousine")
    history = page.locator("ol.timeline li").last
    await expect(history).to_contain_text(
        "(résultat : Social, note de clôture : « Hébergement trouvé chez une cousine »)"
    )

    await move.get_by_label("Passer au statut").select_option("in_follow_up")
    await move.get_by_label("Motif").fill("La cousine déménage")
    await move.get_by_role("button", name="Changer le statut").click()
    await expect(page.locator("#case-msg")).to_have_text("Statut changé.")
    await expect(page.locator("#case dl").first).not_to_contain_text("Note de clôture")
    await expect(page.locator("ol.timeline")).to_contain_text(
        "note de clôture : « Hébergement trouvé chez une cousine »"
    )
