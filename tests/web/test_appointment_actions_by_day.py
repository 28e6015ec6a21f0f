"""An appointment offers only the actions its day and status allow: arrival and no-show from its
day on (the desk's date), never on an appointment still days ahead; none once it is not booked."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from playwright.async_api import Page, expect

from tests.appointments.helpers import CASA_TZ, iso
from tests.web.conftest import Agent, LiveServer
from tests.web.helpers import register_via_api, set_appointment_day, sign_in

pytestmark = pytest.mark.asyncio(loop_scope="session")


def _book(server: LiveServer, agent: Agent, day: dt.date) -> dict[str, Any]:
    """An appointment at 10:00 on ``day``, booked through the API on the next free weekday ahead,
    then set on ``day`` in the database (the API books no past day)."""
    person = register_via_api(server, agent, given_names="Oumou", family_name="Sy")
    ahead = dt.datetime.now(CASA_TZ).date() + dt.timedelta(days=7)
    while ahead.isoweekday() > 5:
        ahead += dt.timedelta(days=1)
    with server.api(agent) as http:
        desk = next(d for d in http.get("/api/v1/desks").json() if d["code"] == "CASA-BASE")
        booked = http.post(
            "/api/v1/appointments",
            json={
                "desk_id": desk["id"], "agent_id": str(agent.id), "registrant_id": person["id"],
                "starts_at": iso(ahead, "10:00"), "ends_at": iso(ahead, "10:30"),
            },
        )  # fmt: skip
        assert booked.status_code == 201, booked.text

    set_appointment_day(server, booked.json()["id"], day, "10:00")
    return booked.json()  # type: ignore[no-any-return]


async def _show_day(page: Page, day: dt.date) -> None:
    await page.get_by_role("button", name="Rendez-vous du jour").click()
    form = page.locator("#day-form")
    await form.get_by_label("Jour").fill(day.isoformat())
    await form.get_by_role("button", name="Afficher").click()


async def test_an_appointment_two_days_ahead_offers_no_arrival_nor_no_show(page: Page, server: LiveServer) -> None:
    agent = server.make_agent()
    day = dt.datetime.now(CASA_TZ).date() + dt.timedelta(days=2)
    _book(server, agent, day)
    await sign_in(page, server, agent)
    await _show_day(page, day)
    row = page.locator("#day-list li").first
    await expect(row).to_contain_text("10:00–10:30 Oumou Sy · Réservé")
    await expect(row.get_by_role("button", name="Annuler le rendez-vous")).to_be_visible()
    await expect(row.get_by_role("button", name="Arrivé(e)")).to_have_count(0)
    await expect(row.get_by_role("button", name="Absent(e)")).to_have_count(0)


async def test_yesterdays_appointment_offers_arrival_and_no_show(page: Page, server: LiveServer) -> None:
    agent = server.make_agent()
    day = dt.datetime.now(CASA_TZ).date() - dt.timedelta(days=1)
    _book(server, agent, day)
    await sign_in(page, server, agent)
    await _show_day(page, day)
    row = page.locator("#day-list li").first
    await expect(row.get_by_role("button", name="Arrivé(e)")).to_be_visible()
    await row.get_by_role("button", name="Absent(e)").click()
    await expect(page.locator("#day-msg")).to_have_text("Absence enregistrée.")
    row = page.locator("#day-list li").first
    await expect(row).to_contain_text("Absent")
    await expect(row.get_by_role("button")).to_have_count(0)
