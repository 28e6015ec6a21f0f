"""Item 8 from the calendar: an appointment is moved from the desk's day list and from its week, by
keyboard, among the free slots the API offers; a change made meanwhile by someone else (412) and a
slot taken meanwhile (409) are said in sentences and the agent picks again."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
from playwright.async_api import Page, expect

from tests.appointments.helpers import next_weekday
from tests.web.conftest import Agent, LiveServer, assert_accessible
from tests.web.helpers import desk_id, register_via_api, sign_in

pytestmark = pytest.mark.asyncio(loop_scope="session")
# The calendar's button, named with the person and the time ("Déplacer : Ndèye Thiam, mercredi …").
MOVE = re.compile(r"^Déplacer : ")


def free_slot(server: LiveServer, agent: Agent, day: dt.date, hhmm: str) -> dict[str, Any]:
    """The free slot of ``agent`` at ``hhmm`` (desk time) on ``day``, as the API offers it."""
    with server.api(agent) as http:
        params = {"desk_id": desk_id(server, agent), "start": day.isoformat(), "days": 1, "duration_minutes": 30}
        found = http.get("/api/v1/appointments/free-slots", params={**params, "agent_id": str(agent.id)})
        assert found.status_code == 200, found.text
        return next(s for s in found.json()["days"][0]["slots"] if s["start_local"][11:16] == hhmm)


def book(server: LiveServer, agent: Agent, registrant_id: str, day: dt.date, hhmm: str) -> dict[str, Any]:
    slot = free_slot(server, agent, day, hhmm)
    body = {
        "desk_id": desk_id(server, agent),
        "agent_id": str(agent.id),
        "registrant_id": registrant_id,
        "starts_at": slot["start_local"],
        "ends_at": slot["end_local"],
    }
    with server.api(agent) as http:
        created = http.post("/api/v1/appointments", json=body)
        assert created.status_code == 201, created.text
        return created.json()  # type: ignore[no-any-return]


def moved_by(server: LiveServer, colleague: Agent, agent: Agent, appointment_id: str, day: dt.date, hhmm: str) -> None:
    """``colleague`` moves ``agent``'s appointment to ``hhmm`` (through the API, as from another desk screen)."""
    slot = free_slot(server, agent, day, hhmm)
    with server.api(colleague) as http:
        etag = http.get(f"/api/v1/appointments/{appointment_id}").headers["etag"]
        moved = http.patch(
            f"/api/v1/appointments/{appointment_id}",
            json={"starts_at": slot["start_local"], "ends_at": slot["end_local"]},
            headers={"If-Match": etag},
        )
        assert moved.status_code == 200, moved.text


async def test_move_from_the_day_list_by_keyboard_a_change_made_meanwhile_is_said(
    page: Page, server: LiveServer
) -> None:
    agent = server.make_agent()
    colleague = server.make_agent()
    person = register_via_api(server, agent, given_names="Ndèye", family_name="Thiam")
    day = next_weekday(3)  # a Wednesday two weeks ahead: open 09:00-16:30 at Casablanca
    appointment = book(server, agent, person["id"], day, "10:00")
    await sign_in(page, server, agent)
    await page.get_by_role("button", name="Rendez-vous du jour").click()
    await page.locator("#day-form").get_by_label("Jour", exact=True).fill(day.isoformat())
    await page.locator("#day-form").get_by_role("button", name="Afficher").press("Enter")
    row = page.locator("#day-list li").first
    await expect(row).to_contain_text("10:00–10:30 Ndèye Thiam · Réservé")

    move = row.get_by_role("button", name=MOVE)
    await move.focus()
    await page.keyboard.press("Enter")
    form = row.locator("form.slot-form")
    await expect(form.get_by_label("Avec l'agent")).to_be_focused()
    await expect(move).to_be_hidden()
    await form.get_by_role("button", name="Voir les créneaux libres").press("Enter")
    radios = form.locator("fieldset.slots").get_by_role("radio")
    await expect(radios.first).to_be_focused()
    await expect(form.get_by_label("10:00–10:30")).to_have_count(0)  # its own slot is not offered as free
    await page.keyboard.press("ArrowDown")  # 09:30
    await page.keyboard.press("ArrowDown")  # 10:30
    await page.keyboard.press("ArrowDown")  # 11:00
    await expect(form.get_by_label("11:00–11:30")).to_be_checked()
    await assert_accessible(page)

    # A colleague moves it to 15:00 meanwhile: the agent's move is refused (412) and said in words.
    moved_by(server, colleague, agent, appointment["id"], day, "15:00")
    await form.get_by_label("Objet du rendez-vous").press("Enter")
    box = form.locator(".msg")
    await expect(box).to_contain_text("Ce rendez-vous a été modifié entre-temps par quelqu'un d'autre")
    await expect(box).to_contain_text("à 15:00")
    await expect(box).to_be_focused()
    await expect(form.get_by_label("15:00–15:30")).to_have_count(0)  # the slots drawn again
    await expect(form.get_by_label("10:00–10:30")).to_have_count(1)  # freed by the colleague's move

    await form.get_by_label("11:00–11:30").check()
    await form.get_by_role("button", name="Déplacer à ce créneau").press("Enter")
    await expect(page.locator("#day-msg")).to_have_text("Rendez-vous déplacé.")
    await expect(page.locator("#day-msg")).to_be_focused()
    await expect(page.locator("#day-list li").first).to_contain_text("11:00–11:30 Ndèye Thiam · Réservé")
    await expect(page.locator("#day-list form")).to_have_count(0)
    with server.api(agent) as http:
        now = http.get(f"/api/v1/appointments/{appointment['id']}").json()
    assert now["start_local"][11:16] == "11:00"
    await assert_accessible(page)


