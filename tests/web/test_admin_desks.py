"""The administration screen, desks: an administrator edits a desk's opening hours (several ranges
a day, a day closed) and its holidays (added, removed) from the web client; what the API stored is
checked, the API's refusals are said at the form, and an agent is never offered the screen."""

from __future__ import annotations

import asyncio
import datetime as dt
from typing import Any

import pytest
from playwright.async_api import Page, Route, expect

from tests.appointments.helpers import DAKAR_TZ, iso, next_weekday
from tests.web.conftest import Agent, LiveServer, assert_accessible
from tests.web.helpers import desk_id, register_via_api, sign_in

pytestmark = pytest.mark.asyncio(loop_scope="session")


def _desk(server: LiveServer, admin: Agent, code: str = "DKR-MOB") -> dict[str, Any]:
    with server.api(admin) as http:
        return http.get(f"/api/v1/desks/{desk_id(server, admin, code)}").json()  # type: ignore[no-any-return]


def _holidays(server: LiveServer, admin: Agent, year: int) -> list[tuple[str, str]]:
    with server.api(admin) as http:
        found = http.get(f"/api/v1/desks/{desk_id(server, admin, 'DKR-MOB')}/holidays?year={year}").json()
    return [(h["day"], h["name"]) for h in found["items"]]


async def _open_desk(page: Page) -> None:
    await page.get_by_role("button", name="Administration").click()
    await page.get_by_role("button", name="Guichets", exact=True).click()
    await page.get_by_role("button", name="Horaires et jours fériés : Guichet unique mobilité — Dakar").click()
    await expect(
        page.get_by_role("heading", name="Horaires d'ouverture de Guichet unique mobilité — Dakar")
    ).to_be_visible()


async def test_an_administrator_edits_a_desks_opening_hours(page: Page, server: LiveServer) -> None:
    admin = server.make_agent("admin")
    agent = server.make_agent("agent", ["DKR-MOB"])
    person = register_via_api(server, agent, given_names="Awa", family_name="Sarr")
    friday = next_weekday(5, tz=DAKAR_TZ)  # booked 10:00–10:30; the hours below close Fridays
    with server.api(agent) as http:
        booked = http.post(
            "/api/v1/appointments",
            json={
                "desk_id": desk_id(server, agent, "DKR-MOB"),
                "agent_id": str(agent.id),
                "registrant_id": person["id"],
                "starts_at": iso(friday, "10:00", DAKAR_TZ),
                "ends_at": iso(friday, "10:30", DAKAR_TZ),
            },
        )
        assert booked.status_code == 201, booked.text
    await sign_in(page, server, admin)
    await _open_desk(page)
    form = page.locator("#hours-form")
    monday = form.locator(".hours-day[data-day='1']")
    await expect(monday.locator("input[type=time]")).to_have_count(2)
    await monday.get_by_label("De").fill("08:30")
    await monday.get_by_label("à").fill("12:00")
    await monday.get_by_role("button", name="Ajouter une plage : lundi").click()
    await monday.locator(".hours-range").nth(1).get_by_label("De").fill("14:00")
    await monday.locator(".hours-range").nth(1).get_by_label("à").fill("17:00")
    await form.get_by_role("button", name="Retirer cette plage : vendredi").click()
    saturday = form.locator(".hours-day[data-day='6']")
    await saturday.get_by_role("button", name="Ajouter une plage : samedi").click()
    await saturday.get_by_label("De").fill("09:00")
    await saturday.get_by_label("à").fill("12:00")
    await form.get_by_role("button", name="Enregistrer les horaires").click()
    await expect(page.locator("#hours-msg")).to_have_text(
        "Horaires enregistrés. 1 rendez-vous à venir reste pris hors de ces horaires : à déplacer avec la personne "
        "(voir la semaine du guichet)."
    )
    assert _desk(server, admin)["opening_hours"] == {
        "1": [["08:30", "12:00"], ["14:00", "17:00"]],
        "2": [["09:00", "16:30"]],
        "3": [["09:00", "16:30"]],
        "4": [["09:00", "16:30"]],
        "6": [["09:00", "12:00"]],
    }
    await assert_accessible(page)

    # Overlapping, inverted and half-typed ranges: said per day before sending (before: the API's
    # « Horaires d'ouverture : deux plages du même jour se chevauchent », the whole fieldset marked),
    # the inputs at fault marked; nothing stored.
    form = page.locator("#hours-form")
    monday = form.locator(".hours-day[data-day='1']")
    await monday.locator(".hours-range").nth(1).get_by_label("De").fill("11:00")
    tuesday = form.locator(".hours-day[data-day='2']")
    await tuesday.get_by_label("De").fill("15:00")
    await tuesday.get_by_label("à").fill("10:00")
    wednesday = form.locator(".hours-day[data-day='3']")
    await wednesday.get_by_label("à").fill("")
    await form.get_by_role("button", name="Enregistrer les horaires").click()
    await expect(page.locator("#hours-msg")).to_have_text(
        "Vérifiez les champs signalés :"
        "lundi : deux plages se chevauchent (08:30–12:00 et 11:00–17:00)"
        "mardi : la plage 15:00–10:00 finit avant de commencer"
        "mercredi, à : à remplir"
    )
    await expect(form.locator("[aria-invalid=true]")).to_have_count(7)
    await expect(wednesday.get_by_label("à")).to_have_attribute("aria-invalid", "true")
    await expect(wednesday.get_by_label("De")).not_to_have_attribute("aria-invalid", "true")
    await expect(form.locator("fieldset[name=opening_hours]")).not_to_have_attribute("aria-invalid", "true")
    assert _desk(server, admin)["opening_hours"]["1"] == [["08:30", "12:00"], ["14:00", "17:00"]]

    # The day's list marks the booking the new hours left out, to be moved.
    await page.get_by_role("button", name="Rendez-vous du jour").click()
    await page.get_by_role("button", name="Abandonner les saisies").click()  # the overlapping hours
    day_form = page.locator("#day-form")
    await day_form.get_by_label("Guichet").select_option("DKR-MOB")
    await day_form.get_by_label("Jour", exact=True).fill(friday.isoformat())
    await day_form.get_by_role("button", name="Afficher").click()
    await expect(page.locator("#day-list li").first).to_contain_text(
        "10:00–10:30 Awa Sarr · Réservé Hors des horaires d'ouverture : rendez-vous à déplacer"
    )


