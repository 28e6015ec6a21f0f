"""Item 8: book from the person's file among the free slots the API offers, reschedule, cancel; the
desk's week and the day's list show a holiday declared over a booked appointment, flagged to be moved."""

from __future__ import annotations

import datetime as dt

import pytest
from playwright.async_api import Page, expect

from tests.appointments.helpers import next_weekday
from tests.web.conftest import LiveServer, assert_accessible
from tests.web.helpers import desk_id, open_file, register_via_api, sign_in

pytestmark = pytest.mark.asyncio(loop_scope="session")


async def test_book_by_keyboard_reschedule_see_a_holiday_in_the_week_and_cancel(page: Page, server: LiveServer) -> None:
    agent = server.make_agent()
    admin = server.make_agent("admin")
    register_via_api(server, agent, given_names="Ndèye", family_name="Thiam")
    day = next_weekday(3)  # a Wednesday, two weeks ahead: open 09:00-16:30 at Casablanca
    await sign_in(page, server, agent)
    await open_file(page, "Ndèye Thiam")

    book = page.locator("#book")
    await book.get_by_label("Jour", exact=True).fill(day.isoformat())
    await book.get_by_role("button", name="Voir les créneaux libres").click()
    slots = book.locator("fieldset.slots")
    await expect(slots.get_by_role("radio")).to_have_count(15)  # 09:00 … 16:00, 30 minutes each
    first = slots.get_by_role("radio").first
    await expect(first).to_be_focused()
    await page.keyboard.press("ArrowDown")
    await page.keyboard.press("ArrowDown")
    await expect(slots.get_by_label("10:00–10:30")).to_be_checked()
    await book.get_by_label("Objet du rendez-vous").fill("Renouvellement du passeport")
    await book.get_by_label("Objet du rendez-vous").press("Enter")
    await expect(page.locator("#person-msg")).to_have_text("Rendez-vous réservé.")
    row = page.locator("#person-appointments li").first
    await expect(row).to_contain_text("10:00")
    await expect(row).to_contain_text("Réservé · Renouvellement du passeport")

    book = page.locator("#book")
    await book.get_by_label("Jour", exact=True).fill(day.isoformat())
    await book.get_by_role("button", name="Voir les créneaux libres").click()
    await expect(book.locator("fieldset.slots").get_by_role("radio")).to_have_count(14)
    await expect(book.get_by_label("10:00–10:30")).to_have_count(0)
    await assert_accessible(page)

    await row.get_by_role("button", name="Déplacer").click()
    moving = row.locator("form")
    await moving.get_by_role("button", name="Voir les créneaux libres").click()
    await moving.get_by_label("14:00–14:30").check()
    await moving.get_by_role("button", name="Déplacer à ce créneau").click()
    await expect(page.locator("#person-msg")).to_have_text("Rendez-vous déplacé.")
    await expect(page.locator("#person-appointments li").first).to_contain_text("14:00")

    with server.api(admin) as http:
        closed = http.post(
            f"/api/v1/desks/{desk_id(server, admin)}/holidays", json={"day": day.isoformat(), "name": "Fête du Trône"}
        )
        assert closed.status_code == 201, closed.text
    await page.get_by_role("button", name="Rendez-vous du jour").click()
    week = page.locator("#week-form")
    await week.get_by_label("Semaine commençant le").fill((day - dt.timedelta(days=day.weekday())).isoformat())
    await week.get_by_role("button", name="Afficher la semaine").click()
    wednesday = page.locator("#week .week-day").nth(2)
    await expect(wednesday).to_contain_text("Guichet fermé (jour férié) : Fête du Trône")
    flagged = wednesday.locator("li.flagged")
    await expect(flagged).to_contain_text("14:00–14:30 Ndèye Thiam · Réservé")
    await expect(flagged).to_contain_text("Jour férié (Fête du Trône) : rendez-vous à déplacer")
    await expect(page.locator("#week .week-day").nth(1)).not_to_contain_text("Jour férié")
    await expect(page.locator("#week .week-day").nth(5)).to_contain_text("Fermé")  # Saturday
    await assert_accessible(page)
    # the day's list says it too: the desk is closed that day, the booking is to move
    day_form = page.locator("#day-form")
    await day_form.get_by_label("Jour", exact=True).fill(day.isoformat())
    await day_form.get_by_role("button", name="Afficher").click()
    await expect(page.locator("#day-holiday")).to_have_text("Guichet fermé (jour férié) : Fête du Trône")
    booked = page.locator("#day-list li").nth(1)
    await expect(booked).to_contain_text("Jour férié (Fête du Trône) : rendez-vous à déplacer")

    # The same day offers no slot any more, and the booked one is cancelled from the file.
    await page.get_by_role("button", name="Rechercher").click()
    await open_file(page, "Ndèye Thiam")
    book = page.locator("#book")
    await book.get_by_label("Jour", exact=True).fill(day.isoformat())
    await book.get_by_role("button", name="Voir les créneaux libres").click()
    await expect(book.locator("fieldset.slots")).to_contain_text("Guichet fermé (jour férié) : Fête du Trône")
    row = page.locator("#person-appointments li").first
    await row.get_by_role("button", name="Annuler le rendez-vous").click()
    await row.get_by_role("button", name="Oui, annuler le rendez-vous").click()
    await expect(page.locator("#person-msg")).to_have_text("Rendez-vous annulé.")
    await expect(page.locator("#person-appointments li").first).to_contain_text("Annulé")
    await expect(page.locator("#person-appointments li").first.get_by_role("button")).to_have_count(0)


