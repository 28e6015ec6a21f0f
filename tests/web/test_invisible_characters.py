"""Text pasted with an invisible character that reverses what is shown after it (U+202E…) is refused
by the API (`text_bidi_control`): the agent sees the text without the character ("live" for
"\u202eevil"), so the refusal says which invisible character, where, and what to do — not a bare
"valeur non valide" that leaves them staring at a text that looks right."""

from __future__ import annotations

import pytest
from playwright.async_api import Page, expect

from tests.web.conftest import LiveServer
from tests.web.helpers import agent_with_case, show_case, sign_in

pytestmark = pytest.mark.asyncio(loop_scope="session")


async def test_a_note_with_a_direction_override_says_which_invisible_character_and_where(
    page: Page, server: LiveServer
) -> None:
    agent, case = agent_with_case(server, given_names="Awa", family_name="Ndiaye")
    await sign_in(page, server, agent)
    await show_case(page, server, case)
    await page.get_by_label("Texte de la note").fill("Rappeler \u202elundi")
    await page.get_by_role("button", name="Ajouter la note").click()
    message = page.get_by_role("alert").filter(has_text="Texte de la note")
    await expect(message).to_contain_text("caractère invisible U+202E en position 10")
    await expect(message).not_to_contain_text("valeur non valide")
    await expect(page.get_by_label("Texte de la note")).to_have_attribute("aria-invalid", "true")


async def test_in_english_too(page: Page, server: LiveServer) -> None:
    agent, case = agent_with_case(server, given_names="Awa", family_name="Ndiaye")
    await sign_in(page, server, agent)
    await page.get_by_role("button", name="English").click()
    await page.goto(f"{server.url}/app/#/case/{case['id']}")
    await page.get_by_label("Note text").fill("Call back \u2067Monday")
    await page.get_by_role("button", name="Add the note").click()
    message = page.get_by_role("alert").filter(has_text="Note text")
    await expect(message).to_contain_text("invisible character U+2067 at position 11")
    await expect(message).not_to_contain_text("invalid value")
