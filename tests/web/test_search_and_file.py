"""Items 2, 3 and 6: narrow a search by city, sex and age and open a result by keyboard; the
person's file shows the Arabic name right to left, consents with purpose and date, and its history;
the case screen shows the outcome and transfer fields only for a move that needs them."""

from __future__ import annotations

import asyncio
import datetime as dt

import pytest
from playwright.async_api import Page, Route, expect

from tests.web.conftest import LiveServer, assert_accessible
from tests.web.helpers import open_file, register_via_api, sign_in

pytestmark = pytest.mark.asyncio(loop_scope="session")


async def test_filters_by_city_sex_and_age_and_a_result_opens_by_keyboard(page: Page, server: LiveServer) -> None:
    agent = server.make_agent()
    this_year = dt.date.today().year
    for given, sex, city, born in (
        ("Khady", "female", "Casablanca", "1995"),
        ("Moussa", "male", "Casablanca", "1950"),
        ("Fatou", "female", "Rabat", "1996"),
    ):
        register_via_api(server, agent, given_names=given, sex=sex, host_city=city, date_of_birth=born)
    await sign_in(page, server, agent)
    form = page.locator("#search-form")
    await form.get_by_label("Nom, téléphone").fill("Diop")
    await form.get_by_label("Ville de résidence").fill("casablanca")
    await form.get_by_label("Sexe").select_option("female")
    await form.get_by_role("button", name="Chercher").click()
    results = page.locator("#results li")
    await expect(results).to_have_count(1)
    await expect(results.first).to_contain_text("Khady Diop")

    await form.get_by_label("Sexe").select_option("")
    await form.get_by_label("Ville de résidence").fill("")
    await form.get_by_label("Âge minimum").fill(str(this_year - 1950))
    await form.get_by_role("button", name="Chercher").click()
    await expect(results).to_have_count(1)
    await expect(results.first).to_contain_text("Moussa Diop")
    await expect(results.first.get_by_role("button")).to_be_focused()  # focus on the first result
    await assert_accessible(page)
    await page.keyboard.press("Enter")
    await expect(page.get_by_role("heading", name="Moussa Diop", level=1)).to_be_focused()

    await page.get_by_role("button", name="Rechercher").click()
    await form.get_by_label("Âge minimum").fill("40")
    await form.get_by_label("Âge maximum").fill("30")
    await form.get_by_role("button", name="Chercher").click()
    await expect(page.locator("#search-msg")).to_contain_text("Âge minimum : l'âge minimum dépasse l'âge maximum")
    await expect(form.get_by_label("Âge minimum")).to_have_attribute("aria-invalid", "true")
    await expect(results).to_have_count(0)  # the earlier results are not left under the error as its answer
    assert "age_min" not in await page.locator("#search-msg").inner_text()


async def test_file_shows_arabic_name_consents_history_and_the_fields_a_move_needs(
    page: Page, server: LiveServer
) -> None:
    agent = server.make_agent()
    person = register_via_api(
        server, agent, given_names="Fatou", family_name="Ndiaye", name_arabic="فاطو انجاي", host_city="Casablanca"
    )
    with server.api(agent) as http:
        etag = http.get(f"/api/v1/registrants/{person['id']}").headers["etag"]
        moved = http.patch(
            f"/api/v1/registrants/{person['id']}",
            json={"host_city": "Rabat", "reason": "La personne a déménagé"},
            headers={"If-Match": etag},
        )
        assert moved.status_code == 200, moved.text
        consent = {"granted": True, "channel": "in_person", "notice_version": "2026-01", "language": "wo"}
        added = http.post(f"/api/v1/registrants/{person['id']}/consents", json={"purpose": "desk_transfer", **consent})
        assert added.status_code == 201, added.text
        opened = http.post(
            "/api/v1/cases", json={"registrant_id": person["id"], "service_type": "SOCIAL", "channel": "walk_in"}
        )
        assert opened.status_code == 201, opened.text
    await sign_in(page, server, agent)
    await open_file(page, "Fatou Ndiaye")
    arabic = page.locator("#person [lang=ar]")
    await expect(arabic).to_have_text("فاطو انجاي")
    await expect(arabic).to_have_attribute("dir", "rtl")
    today = dt.date.today()
    consents = page.locator("#person section", has=page.get_by_role("heading", name="Consentements"))
    await expect(consents).to_contain_text("être servi(e) au guichet : accordé · recueilli le")
    await expect(consents).to_contain_text("transfert vers un autre guichet : accordé · recueilli le")
    assert str(today.year) in await consents.inner_text()
    history = page.locator("#history")
    await expect(history.locator("> ol > li")).to_have_count(3)  # reads of the file are not listed
    await expect(history.locator("> ol > li").nth(1)).to_contain_text("a modifié la fiche")
    await expect(history.locator("> ol > li").nth(1)).to_contain_text("Ville de résidence : « Casablanca » → « Rabat »")
    await expect(history.locator("> ol > li").nth(1)).to_contain_text("Motif de la correction : La personne a déménagé")
    await expect(history.locator("> ol > li").first).to_contain_text(
        "a enregistré un consentement : transfert vers un autre guichet (accordé)"
    )
    await expect(history.locator("> ol > li").last).to_contain_text("a enregistré la personne")
    assert "host_city" not in await history.inner_text()
    await assert_accessible(page)

    await page.get_by_role("button", name=opened.json()["case_number"]).click()
    move = page.locator("#move-form")
    await expect(move.get_by_label("Passer au statut")).to_be_visible()
    await expect(page.locator("#due-form")).to_have_count(0)  # moving the due date is for supervisors
    await expect(page.locator("#assign-form")).to_have_count(0)  # assigning is for supervisors
    for status, shown in (
        ("qualified", []),
        ("resolved", ["Résultat"]),
        ("transferred", ["Guichet de destination", "Consentement au transfert"]),
        ("pending_closure", ["Résultat"]),
    ):
        await move.get_by_label("Passer au statut").select_option(status)
        for label in ("Motif", "Résultat", "Guichet de destination", "Consentement au transfert"):
            field = move.get_by_label(label)
            if label in shown:
                await expect(field).to_be_visible()
            else:
                await expect(field).to_be_hidden()
    await assert_accessible(page)


