"""A refusal that names one field (a partner's name already taken, an outcome a resolved case
cannot have) says the API's own reason beside that field: "à remplir" only when it is empty; a
field of spaces only is said so on every form, whatever the API's error type for it."""

from __future__ import annotations

import pytest
from playwright.async_api import Page, expect

from tests.web.conftest import LiveServer
from tests.web.helpers import agent_with_case, show_case, sign_in

pytestmark = pytest.mark.asyncio(loop_scope="session")


async def test_a_partner_name_already_taken_is_said_so_not_to_be_filled(page: Page, server: LiveServer) -> None:
    admin = server.make_agent("admin")
    with server.api(admin) as http:
        assert http.post("/api/v1/partners", json={"name": "Caritas Rabat", "kind": "ngo", "country": "MA"}).is_success
    await sign_in(page, server, admin)
    await page.get_by_role("button", name="Partenaires").click()
    form = page.locator("#partner-form-new")
    # spaces only: said as on the registration and note forms (the form sends the name trimmed to
    # null, which the API answers `string_type`: before, « Nom : valeur non valide »)
    await form.get_by_label("Nom", exact=True).fill("   ")
    await form.get_by_label("Type d'organisation").select_option("ngo")
    await form.get_by_label("Pays (code à deux lettres").fill("MA")
    await form.get_by_role("button", name="Enregistrer le partenaire").click()
    message = page.locator("#partners .msg").first
    await expect(message).to_have_text(
        "Vérifiez les champs signalés :Nom : ne peut pas être vide ou fait seulement d'espaces"
    )
    await form.get_by_label("Nom", exact=True).fill("caritas  RABAT")
    await form.get_by_role("button", name="Enregistrer le partenaire").click()
    await expect(message).to_contain_text("Nom : Un partenaire nommé Caritas Rabat existe déjà")
    await expect(message).not_to_contain_text("à remplir")
    await expect(form.get_by_label("Nom", exact=True)).to_have_attribute("aria-invalid", "true")
    # the language switched, as on the registration form: nothing asked, the screen not drawn again
    # (before, every field came back empty, the refusal and the marks gone), the refusal said again
    await form.get_by_label("Ville").fill("Rabat")
    await page.locator("#lang").click()
    await expect(message).to_contain_text("Check the highlighted fields:Name: ")
    await expect(form.get_by_label("Name", exact=True)).to_have_value("caritas  RABAT")
    await expect(form.get_by_label("Name", exact=True)).to_have_attribute("aria-invalid", "true")
    await expect(form.get_by_label("City")).to_have_value("Rabat")
    await expect(form.get_by_role("button", name="Save the partner")).to_be_visible()
    await expect(page.locator("#partner-list")).to_contain_text("Caritas Rabat · NGO · MA")
    await expect(page.locator("#partners")).not_to_contain_text("Ajouter un partenaire")
    await page.locator("#lang").click()
    # back in the API's language, its own words again (before: « à vérifier »)
    await expect(message).to_contain_text(
        "Vérifiez les champs signalés :Nom : Un partenaire nommé Caritas Rabat existe déjà"
    )
    await expect(page.locator("#partner-list")).to_contain_text("Caritas Rabat · ONG · MA")


async def test_a_resolved_case_without_outcome_says_why_and_an_empty_outcome_is_to_be_filled(
    page: Page, server: LiveServer
) -> None:
    agent, case = agent_with_case(server, given_names="Awa", family_name="Ndiaye")
    await sign_in(page, server, agent)
    await show_case(page, server, case)
    move = page.locator("#move-form")
    await move.get_by_label("Passer au statut").select_option("resolved")
    await move.get_by_label("Résultat").select_option("no_outcome")
    await move.get_by_role("button", name="Changer le statut").click()
    message = page.locator("#case-msg")
    await expect(message).to_contain_text(
        "Résultat : Un dossier résolu requiert un résultat autre que « Sans résultat »."
    )
    await expect(message).not_to_contain_text("à remplir")
    await move.get_by_label("Résultat").select_option("")
    await move.get_by_role("button", name="Changer le statut").click()
    await expect(message).to_contain_text("Résultat : à remplir")
