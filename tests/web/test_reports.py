"""Item 11: reports on one page with their charts, and exports (pseudonymised unless named)."""

from __future__ import annotations

import asyncio
from types import SimpleNamespace
from typing import cast

import pytest
from playwright.async_api import Page, Route, expect
from sqlalchemy import event

from tests.reports.xlsx_values import writers_killed
from tests.web.conftest import WAIT_MS, LiveServer, assert_accessible
from tests.web.cut_proxy import cutting_proxy
from tests.web.helpers import register_via_api, sign_in, sign_in_with_form

pytestmark = pytest.mark.asyncio(loop_scope="session")


async def test_supervisor_reads_reports_and_exports(page: Page, server: LiveServer) -> None:
    supervisor = server.make_agent("supervisor")
    for name in ("Aïda", "Coumba", "Rokhaya"):
        register_via_api(server, supervisor, given_names=name, family_name="Diagne")
    await sign_in(page, server, supervisor)
    await page.get_by_role("button", name="Rapports").click()
    await page.locator("#reports-form").get_by_role("button", name="Afficher").click()
    table = page.locator("#reports table").first
    await expect(table.locator("caption")).to_have_text("Inscriptions par sexe")
    await expect(table.locator("th[scope=row]").first).to_have_text("Femme")
    # 3 women, under the threshold of 5: hidden, without claiming what the figure is
    await expect(table.locator("td").first).to_have_text("masqué (petits effectifs)")
    # each report once: its table, the server's chart when it arrives (no second drawing of it), and
    # its file to download
    sections = page.locator("#reports section.report")
    await expect(sections).to_have_count(4)  # and the funders' indicators, without a chart
    await expect(page.locator("#reports img.chart")).to_have_count(3)
    for i in range(3):
        assert await sections.nth(i).evaluate("(s) => [s.querySelectorAll('table').length, s.children.length]") == [
            1,
            4,
        ]
    await expect(page.locator("#reports .bars, #reports .bar")).to_have_count(0)
    # cases open at the period's end are in an open status: no line of closed ones
    status = page.locator(
        "#reports section.report", has=page.get_by_role("heading", name="Dossiers en cours par statut")
    )
    await expect(status.locator("th[scope=row]")).not_to_contain_text(["Résolu"])
    assert "Résolu" not in await status.locator("table").inner_text()
    await assert_accessible(page)

    form = page.locator("#export-form")
    period = page.locator("#reports-form")
    await period.get_by_label("Du").fill("2026-01-01")
    await period.get_by_label("Au").fill("2026-06-30")
    await expect(page.locator("#export-period")).to_have_text("L'export couvre la période choisie ci-dessus (Du, Au).")
    async with page.expect_download() as info:
        await form.get_by_role("button", name="Exporter").click()
    download = await info.value
    # the period chosen for the reports, not everything until today
    assert download.suggested_filename.endswith("_2026-01-01_2026-06-30.csv"), download.suggested_filename
    await expect(page.locator("#export-msg")).to_contain_text("Fichier exporté")

    # named exports are for administrators: a supervisor is told so, not offered it and then refused
    await expect(form.get_by_label("Avec noms et contacts")).to_be_hidden()
    await expect(form).to_contain_text("Les exports avec noms et contacts sont réservés aux administrateurs")
    await assert_accessible(page)


async def test_agents_do_not_see_the_reports(page: Page, server: LiveServer) -> None:
    agent = server.make_agent()
    await sign_in(page, server, agent)
    await expect(page.get_by_role("button", name="Rapports")).to_be_hidden()


