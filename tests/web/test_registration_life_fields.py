"""The registration form takes every detail of a person the API records, grouped as the agent asks
them (identity, origin, life in the host country, contact, remarks): place of birth, département of
origin, region of residence, arrival date, residence status (supervisors and administrators only),
occupation, languages and remarks; they are read back on the file. A value refused is said at its
field in words, and nothing typed is lost."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from playwright.async_api import Locator, Page, expect

from tests.web.conftest import Agent, LiveServer
from tests.web.helpers import LEAVE_QUESTION, open_file, register_via_api, sign_in

pytestmark = pytest.mark.asyncio(loop_scope="session")

TYPED = {
    "Prénom(s)": "Ndèye Fatou",
    "Nom": "Sarr",
    "Lieu de naissance": "Joal",
    "Date d'arrivée dans le pays": "2019-09-01",
    "Statut de séjour": "Carte de séjour étudiant\nrenouvelée en 2024",
    "Profession": "Étudiante en informatique",
    "Remarques": "Vient avec sa sœur.\nPréfère être appelée le matin.",
}
CHOSEN = {
    "Région d'origine": "Thiès",
    "Département d'origine": "M'bour",
    "Région de résidence": "Casablanca-Settat",
    "Situation": "Étudiant(e)",
    "Langue préférée (pour les messages)": "Wolof",
}


async def open_registration(page: Page, server: LiveServer, agent: Agent) -> Locator:
    await sign_in(page, server, agent)
    await page.wait_for_function("() => !document.querySelector('#register-form').hasAttribute('data-wait')")
    await page.get_by_role("button", name="Nouvelle personne").click()
    form = page.locator("#register-form")
    # the lists the API gives arrive after the screen
    for label, option in (("Département d'origine", "M'bour"), ("Région de résidence", "Casablanca-Settat")):
        await expect(form.get_by_label(label, exact=True).locator("option", has_text=option)).to_be_attached()
    return form


async def fill(form: Locator, typed: dict[str, str], chosen: dict[str, str]) -> None:
    for label, value in typed.items():
        await form.get_by_label(label, exact=True).fill(value)
    for label, option in chosen.items():
        await form.get_by_label(label, exact=True).select_option(label=option)
    await form.get_by_role("group", name="Langues parlées").get_by_label("Français", exact=True).check()
    await form.get_by_label("La personne consent").check()


async def expect_kept(form: Locator, typed: dict[str, str], chosen: dict[str, str]) -> None:
    for label, value in typed.items():
        await expect(form.get_by_label(label, exact=True)).to_have_value(value)
    for label, option in chosen.items():
        field = form.get_by_label(label, exact=True)
        assert await field.evaluate("(s) => s.selectedOptions[0].textContent") == option
    await expect(form.get_by_role("group", name="Langues parlées").get_by_label("Français", exact=True)).to_be_checked()


async def test_every_detail_registered_is_read_back_by_the_api_and_on_the_file(page: Page, server: LiveServer) -> None:
    supervisor = server.make_agent("supervisor")
    form = await open_registration(page, server, supervisor)
    groups = form.locator("fieldset > legend")
    await expect(groups.filter(has_text=re.compile(r"^Identité$"))).to_have_count(1)
    await expect(groups.filter(has_text=re.compile(r"^Origine au Sénégal$"))).to_have_count(1)
    await expect(groups.filter(has_text=re.compile(r"^Vie dans le pays d'accueil$"))).to_have_count(1)
    await expect(groups.filter(has_text=re.compile(r"^Contact$"))).to_have_count(1)
    await fill(form, TYPED, CHOSEN)
    await form.get_by_role("button", name="Enregistrer", exact=True).click()
    await page.locator("#registered-link").click()
    await expect(page.get_by_role("heading", name="Ndèye Fatou Sarr", level=1)).to_be_visible()
    found = re.search(r"#/person/([0-9a-f-]{36})", page.url)
    assert found, page.url

    with server.api(supervisor) as http:
        record = http.get(f"/api/v1/registrants/{found[1]}").json()
    assert {
        k: record[k]
        for k in (
            "place_of_birth", "origin_region_code", "origin_departement_code", "host_region_code", "arrival_date",
            "status_category", "residence_status", "occupation", "languages", "notes",
        )
    } == {
        "place_of_birth": "Joal",
        "origin_region_code": "SN-TH",
        "origin_departement_code": "SN-TH-MBO",
        "host_region_code": "MA-06",
        "arrival_date": "2019-09-01",
        "status_category": "student",
        "residence_status": "Carte de séjour étudiant\nrenouvelée en 2024",
        "occupation": "Étudiante en informatique",
        "languages": ["wo", "fr"],
        "notes": "Vient avec sa sœur.\nPréfère être appelée le matin.",
    }  # fmt: skip

    identity = page.locator("#person dl").first
    for label, value in {
        "Lieu de naissance": "Joal",
        "Région d'origine": "Thiès",
        "Département d'origine": "M'bour",
        "Région de résidence": "Casablanca-Settat",
        "Date d'arrivée": "1\u00a0sept. 2019",  # a day never parted from its month
        "Statut de séjour": "Carte de séjour étudiant\nrenouvelée en 2024",
        "Profession": "Étudiante en informatique",
        "Langues parlées": "Wolof, Français",
        "Remarques": "Vient avec sa sœur.\nPréfère être appelée le matin.",
    }.items():
        row = identity.locator("dt", has_text=re.compile(f"^{re.escape(label)}$"))
        await expect(row).to_have_count(1)
        assert await row.evaluate("(dt) => dt.nextElementSibling.textContent") == value


REFUSED = {
    "an arrival date in the future": (
        {"Date d'arrivée dans le pays": (dt.date.today() + dt.timedelta(days=30)).isoformat()},
        {},
        "Date d'arrivée dans le pays",
        "Date d'arrivée dans le pays : date dans le futur : une date passée est attendue",
    ),
    "an arrival before the birth": (
        {"Date de naissance": "2020-05-01"},  # after the arrival, 2019-09-01
        {},
        "Date d'arrivée dans le pays",
        "Date d'arrivée dans le pays : date antérieure à la date de naissance",
    ),
    "a département not of the region of origin": (
        {},
        {"Région d'origine": "Dakar"},
        "Département d'origine",
        "Département d'origine : ce département n'est pas de la région d'origine choisie",
    ),
}


@pytest.mark.parametrize("case", sorted(REFUSED))
async def test_a_refused_detail_is_said_at_its_field_and_nothing_typed_is_lost(
    page: Page, server: LiveServer, case: str
) -> None:
    typed_change, chosen_change, field, said = REFUSED[case]
    form = await open_registration(page, server, server.make_agent("supervisor"))
    typed, chosen = {**TYPED, **typed_change}, {**CHOSEN, **chosen_change}
    await fill(form, typed, chosen)
    await form.get_by_role("button", name="Enregistrer", exact=True).click()
    message = page.locator("#register-msg")
    await expect(message).to_contain_text(said)
    await expect(message).not_to_contain_text("Une donnée envoyée")
    await expect(form.get_by_label(field, exact=True)).to_have_attribute("aria-invalid", "true")
    await expect_kept(form, typed, chosen)


async def test_an_agent_is_not_offered_the_residence_status_and_a_refusal_of_it_is_said_in_words(
    page: Page, server: LiveServer
) -> None:
    form = await open_registration(page, server, server.make_agent())
    status = form.get_by_label("Statut de séjour", exact=True)
    await expect(status).to_be_hidden()
    await expect(status).to_be_disabled()
    await expect(form.get_by_label("Profession", exact=True)).to_be_visible()
    # a page whose idea of the agent's role is out of date (a supervisor made agent) sends it anyway
    await status.evaluate("(f) => { f.disabled = false; f.closest('[data-roles]').hidden = false; }")
    typed = dict(TYPED)
    await fill(form, typed, CHOSEN)
    await form.get_by_role("button", name="Enregistrer", exact=True).click()
    message = page.locator("#register-msg")
    await expect(message).to_contain_text(
        "Statut de séjour : Seul un superviseur ou un administrateur peut saisir le statut de séjour."
    )
    await expect(status).to_have_attribute("aria-invalid", "true")
    await expect_kept(form, typed, CHOSEN)


@pytest.mark.parametrize(
    "label, value",
    [("Lieu de naissance", "Joal"), ("Remarques", "Rappeler lundi"), ("Date d'arrivée dans le pays", "2020-01-02")],
)
async def test_a_new_detail_typed_alone_is_asked_about_before_leaving(
    page: Page, server: LiveServer, label: str, value: str
) -> None:
    form = await open_registration(page, server, server.make_agent())
    await form.get_by_label(label, exact=True).fill(value)
    await page.get_by_role("button", name="Files de dossiers").click()
    await expect(page.get_by_role("dialog", name=LEAVE_QUESTION)).to_be_visible()


async def test_a_list_chosen_alone_is_asked_about_and_an_untouched_form_is_not(page: Page, server: LiveServer) -> None:
    form = await open_registration(page, server, server.make_agent())
    await page.get_by_role("button", name="Files de dossiers").click()  # the lists filled by the page are no input
    await expect(page.get_by_role("heading", name="Files de dossiers", level=1)).to_be_visible()
    await page.get_by_role("button", name="Nouvelle personne").click()
    await form.get_by_label("Département d'origine", exact=True).select_option(label="M'bour")
    await form.get_by_role("group", name="Langues parlées").get_by_label("Pulaar", exact=True).check()
    await page.get_by_role("button", name="Files de dossiers").click()
    await expect(page.get_by_role("dialog", name=LEAVE_QUESTION)).to_be_visible()


async def test_the_edit_form_shows_every_detail_and_saves_a_change_of_them(page: Page, server: LiveServer) -> None:
    supervisor = server.make_agent("supervisor")
    person = register_via_api(
        server, supervisor, given_names="Moussa", family_name="Faye", place_of_birth="Joal", origin_region="SN-TH",
        origin_departement="SN-TH-MBO", host_region="MA-06", arrival_date="2019-09-01", residence_status="Visa",
        occupation="Maçon", languages=["srr", "fr"], notes="Rappeler lundi",
    )  # fmt: skip
    await sign_in(page, server, supervisor)
    await open_file(page, "Moussa Faye")
    await page.get_by_role("button", name="Modifier", exact=True).click()
    form = page.locator("#edit-form")
    await expect(form.get_by_label("Département d'origine", exact=True)).to_have_value("SN-TH-MBO")
    await expect(form.get_by_label("Région de résidence", exact=True)).to_have_value("MA-06")
    for label, value in {
        "Lieu de naissance": "Joal", "Date d'arrivée dans le pays": "2019-09-01", "Statut de séjour": "Visa",
        "Remarques": "Rappeler lundi", "Langue préférée (pour les messages)": "srr",
    }.items():  # fmt: skip
        await expect(form.get_by_label(label, exact=True)).to_have_value(value)
    languages = form.get_by_role("group", name="Langues parlées")
    await expect(languages.get_by_label("Français", exact=True)).to_be_checked()

    await form.get_by_label("Département d'origine", exact=True).select_option(label="Tivaouane")
    await form.get_by_label("Date d'arrivée dans le pays", exact=True).fill("2020-02-03")
    await languages.get_by_label("Wolof", exact=True).check()
    await form.get_by_role("button", name="Enregistrer les modifications").click()
    await expect(page.get_by_text("Modifications enregistrées.")).to_be_visible()
    with server.api(supervisor) as http:
        record = http.get(f"/api/v1/registrants/{person['id']}").json()
    assert (record["origin_departement_code"], record["arrival_date"], record["languages"]) == (
        "SN-TH-TIV", "2020-02-03", ["srr", "wo", "fr"],
    )  # fmt: skip
