"""Words agree with what they count or name: « Aucune » identity document (feminine), « 1
rendez-vous reste pris » (singular)."""

from __future__ import annotations

import datetime as dt

import pytest
from playwright.async_api import Page, expect

from tests.web.conftest import LiveServer
from tests.web.helpers import desk_id, open_file, register_via_api, sign_in
from tests.web.test_admin_desks import _open_desk

pytestmark = pytest.mark.asyncio(loop_scope="session")


async def test_a_file_without_identity_documents_says_aucune(page: Page, server: LiveServer) -> None:
    agent = server.make_agent()
    register_via_api(server, agent, given_names="Khady", family_name="Sarr")
    await sign_in(page, server, agent)
    await open_file(page, "Khady Sarr")
    documents = page.locator("#person section", has=page.get_by_role("heading", name="Pièces d'identité"))
    await expect(documents).to_contain_text("Aucune pour l'instant.")


async def test_a_holiday_over_one_booked_appointment_says_it_in_the_singular(page: Page, server: LiveServer) -> None:
    dakar_agent = server.make_agent("agent", ["DKR-MOB"])
    person = register_via_api(server, dakar_agent, desk_code="DKR-MOB", given_names="Omar", family_name="Diouf")
    day = dt.date.today() + dt.timedelta(days=14)
    day += dt.timedelta(days=(7 - day.weekday()) % 7 + 1)  # a Tuesday (Dakar: UTC+00)
    with server.api(dakar_agent) as http:
        booked = http.post(
            "/api/v1/appointments",
            json={
                "desk_id": desk_id(server, dakar_agent, "DKR-MOB"), "agent_id": str(dakar_agent.id),
                "registrant_id": person["id"], "starts_at": f"{day}T10:00:00+00:00", "ends_at": f"{day}T10:30:00+00:00",
            },
        )  # fmt: skip
        assert booked.status_code == 201, booked.text
    await sign_in(page, server, server.make_agent("admin"))
    await _open_desk(page)
    form = page.locator("#holiday-form")
    await form.get_by_label("Date").fill(day.isoformat())
    await form.get_by_label("Nom du jour férié").fill("Magal")
    await form.get_by_role("button", name="Ajouter le jour férié").click()
    await expect(page.locator("#holidays-msg")).to_contain_text("1 rendez-vous reste pris ce jour-là")
