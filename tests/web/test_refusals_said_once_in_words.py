"""What a refusal says on screen: why, in words (never « valeur non valide » for a date or a
phone), each problem once (a double click, a group of radio buttons), in the language the agent
switches to (the input kept); dates of birth agree with the person's sex; counts agree with their
words."""

from __future__ import annotations

import pytest
from playwright.async_api import Page, expect

from tests.web.conftest import LiveServer
from tests.web.helpers import fill_registration, open_file, register_via_api, sign_in

pytestmark = pytest.mark.asyncio(loop_scope="session")


async def test_a_birth_date_before_1900_is_refused_saying_why(page: Page, server: LiveServer) -> None:
    await sign_in(page, server, server.make_agent())
    await fill_registration(
        page, desk_code="CASA-BASE", given_names="Aminata", family_name="Ba", date_of_birth="1899-05-01"
    )
    await expect(page.locator("#register-msg")).to_have_text(
        "Vérifiez les champs signalés :"
        "Date de naissance : « 1899-05-01 » : avant 1900, une date à partir de 1900 est attendue"
    )


async def test_a_phone_with_a_letter_is_refused_saying_why(page: Page, server: LiveServer) -> None:
    await sign_in(page, server, server.make_agent())
    await fill_registration(
        page, desk_code="CASA-BASE", given_names="Aminata", family_name="Ba", phone="06 12 A4 56 78"
    )
    await expect(page.locator("#register-msg")).to_contain_text(
        "Téléphone : « 06 12 A4 56 78 » n'est pas un numéro de téléphone : un numéro ne contient que des chiffres"
    )


async def test_a_refusal_is_said_again_in_the_language_switched_to_the_input_kept(
    page: Page, server: LiveServer
) -> None:
    await sign_in(page, server, server.make_agent())
    form = await fill_registration(
        page, desk_code="CASA-BASE", given_names="Aminata", family_name="Ba", date_of_birth="2090-01-01"
    )
    message = page.locator("#register-msg")
    await expect(message).to_contain_text("Date de naissance : date dans le futur")
    await page.locator("#lang").click()
    await expect(message).to_have_text(
        "Check the highlighted fields:Date of birth: date in the future: a past date is expected"
    )
    await expect(form.get_by_label("Date of birth")).to_have_value("2090-01-01")
    await expect(form.get_by_label("Date of birth")).to_have_attribute("aria-invalid", "true")
    await page.locator("#lang").click()
    await expect(message).to_have_text(
        "Vérifiez les champs signalés :Date de naissance : date dans le futur : une date passée est attendue"
    )


async def test_a_double_click_on_an_emptied_account_form_says_each_problem_once(page: Page, server: LiveServer) -> None:
    await sign_in(page, server, server.make_agent("admin"))
    await page.get_by_role("button", name="Administration").click()
    form = page.locator("#staff-form-new")
    await form.get_by_role("button", name="Créer le compte").dblclick()
    lines = form.locator(".msg li")
    await expect(lines.first).to_be_visible()
    said = await lines.all_inner_texts()
    assert len(said) == len(set(said)) >= 2, said


async def test_a_consent_without_the_person_s_answer_says_it_once(page: Page, server: LiveServer) -> None:
    agent = server.make_agent()
    register_via_api(server, agent, given_names="Ndeye", family_name="Faye")
    await sign_in(page, server, agent)
    await open_file(page, "Ndeye Faye")
    consents = page.locator("#person-consents")
    await consents.get_by_label("Finalité").select_option("service_delivery")
    await consents.get_by_role("button", name="Enregistrer un consentement").click()
    await expect(consents.locator(".msg:not([hidden])")).to_have_text(
        "Vérifiez les champs signalés :Réponse de la personne : à choisir"
    )


async def test_a_birth_date_agrees_with_the_person_s_sex(page: Page, server: LiveServer) -> None:
    agent = server.make_agent()
    register_via_api(
        server, agent, given_names="Mame", family_name="Thiam Une", sex="female", date_of_birth="1990-03-12"
    )
    register_via_api(server, agent, given_names="Mame", family_name="Thiam Deux", sex="male", date_of_birth="1985-05")
    register_via_api(server, agent, given_names="Mame", family_name="Thiam Trois", sex="unknown", date_of_birth="1980")
    await sign_in(page, server, agent)
    await page.locator("#search-form").get_by_label("Nom, téléphone").fill("Mame Thiam")
    await page.get_by_role("button", name="Chercher", exact=True).click()
    results = page.locator("#results")
    await expect(results).to_contain_text("Femme · née le 12 mars 1990")
    await expect(results).to_contain_text("Homme · né en mai 1985")
    await expect(results).to_contain_text("né(e) en 1980")


async def test_every_count_the_client_writes_agrees_with_its_words(page: Page, server: LiveServer) -> None:
    await sign_in(page, server, server.make_agent())
    said = await page.evaluate(
        """async () => {
          const m = await import(new URL("i18n.js", document.querySelector("script[type=module]").src));
          await import(new URL("i18n_day.js", document.querySelector("script[type=module]").src));
          const one = { total: 1, imported: 1, flagged: 1, rejected: 1, already: 1 };
          const two = { total: 2, imported: 2, flagged: 2, rejected: 2, already: 2 };
          const out = [m.t("import_did", one), m.t("import_did", two)];
          m.i18n.lang = "en";
          out.push(m.t("import_did", one), m.t("import_did", two));
          m.i18n.lang = "fr";
          return out;
        }"""
    )
    # a count is never parted from its word (a no-break space), the words agreeing with it
    assert all("1\u00a0ligne" in text or "1\u00a0row" in text for text in said[::2])
    assert [text.replace("\u00a0", " ") for text in said] == [
        "Import : 1 ligne ; 1 inscrite, 1 signalée comme doublon possible (ci-dessous, à résoudre), 1 rejetée, "
        "1 déjà importée.",
        "Import : 2 lignes ; 2 inscrites, 2 signalées comme doublons possibles (ci-dessous, à résoudre), 2 rejetées, "
        "2 déjà importées.",
        "Imported: 1 row; 1 registered, 1 flagged as a possible duplicate (below, to resolve), 1 rejected, "
        "1 already imported.",
        "Imported: 2 rows; 2 registered, 2 flagged as possible duplicates (below, to resolve), 2 rejected, "
        "2 already imported.",
    ]
