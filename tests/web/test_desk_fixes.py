"""What a browser tester found on the desk screens: flagged import rows resolved by desk staff, a
stale case read again with the agent's choice kept, the transfer consents the API accepts, the
assignee's name, a slot taken meanwhile when booking, a document deleted once, field reasons in
French."""

from __future__ import annotations

import datetime as dt

import pytest
from playwright.async_api import Page, expect

from tests.appointments.helpers import next_weekday
from tests.imports.conftest import csv_file
from tests.web.conftest import LiveServer
from tests.web.helpers import answer_leaving, desk_id, open_file, register_via_api, sign_in
from tests.web.test_calendar_reschedule import free_slot

pytestmark = pytest.mark.asyncio(loop_scope="session")

CONSENT = {"granted": True, "channel": "in_person", "notice_version": "2026-01", "language": "fr"}


def open_case_via_api(server: LiveServer, agent, person_id: str) -> dict:  # type: ignore[no-untyped-def]
    with server.api(agent) as http:
        opened = http.post(
            "/api/v1/cases", json={"registrant_id": person_id, "service_type": "SOCIAL", "channel": "walk_in"}
        )
        assert opened.status_code == 201, opened.text
        return opened.json()  # type: ignore[no-any-return]


async def test_an_agent_resolves_flagged_rows_of_their_desk_but_cannot_upload(page: Page, server: LiveServer) -> None:
    admin = server.make_agent("admin", [])
    agent = server.make_agent("agent")
    rows = csv_file(
        "1;10/03/2020;Ibrahima;Sow;M;02/01/1985;Dakar;Dakar;;;;;Casablanca;;;;;",
        "2;11/03/2020;Ibrahima;Sow;M;02/01/1985;Dakar;Dakar;;;;;Casablanca;;;;;",
    )
    with server.api(admin) as http:
        done = http.post(
            "/api/v1/imports/registers",
            files={"file": ("registre.csv", rows, "text/csv")},
            data={"desk_code": "CASA-BASE"},
        )
        assert done.status_code == 201, done.text
    batch = done.json()["batch_id"]

    await sign_in(page, server, agent)
    await page.get_by_role("button", name="Registres importés").click()
    await expect(page.get_by_role("heading", name="Registres importés", level=1)).to_be_visible()
    await expect(page.locator("#register-import-form")).to_be_hidden()  # uploading is for administrators
    await page.get_by_role("button", name="Voir les lignes signalées : registre.csv").click()
    await expect(page.get_by_role("heading", name="Lignes à résoudre : 1")).to_be_visible()
    line = page.get_by_role("form", name="Ligne 3 · Ibrahima Sow")
    await line.get_by_label("Écarter la ligne").check()
    await line.get_by_role("button", name="Enregistrer la décision").click()
    await expect(page.locator("#import-done")).to_have_text("Ligne 3 écartée.")
    await expect(page.locator("#tab-imports")).to_contain_text("Déjà résolues : 0 rattachée, 0 créée, 1 écartée.")
    with server.api(admin) as http:
        resolved = {r["line"]: r["resolution"] for r in http.get(f"/api/v1/imports/{batch}").json()["rows"]}
    assert resolved[3] == "discarded"


async def test_a_stale_case_is_read_again_and_the_choice_kept(page: Page, server: LiveServer) -> None:
    agent = server.make_agent("supervisor")  # the due date is a supervisor's to move
    person = register_via_api(server, agent, given_names="Rokhaya", family_name="Mbaye")
    case = open_case_via_api(server, agent, person["id"])
    await sign_in(page, server, agent)
    await page.goto(f"{server.url}/app/#/case/{case['id']}")
    await page.reload()
    await expect(page.get_by_role("heading", name=f"{case['case_number']} — Accompagnement social")).to_be_visible()
    # another tab moves the case meanwhile
    with server.api(agent) as http:
        etag = http.get(f"/api/v1/cases/{case['id']}").headers["etag"]
        moved = http.post(
            f"/api/v1/cases/{case['id']}/transitions", json={"to": "qualified"}, headers={"If-Match": etag}
        )
        assert moved.status_code == 200, moved.text

    due = page.locator("#due-form")
    await due.get_by_label("Nouvelle échéance").fill("2027-01-15")
    await due.get_by_label("Motif du changement d'échéance").fill("Attente du consulat")
    await due.get_by_role("button", name="Changer l'échéance").click()
    await expect(page.locator("#case-msg")).to_have_text(
        "Ce dossier a été modifié entre-temps (dans un autre onglet ou par un collègue) : il vient d'être relu. "
        "Votre choix est gardé dans le formulaire ; vérifiez-le et renvoyez-le."
    )
    await expect(page.locator("#case dd").nth(1)).to_have_text("Qualifié")  # read again
    assert await due.get_by_label("Nouvelle échéance").input_value() == "2027-01-15"
    assert await due.get_by_label("Motif du changement d'échéance").input_value() == "Attente du consulat"
    await due.get_by_role("button", name="Changer l'échéance").click()  # the new ETag: accepted
    await expect(page.locator("#case-msg")).to_have_text("Échéance changée.")
    with server.api(agent) as http:
        assert http.get(f"/api/v1/cases/{case['id']}").json()["due_date"] == "2027-01-15"