async def test_move_from_the_week_a_slot_taken_meanwhile_is_said_and_the_form_can_be_closed(
    page: Page, server: LiveServer
) -> None:
    agent = server.make_agent()
    person = register_via_api(server, agent, given_names="Moussa", family_name="Ba")
    other = register_via_api(server, agent, given_names="Coumba", family_name="Ndiaye")
    day = next_weekday(2)  # a Tuesday two weeks ahead
    appointment = book(server, agent, person["id"], day, "09:00")
    await sign_in(page, server, agent)
    await page.get_by_role("button", name="Rendez-vous du jour").click()
    week = page.locator("#week-form")
    await week.get_by_label("Semaine commençant le").fill((day - dt.timedelta(days=day.weekday())).isoformat())
    await week.get_by_role("button", name="Afficher la semaine").click()
    tuesday = page.locator("#week .week-day").nth(1)
    await expect(tuesday).to_contain_text("09:00–09:30 Moussa Ba · Réservé")

    # Opened, then closed without moving: focus back on the button.
    await tuesday.get_by_role("button", name=MOVE).click()
    panel = page.locator("#week-move")
    await expect(panel.get_by_role("heading", level=3)).to_contain_text("Rendez-vous à déplacer : Moussa Ba")
    await panel.get_by_role("button", name="Ne pas déplacer").click()
    await expect(panel.locator("form")).to_have_count(0)
    await expect(tuesday.get_by_role("button", name=MOVE)).to_be_focused()

    await tuesday.get_by_role("button", name=MOVE).press("Enter")
    form = panel.locator("form.slot-form")
    await expect(form.get_by_label("Avec l'agent")).to_be_focused()
    await form.get_by_role("button", name="Voir les créneaux libres").click()
    await form.get_by_label("13:00–13:30").check()
    await assert_accessible(page)

    # Another person is booked at 13:00 with the same agent meanwhile: 409, said, slots drawn again.
    book(server, agent, other["id"], day, "13:00")
    await form.get_by_role("button", name="Déplacer à ce créneau").click()
    box = form.locator(".msg")
    await expect(box).to_have_text(
        "Ce créneau vient d'être pris : les créneaux libres ont été mis à jour, choisissez-en un autre."
    )
    await expect(form.get_by_label("13:00–13:30")).to_have_count(0)

    await form.get_by_label("14:00–14:30").check()
    await form.get_by_role("button", name="Déplacer à ce créneau").click()
    await expect(page.locator("#week-msg")).to_have_text("Rendez-vous déplacé.")
    await expect(tuesday).to_contain_text("14:00–14:30 Moussa Ba · Réservé")
    await expect(tuesday).to_contain_text("13:00–13:30 Coumba Ndiaye · Réservé")
    await expect(panel.locator("form")).to_have_count(0)
    with server.api(agent) as http:
        assert http.get(f"/api/v1/appointments/{appointment['id']}").json()["start_local"][11:16] == "14:00"
    await assert_accessible(page)


async def test_an_appointment_cancelled_meanwhile_cannot_be_moved_and_says_so(page: Page, server: LiveServer) -> None:
    agent = server.make_agent()
    person = register_via_api(server, agent, given_names="Awa", family_name="Sarr")
    day = next_weekday(4)
    appointment = book(server, agent, person["id"], day, "09:30")
    await sign_in(page, server, agent)
    await page.get_by_role("button", name="Rendez-vous du jour").click()
    await page.locator("#day-form").get_by_label("Jour", exact=True).fill(day.isoformat())
    await page.locator("#day-form").get_by_role("button", name="Afficher").click()
    row = page.locator("#day-list li").first
    await expect(row).to_contain_text("09:30–10:00 Awa Sarr · Réservé")
    with server.api(agent) as http:
        etag = http.get(f"/api/v1/appointments/{appointment['id']}").headers["etag"]
        cancelled = http.post(
            f"/api/v1/appointments/{appointment['id']}/transitions",
            json={"status": "cancelled"},
            headers={"If-Match": etag},
        )
        assert cancelled.status_code == 200, cancelled.text
    await row.get_by_role("button", name=MOVE).click()
    await expect(page.locator("#day-msg")).to_have_text(
        "Ce rendez-vous n'est plus réservé (Annulé) : il ne peut plus être déplacé."
    )
    await expect(page.locator("#day-msg")).to_be_focused()
    await expect(row.locator("form")).to_have_count(0)
