"""The lists that fetch each person's name (the queues, the messages in doubt, the day's and the
week's appointments, the requests awaiting an answer) and the case's screen still show when a name cannot be read — no
answer, or a refusal —, and say « nom indisponible » where the name goes, never a word standing in
for the person's name."""

from __future__ import annotations

import pytest
from playwright.async_api import Page, Route, expect

from tests.appointments.helpers import iso, next_weekday
from tests.web.conftest import LiveServer, assert_accessible
from tests.web.helpers import open_case_via_api, register_via_api, show_case, sign_in
from tests.web.test_appointment_names import book
from tests.web.test_person_messages import add_message
from tests.web.test_rights import record

pytestmark = pytest.mark.asyncio(loop_scope="session")

A_FILE = "**/api/v1/registrants/*"  # one person's file, as the lists read each name


async def no_answer(route: Route) -> None:
    await route.abort("connectionreset")


async def refused(route: Route) -> None:
    await route.fulfill(status=503, content_type="application/problem+json", body='{"status": 503, "title": "x"}')


async def test_lists_say_a_name_could_not_be_read_and_still_show(page: Page, server: LiveServer) -> None:
    supervisor = server.make_agent("supervisor")
    person = register_via_api(server, supervisor, given_names="Seynabou", family_name="Faye")
    case, _ = open_case_via_api(server, supervisor, person)
    add_message(server, person, "case_received", "email", "seynabou@example.org", "in_doubt", "timed out")
    day = next_weekday(2)
    book(server, supervisor, person["id"], day.isoformat(), iso(day, "10:00"), iso(day, "10:30"))
    record(server, supervisor, person, "access")
    await sign_in(page, server, supervisor)
    await page.route(A_FILE, no_answer)

    await page.get_by_role("button", name="Files de dossiers").click()
    await page.get_by_label("File", exact=True).select_option("unassigned")
    await page.get_by_role("button", name="Afficher").click()
    row = page.locator("#cases li").first
    await expect(row).to_contain_text(case["case_number"])
    await expect(row.locator("strong")).to_have_text("nom indisponible")
    doubt = page.locator("#in-doubt-list > li")
    await expect(doubt.get_by_role("button", name="Ouvrir le dossier (nom indisponible)")).to_be_visible()
    await assert_accessible(page)

    await page.get_by_role("button", name="Rendez-vous du jour").click()
    await page.locator("#day-form").get_by_label("Jour").fill(day.isoformat())
    await page.locator("#day-form").get_by_role("button", name="Afficher").click()
    await expect(page.locator("#day-list li")).to_contain_text("10:00–10:30 nom indisponible · Réservé")
    await page.locator("#week-form").get_by_label("Semaine commençant le").fill(day.isoformat())
    await page.locator("#week-form").get_by_role("button", name="Afficher la semaine").click()
    await expect(page.locator("#week li").first).to_contain_text("nom indisponible · Réservé")

    await page.unroute(A_FILE)
    await page.route(A_FILE, refused)
    await page.get_by_role("button", name="Protection des données").click()
    pending = page.locator("#pending-list li")
    await expect(pending).to_have_count(1)
    await expect(pending).to_contain_text("nom indisponible — Demande d'accès · reçue le")
    await expect(page.locator("body")).not_to_contain_text("Personne —")

    await show_case(page, server, case)  # the case's screen names its person the same way
    await expect(page.get_by_role("button", name="Ouvrir le dossier de la personne : nom indisponible")).to_be_visible()
    await expect(page.locator("#case dl dd").first).to_have_text("nom indisponible")