async def test_the_period_and_the_days_are_filled_again_after_a_sign_out(page: Page, server: LiveServer) -> None:
    """Signing out resets every form; the report period and the calendar's days come back to their
    defaults (this month so far, today), not to empty required fields."""
    first = server.make_agent("supervisor")
    second = server.make_agent("supervisor")
    await sign_in_with_form(page, server, first)
    await page.get_by_role("button", name="Rapports").click()
    start = page.locator("#reports-start")
    await expect(start).not_to_have_value("")
    filled = await start.input_value()
    await page.get_by_role("button", name="Se déconnecter").click()
    await sign_in_with_form(page, server, second)
    await page.get_by_role("button", name="Rapports").click()
    await expect(start).to_have_value(filled)
    await expect(page.locator("#reports-end")).not_to_have_value("")
    await page.locator("#reports-form").get_by_role("button", name="Afficher").click()
    await expect(page.locator("#reports table").first.locator("caption")).to_have_text("Inscriptions par sexe")
    await page.get_by_role("button", name="Rendez-vous du jour").click()
    await expect(page.locator("#day-date")).not_to_have_value("")
    await expect(page.locator("#week-start")).not_to_have_value("")


async def test_screens_sending_requests_together_renew_an_expired_token_once(page: Page, server: LiveServer) -> None:
    supervisor = server.make_agent("supervisor")
    register_via_api(server, supervisor, given_names="Awa", family_name="Diagne")
    await sign_in(page, server, supervisor)
    await page.get_by_role("button", name="Rapports").click()
    # the access token has expired: the reports' requests are refused together, and renew it once
    # (the refresh token is rotated on use: a second renewal with it was refused and signed out)
    await page.evaluate("sessionStorage.setItem('access', 'expired')")
    await page.locator("#reports-form").get_by_role("button", name="Afficher").click()
    # Four requests refused, one renewal, four sent again: under CI's load (both databases' runs
    # at once on two cores) this has taken longer than the usual wait, with nothing wrong.
    await expect(page.locator("#reports table").first.locator("caption")).to_have_text(
        "Inscriptions par sexe", timeout=3 * WAIT_MS
    )
    await expect(page.get_by_role("heading", name="Connexion")).to_be_hidden()

    # an export renews it too (it was sent with the stale token and failed)
    await page.evaluate("sessionStorage.setItem('access', 'expired')")
    async with page.expect_download() as info:
        await page.locator("#export-form").get_by_role("button", name="Exporter").click()
    assert (await info.value).suggested_filename.endswith(".csv")


async def test_a_token_renewed_while_the_account_is_fetched_still_loads_the_later_screens(
    page: Page, server: LiveServer
) -> None:
    # After sign-in the search shows at once; the account (/me) follows. If a request renews the
    # token before that answer arrives, the session is the same one: the later screens must load.
    supervisor = server.make_agent("supervisor")
    register_via_api(server, supervisor, given_names="Awa", family_name="Diagne")
    held = asyncio.Event()
    go_on = asyncio.Event()

    async def hold(route: Route) -> None:
        held.set()
        await go_on.wait()
        await route.continue_()

    await page.route("**/api/v1/auth/me", hold)
    await sign_in_with_form(page, server, supervisor)
    await asyncio.wait_for(held.wait(), WAIT_MS / 1000)
    await page.evaluate("sessionStorage.setItem('access', 'expired')")  # as a renewal would change it
    go_on.set()
    await page.get_by_role("button", name="Rapports").click()
    await page.locator("#reports-form").get_by_role("button", name="Afficher").click()
    await expect(page.locator("#reports table").first.locator("caption")).to_have_text("Inscriptions par sexe")
    await expect(page.get_by_role("heading", name="Connexion")).to_be_hidden()
    await page.unroute("**/api/v1/auth/me")


async def test_an_export_without_its_period_is_not_sent(page: Page, server: LiveServer) -> None:
    supervisor = server.make_agent("supervisor")
    await sign_in(page, server, supervisor)
    await page.get_by_role("button", name="Rapports").click()
    await page.locator("#reports-form").get_by_label("Du").fill("")
    await page.locator("#export-form").get_by_role("button", name="Exporter").click()
    await expect(page.locator("#export-msg")).to_have_text("Choisissez la période de l'export ci-dessus : Du et Au.")


