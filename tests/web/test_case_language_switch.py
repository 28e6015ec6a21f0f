"""The case screen switched to the other language keeps what the agent typed in its forms (a
status change and its fields, a note, a referral) and the refusal said about it, said again in the
new language at the fields still marked — nothing asked, as on the registration and partners
screens; so does the file's booking and the case being opened from it (an edit of the file is still
asked about: it is not drawn again).

Before: `#/case/<id>`, Résolu chosen, a closing note typed, English clicked → a question asked to
abandon the input; staying kept the screen in French."""

from __future__ import annotations

import pytest
from playwright.async_api import Page, expect

from tests.appointments.helpers import next_weekday
from tests.web.conftest import LiveServer
from tests.web.helpers import agent_with_case, answer_leaving, open_file, register_via_api, show_case, sign_in

pytestmark = pytest.mark.asyncio(loop_scope="session")


async def test_the_case_screen_keeps_what_was_typed_and_its_refusal_across_a_language_switch(
    page: Page, server: LiveServer
) -> None:
    agent, case = agent_with_case(server, given_names="Coumba", family_name="Diallo")
    admin = server.make_agent("admin")
    with server.api(admin) as http:
        assert http.post("/api/v1/partners", json={"name": "Caritas Rabat", "kind": "ngo", "country": "MA"}).is_success
    await sign_in(page, server, agent)
    await show_case(page, server, case)
    await page.locator("#note-form").get_by_label("Texte de la note").fill("Rappeler lundi")
    partner = page.locator("#referral-form").get_by_label("Partenaire")
    await partner.focus()  # as an agent goes into the list (select_option alone does not)
    await partner.select_option(label="Caritas Rabat")
    move = page.locator("#move-form")
    await move.get_by_label("Passer au statut").select_option("resolved")
    await move.get_by_label("Note de clôture").fill("Hébergement trouvé chez une cousine")
    await move.get_by_role("button", name="Changer le statut").click()  # no outcome chosen: refused
    message = page.locator("#case-msg")
    await expect(message).to_contain_text("Résultat : à remplir")

    await page.locator("#lang").click()
    await expect(page.get_by_role("heading", name="Change status")).to_be_visible()
    await expect(page.get_by_role("dialog")).to_have_count(0)
    await expect(move.get_by_label("Move to status")).to_have_value("resolved")
    await expect(move.get_by_label("Closing note")).to_have_value("Hébergement trouvé chez une cousine")
    await expect(move.get_by_label("Outcome")).to_have_attribute("aria-invalid", "true")
    await expect(message).to_have_text("Check the highlighted fields:Outcome: required")
    await expect(page.locator("#note-form").get_by_label("Note text")).to_have_value("Rappeler lundi")
    await expect(page.locator("#referral-form").get_by_label("Partner")).to_have_value(
        await page.locator("#referral-partner option", has_text="Caritas Rabat").get_attribute("value") or ""
    )

    # and back: still there, the refusal said in French again
    await page.locator("#lang").click()
    await expect(page.get_by_role("heading", name="Changer le statut")).to_be_visible()
    await expect(page.get_by_role("dialog")).to_have_count(0)
    await expect(message).to_have_text("Vérifiez les champs signalés :Résultat : à remplir")
    await expect(move.get_by_label("Note de clôture")).to_have_value("Hébergement trouvé chez une cousine")

    # what was kept is still input not saved: leaving asks
    await page.get_by_role("button", name="Rechercher").click()
    await expect(page.get_by_role("dialog")).to_have_count(1)
    await page.get_by_role("button", name="Rester sur cet écran").click()

    # and it is sent as it stands
    await move.get_by_label("Résultat").select_option("social")
    await move.get_by_role("button", name="Changer le statut").click()
    await expect(message).to_have_text("Statut changé.")


async def test_a_booking_and_a_case_being_opened_on_the_file_are_kept_across_a_language_switch(
    page: Page, server: LiveServer
) -> None:
    agent = server.make_agent()
    register_via_api(server, agent, given_names="Ndèye", family_name="Thiam")
    day = next_weekday(3)
    await sign_in(page, server, agent)
    await open_file(page, "Ndèye Thiam")
    book = page.locator("#book")
    await book.get_by_label("Jour", exact=True).fill(day.isoformat())
    await book.get_by_role("button", name="Voir les créneaux libres").click()
    await book.get_by_label("10:00–10:30").check()
    await book.get_by_label("Objet du rendez-vous").fill("Renouvellement du passeport")
    opening = page.locator("#open-case-form")
    await opening.get_by_label("Description").fill("Demande d'hébergement d'urgence")

    await page.locator("#lang").click()
    await expect(page.get_by_role("heading", name="Identity", exact=True)).to_be_visible()
    await expect(page.get_by_role("dialog")).to_have_count(0)
    await expect(book.get_by_label("Day", exact=True)).to_have_value(day.isoformat())
    await expect(book.get_by_label("10:00–10:30")).to_be_checked()
    await expect(book.get_by_label("Purpose of the appointment")).to_have_value("Renouvellement du passeport")
    await expect(page.locator("#open-case-form").get_by_label("Description")).to_have_value(
        "Demande d'hébergement d'urgence"
    )
    await book.get_by_role("button", name="Book this slot").click()
    await expect(page.locator("#person-msg")).to_have_text("Appointment booked.")
    await expect(page.locator("#person-appointments li").first).to_contain_text("10:00")


async def test_an_edit_of_the_file_is_still_asked_about_before_a_language_switch(
    page: Page, server: LiveServer
) -> None:
    agent = server.make_agent()
    register_via_api(server, agent, given_names="Ndèye", family_name="Thiam")
    await sign_in(page, server, agent)
    await open_file(page, "Ndèye Thiam")
    await page.locator("#person").get_by_role("button", name="Modifier").click()
    await page.locator("#edit-form input:visible").first.fill("Tapé puis gardé")
    await page.locator("#lang").click()
    await answer_leaving(page, leave=False)
    await expect(page.locator("#edit-form input:visible").first).to_have_value("Tapé puis gardé")
