"""Items 6 and 7: work a case (open, take, move with what the workflow asks, notes, referral consent
shown, transfer, readable timeline) and the queues."""

from __future__ import annotations

import asyncio
import re

import pytest
from playwright.async_api import Page, Request, Route, expect

from tests.web.conftest import LiveServer, assert_accessible
from tests.web.helpers import agent_with_case, register_via_api, sign_in

pytestmark = pytest.mark.asyncio(loop_scope="session")

RAW_CODES = re.compile(r"\b(status_changed|note_added|received|qualified|resolved|walk_in|information)\b")


async def open_file(page: Page, name: str) -> None:
    await page.locator("#search-form").get_by_label("Nom, téléphone").fill(name)
    await page.get_by_role("button", name="Chercher", exact=True).click()
    await page.get_by_role("button", name=name).click()
    await expect(page.get_by_role("heading", name=name, level=1)).to_be_visible()


async def open_case(page: Page, description: str | None = None) -> None:
    """Open a consular case from the person's file shown, as the agent does."""
    opening = page.locator("#open-case-form")
    await opening.get_by_label("Service").select_option("CONSULAR_ADMIN")
    if description is not None:
        await opening.get_by_label("Description").fill(description)
    await opening.get_by_role("button", name="Ouvrir un dossier").click()
    await expect(page.locator("#case-msg")).to_have_text("Dossier ouvert.")


async def test_open_take_move_note_and_read_the_timeline(page: Page, server: LiveServer) -> None:
    agent = server.make_agent()
    register_via_api(server, agent, given_names="Mariama", family_name="Cissé")
    await sign_in(page, server, agent)
    await open_file(page, "Mariama Cissé")
    await open_case(page, "Renouvellement du passeport")
    view = page.locator("#case")
    await expect(view).to_contain_text("Reçu")

    await view.get_by_role("button", name="Prendre le dossier").click()
    await expect(page.locator("#case-msg")).to_have_text("Le dossier vous est attribué.")
    await expect(view.locator("dd").nth(4)).to_have_text("Vous")

    move = page.locator("#move-form")
    await move.get_by_label("Passer au statut").select_option("qualified")
    await move.get_by_role("button", name="Changer le statut").click()
    await expect(page.locator("#case-msg")).to_have_text("Statut changé.")

    note = page.locator("#note-form")
    await note.get_by_label("Texte de la note").fill("Suivi psychologique demandé")
    await note.get_by_label("Note confidentielle").check()
    await note.get_by_role("button", name="Ajouter la note").click()
    await expect(page.locator("#case-msg")).to_have_text("Note ajoutée.")
    await expect(page.locator("#notes li").first).to_contain_text("Confidentielle")

    # Closing needs an outcome: the form says so before sending, then which field, in French, and highlights it.
    await move.get_by_label("Passer au statut").select_option("resolved")
    await expect(move.get_by_label("Résultat")).to_have_attribute("aria-required", "true")
    await expect(move.locator("[data-field=outcome_category] .needed")).to_have_text("À remplir pour ce statut")
    await move.get_by_role("button", name="Changer le statut").click()
    await expect(page.locator("#case-msg")).to_contain_text("Résultat : à remplir")
    await expect(move.get_by_label("Résultat")).to_have_attribute("aria-invalid", "true")
    assert "outcome_category" not in await page.locator("#case-msg").inner_text()
    await move.get_by_label("Résultat").select_option("information")
    await move.get_by_role("button", name="Changer le statut").click()
    await expect(page.locator("#case-msg")).to_have_text("Statut changé.")
    await expect(view.locator("dd").nth(1)).to_have_text("Résolu")
    # from a closed case every move reopens it, said so, with its reason asked for
    options = await move.get_by_label("Passer au statut").locator("option").all_inner_texts()
    assert options and all(o.startswith("Rouvrir : ") for o in options), options
    await expect(move.get_by_label("Motif")).to_have_attribute("aria-required", "true")

    timeline = page.locator(".timeline")
    await expect(timeline).to_contain_text("a changé le statut de « Reçu » à « Qualifié »")
    await expect(timeline).to_contain_text("a ajouté une note confidentielle")
    await expect(timeline).to_contain_text("résultat : Information")
    assert not RAW_CODES.search(await view.inner_text())
    await assert_accessible(page)


