"""What an agent typed on several lines (a case's description, its closing note…) is shown on as
many lines wherever the client draws it: a text with line breaks drawn as one run-on line fails."""

from __future__ import annotations

import pytest
from playwright.async_api import Page, expect

from tests.web.conftest import LiveServer
from tests.web.helpers import open_case_via_api, register_via_api, show_case, sign_in

pytestmark = pytest.mark.asyncio(loop_scope="session")

# The visible texts of the page holding a line break between words, drawn where breaks are not shown.
RUN_ON = """() => {
  const found = [];
  const walker = document.createTreeWalker(document.querySelector("main"), NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const parent = node.parentElement;
    if (!/\\S[ \\t]*\\n\\s*\\S/.test(node.data) || parent.closest("textarea, script, style, option")) continue;
    if (!parent.getClientRects().length) continue;
    if (!/^(pre|pre-wrap|pre-line|break-spaces)$/.test(getComputedStyle(parent).whiteSpace)) found.push(node.data);
  }
  return found;
}"""


async def test_a_description_and_a_closing_note_keep_their_line_breaks(page: Page, server: LiveServer) -> None:
    agent = server.make_agent()
    person = register_via_api(server, agent, given_names="Coumba", family_name="Diallo")
    case, _ = open_case_via_api(server, agent, person, description="Perte du passeport\nPlainte déposée le 3 mars")
    await sign_in(page, server, agent)
    await show_case(page, server, case)
    move = page.locator("#move-form")
    await move.get_by_label("Passer au statut").select_option("resolved")
    await move.get_by_label("Résultat").select_option("social")
    await move.get_by_label("Note de clôture").fill("Passeport refait\nRemis en main propre")
    await move.get_by_role("button", name="Changer le statut").click()
    await expect(page.locator("#case-msg")).to_have_text("Statut changé.")
    facts = page.locator("#case dl").first
    await expect(facts).to_contain_text("Note de clôture")
    assert "Perte du passeport\nPlainte déposée le 3 mars" in await facts.inner_text()
    assert "Passeport refait\nRemis en main propre" in await facts.inner_text()
    assert await page.evaluate(RUN_ON) == []