async def test_hours_changed_meanwhile_are_read_again_with_the_hours_typed_kept(page: Page, server: LiveServer) -> None:
    admin = server.make_agent("admin")
    await sign_in(page, server, admin)
    await _open_desk(page)
    monday = page.locator("#hours-form .hours-day[data-day='1']")
    await monday.get_by_label("à").fill("13:00")
    with server.api(admin) as http:  # another administrator renames the desk meanwhile
        where = f"/api/v1/desks/{desk_id(server, admin, 'DKR-MOB')}"
        renamed = http.patch(
            where, json={"city": "Dakar-Plateau"}, headers={"If-Match": http.get(where).headers["ETag"]}
        )
        assert renamed.status_code == 200, renamed.text
    await page.locator("#hours-form").get_by_role("button", name="Enregistrer les horaires").click()
    await expect(page.locator("#hours-msg")).to_contain_text("Ce guichet a été modifié entre-temps")
    assert _desk(server, admin)["opening_hours"]["1"] == [["09:00", "16:30"]]
    await expect(page.locator("#hours-form .hours-day[data-day='1']").get_by_label("à")).to_have_value("13:00")
    await page.locator("#hours-form").get_by_role("button", name="Enregistrer les horaires").click()
    await expect(page.locator("#hours-msg")).to_have_text("Horaires enregistrés.")
    stored = _desk(server, admin)
    assert (stored["opening_hours"]["1"], stored["city"]) == ([["09:00", "13:00"]], "Dakar-Plateau")


async def test_an_administrator_adds_and_removes_a_desks_holidays(page: Page, server: LiveServer) -> None:
    admin = server.make_agent("admin")
    year = dt.date.today().year + 1
    await sign_in(page, server, admin)
    await _open_desk(page)
    form = page.locator("#holiday-form")
    await form.get_by_label("Date").fill(f"{year}-04-03")
    await form.get_by_label("Nom du jour férié").fill("Fête de l'Indépendance")
    await form.get_by_role("button", name="Ajouter le jour férié").click()
    await expect(page.locator("#holidays-msg")).to_have_text("Jour férié ajouté.")
    await expect(page.locator("#holiday-year")).to_have_value(str(year))
    await expect(page.locator("#holiday-list li")).to_have_count(1)
    await expect(page.locator("#holiday-list li")).to_contain_text("Fête de l'Indépendance")
    assert _holidays(server, admin, year) == [(f"{year}-04-03", "Fête de l'Indépendance")]
    await assert_accessible(page)

    # The same day again: the API's 409 in a sentence at the form, nothing added.
    await form.get_by_label("Date").fill(f"{year}-04-03")
    await form.get_by_label("Nom du jour férié").fill("Doublon")
    await form.get_by_role("button", name="Ajouter le jour férié").click()
    await expect(form.locator(".msg")).to_have_text(
        f"Le 3 avril {year} est déjà un jour férié de ce guichet (Fête de l'Indépendance)."
    )
    assert _holidays(server, admin, year) == [(f"{year}-04-03", "Fête de l'Indépendance")]

    await page.locator("#holiday-list").get_by_role("button", name="Retirer : Fête de l'Indépendance").click()
    await expect(page.locator("#holidays-msg")).to_have_text(
        "Jour férié retiré : le guichet est de nouveau ouvert ce jour-là."
    )
    await expect(page.locator("#holiday-list li")).to_have_text("Aucun jour férié cette année.")
    assert _holidays(server, admin, year) == []


