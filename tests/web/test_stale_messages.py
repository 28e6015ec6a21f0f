"""A message said after an action ("Personne enregistrée…", "Rendez-vous annulé.", a refusal) is
about that action: once the agent has moved to another screen, coming back shows it no more (the
form's contents and the list shown stay)."""

from __future__ import annotations

import pytest
from playwright.async_api import Page, expect

from tests.appointments.helpers import iso, next_weekday
from tests.web.conftest import LiveServer
from tests.web.helpers import answer_leaving, desk_id, fill_registration, open_file, register_via_api, sign_in

pytestmark = pytest.mark.asyncio(loop_scope="session")


async def test_the_registration_and_the_day_messages_go_once_the_agent_moved_on(page: Page, server: LiveServer) -> None:
    agent = server.make_agent()
    day = next_weekday(2)
    person = register_via_api(server, agent, given_names="Oumou", family_name="Sy")
    with server.api(agent) as http:
        booked = http.post(
            "/api/v1/appointments",
            json={
                "desk_id": desk_id(server, agent), "agent_id": str(agent.id), "registrant_id": person["id"],
                "starts_at": iso(day, "10:00"), "ends_at": iso(day, "10:30"),
            },
        )  # fmt: skip
        assert booked.status_code == 201, booked.text
    await sign_in(page, server, agent)

    await fill_registration(page, desk_code="CASA-BASE", given_names="Mamadou", family_name="Cissé")
    await expect(page.locator("#register-msg")).to_contain_text("Personne enregistrée sous le numéro")
    await page.get_by_role("button", name="Rechercher", exact=True).click()
    await page.get_by_role("button", name="Nouvelle personne").click()
    await expect(page.locator("#register-msg")).to_be_hidden()

    await page.get_by_role("button", name="Rendez-vous du jour").click()
    await page.locator("#day-form").get_by_label("Jour").fill(day.isoformat())
    await page.locator("#day-form").get_by_role("button", name="Afficher").click()
    row = page.locator("#day-list li").first
    await row.get_by_role("button", name="Annuler le rendez-vous").click()
    await row.get_by_role("button", name="Oui, annuler le rendez-vous").click()
    await expect(page.locator("#day-msg")).to_have_text("Rendez-vous annulé.")
    await open_file_from_search(page, "Oumou Sy")
    await page.get_by_role("button", name="Rendez-vous du jour").click()
    await expect(page.locator("#day-list li").first).to_contain_text("Annulé")  # the list stays
    await expect(page.locator("#day-msg")).to_be_hidden()


async def test_a_refused_registration_is_not_said_again_on_coming_back(page: Page, server: LiveServer) -> None:
    agent = server.make_agent()
    await sign_in(page, server, agent)
    form = await fill_registration(
        page, desk_code="CASA-BASE", given_names="Mamadou", family_name="Cissé", date_of_birth="1890-13-45"
    )
    await expect(page.locator("#register-msg")).to_be_visible()
    await expect(form.get_by_label("Date de naissance")).to_have_attribute("aria-invalid", "true")
    await page.get_by_role("button", name="Rechercher", exact=True).click()
    await answer_leaving(page, leave=False)  # asked first: staying keeps all of it
    await expect(form.get_by_label("Date de naissance")).to_have_value("1890-13-45")
    await page.get_by_role("button", name="Rechercher", exact=True).click()
    await answer_leaving(page, leave=True)
    await page.get_by_role("button", name="Nouvelle personne").click()
    await expect(page.locator("#register-msg")).to_be_hidden()
    await expect(form.get_by_label("Date de naissance")).not_to_have_attribute("aria-invalid", "true")
    await expect(form.get_by_label("Date de naissance")).to_have_value("")  # what was typed was abandoned


async def open_file_from_search(page: Page, name: str) -> None:
    await page.get_by_role("button", name="Rechercher", exact=True).click()
    await open_file(page, name)
