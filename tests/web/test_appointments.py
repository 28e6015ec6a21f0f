"""Item 8: the desk's day of appointments, with arrival, no-show and cancellation."""

from __future__ import annotations

import pytest
from playwright.async_api import Page, expect

from tests.appointments.helpers import iso, next_weekday
from tests.web.conftest import LiveServer, assert_accessible
from tests.web.helpers import register_via_api, sign_in

pytestmark = pytest.mark.asyncio(loop_scope="session")


async def test_day_view_shows_desk_times_offers_no_arrival_ahead_and_cancels(page: Page, server: LiveServer) -> None:
    agent = server.make_agent()
    person = register_via_api(server, agent, given_names="Oumou", family_name="Sy")
    day = next_weekday(2)
    with server.api(agent) as http:
        desk = next(d for d in http.get("/api/v1/desks").json() if d["code"] == "CASA-BASE")
        booked = http.post(
            "/api/v1/appointments",
            json={
                "desk_id": desk["id"], "agent_id": str(agent.id), "registrant_id": person["id"],
                "starts_at": iso(day, "10:00"), "ends_at": iso(day, "10:30"), "purpose": "Passeport",
            },
        )  # fmt: skip
        assert booked.status_code == 201, booked.text
    await sign_in(page, server, agent)
    await page.get_by_role("button", name="Rendez-vous du jour").click()
    form = page.locator("#day-form")
    await form.get_by_label("Jour").fill(day.isoformat())
    await form.get_by_role("button", name="Afficher").click()
    row = page.locator("#day-list li").first
    await expect(row).to_contain_text("10:00–10:30 Oumou Sy · Réservé · Passeport")
    await assert_accessible(page)

    # days ahead: no arrival nor no-show to record yet (test_appointment_actions_by_day.py)
    await expect(row.get_by_role("button", name="Arrivé(e)")).to_have_count(0)

    await row.get_by_role("button", name="Annuler le rendez-vous").click()
    await row.get_by_role("button", name="Oui, annuler le rendez-vous").click()
    await expect(page.locator("#day-msg")).to_have_text("Rendez-vous annulé.")
    await expect(page.locator("#day-list li").first).to_contain_text("Annulé")
