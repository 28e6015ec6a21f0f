"""An account that belongs to no desk is told so, and whom to ask, wherever a desk is needed (no
browser popup, no button that does nothing); the administrator is warned while creating or
editing an agent or a supervisor with no desk ticked."""

from __future__ import annotations

import datetime as dt

import pytest
from playwright.async_api import Page, expect

from tests.web.conftest import LiveServer
from tests.web.helpers import answer_leaving, fill_registration, sign_in

pytestmark = pytest.mark.asyncio(loop_scope="session")

NO_DESK = "Votre compte n'est rattaché à aucun guichet : demandez à un administrateur."


async def test_an_agent_with_no_desk_is_told_to_ask_an_administrator(page: Page, server: LiveServer) -> None:
    await sign_in(page, server, server.make_agent("agent", []))
    form = await fill_registration(page, given_names="Awa", family_name="Ndiaye", sex="female")
    await expect(form.locator("#reg-desk-none")).to_have_text(NO_DESK)
    await expect(page.locator("#register-msg")).to_have_text(NO_DESK)

    await page.get_by_role("button", name="Rendez-vous du jour").click()
    await answer_leaving(page, leave=True)  # the person's details typed were not registered
    await page.locator("#day-date").fill(dt.date.today().isoformat())
    await page.get_by_role("button", name="Afficher", exact=True).click()
    await expect(page.locator("#day-msg")).to_have_text(NO_DESK)


async def test_an_agent_with_a_desk_sees_no_such_note(page: Page, server: LiveServer) -> None:
    await sign_in(page, server, server.make_agent("agent"))
    await page.get_by_role("button", name="Nouvelle personne").click()
    await expect(page.locator("#reg-desk")).to_have_value("CASA-BASE")
    await expect(page.locator(".note", has_text="aucun guichet")).to_have_count(0)


async def test_the_administrator_is_warned_of_an_agent_with_no_desk(page: Page, server: LiveServer) -> None:
    await sign_in(page, server, server.make_agent("admin"))
    await page.get_by_role("button", name="Administration").click()
    form = page.locator("#staff-form-new")
    warning = form.get_by_text("Un agent ou un superviseur sans guichet ne peut rien faire")
    await expect(form.get_by_label("Rôle")).to_have_value("agent")
    await expect(warning).to_be_hidden()  # an agent, no desk ticked, but no account begun yet
    await form.get_by_label("Nom complet").fill("Mariama Sow")
    await expect(warning).to_be_visible()  # this one is an agent's
    await form.get_by_label("(DKR-MOB)").check()
    await expect(warning).to_be_hidden()
    await form.get_by_label("(DKR-MOB)").uncheck()
    await form.get_by_label("Rôle").select_option("auditor")
    await expect(warning).to_be_hidden()
    await form.get_by_label("Rôle").select_option("supervisor")
    await expect(warning).to_be_visible()

    # an auditor created after a desk was ticked (then hidden with the role): « Compte créé. » alone,
    # not beside a warning about agents (the new form drawn under it is an agent's, not begun)
    await form.get_by_label("E-mail professionnel").fill("auditrice@desk.example")
    await form.get_by_label("Mot de passe initial").fill("un mot de passe assez long")
    await form.get_by_label("(DKR-MOB)").check()
    await form.get_by_label("Rôle").select_option("auditor")
    await form.get_by_role("button", name="Créer le compte").click()
    await expect(page.locator("#staff-msg")).to_have_text("Compte créé.")
    await expect(page.locator("#staff-list")).to_contain_text("auditrice@desk.example")
    await expect(page.locator("#staff-form-new").get_by_label("Rôle")).to_have_value("agent")
    await expect(page.get_by_text("Un agent ou un superviseur sans guichet ne peut rien faire")).to_be_hidden()