async def test_a_stale_status_change_keeps_the_status_chosen(page: Page, server: LiveServer) -> None:
    agent = server.make_agent()
    person = register_via_api(server, agent, given_names="Omar", family_name="Sy")
    case = open_case_via_api(server, agent, person["id"])
    await sign_in(page, server, agent)
    await open_file(page, "Omar Sy")
    await page.get_by_role("button", name=case["case_number"]).click()
    with server.api(agent) as http:  # another tab writes a note... and takes the case
        etag = http.get(f"/api/v1/cases/{case['id']}").headers["etag"]
        taken = http.post(
            f"/api/v1/cases/{case['id']}/assignment", json={"assignee_id": str(agent.id)}, headers={"If-Match": etag}
        )
        assert taken.status_code == 200, taken.text
    move = page.locator("#move-form")
    await move.get_by_label("Passer au statut").select_option("qualified")
    await move.get_by_role("button", name="Changer le statut").click()
    await expect(page.locator("#case-msg")).to_contain_text("Ce dossier a été modifié entre-temps")
    await expect(move.get_by_label("Passer au statut")).to_have_value("qualified")
    await move.get_by_role("button", name="Changer le statut").click()
    await expect(page.locator("#case-msg")).to_have_text("Statut changé.")


async def test_a_transfer_to_senegal_lists_the_transfer_to_senegal_consent(page: Page, server: LiveServer) -> None:
    agent = server.make_agent()
    person = register_via_api(server, agent, given_names="Pape", family_name="Diouf")
    with server.api(agent) as http:
        added = http.post(
            f"/api/v1/registrants/{person['id']}/consents", json={"purpose": "transfer_to_senegal", **CONSENT}
        )
        assert added.status_code == 201, added.text
    case = open_case_via_api(server, agent, person["id"])
    await sign_in(page, server, agent)
    await open_file(page, "Pape Diouf")
    await page.get_by_role("button", name=case["case_number"]).click()
    move = page.locator("#move-form")
    await move.get_by_label("Passer au statut").select_option("transferred")
    await move.get_by_label("Guichet de destination").select_option("DKR-MOB")
    await expect(move.get_by_label("Consentement au transfert")).to_contain_text("transfert vers le Sénégal")
    await move.get_by_role("button", name="Changer le statut").click()
    await expect(page.locator("#case-msg")).to_contain_text("Dossier transféré vers : ")
    with server.api(agent) as http:
        assert http.get(f"/api/v1/cases/{case['id']}").json()["status"] == "transferred"


async def test_the_assignee_is_named_on_a_case_opened_by_its_address(page: Page, server: LiveServer) -> None:
    agent = server.make_agent()
    colleague = server.make_agent()
    person = register_via_api(server, agent, given_names="Fatou", family_name="Kane")
    case = open_case_via_api(server, agent, person["id"])
    with server.api(colleague) as http:
        etag = http.get(f"/api/v1/cases/{case['id']}").headers["etag"]
        taken = http.post(
            f"/api/v1/cases/{case['id']}/assignment",
            json={"assignee_id": str(colleague.id)},
            headers={"If-Match": etag},
        )
        assert taken.status_code == 200, taken.text
    await sign_in(page, server, agent)
    await page.goto(f"{server.url}/app/#/case/{case['id']}")
    await page.reload()
    await expect(page.locator("#case dd").nth(4)).to_have_text("Test agent")


