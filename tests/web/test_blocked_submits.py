"""An attempt to send a form that the browser's own checks stop (a required field left empty, a box
not ticked, a number out of range, a malformed e-mail) is an attempt all the same: the screen's
earlier message and the fields it marked go, and what stopped it is said in French in the form's
message box, the field marked — never the earlier outcome standing under details not saved."""

from __future__ import annotations

import pytest
from playwright.async_api import Page, expect

from tests.web.conftest import LiveServer
from tests.web.helpers import fill_registration, sign_in

pytestmark = pytest.mark.asyncio(loop_scope="session")


async def test_a_blocked_registration_does_not_keep_the_previous_success(page: Page, server: LiveServer) -> None:
    await sign_in(page, server, server.make_agent())
    form = await fill_registration(page, desk_code="CASA-BASE", given_names="Fatou", family_name="Sow")
    message = page.locator("#register-msg")
    await expect(message).to_contain_text("Personne enregistrée sous le numéro")
    await page.get_by_role("button", name="Nouvelle personne").click()
    await form.get_by_label("Prénom(s)").fill("Abdallah")
    await form.get_by_label("Nom", exact=True).fill("")
    await form.get_by_label("La personne consent").check()
    await form.get_by_role("button", name="Enregistrer", exact=True).click()
    await expect(message).to_have_text("Vérifiez les champs signalés :Nom : à remplir")
    await expect(form.get_by_label("Nom", exact=True)).to_have_attribute("aria-invalid", "true")
    await expect(form.get_by_label("Nom", exact=True)).to_be_focused()
    await expect(form.get_by_label("Prénom(s)")).to_have_value("Abdallah")  # nothing typed is lost


async def test_a_blocked_registration_clears_the_previous_refusal_and_its_mark(page: Page, server: LiveServer) -> None:
    await sign_in(page, server, server.make_agent())
    form = await fill_registration(
        page, desk_code="CASA-BASE", given_names="Fatou", family_name="Sow", date_of_birth="1985-02-30"
    )
    message = page.locator("#register-msg")
    await expect(message).to_contain_text("cette date n'existe pas au calendrier")  # the screen's own words
    dob = form.get_by_label("Date de naissance")
    await expect(dob).to_have_attribute("aria-invalid", "true")
    await dob.fill("1975-12-31")
    await form.get_by_label("Prénom(s)").fill("")
    await form.get_by_label("La personne consent").uncheck()
    await form.get_by_role("button", name="Enregistrer", exact=True).click()
    await expect(message).to_contain_text("Prénom(s) : à remplir")
    await expect(message).to_contain_text(" : à cocher")  # the person's consent, a box
    await expect(message).not_to_contain_text("calendrier")
    await expect(dob).not_to_have_attribute("aria-invalid", "true")
    await expect(form.get_by_label("Prénom(s)")).to_have_attribute("aria-invalid", "true")


async def test_a_search_stopped_by_the_age_bounds_says_them_in_french(page: Page, server: LiveServer) -> None:
    await sign_in(page, server, server.make_agent())
    form = page.locator("#search-form")
    await form.get_by_label("Nom, téléphone").fill("Diop")
    await form.get_by_label("Âge minimum").fill("60")
    await form.get_by_label("Âge maximum").fill("20")
    await form.get_by_role("button", name="Chercher", exact=True).click()
    message = page.locator("#search-msg")
    await expect(message).to_contain_text("l'âge minimum dépasse l'âge maximum")
    await form.get_by_label("Âge minimum").fill("-5")
    await form.get_by_label("Âge maximum").fill("200")
    await form.get_by_role("button", name="Chercher", exact=True).click()
    await expect(message).to_have_text(
        "Vérifiez les champs signalés :Âge minimum : au moins 0Âge maximum : au plus 130"
    )
    await expect(form.get_by_label("Âge maximum")).to_have_attribute("aria-invalid", "true")


async def test_a_malformed_e_mail_replaces_the_account_forms_previous_refusal(page: Page, server: LiveServer) -> None:
    admin = server.make_agent("admin")
    taken = server.make_agent()
    await sign_in(page, server, admin)
    await page.get_by_role("button", name="Administration").click()
    form = page.locator("#staff-form-new")
    await form.get_by_label("E-mail professionnel").fill(taken.email)
    await form.get_by_label("Nom complet").fill("Mariama Sow")
    await form.get_by_label("Mot de passe initial").fill("un mot de passe assez long")
    await form.get_by_label("(CASA-BASE)").check()  # an agent works at a desk
    await form.get_by_role("button", name="Créer le compte").click()
    box = form.locator(".msg[role=alert]")
    await expect(box).to_be_visible()
    earlier = await box.text_content()
    await form.get_by_label("E-mail professionnel").fill("pas-un-email")
    await form.get_by_role("button", name="Créer le compte").click()
    await expect(box).to_have_text(
        "Vérifiez les champs signalés :E-mail professionnel : adresse e-mail non valide (nom@domaine)"
    )
    assert earlier and "E-mail professionnel : adresse" not in earlier