async def test_a_note_too_long_is_refused_in_words_and_kept_in_the_form(page: Page, server: LiveServer) -> None:
    agent = server.make_agent()
    register_via_api(server, agent, given_names="Coumba", family_name="Sarr")
    await sign_in(page, server, agent)
    await open_file(page, "Coumba Sarr")
    await open_case(page)

    # a pasted text past the API's 10,000 characters: the browser no longer cuts it silently
    pasted = "Compte rendu d'entretien. " * 400  # 10,400 characters
    note = page.locator("#note-form")
    await note.get_by_label("Texte de la note").fill(pasted)
    await note.get_by_role("button", name="Ajouter la note").click()
    # the limit said, as French writes numbers: the agent knows how much to cut
    limit = "10\u202f000\u00a0caractères au plus"
    await expect(page.get_by_text(f"Texte de la note : trop long ({limit})")).to_be_visible()
    assert await note.get_by_label("Texte de la note").input_value() == pasted
    await expect(page.locator("#notes li")).to_have_count(0)


async def test_transfer_to_the_other_desk_with_the_consent_shown(page: Page, server: LiveServer) -> None:
    agent = server.make_agent()
    consent = {"granted": True, "channel": "in_person", "notice_version": "2026-01", "language": "fr"}
    person = register_via_api(server, agent, given_names="Cheikh", family_name="Gueye")
    with server.api(agent) as http:
        added = http.post(f"/api/v1/registrants/{person['id']}/consents", json={"purpose": "desk_transfer", **consent})
        assert added.status_code == 201, added.text
        opened = http.post(
            "/api/v1/cases", json={"registrant_id": person["id"], "service_type": "SOCIAL", "channel": "walk_in"}
        )
        assert opened.status_code == 201, opened.text
    await sign_in(page, server, agent)
    await open_file(page, "Cheikh Gueye")
    await page.get_by_role("button", name=opened.json()["case_number"]).click()
    move = page.locator("#move-form")
    await move.get_by_label("Passer au statut").select_option("transferred")
    desks = move.get_by_label("Guichet de destination")
    await expect(desks.locator("option[value='DKR-MOB']")).to_have_count(1)
    await expect(desks.locator("option[value='CASA-BASE']")).to_have_count(0)  # not its own desk
    await desks.select_option("DKR-MOB")
    await expect(move.get_by_label("Consentement au transfert")).to_contain_text("transfert vers un autre guichet")
    chosen = (await desks.locator("option:checked").inner_text()).strip()
    await move.get_by_role("button", name="Changer le statut").click()
    await expect(page.locator("#case-msg")).to_have_text(f"Dossier transféré vers : {chosen}.")  # where it went
    await expect(page.locator(".timeline")).to_contain_text("a transféré le dossier au guichet DKR-MOB")
    await expect(page.locator("#move-form")).to_have_count(0)
    await assert_accessible(page)


async def test_queue_rows_show_name_service_status_due_date_and_lateness(page: Page, server: LiveServer) -> None:
    agent = server.make_agent()
    person = register_via_api(server, agent, given_names="Seynabou", family_name="Faye")
    with server.api(agent) as http:
        opened = http.post(
            "/api/v1/cases", json={"registrant_id": person["id"], "service_type": "SOCIAL", "channel": "phone"}
        )
        assert opened.status_code == 201, opened.text
    await sign_in(page, server, agent)
    await page.get_by_role("button", name="Files de dossiers").click()
    await page.get_by_label("File", exact=True).select_option("unassigned")
    await page.get_by_role("button", name="Afficher").click()
    row = page.locator("#cases li").first
    await expect(row).to_contain_text("Seynabou Faye")
    await expect(row).to_contain_text(opened.json()["case_number"])
    await expect(row).to_contain_text("Reçu")
    await expect(row).to_contain_text("Accompagnement social")  # the service's name, not its code
    await expect(row).not_to_contain_text("SOCIAL")
    await expect(row).to_contain_text("dans les délais")
    await assert_accessible(page)
    await row.get_by_role("button").press("Enter")
    await expect(page.get_by_role("heading", name=re.compile(opened.json()["case_number"]))).to_be_focused()


async def test_the_queue_shown_is_the_last_one_asked_for_whatever_answers_last(page: Page, server: LiveServer) -> None:
    """Opening the queues loads the agent's own; asking for another meanwhile must not be drawn
    over by the first answer arriving late (a loaded machine, a slow link): "Aucun résultat" for a
    queue that holds a case."""
    agent, case = agent_with_case(server, given_names="Seynabou", family_name="Faye")
    await sign_in(page, server, agent)
    release = asyncio.Event()

    async def hold(route: Route, request: Request) -> None:
        await release.wait()
        await route.continue_()

    await page.route("**/api/v1/cases?queue=mine*", hold)
    await page.get_by_role("button", name="Files de dossiers").click()
    await page.get_by_label("File", exact=True).select_option("unassigned")
    await page.locator("#queue-form").get_by_role("button", name="Afficher").click()
    await expect(page.locator("#cases li").first).to_contain_text(case["case_number"])
    release.set()
    await page.wait_for_load_state("networkidle")
    await expect(page.locator("#cases li").first).to_contain_text(case["case_number"])
    await page.unroute("**/api/v1/cases?queue=mine*")
