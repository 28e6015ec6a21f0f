"""Moving around the client and its words in French: Back/Forward and reload stay in the app,
registration numbers by their serial, services, regions and reasons in words (never ``SN-DK`` or
``SOCIAL``), a result line with the person's city, a failed search said as such, phone tables.
"""

from __future__ import annotations

import datetime as dt
import re

import pytest
from playwright.async_api import Page, expect

from tests.imports.conftest import csv_file
from tests.web.conftest import LiveServer, assert_accessible
from tests.web.helpers import fill_registration, register_via_api, sign_in, sign_in_with_form

pytestmark = pytest.mark.asyncio(loop_scope="session")


async def test_back_and_forward_move_between_screens_and_reload_reopens_one(page: Page, server: LiveServer) -> None:
    agent = server.make_agent()
    person = register_via_api(
        server, agent, given_names="Aminata", family_name="Diop", host_city="Rabat", origin_region="SN-DK"
    )
    await sign_in(page, server, agent)
    await expect(page.locator("#search-q")).to_be_focused()  # where the agent types next
    await page.locator("#search-q").fill("diop")
    await page.get_by_role("button", name="Chercher", exact=True).click()
    line = page.locator("#results li").first
    await expect(line).to_contain_text(re.compile(r"· Rabat$"))  # the person's city, not the desk's
    await line.locator("button").click()
    await expect(page.get_by_role("heading", name="Aminata Diop", level=1)).to_be_visible()
    assert page.url.endswith(f"#/person/{person['id']}")  # an id, never a name
    region = page.locator("#person dt", has_text="Région d'origine").locator("xpath=following-sibling::dd[1]")
    await expect(region).to_have_text("Dakar")
    await page.get_by_role("button", name="Files de dossiers").click()
    await expect(page.get_by_role("heading", name="Files de dossiers", level=1)).to_be_visible()

    await page.go_back()
    await expect(page.get_by_role("heading", name="Aminata Diop", level=1)).to_be_visible()
    await page.go_back()
    await expect(page.get_by_role("heading", name="Rechercher", level=1)).to_be_visible()
    assert page.url.startswith(server.url)
    await page.go_forward()
    await expect(page.get_by_role("heading", name="Aminata Diop", level=1)).to_be_visible()
    await page.reload()
    await expect(page.get_by_role("heading", name="Aminata Diop", level=1)).to_be_visible()
    await assert_accessible(page)

    # Signed out: the entries of the history need a sign-in and show nothing of the former screens.
    await page.get_by_role("button", name="Se déconnecter").click()
    await expect(page.get_by_role("heading", name="Connexion")).to_be_visible()
    assert "person" not in page.url
    for move in (page.go_back, page.go_forward, page.go_forward):
        await move()
        await expect(page.get_by_role("heading", name="Connexion")).to_be_visible()
        await expect(page.locator("#desk-view")).to_be_hidden()
        assert await page.locator("#person").inner_text() == ""
        assert "Aminata" not in await page.locator("body").inner_text()
    assert page.url.endswith("#/cases")


async def test_registration_number_by_serial_and_lower_case(page: Page, server: LiveServer) -> None:
    agent = server.make_agent()
    person = register_via_api(server, agent, given_names="Khady", family_name="Sarr")
    number = person["registration_number"]  # CASA-2026-000001
    serial = number.rsplit("-", 1)[1]
    await sign_in(page, server, agent)
    for typed in (serial, str(int(serial)), f"{number.rsplit('-', 1)[0].lower()}-{int(serial)}"):
        await page.locator("#search-q").fill(typed)
        await page.get_by_role("button", name="Chercher", exact=True).click()
        await expect(page.locator("#results li").first).to_contain_text("Khady Sarr")


async def test_queue_and_reports_name_services_and_charts_in_french(page: Page, server: LiveServer) -> None:
    supervisor = server.make_agent("supervisor")
    person = register_via_api(server, supervisor, given_names="Ousmane", family_name="Ba")
    with server.api(supervisor) as http:
        response = http.post(
            "/api/v1/cases", json={"registrant_id": person["id"], "service_type": "SOCIAL", "channel": "walk_in"}
        )
        assert response.status_code == 201, response.text
    await sign_in(page, server, supervisor)
    await page.get_by_role("button", name="Files de dossiers").click()
    await page.get_by_label("File", exact=True).select_option("unassigned")
    await page.locator("#queue-form").get_by_role("button", name="Afficher").click()
    await expect(page.locator("#cases li").first).to_contain_text("Accompagnement social")
    assert "SOCIAL" not in await page.locator("#cases").inner_text()

    await page.get_by_role("button", name="Rapports").click()
    await page.locator("#reports-form").get_by_role("button", name="Afficher").click()
    cases = page.locator("#reports table").nth(1)
    await expect(cases.locator("th[scope=row]").first).to_have_text("Accompagnement social")
    text = await page.locator("#reports").inner_text()
    assert "count" not in text and "SOCIAL" not in text, text
    # named exports are for administrators: a supervisor is told so rather than refused afterwards
    form = page.locator("#export-form")
    await expect(form.get_by_label("Avec noms et contacts")).to_be_hidden()
    await expect(form).to_contain_text("réservés aux administrateurs")
    await assert_accessible(page)