async def test_a_search_refused_leaves_no_earlier_results_and_the_phone_rule_is_said(
    page: Page, server: LiveServer
) -> None:
    agent = server.make_agent()
    register_via_api(server, agent, given_names="Cheikh", family_name="Fall", phones=[{"number": "771234567"}])
    await sign_in(page, server, agent)
    query = page.locator("#search-form").get_by_label("Nom, téléphone")
    await expect(page.locator("#search-q-hint")).to_have_text("Un téléphone par ses 6 derniers chiffres au moins")
    await query.fill("1234567")
    await page.get_by_role("button", name="Chercher", exact=True).click()
    await expect(page.locator("#results li")).to_have_count(1)

    await query.fill("\u200b")  # nothing searchable: refused
    await page.get_by_role("button", name="Chercher", exact=True).click()
    await expect(page.locator("#search-msg")).to_be_visible()
    await expect(page.locator("#results li")).to_have_count(0)  # Cheikh Fall was left under the error
    await expect(page.locator("#results-title")).to_be_hidden()


async def test_a_search_typed_while_the_one_before_loads_is_the_one_listed(page: Page, server: LiveServer) -> None:
    """The first search answers late: the search typed meanwhile is sent and stays listed, the older
    answer arriving last draws nothing. Before: the first search kept the form busy, the second
    was not sent, and the first one's results were listed as if they answered it."""
    agent = server.make_agent()
    for given, family in (("Aminata", "Kane"), ("Ibrahima", "Seck")):
        register_via_api(server, agent, given_names=given, family_name=family)
    first = asyncio.Event()

    async def late(route: Route) -> None:
        if "q=Kane" in route.request.url:
            await first.wait()  # answered only once the second search is listed
        await route.continue_()

    await sign_in(page, server, agent)
    await page.route("**/api/v1/registrants?*", late)
    query = page.locator("#search-form").get_by_label("Nom, téléphone")
    await query.fill("Kane")
    await query.press("Enter")
    await query.fill("Seck")
    await query.press("Enter")
    results = page.locator("#results li")
    await expect(results).to_have_count(1)
    await expect(results).to_contain_text("Ibrahima Seck")
    first.set()
    await page.wait_for_timeout(500)  # the first search's late answer arrives, and must draw nothing
    await expect(results).to_have_count(1)
    await expect(results).to_contain_text("Ibrahima Seck")


async def test_a_page_more_that_could_not_be_loaded_is_said_after_the_results_shown(
    page: Page, server: LiveServer
) -> None:
    """Before: said in the message box, as if the search had failed, the results left without a word."""
    agent = server.make_agent()
    for given in ("Aminata", "Binta"):
        register_via_api(server, agent, given_names=given, family_name="Kane")
    cut: list[str] = []

    async def pages_of_one(route: Route) -> None:  # the client asks for 25 a page
        if "cursor=" in route.request.url and not cut:
            cut.append(route.request.url)
            return await route.abort("connectionreset")  # the second page's first read: no answer
        await route.continue_(url=route.request.url.replace("limit=25", "limit=1"))

    await sign_in(page, server, agent)
    await page.route("**/api/v1/registrants?*", pages_of_one)
    await page.locator("#search-form").get_by_label("Nom, téléphone").fill("Kane")
    await page.get_by_role("button", name="Chercher", exact=True).click()
    results = page.locator("#results li")
    await expect(results).to_have_count(1)
    await page.get_by_role("button", name="Afficher la suite").click()
    await expect(results.nth(1)).to_have_text(
        "La suite de la liste n'a pas pu être chargée : demandez-la à nouveau pour réessayer."
    )
    await expect(page.locator("#search-msg")).to_be_hidden()
    await page.get_by_role("button", name="Afficher la suite").click()
    await expect(results).to_have_count(2)
    await expect(results.locator(".unread")).to_have_count(0)
