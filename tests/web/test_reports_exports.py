"""Exports from the reports screen: what a named export left unnamed is said, and only the exports
the role may make can be chosen."""

from __future__ import annotations

import pytest
from playwright.async_api import Page, expect

from tests.web.conftest import LiveServer
from tests.web.helpers import register_via_api, sign_in, sign_in_with_form

pytestmark = pytest.mark.asyncio(loop_scope="session")

NAMED_EXPORT_CONSENT = {
    "purpose": "named_export",
    "granted": True,
    "channel": "in_person",
    "notice_version": "2026-01",
    "language": "fr",
}


async def test_a_named_export_says_how_many_people_it_could_not_name(page: Page, server: LiveServer) -> None:
    agent = server.make_agent()
    consented = register_via_api(server, agent, given_names="Aïda", family_name="Diagne")
    with server.api(agent) as http:
        added = http.post(f"/api/v1/registrants/{consented['id']}/consents", json=NAMED_EXPORT_CONSENT)
        assert added.status_code == 201, added.text
    for name in ("Coumba", "Rokhaya"):
        register_via_api(server, agent, given_names=name, family_name="Diagne")
    admin = server.make_agent("admin", desks=[])
    await sign_in(page, server, admin)
    await page.get_by_role("button", name="Rapports").click()
    form = page.locator("#export-form")
    await form.get_by_label("Avec noms et contacts").check()
    await form.get_by_label("Finalité de l'export nominatif").fill("Liste pour le consulat")
    async with page.expect_download() as info:
        await form.get_by_role("button", name="Exporter").click()
    name = (await info.value).suggested_filename
    await expect(page.locator("#export-msg")).to_have_text(
        f"Fichier exporté : {name} 2 personnes sans consentement à l'export nominatif : "
        "leurs colonnes nominatives sont vides."
    )


async def test_a_supervisor_cannot_choose_the_audit_log_even_by_typing_its_first_letter(
    page: Page, server: LiveServer
) -> None:
    supervisor = server.make_agent("supervisor")
    await sign_in(page, server, supervisor)
    await page.get_by_role("button", name="Rapports").click()
    kind = page.locator("#export-form").get_by_label("Données")
    await kind.focus()
    await page.keyboard.type("J")  # « Journal d'audit »: a hidden option is still typed to
    assert await kind.input_value() == "registrants"
    await page.locator("#export-form").get_by_role("button", name="Exporter").click()
    await expect(page.locator("#export-msg")).not_to_contain_text("réservé")


async def test_an_administrator_s_audit_log_choice_is_not_left_to_the_supervisor_after_them(
    page: Page, server: LiveServer
) -> None:
    admin, supervisor = server.make_agent("admin", desks=[]), server.make_agent("supervisor")
    await sign_in_with_form(page, server, admin)
    await page.get_by_role("button", name="Rapports").click()
    await page.locator("#export-form").get_by_label("Données").select_option("audit")
    await page.get_by_role("button", name="Se déconnecter").click()
    await sign_in_with_form(page, server, supervisor)
    await page.get_by_role("button", name="Rapports").click()
    assert await page.locator("#export-form").get_by_label("Données").input_value() == "registrants"
    assert await page.locator("#export-kind option[value=audit]").is_disabled()


async def _exported_header(page: Page) -> list[str]:
    """The first cells of the header row of the CSV the export form (in French) downloads."""
    async with page.expect_download() as info:
        await page.locator("#export-form").get_by_role("button", name="Exporter").click()
    path = await (await info.value).path()
    first = path.read_text("utf-8-sig").splitlines()[0]
    return [cell.strip('"') for cell in first.split(",")][:4]


async def test_an_export_is_in_words_unless_codes_are_chosen(page: Page, server: LiveServer) -> None:
    agent = server.make_agent()
    register_via_api(server, agent, given_names="Aïda", family_name="Diagne")
    supervisor = server.make_agent("supervisor")
    await sign_in(page, server, supervisor)
    await page.get_by_role("button", name="Rapports").click()
    form = page.locator("#export-form")
    cells = form.get_by_label("Contenu des cellules")
    assert await cells.input_value() == "words"  # words for people by default
    assert await _exported_header(page) == ["Identifiant de la personne", "Guichet", "Inscrit(e) le", "Sexe"]
    await cells.select_option(label="Des codes, pour les logiciels")
    assert await _exported_header(page) == ["person_id", "desk", "registered_on", "sex"]


async def test_an_export_in_english_words_when_the_screen_is_in_english(page: Page, server: LiveServer) -> None:
    supervisor = server.make_agent("supervisor")
    await sign_in(page, server, supervisor)
    await page.get_by_role("button", name="English").click()
    await page.get_by_role("button", name="Reports").click()
    form = page.locator("#export-form")
    assert await form.get_by_label("Cell contents").input_value() == "words"
    await expect(form.get_by_role("option", name="Words, for people to read")).to_be_attached()
    async with page.expect_download() as info:
        await form.get_by_role("button", name="Export").click()
    path = await (await info.value).path()
    assert path.read_text("utf-8-sig").splitlines()[0].startswith('"Person id","Desk","Registered on","Sex"')