async def test_the_repeated_hour_s_slots_are_told_apart_by_their_offsets(page: Page, server: LiveServer) -> None:
    """The day Paris goes back (2027-10-31, 03:00 → 02:00), 02:00–03:00 comes twice: its slots are
    shown with their offsets, and the second 02:00 books."""
    admin = server.make_agent("admin")
    with server.api(admin) as http:  # a desk keeps a zone of its country (a Moroccan desk cannot be in Paris)
        paris = {"code": "PAR-WEB", "name": "Paris", "country": "FR", "city": "Paris", "time_zone": "Europe/Paris"}
        created = http.post("/api/v1/desks", json={**paris, "opening_hours": {"7": [["01:00", "04:00"]]}})
        assert created.status_code == 201, created.text
    agent = server.make_agent(desks=["PAR-WEB"])
    register_via_api(server, agent, given_names="Ndèye", family_name="Thiam")
    await sign_in(page, server, agent)
    await open_file(page, "Ndèye Thiam")

    book = page.locator("#book")
    await book.get_by_label("Jour", exact=True).fill("2027-10-31")
    await book.get_by_role("button", name="Voir les créneaux libres").click()
    slots = book.locator("fieldset.slots")
    await expect(slots.locator("label span")).to_have_text(
        [
            "01:00 (UTC+02:00)–01:30 (UTC+02:00)",
            "01:30 (UTC+02:00)–02:00 (UTC+02:00)",
            "02:00 (UTC+02:00)–02:30 (UTC+02:00)",
            "02:30 (UTC+02:00)–02:00 (UTC+01:00)",
            "02:00 (UTC+01:00)–02:30 (UTC+01:00)",
            "02:30 (UTC+01:00)–03:00 (UTC+01:00)",
            "03:00 (UTC+01:00)–03:30 (UTC+01:00)",
            "03:30 (UTC+01:00)–04:00 (UTC+01:00)",
        ]
    )
    await slots.get_by_label("02:00 (UTC+01:00)–02:30 (UTC+01:00)").check()
    await book.get_by_label("Objet du rendez-vous").fill("Carte consulaire")
    await book.get_by_label("Objet du rendez-vous").press("Enter")
    await expect(page.locator("#person-msg")).to_have_text("Rendez-vous réservé.")
    with server.api(agent) as http:
        listed = http.get("/api/v1/appointments", params={"desk_id": desk_id(server, agent, "PAR-WEB")})
    [booked] = listed.json()["items"]
    assert (booked["starts_at"], booked["end_local"]) == ("2027-10-31T01:00:00Z", "2027-10-31T02:30:00+01:00")