async def test_a_named_export_asks_for_its_purpose_in_words(page: Page, server: LiveServer) -> None:
    admin = server.make_agent("admin", desks=[])
    await sign_in(page, server, admin)
    await page.get_by_role("button", name="Rapports").click()
    form = page.locator("#export-form")
    await form.get_by_label("Avec noms et contacts").check()
    purpose = form.get_by_label("Finalité de l'export nominatif")
    await purpose.fill("pour voir")  # under the 10 characters the API asks for: the page says so, nothing sent
    await form.get_by_role("button", name="Exporter").click()
    assert await purpose.evaluate("input => input.validity.tooShort")
    await expect(page.locator("#export-msg")).to_contain_text("Finalité de l'export nominatif")
    await expect(page.locator("#export-msg")).to_contain_text(" : trop court")
    await expect(purpose).to_have_attribute("aria-invalid", "true")
    await purpose.fill("Renouvellement des passeports au consulat")
    async with page.expect_download() as info:
        await form.get_by_role("button", name="Exporter").click()
    assert "_named_" in (await info.value).suggested_filename


async def test_every_export_kind_is_offered_to_whom_may_export_it(page: Page, server: LiveServer) -> None:
    supervisor, admin = server.make_agent("supervisor"), server.make_agent("admin", desks=[])
    kinds = page.locator("#export-kind option:not([hidden])")
    await sign_in(page, server, supervisor)
    await page.get_by_role("button", name="Rapports").click()
    await expect(kinds).to_have_text(["Personnes", "Dossiers", "Orientations", "Rendez-vous"])
    await page.get_by_role("button", name="Se déconnecter").click()
    await sign_in(page, server, admin)
    await page.get_by_role("button", name="Rapports").click()
    await expect(kinds).to_have_text(["Personnes", "Dossiers", "Orientations", "Rendez-vous", "Journal d'audit"])
    form = page.locator("#export-form")
    for kind in ("appointments", "audit"):
        await form.get_by_label("Données").select_option(kind)
        async with page.expect_download() as info:
            await form.get_by_role("button", name="Exporter").click()
        assert (await info.value).suggested_filename.startswith(f"diaspora-desk_{kind}_pseudonymised_")


async def test_a_refused_period_leaves_no_tables_of_another(page: Page, server: LiveServer) -> None:
    supervisor = server.make_agent("supervisor")
    await sign_in(page, server, supervisor)
    await page.get_by_role("button", name="Rapports").click()
    period = page.locator("#reports-form")
    await period.get_by_role("button", name="Afficher").click()
    await expect(page.locator("#reports table")).to_have_count(3 + 8)  # the funders' indicators: 8 tables
    await period.get_by_label("Du").fill("2026-02-01")
    await period.get_by_label("Au").fill("2026-01-01")  # before it starts: refused by the API
    await period.get_by_role("button", name="Afficher").click()
    await expect(page.locator("#reports-msg")).not_to_have_text("")
    await expect(page.locator("#reports table")).to_have_count(0)


async def test_reports_asked_again_before_they_arrive_are_the_ones_shown(page: Page, server: LiveServer) -> None:
    """A period shown, then another asked before its reports arrived: the reports of the one asked
    last stay, the earlier ones arriving after them draw nothing (before, « Afficher » could not be
    pressed again until the first period's reports had come)."""
    supervisor = server.make_agent("supervisor")
    register_via_api(server, supervisor, given_names="Aïda", family_name="Diagne")  # this month
    first_period = asyncio.Event()

    async def late(route: Route) -> None:
        if "start=2020-01-01" in route.request.url:
            await first_period.wait()  # answered only once the later period is shown
        await route.continue_()

    await page.route("**/api/v1/reports/**", late)
    await sign_in(page, server, supervisor)
    await page.get_by_role("button", name="Rapports").click()
    period = page.locator("#reports-form")
    await expect(period.get_by_label("Au")).not_to_have_value("")  # the screen's module is there
    this_month = [await period.get_by_label(bound).input_value() for bound in ("Du", "Au")]
    try:
        await period.get_by_label("Du").fill("2020-01-01")
        await period.get_by_label("Au").fill("2020-12-31")
        await period.get_by_role("button", name="Afficher").click()
        await period.get_by_label("Du").fill(this_month[0])
        await period.get_by_label("Au").fill(this_month[1])
        await period.get_by_role("button", name="Afficher").click(timeout=3000)
        women = page.locator("#reports table").first.locator("td").first
        await expect(women).to_have_text("masqué (petits effectifs)")  # Aïda, this month (2020: 0)
        await expect(period.get_by_role("button", name="Afficher")).not_to_have_attribute("aria-busy", "true")
    finally:
        first_period.set()
    await page.wait_for_timeout(500)  # 2020's late answers arrive, and must draw nothing
    await expect(women).to_have_text("masqué (petits effectifs)")
    await expect(page.locator("#reports section.report")).to_have_count(4)
    await expect(page.locator("#reports-form button[type=submit]")).not_to_have_attribute("aria-busy", "true")