async def test_duplicate_reasons_and_field_reasons_are_french_words(page: Page, server: LiveServer) -> None:
    agent = server.make_agent()
    register_via_api(
        server, agent, given_names="Fatou", family_name="Ndiaye Sow", date_of_birth="1990-01-01",
        origin_region="SN-TH", host_city="Casablanca",
    )  # fmt: skip
    await sign_in(page, server, agent)
    form = await fill_registration(page, given_names="Fatou", family_name="Ndiaye", date_of_birth="2999-01-01")
    await expect(page.locator("#register-msg")).to_contain_text("date dans le futur")

    await form.get_by_label("Date de naissance").fill("1990-01-01")
    await form.get_by_label("Région d'origine").select_option("SN-TH")
    await form.get_by_label("Ville de résidence").fill("Casablanca")
    await form.get_by_role("button", name="Enregistrer", exact=True).click()
    candidates = page.locator("#candidates")
    await expect(candidates).to_contain_text("même région d'origine")
    words = await candidates.inner_text()
    for english in ("same", "overlap", "family name", "host city"):
        assert english not in words, words
    await page.locator("#candidates button").first.click()
    await expect(page.locator("#compare th[scope=row]", has_text="Région d'origine")).to_be_visible()
    region = page.locator("#compare tr", has=page.locator("th", has_text="Région d'origine"))
    await expect(region.locator("td").last).to_have_text("Thiès")


async def test_failed_search_and_days_without_slots_say_why(page: Page, server: LiveServer) -> None:
    agent = server.make_agent()
    register_via_api(server, agent, given_names="Mariama", family_name="Faye")
    await sign_in(page, server, agent)
    await page.route("**/api/v1/registrants?*", lambda route: route.abort())
    await page.locator("#search-q").fill("faye")
    await page.get_by_role("button", name="Chercher", exact=True).click()
    # said in the results' place (no earlier results, never « Aucun résultat »), not as a form kept
    await expect(page.locator("#results .msg.warning")).to_have_text(
        "Les résultats n'ont pas pu être chargés : relancez la recherche pour réessayer."
    )
    await expect(page.locator("#search-msg")).to_be_hidden()
    await page.unroute("**/api/v1/registrants?*")
    await page.get_by_role("button", name="Chercher", exact=True).click()
    await page.locator("#results li button").first.click()
    book = page.locator("#book")
    yesterday = (dt.date.today() - dt.timedelta(days=2)).isoformat()
    await book.get_by_label("Jour").fill(yesterday)
    await book.get_by_role("button", name="Voir les créneaux libres").click()
    await expect(book.locator("fieldset.slots")).to_contain_text("Aucun créneau libre : ce jour est déjà passé.")
    sunday = dt.date.today() + dt.timedelta(days=7 + (6 - dt.date.today().weekday()))
    await book.get_by_label("Jour").fill(sunday.isoformat())
    await book.get_by_role("button", name="Voir les créneaux libres").click()
    await expect(book.locator("fieldset.slots")).to_contain_text("Le guichet est fermé ce jour-là")


async def test_expired_session_names_no_one_on_the_sign_in_screen(page: Page, server: LiveServer) -> None:
    agent = server.make_agent()
    await sign_in_with_form(page, server, agent)
    await expect(page.locator("#who")).to_have_text(agent.email)
    await page.evaluate("sessionStorage.setItem('access', 'expired'); sessionStorage.setItem('refresh', 'revoked')")
    # The next request meets the expired session: a search (of a name: a search of nothing is not
    # sent), or a request of the screen still loading (then the sign-in screen is there before the
    # search could be clicked, and it is not).
    await page.evaluate(
        "() => { const b = document.querySelector('#search-form button[type=submit]');"
        " if (b && b.offsetParent) { document.querySelector('#search-q').value = 'Diop'; b.click(); } }"
    )
    await expect(page.locator("#login-msg")).to_contain_text("Votre session a expiré")
    await expect(page.locator("#who")).to_have_text("")


@pytest.mark.parametrize("viewport", [(390, 844)], ids=["phone"], indirect=True)
async def test_import_tables_keep_whole_words_on_a_phone(
    page: Page, server: LiveServer, viewport: tuple[int, int]
) -> None:
    admin = server.make_agent("admin", [])
    register = csv_file(
        "1;12/03/2020;Saliou;Ka;M;14/05/1990;Dakar;Dakar;;;;;Casablanca;Etudiant;;;;",
        "2;15/03/2020;Saliou;Ka;M;14/05/1990;Dakar;Dakar;;;;;Casablanca;Etudiant;;;;",
    )
    with server.api(admin) as http:
        response = http.post(
            "/api/v1/imports/registers",
            files={"file": ("registre.csv", register, "text/csv")},
            data={"desk_code": "CASA-BASE"},
        )
        assert response.status_code == 201, response.text
    await sign_in(page, server, admin)
    await page.get_by_role("button", name="Registres importés").click()
    await expect(page.locator("#batch-table")).to_be_visible()
    # A cell spans no more lines than it has words (parts between spaces or hyphens): none is cut.
    broken = await page.evaluate(
        """() => [...document.querySelectorAll('#batch-table th, #batch-table td')].filter((cell) => {
            const text = cell.textContent.trim();
            if (!text) return false;
            const range = document.createRange();
            range.selectNodeContents(cell);
            const lines = new Set([...range.getClientRects()].map((r) => Math.round(r.top)));
            return lines.size > text.split(/[\\s-]+/).length; // a line may end at a space or a hyphen
        }).map((cell) => cell.textContent)"""
    )
    assert broken == [], broken
    overflow = await page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
    assert overflow <= 0
    await assert_accessible(page)