async def test_a_holiday_replaced_since_the_list_was_drawn_is_not_removed(page: Page, server: LiveServer) -> None:
    admin = server.make_agent("admin")
    year = dt.date.today().year + 1
    day = dt.date(year, 4, 7) + dt.timedelta(days=dt.date(year, 4, 7).weekday() == 6)  # a Sunday would move
    url = f"/api/v1/desks/{desk_id(server, admin, 'DKR-MOB')}/holidays"
    with server.api(admin) as http:
        assert http.post(url, json={"day": day.isoformat(), "name": "Tabaski"}).status_code == 201
    await sign_in(page, server, admin)
    await _open_desk(page)
    await page.locator("#holiday-year").fill(str(year))
    await page.get_by_role("button", name="Afficher l'année").click()
    await expect(page.locator("#holiday-list li")).to_contain_text("Tabaski")
    # another administrator replaces it meanwhile (another name, the same day)
    with server.api(admin) as http:
        assert http.delete(f"{url}/{day}").status_code == 204
        assert http.post(url, json={"day": day.isoformat(), "name": "Tabaski (Aïd el-Kébir)"}).status_code == 201

    await page.locator("#holiday-list").get_by_role("button", name="Retirer : Tabaski").click()
    await expect(page.locator("#holidays-msg")).to_have_text(
        "Ce jour férié a été modifié entre-temps : la liste vient d'être relue, rien n'a été retiré. "
        "Vérifiez-le et retirez-le à nouveau s'il le faut."
    )
    await expect(page.locator("#holiday-list li")).to_contain_text("Tabaski (Aïd el-Kébir)")
    assert _holidays(server, admin, year) == [(day.isoformat(), "Tabaski (Aïd el-Kébir)")]


async def test_a_year_asked_while_this_year_still_loads_is_the_year_listed(page: Page, server: LiveServer) -> None:
    """The holidays of this year, read when the desk opens, answer late: the year the
    administrator asked for meanwhile stays listed (an answer overtaken draws nothing)."""
    admin = server.make_agent("admin")
    year = dt.date.today().year + 1
    day = dt.date(year, 4, 7) + dt.timedelta(days=dt.date(year, 4, 7).weekday() == 6)
    url = f"/api/v1/desks/{desk_id(server, admin, 'DKR-MOB')}/holidays"
    with server.api(admin) as http:
        assert http.post(url, json={"day": day.isoformat(), "name": "Tabaski"}).status_code == 201
    this_year = asyncio.Event()

    async def late(route: Route) -> None:
        if f"year={dt.date.today().year}" in route.request.url:
            await this_year.wait()  # answered only once the other year is listed
        await route.continue_()

    await page.route("**/holidays?year=*", late)
    await sign_in(page, server, admin)
    await _open_desk(page)
    await page.locator("#holiday-year").fill(str(year))
    await page.get_by_role("button", name="Afficher l'année").click()
    await expect(page.locator("#holiday-list li")).to_contain_text("Tabaski")
    this_year.set()
    await page.wait_for_timeout(500)  # this year's late answer arrives, and must draw nothing
    await expect(page.locator("#holiday-list li")).to_contain_text("Tabaski")


async def test_an_agent_is_not_offered_the_desks_administration(page: Page, server: LiveServer) -> None:
    admin = server.make_agent("admin")
    agent = server.make_agent("agent", desks=["CASA-BASE", "DKR-MOB"])
    await sign_in(page, server, admin)
    await page.get_by_role("button", name="Administration").click()
    await expect(page.get_by_role("button", name="Guichets", exact=True)).to_be_visible()
    await page.get_by_role("button", name="Se déconnecter").click()
    await sign_in(page, server, agent)
    await expect(page.get_by_role("button", name="Rendez-vous du jour")).to_be_visible()
    await expect(page.get_by_role("button", name="Administration")).to_be_hidden()
    await expect(page.get_by_role("button", name="Guichets", exact=True)).to_have_count(0)
