"""The case screen shows what the API gives: a transfer read from each desk's side with the fields
kept at the sending desk, and the case's priority and vulnerabilities (which it also sets, and which
the opening form sets from the start)."""

from __future__ import annotations

import pytest
from playwright.async_api import Page, expect

from tests.web.conftest import LiveServer, assert_accessible
from tests.web.helpers import CONSENT, open_case_via_api, open_file, register_via_api, show_case, sign_in

pytestmark = pytest.mark.asyncio(loop_scope="session")


async def test_a_transfer_reads_from_each_desks_side_and_names_what_stayed_at_the_sending_desk(
    page: Page, server: LiveServer
) -> None:
    agent = server.make_agent()
    dakar = server.make_agent(desks=["DKR-MOB"])
    person = register_via_api(server, agent, given_names="Ousmane", family_name="Sow")
    with server.api(agent) as http:
        added = http.post(f"/api/v1/registrants/{person['id']}/consents", json={"purpose": "desk_transfer", **CONSENT})
        assert added.status_code == 201, added.text
    case, tag = open_case_via_api(
        server, agent, person, description="Hébergement perdu", vulnerability_flags=["homeless"]
    )
    with server.api(agent) as http:
        moved = http.post(
            f"/api/v1/cases/{case['id']}/transitions",
            json={"to": "transferred", "to_desk": "DKR-MOB"},
            headers={"If-Match": tag},
        )
        assert moved.status_code == 200, moved.text
    with server.api(dakar) as http:
        received = http.get(f"/api/v1/cases/{moved.json()['transferred_to_case_id']}").json()

    # The receiving desk reads who sent it from where, and what to ask the person again.
    await sign_in(page, server, dakar)
    await show_case(page, server, received)
    timeline = page.locator(".timeline")
    await expect(timeline).to_contain_text(
        f"a transféré ce dossier depuis le guichet CASA-BASE (dossier d'origine {case['case_number']})"
        " — restés au guichet CASA-BASE, à demander à la personne : description de la demande, vulnérabilités"
    )
    assert "a reçu le dossier" not in await timeline.inner_text()
    notice = page.locator("#case-transfer")
    await expect(notice).to_contain_text(
        f"Reçu par transfert du guichet CASA-BASE (dossier d'origine {case['case_number']})"
    )
    await expect(notice).to_contain_text(
        "Restés au guichet CASA-BASE, à demander à la personne : description de la demande, vulnérabilités."
    )
    await assert_accessible(page)
    await page.get_by_role("button", name="Se déconnecter").click()

    # The sending desk reads where it went, and what it kept.
    await sign_in(page, server, agent)
    await show_case(page, server, case)
    await expect(page.locator(".timeline")).to_contain_text(
        f"a transféré le dossier au guichet DKR-MOB (nouveau dossier {received['case_number']})"
        " — gardés à ce guichet, non transmis : description de la demande, vulnérabilités"
    )
    notice = page.locator("#case-transfer")
    await expect(notice).to_contain_text(f"Transféré au guichet DKR-MOB (nouveau dossier {received['case_number']})")
    await expect(notice).to_contain_text(
        "Gardés à ce guichet, non transmis : description de la demande, vulnérabilités."
    )
    await assert_accessible(page)


async def test_the_priority_and_vulnerabilities_are_shown_and_set_from_the_case_screen(
    page: Page, server: LiveServer
) -> None:
    agent = server.make_agent()
    person = register_via_api(server, agent, given_names="Aïssatou", family_name="Ba")
    case, _ = open_case_via_api(server, agent, person, vulnerability_flags=["homeless"])
    await sign_in(page, server, agent)
    await show_case(page, server, case)
    view = page.locator("#case")
    await expect(view.locator('dt:text-is("Priorité") + dd')).to_have_text("Normale")
    await expect(view.locator('dt:text-is("Vulnérabilités") + dd')).to_have_text("Sans abri")

    form = page.locator("#case-details-form")
    await form.get_by_label("Priorité").select_option("urgent")
    await expect(form.get_by_label("Sans abri")).to_be_checked()
    await form.get_by_label("Enceinte").check()
    await form.get_by_role("button", name="Enregistrer la priorité et les vulnérabilités").click()
    await expect(page.locator("#case-msg")).to_have_text("Priorité et vulnérabilités enregistrées.")
    await expect(view.locator('dt:text-is("Priorité") + dd')).to_have_text("Urgente")
    await expect(view.locator('dt:text-is("Vulnérabilités") + dd')).to_have_text("Enceinte, Sans abri")
    await expect(page.locator(".timeline")).to_contain_text("a modifié le dossier : priorité (Urgente), vulnérabilités")

    # A flag unticked is taken off, not left as it was.
    await form.get_by_label("Sans abri").uncheck()
    await form.get_by_role("button", name="Enregistrer la priorité et les vulnérabilités").click()
    await expect(page.locator("#case-msg")).to_have_text("Priorité et vulnérabilités enregistrées.")
    await expect(view.locator('dt:text-is("Vulnérabilités") + dd')).to_have_text("Enceinte")
    with server.api(agent) as http:
        saved = http.get(f"/api/v1/cases/{case['id']}").json()
    assert (saved["priority"], saved["vulnerability_flags"]) == ("urgent", ["pregnant"])
    await assert_accessible(page)


async def test_a_case_is_opened_with_its_priority_and_vulnerabilities(page: Page, server: LiveServer) -> None:
    agent = server.make_agent()
    person = register_via_api(server, agent, given_names="Khady", family_name="Sarr")
    await sign_in(page, server, agent)
    await open_file(page, "Khady Sarr")
    opening = page.locator("#open-case-form")
    await expect(opening.get_by_label("Priorité")).to_have_value("normal")  # the API's default, said
    await opening.get_by_label("Service").select_option("SOCIAL")
    await opening.get_by_label("Priorité").select_option("high")
    await opening.get_by_label("Enceinte").check()
    await opening.get_by_label("Sans abri").check()
    await opening.get_by_role("button", name="Ouvrir un dossier").click()
    await expect(page.locator("#case-msg")).to_have_text("Dossier ouvert.")
    view = page.locator("#case")
    await expect(view.locator('dt:text-is("Priorité") + dd')).to_have_text("Haute")
    await expect(view.locator('dt:text-is("Vulnérabilités") + dd')).to_have_text("Enceinte, Sans abri")
    with server.api(agent) as http:
        saved = http.get(f"/api/v1/registrants/{person['id']}/cases").json()["items"][0]
    assert (saved["priority"], saved["vulnerability_flags"]) == ("high", ["homeless", "pregnant"])
    await assert_accessible(page)
