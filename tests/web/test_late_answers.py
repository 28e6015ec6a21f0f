"""Reads answered late (a loaded server, a slow link): one overtaken by a later one draws nothing —
the day or the week of the desk asked last, the free slots of the day chosen last, the import batch
asked last stay on screen."""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import Awaitable, Callable

import pytest
from playwright.async_api import Page, Route, expect

from tests.appointments.helpers import next_weekday
from tests.imports.conftest import csv_file
from tests.web.conftest import LiveServer
from tests.web.helpers import register_via_api, sign_in, sign_in_with_form

pytestmark = pytest.mark.asyncio(loop_scope="session")


def held(day: dt.date, released: asyncio.Event, parameter: str = "day") -> Callable[[Route], Awaitable[None]]:
    """A route handler answering the reads of ``day`` (``<parameter>=<day>`` in the address) only
    once ``released`` is set; the others at once."""

    async def handle(route: Route) -> None:
        if f"{parameter}={day.isoformat()}" in route.request.url:
            await released.wait()
        await route.continue_()

    return handle


# (the form, its day field, its button, where the appointments are drawn)
VIEWS = [
    ("#day-form", "Jour", "Afficher", "#day-list"),
    ("#week-form", "Semaine commençant le", "Afficher la semaine", "#week"),
]


@pytest.mark.parametrize(("form_id", "field", "button", "place"), VIEWS, ids=["day", "week"])
async def test_a_day_asked_while_another_still_loads_is_the_one_drawn(
    page: Page, server: LiveServer, form_id: str, field: str, button: str, place: str
) -> None:
    """The agent asks for a day (a week), then — still loading — for another one, drawn in English
    after a change of language: the first day's answer, arriving last, draws nothing."""
    agent = server.make_agent()
    person = register_via_api(server, agent, given_names="Binta", family_name="Sagna")
    booked = next_weekday(3)  # a Wednesday: open
    other = booked + dt.timedelta(days=7)  # nothing booked
    with server.api(agent) as http:
        desk = next(d["id"] for d in http.get("/api/v1/desks").json() if d["code"] == "CASA-BASE")
        asked = {"desk_id": desk, "start": booked.isoformat(), "days": 1, "duration_minutes": 30}
        free = http.get("/api/v1/appointments/free-slots", params={**asked, "agent_id": str(agent.id)}).json()
        first = free["days"][0]["slots"][0]
        body = {"desk_id": desk, "agent_id": str(agent.id), "registrant_id": person["id"]}
        made = http.post(
            "/api/v1/appointments", json={**body, "starts_at": first["start_local"], "ends_at": first["end_local"]}
        )
        assert made.status_code == 201, made.text
    released = asyncio.Event()
    await page.route("**/api/v1/appointments?desk_id=*", held(booked, released))
    await sign_in(page, server, agent)
    await page.get_by_role("button", name="Rendez-vous du jour").click()
    form = page.locator(form_id)
    await form.get_by_label(field, exact=True).fill(other.isoformat())
    await form.get_by_role("button", name=button).click()
    await expect(page.locator(place)).to_contain_text("Aucun rendez-vous.")

    await form.get_by_label(field, exact=True).fill(booked.isoformat())
    await form.get_by_role("button", name=button).click()  # its answer held
    await form.get_by_label(field, exact=True).fill(other.isoformat())
    await page.get_by_role("button", name="English").click()  # the screen read again, in English
    await expect(page.locator(place)).to_contain_text("No appointment.")
    released.set()
    await page.wait_for_timeout(500)  # the day first asked answers, and must draw nothing
    await expect(page.locator(place)).to_contain_text("No appointment.")
    await expect(page.locator(place)).not_to_contain_text("Binta Sagna")


async def test_the_free_slots_of_the_day_chosen_while_they_loaded_are_the_ones_drawn(
    page: Page, server: LiveServer
) -> None:
    """The slots of a Wednesday asked, then — still loading — a Sunday chosen: the slots shown are
    the Sunday's (none, the desk is closed), never the Wednesday's arriving late."""
    agent = server.make_agent()
    person = register_via_api(server, agent, given_names="Binta", family_name="Sagna")
    wednesday = next_weekday(3)
    sunday = next_weekday(7)
    released = asyncio.Event()
    await page.route("**/api/v1/appointments/free-slots?*", held(wednesday, released, "start"))
    await sign_in(page, server, agent)
    await page.goto(f"{server.url}/app/#/person/{person['id']}")
    book = page.locator("#book")
    await book.get_by_label("Jour", exact=True).fill(wednesday.isoformat())
    await book.get_by_role("button", name="Voir les créneaux libres").click()  # its answer held
    await book.get_by_label("Jour", exact=True).fill(sunday.isoformat())
    released.set()
    slots = book.locator("fieldset.slots")
    await expect(slots).to_contain_text("Le guichet est fermé ce jour-là : choisissez un autre jour.")
    await expect(slots.get_by_role("radio")).to_have_count(0)