async def test_booking_a_slot_just_taken_says_so_in_a_sentence(page: Page, server: LiveServer) -> None:
    """The same file open in another tab books the slot first: the slot is said taken, and the
    person's appointments are read again with the free slots, showing the one just booked (before:
    the list still said none)."""
    agent = server.make_agent()
    person = register_via_api(server, agent, given_names="Adama", family_name="Ba")
    day: dt.date = next_weekday(3)
    await sign_in(page, server, agent)
    await open_file(page, "Adama Ba")
    book = page.locator("#book")
    await book.get_by_label("Jour", exact=True).fill(day.isoformat())
    await book.get_by_role("button", name="Voir les créneaux libres").click()
    await book.get_by_label("10:00–10:30").check()
    slot = free_slot(server, agent, day, "10:00")
    body = {
        "desk_id": desk_id(server, agent),
        "agent_id": str(agent.id),
        "starts_at": slot["start_local"],
        "ends_at": slot["end_local"],
    }
    with server.api(agent) as http:  # another tab on the same file books that slot
        assert http.post("/api/v1/appointments", json={**body, "registrant_id": person["id"]}).status_code == 201
    await book.get_by_role("button", name="Réserver ce créneau").click()
    await expect(book.get_by_role("alert")).to_have_text(
        "Ce créneau vient d'être pris : les créneaux libres ont été mis à jour, choisissez-en un autre."
    )
    await expect(book.get_by_label("10:00–10:30")).to_have_count(0)
    await expect(page.locator("#person-appointments li")).to_have_count(1)
    await expect(page.locator("#person-appointments li")).to_contain_text("10:00")


async def test_a_double_click_on_delete_deletes_the_document_once(page: Page, server: LiveServer) -> None:
    from tests.web.test_documents_receipt import png_bytes

    supervisor = server.make_agent("supervisor")
    person = register_via_api(server, supervisor, given_names="Binta", family_name="Sall")
    with server.api(supervisor) as http:
        up = http.post(
            f"/api/v1/registrants/{person['id']}/documents",
            files={"file": ("carte.png", png_bytes(), "image/png")},
            data={"kind": "residence_card"},
        )
        assert up.status_code == 201, up.text
    deletes: list[str] = []
    page.on("request", lambda r: deletes.append(r.url) if r.method == "DELETE" else None)
    await sign_in(page, server, supervisor)
    await open_file(page, "Binta Sall")
    row = page.locator("#document-list li").first
    await row.get_by_role("button", name="Supprimer").dblclick()
    await expect(row.get_by_label("Motif de la suppression")).to_have_count(1)
    await row.get_by_label("Motif de la suppression").fill("Déposé par erreur")
    await row.get_by_role("button", name="Supprimer").last.dblclick()
    await expect(page.locator("#documents .msg")).to_have_text("Document supprimé.")
    await expect(page.locator("#document-list li")).to_have_count(0)
    assert len(deletes) == 1, deletes


async def test_field_reasons_are_said_in_french(page: Page, server: LiveServer) -> None:
    agent = server.make_agent()
    person = register_via_api(server, agent, given_names="Moussa", family_name="Fall")
    case = open_case_via_api(server, agent, person["id"])
    await sign_in(page, server, agent)
    await open_file(page, "Moussa Fall")
    await page.get_by_role("button", name=case["case_number"]).click()
    note = page.locator("#note-form")
    await note.get_by_label("Texte de la note").fill("   ")
    await note.get_by_role("button", name="Ajouter la note").click()
    await expect(
        page.get_by_text("Texte de la note : ne peut pas être vide ou fait seulement d'espaces")
    ).to_be_visible()


LEAVING = """() => {
  const event = new Event("beforeunload", { cancelable: true });
  window.dispatchEvent(event);
  return event.defaultPrevented;
}"""
"""Whether the page asks before it is left (reloaded, closed): the browser asks when a
``beforeunload`` listener cancels the event."""


async def test_leaving_the_page_with_a_registration_typed_asks_first(page: Page, server: LiveServer) -> None:
    agent = server.make_agent()
    await sign_in(page, server, agent)
    await page.get_by_role("button", name="Nouvelle personne").click()
    form = page.locator("#register-form")
    # the screens' code arrives after the sign-in (the form loses data-wait then)
    await page.wait_for_function("() => !document.querySelector('#register-form').hasAttribute('data-wait')")
    assert await page.evaluate(LEAVING) is False  # nothing typed (the lists' first choices): no question
    await form.get_by_label("Prénom(s)").fill("Mariama")
    await page.get_by_role("button", name="Rechercher").first.click()  # asked in the page: staying keeps it
    await answer_leaving(page, leave=False)
    assert await page.evaluate(LEAVING) is True  # a reload would lose it: the browser asks
    await form.get_by_label("Prénom(s)").fill("")
    assert await page.evaluate(LEAVING) is False  # emptied again
