"""Leaving a screen whose form holds input not saved asks first, in the page: staying keeps every
value and the address, leaving goes on (the input abandoned). Input typed and erased back, a form
saved, a search or a filter are not asked about."""

from __future__ import annotations

import re

import pytest
from playwright.async_api import Locator, Page, expect

from tests.web.conftest import LiveServer, assert_accessible
from tests.web.helpers import (
    LEAVE_QUESTION,
    agent_with_case,
    fill_registration,
    show_case,
    sign_in,
)

pytestmark = pytest.mark.asyncio(loop_scope="session")

LEAVING = """() => {
  const event = new Event("beforeunload", { cancelable: true });
  window.dispatchEvent(event);
  return event.defaultPrevented;
}"""
"""Whether a reload or closing the tab would ask (the browser asks when the event is cancelled)."""


def question(page: Page) -> Locator:
    return page.get_by_role("dialog", name=LEAVE_QUESTION)


async def open_registration(page: Page, server: LiveServer) -> None:
    await sign_in(page, server, server.make_agent())
    # the screens' code arrives after the sign-in (the form loses data-wait then)
    await page.wait_for_function("() => !document.querySelector('#register-form').hasAttribute('data-wait')")
    await page.get_by_role("button", name="Nouvelle personne").click()


async def test_a_tab_left_with_a_registration_typed_asks_staying_keeps_it_leaving_abandons_it(
    page: Page, server: LiveServer
) -> None:
    await open_registration(page, server)
    form = page.locator("#register-form")
    await form.get_by_label("Prénom(s)").fill("Mariama")
    await form.get_by_label("Ville de résidence").fill("Casablanca")
    await form.get_by_label("Situation").select_option("student")

    await page.get_by_role("button", name="Files de dossiers").click()
    await expect(question(page)).to_be_visible()
    await expect(question(page).get_by_role("button")).to_have_text(["Abandonner les saisies", "Rester sur cet écran"])
    await assert_accessible(page)
    await question(page).get_by_role("button", name="Rester sur cet écran").click()
    await expect(question(page)).to_have_count(0)
    await expect(page.get_by_role("heading", name="Nouvelle personne", level=1)).to_be_visible()
    assert page.url.endswith("#/register")
    assert await form.get_by_label("Prénom(s)").input_value() == "Mariama"
    assert await form.get_by_label("Ville de résidence").input_value() == "Casablanca"
    assert await form.get_by_label("Situation").input_value() == "student"
    assert await page.evaluate(LEAVING) is True  # a reload would lose it: the browser asks

    await page.get_by_role("button", name="Files de dossiers").click()
    await question(page).get_by_role("button", name="Abandonner les saisies").click()
    await expect(page.get_by_role("heading", name="Files de dossiers", level=1)).to_be_visible()
    assert page.url.endswith("#/cases")
    assert await page.evaluate(LEAVING) is False
    await page.get_by_role("button", name="Nouvelle personne").click()  # abandoned: the form is empty again
    assert await form.get_by_label("Prénom(s)").input_value() == ""
    assert await form.get_by_label("Situation").input_value() == ""
    await page.get_by_role("button", name="Rechercher", exact=True).click()
    await expect(page.get_by_role("heading", name="Rechercher", level=1)).to_be_visible()
    await expect(question(page)).to_have_count(0)


async def test_input_typed_then_put_back_as_it_was_is_not_asked_about(page: Page, server: LiveServer) -> None:
    await open_registration(page, server)
    form = page.locator("#register-form")
    await form.get_by_label("Prénom(s)").fill("Awa")
    await form.get_by_label("Sexe").select_option("female")
    await form.get_by_label("Prénom(s)").fill("")
    await form.get_by_label("Sexe").select_option("unknown")
    assert await page.evaluate(LEAVING) is False
    await page.get_by_role("button", name="Rechercher", exact=True).click()
    await expect(page.get_by_role("heading", name="Rechercher", level=1)).to_be_visible()
    await expect(question(page)).to_have_count(0)


async def test_a_registration_saved_is_not_asked_about(page: Page, server: LiveServer) -> None:
    await sign_in(page, server, server.make_agent())
    await fill_registration(page, given_names="Fatou", family_name="Ndiaye", host_city="Rabat")
    await expect(page.locator("#registered-link")).to_be_visible()
    await page.get_by_role("button", name="Files de dossiers").click()
    await expect(page.get_by_role("heading", name="Files de dossiers", level=1)).to_be_visible()
    await expect(question(page)).to_have_count(0)