async def test_an_export_whose_file_cannot_be_written_says_so_and_saves_nothing(page: Page, server: LiveServer) -> None:
    """The server's XLSX writer dies (``kill -9``, as the out-of-memory killer would): the page
    says, in its language, that nothing was sent; no file is downloaded."""
    supervisor = server.make_agent("supervisor")
    register_via_api(server, supervisor, given_names="Aïda", family_name="Diagne")
    await sign_in(page, server, supervisor)
    await page.get_by_role("button", name="Rapports").click()
    form = page.locator("#export-form")
    await form.get_by_label("Format").select_option("xlsx")
    downloads: list[object] = []
    page.on("download", lambda download: downloads.append(download))
    with writers_killed() as killed:
        await form.get_by_role("button", name="Exporter").click()
        await expect(page.locator("#export-msg")).to_contain_text(
            "Le fichier de l'export n'a pas pu être écrit ; rien n'a été envoyé."
        )
    assert killed and downloads == []


async def test_an_export_whose_connection_drops_midway_says_so_and_saves_nothing(
    page: Page, server: LiveServer
) -> None:
    """The network drops the download after its first bytes: the page says, in its language, that
    the export stopped before its end and that no file was saved; nothing is downloaded."""
    supervisor = server.make_agent("supervisor")
    register_via_api(server, supervisor, given_names="Aïda", family_name="Diagne")
    thrown_away: list[object] = []  # connections the pool could not take back (cut mid-statement)
    listen = (server.app.state.engine.sync_engine.pool, "invalidate", lambda *args: thrown_away.append(args))
    event.listen(*listen)
    async with cutting_proxy(server.url, b"/api/v1/exports/") as url:
        await page.goto(f"{url}/app/")
        await sign_in(page, cast(LiveServer, SimpleNamespace(url=url)), supervisor)
        await page.get_by_role("button", name="Rapports").click()
        downloads: list[object] = []
        page.on("download", lambda download: downloads.append(download))
        await page.locator("#export-form").get_by_role("button", name="Exporter").click()
        await expect(page.locator("#export-msg")).to_have_text(
            "L'export s'est interrompu avant la fin : aucun fichier n'a été enregistré. "
            "Réessayez ; si cela se répète, choisissez une période plus courte."
        )
        await page.wait_for_load_state("networkidle")  # the screen's other requests answered
    event.remove(*listen)
    assert downloads == []
    assert thrown_away == [], "the export stopped between two statements: its connection went back"


async def test_a_refusal_that_is_not_json_is_said_in_the_pages_language(page: Page, server: LiveServer) -> None:
    """A proxy in front of the server answers with its own HTML page (502): the page says that an
    error occurred, in French, never the JSON parser's English."""
    supervisor = server.make_agent("supervisor")
    await sign_in(page, server, supervisor)

    async def bad_gateway(route: Route) -> None:
        await route.fulfill(status=502, content_type="text/html", body="<html><body>Bad Gateway</body></html>")

    await page.route("**/api/v1/exports/**", bad_gateway)
    await page.route("**/api/v1/reports/**", bad_gateway)
    await page.get_by_role("button", name="Rapports").click()
    await page.locator("#export-form").get_by_role("button", name="Exporter").click()
    await expect(page.locator("#export-msg")).to_have_text("Une erreur s'est produite. Réessayez.")
    await page.locator("#reports-form").get_by_role("button", name="Afficher").click()
    await expect(page.locator("#reports-msg")).to_have_text("Une erreur s'est produite. Réessayez.")
