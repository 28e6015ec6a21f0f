"""The day's list and the person's file name each appointment's buttons with whose and which time:
a screen reader listing the buttons hears "Arrivé(e) : Oumou Sy, 10:00", not five "Arrivé(e)"."""

from __future__ import annotations

import datetime as dt

import pytest
from playwright.async_api import Page, expect

from tests.appointments.helpers import CASA_TZ, iso, next_weekday
from tests.web.conftest import Agent, LiveServer, assert_accessible
from tests.web.helpers import desk_id, open_file, register_via_api, set_appointment_day, sign_in

pytestmark = pytest.mark.asyncio(loop_scope="session")


def book(server: LiveServer, agent: Agent, registrant_id: str, day: str, start: str, end: str) -> str:
    with server.api(agent) as http:
        booked = http.post(
            "/api/v1/appointments",
            json={
                "desk_id": desk_id(server, agent), "agent_id": str(agent.id), "registrant_id": registrant_id,
                "starts_at": start, "ends_at": end,
            },
        )  # fmt: skip
        assert booked.status_code == 201, booked.text
        return str(booked.json()["id"])


async def button_names(page: Page, root: str) -> list[str]:
    """The accessible names of the visible buttons under ``root``, as the accessibility tree has them."""
    snapshot = await page.locator(root).aria_snapshot()
    return [line.split('button "', 1)[1].rsplit('"', 1)[0] for line in snapshot.splitlines() if 'button "' in line]


async def test_the_day_list_names_each_button_with_the_person_and_the_time(page: Page, server: LiveServer) -> None:
    agent = server.make_agent()
    day = next_weekday(2)
    oumou = register_via_api(server, agent, given_names="Oumou", family_name="Sy")
    awa = register_via_api(server, agent, given_names="Awa", family_name="Ndiaye")
    first = book(server, agent, oumou["id"], day.isoformat(), iso(day, "10:00"), iso(day, "10:30"))
    second = book(server, agent, awa["id"], day.isoformat(), iso(day, "11:00"), iso(day, "11:30"))
    # yesterday's: their arrival and no-show are offered (not on a day still ahead)
    yesterday = dt.datetime.now(CASA_TZ).date() - dt.timedelta(days=1)
    set_appointment_day(server, first, yesterday, "10:00")
    set_appointment_day(server, second, yesterday, "11:00")
    await sign_in(page, server, agent)
    await page.get_by_role("button", name="Rendez-vous du jour").click()
    form = page.locator("#day-form")
    await form.get_by_label("Jour").fill(yesterday.isoformat())
    await form.get_by_role("button", name="Afficher").click()
    await expect(page.locator("#day-list li")).to_have_count(2)

    named = ["Arrivé(e) : Awa Ndiaye, 11:00", "Absent(e) : Oumou Sy, 10:00"]
    named.append("Annuler le rendez-vous : Awa Ndiaye, 11:00")
    for name in named:
        await expect(page.get_by_role("button", name=name, exact=True)).to_have_count(1)
    names = await button_names(page, "#day-list")
    assert len(names) == 8 and len(set(names)) == len(names), names
    await assert_accessible(page)

    # the right appointment is acted on, found by its name alone
    await page.get_by_role("button", name="Annuler le rendez-vous : Awa Ndiaye, 11:00", exact=True).click()
    question = page.get_by_role("group", name="Annuler le rendez-vous : Awa Ndiaye, 11:00")
    await expect(question).to_contain_text("Annuler ce rendez-vous (Awa Ndiaye, 11:00) ?")
    await question.get_by_role("button", name="Oui, annuler le rendez-vous").click()
    await expect(page.locator("#day-msg")).to_have_text("Rendez-vous annulé.")
    await expect(page.locator("#day-list li", has_text="Awa Ndiaye")).to_contain_text("Annulé")
    await expect(page.locator("#day-list li", has_text="Oumou Sy")).to_contain_text("Réservé")


async def test_the_file_names_each_appointment_s_buttons_with_its_time(page: Page, server: LiveServer) -> None:
    agent = server.make_agent()
    day = next_weekday(2)
    person = register_via_api(server, agent, given_names="Oumou", family_name="Sy")
    book(server, agent, person["id"], day.isoformat(), iso(day, "10:00"), iso(day, "10:30"))
    book(server, agent, person["id"], day.isoformat(), iso(day, "14:00"), iso(day, "14:30"))
    await sign_in(page, server, agent)
    await open_file(page, "Oumou Sy")
    await expect(page.locator("#person-appointments li")).to_have_count(2)
    names = await button_names(page, "#person-appointments")
    assert len(names) == 4 and len(set(names)) == len(names), names
    assert any(n.startswith("Déplacer : ") and "14:00" in n for n in names), names
    assert any(n.startswith("Annuler le rendez-vous : ") and "10:00" in n for n in names), names