async def test_the_batch_asked_last_stays_shown_when_another_answers_late(page: Page, server: LiveServer) -> None:
    """Two batches' flagged rows asked one after the other, the first answering last: the second
    batch's rows stay on screen."""
    admin = server.make_agent("admin", [])
    supervisor = server.make_agent("supervisor")
    batches = []
    for n, person in enumerate(["Saliou;Ka;M;14/05/1990", "Modou;Fall;M;02/01/1985"], start=1):
        line = f"{person};Dakar;Dakar;;;;;Casablanca;Etudiant;;;;"
        register = csv_file(f"1;12/03/2020;{line}", f"2;15/03/2020;{line}")
        with server.api(admin) as http:
            sent = {"file": (f"registre-{n}.csv", register, "text/csv")}
            created = http.post("/api/v1/imports/registers", files=sent, data={"desk_code": "CASA-BASE"})
            assert created.status_code == 201, created.text
            batches.append(created.json()["batch_id"])
    released = asyncio.Event()

    async def late(route: Route) -> None:
        await released.wait()
        await route.continue_()

    await page.route(f"**/api/v1/imports/{batches[0]}/flagged?*", late)
    await sign_in(page, server, supervisor)
    await page.get_by_role("button", name="Registres importés").click()
    await page.get_by_role("button", name="Voir les lignes signalées : registre-1.csv").click()  # held
    await page.get_by_role("button", name="Voir les lignes signalées : registre-2.csv").click()
    caption = page.locator("#import-report table caption")
    await expect(caption).to_contain_text("registre-2.csv")
    released.set()
    await page.wait_for_timeout(500)  # the first batch answers, and must draw nothing
    await expect(caption).to_contain_text("registre-2.csv")
    await expect(page.locator("#import-report")).not_to_contain_text("Saliou")


@pytest.mark.parametrize(("form_id", "field", "button", "place"), VIEWS, ids=["day", "week"])
async def test_a_day_answered_after_sign_out_is_not_drawn_for_the_next_agent(
    page: Page, server: LiveServer, form_id: str, field: str, button: str, place: str
) -> None:
    """The agent asks for a day (a week) of the desk and signs out before it answers; the answer,
    arriving once a colleague signed in on the same browser, draws nothing."""
    agent = server.make_agent()
    person = register_via_api(server, agent, given_names="Binta", family_name="Sagna")
    booked = next_weekday(3)
    with server.api(agent) as http:
        desk = next(d["id"] for d in http.get("/api/v1/desks").json() if d["code"] == "CASA-BASE")
        asked = {"desk_id": desk, "start": booked.isoformat(), "days": 1, "duration_minutes": 30}
        free = http.get("/api/v1/appointments/free-slots", params={**asked, "agent_id": str(agent.id)}).json()
        first = free["days"][0]["slots"][0]
        body = {"desk_id": desk, "agent_id": str(agent.id), "registrant_id": person["id"]}
        made = http.post(
            "/api/v1/appointments", json={**body, "starts_at": first["start_local"], "ends_at": first["end_local"]}
        )
        assert made.status_code == 201, made.text
    released = asyncio.Event()
    asked_once = asyncio.Event()

    async def hold(route: Route) -> None:
        if f"day={booked.isoformat()}" not in route.request.url:
            return await route.continue_()
        answer = await route.fetch()  # the first agent's answer, read while still signed in
        asked_once.set()
        await released.wait()
        return await route.fulfill(response=answer)

    await page.route("**/api/v1/appointments?desk_id=*", hold)
    await sign_in_with_form(page, server, agent)
    await page.get_by_role("button", name="Rendez-vous du jour").click()
    form = page.locator(form_id)
    await form.get_by_label(field, exact=True).fill(booked.isoformat())
    await form.get_by_role("button", name=button).click()
    await asked_once.wait()
    await page.get_by_role("button", name="Se déconnecter").click()
    await expect(page.get_by_label("E-mail")).to_be_visible()

    await sign_in_with_form(page, server, server.make_agent())  # a colleague of the same desk
    await page.get_by_role("button", name="Rendez-vous du jour").click()
    released.set()
    await page.wait_for_timeout(500)  # the first agent's answer has arrived, and must draw nothing
    await expect(page.locator(place)).to_be_empty()
    await expect(page.locator("#tab-day")).not_to_contain_text("Binta Sagna")