async def test_searching_and_filtering_are_not_asked_about(page: Page, server: LiveServer) -> None:
    await sign_in(page, server, server.make_agent())
    search = page.locator("#search-form")
    await search.get_by_label("Nom, téléphone").fill("Diop")
    await search.get_by_label("Ville de résidence").fill("Tanger")
    await search.get_by_label("Âge minimum").fill("30")
    await page.get_by_role("button", name="Nouvelle personne").click()
    await expect(page.get_by_role("heading", name="Nouvelle personne", level=1)).to_be_visible()
    await page.get_by_role("button", name="Files de dossiers").click()
    await page.locator("#queue-form").get_by_label("File").select_option("overdue")
    await page.get_by_role("button", name="Rendez-vous du jour").click()
    await page.locator("#day-form").get_by_label("Jour").fill("2030-01-07")
    await page.get_by_role("button", name="Rechercher", exact=True).click()
    await expect(page.get_by_role("heading", name="Rechercher", level=1)).to_be_visible()
    await expect(question(page)).to_have_count(0)
    assert await page.evaluate(LEAVING) is False


async def test_back_with_a_registration_typed_asks_and_staying_keeps_the_screen_and_its_address(
    page: Page, server: LiveServer
) -> None:
    await open_registration(page, server)
    form = page.locator("#register-form")
    await form.get_by_label("Nom", exact=True).fill("Sow")
    await page.go_back()
    await expect(question(page)).to_be_visible()
    await question(page).get_by_role("button", name="Rester sur cet écran").click()
    await expect(page).to_have_url(re.compile(r"#/register$"))
    await expect(page.get_by_role("heading", name="Nouvelle personne", level=1)).to_be_visible()
    assert await form.get_by_label("Nom", exact=True).input_value() == "Sow"

    await page.go_back()  # the entry before is still there: asked again, and left this time
    await question(page).get_by_role("button", name="Abandonner les saisies").click()
    await expect(page.get_by_role("heading", name="Rechercher", level=1)).to_be_visible()
    await expect(page).to_have_url(re.compile(r"/app/(#/search)?$"))  # the entry of the sign-in
    await page.go_forward()  # nothing typed any more: no question
    await expect(page.get_by_role("heading", name="Nouvelle personne", level=1)).to_be_visible()
    await expect(question(page)).to_have_count(0)
    assert await form.get_by_label("Nom", exact=True).input_value() == ""


async def test_a_note_typed_on_a_case_asks_before_the_file_opens_and_before_signing_out(
    page: Page, server: LiveServer
) -> None:
    agent, case = agent_with_case(server, given_names="Moussa", family_name="Fall")
    await sign_in(page, server, agent)
    await show_case(page, server, case)
    note = page.locator("#note-form").get_by_label("Texte de la note")
    await note.fill("Rappeler le consulat lundi")

    await page.get_by_role("button", name="Ouvrir le dossier de la personne : Moussa Fall").click()
    await question(page).get_by_role("button", name="Rester sur cet écran").click()
    await expect(page.get_by_role("heading", level=1)).to_contain_text(case["case_number"])
    assert await note.input_value() == "Rappeler le consulat lundi"
    assert page.url.endswith(f"#/case/{case['id']}")

    await page.get_by_role("button", name="Se déconnecter").click()
    await question(page).get_by_role("button", name="Rester sur cet écran").click()
    await expect(page.get_by_role("button", name="Se déconnecter")).to_be_visible()
    assert await note.input_value() == "Rappeler le consulat lundi"

    await page.get_by_role("button", name="Ajouter la note").click()  # saved: nothing left to ask about
    await expect(page.locator("#case-msg")).to_be_visible()
    await page.get_by_role("button", name="Ouvrir le dossier de la personne : Moussa Fall").click()
    await expect(page.get_by_role("heading", name="Moussa Fall", level=1)).to_be_visible()
    await expect(question(page)).to_have_count(0)


async def test_signing_out_with_input_typed_asks_and_leaving_signs_out(page: Page, server: LiveServer) -> None:
    await open_registration(page, server)
    await page.locator("#register-form").get_by_label("Prénom(s)").fill("Ousmane")
    await page.get_by_role("button", name="Se déconnecter").click()
    await question(page).get_by_role("button", name="Abandonner les saisies").click()
    await expect(page.get_by_role("heading", name="Connexion", level=1)).to_be_visible()
