"""The data-protection screen (`#/privacy`): supervisors see the people's requests awaiting an
answer (overdue said, each opening the person's file) and read the register of disclosures of
their desks (filtered by period and kind, page after page, a period in the wrong order said at its
fields) and export it as CSV; in English no French word is left there or in the rights of a file.

Before: no such screen; the register was read and exported through raw API calls."""

from __future__ import annotations

import asyncio
import datetime as dt
from typing import Any

import pytest
from playwright.async_api import Page, Request, Route, expect

from tests.web.conftest import Agent, LiveServer, assert_accessible
from tests.web.helpers import open_file, register_via_api, sign_in
from tests.web.test_language import no_french
from tests.web.test_rights import GIVEN, casablanca_today, days_overdue, person_sent_to_dakar, record

pytestmark = pytest.mark.asyncio(loop_scope="session")


def referred(server: LiveServer, agent: Agent, admin: Agent, **fields: Any) -> dict[str, Any]:
    """A person referred to Caritas Rabat with their consent: one entry of the register."""
    person = register_via_api(server, agent, **fields)
    with server.api(admin) as http:
        partner = http.post(
            "/api/v1/partners",
            json={"name": "Caritas Rabat", "kind": "ngo", "country": "MA", "city": "Rabat", "service_types": []},
        ).json()
    with server.api(agent) as http:
        given = {"purpose": "partner_referral", "partner_id": partner["id"], **GIVEN}
        assert http.post(f"/api/v1/registrants/{person['id']}/consents", json=given).status_code == 201
        case = http.post(
            "/api/v1/cases", json={"registrant_id": person["id"], "service_type": "SOCIAL", "channel": "walk_in"}
        ).json()
        assert http.post(f"/api/v1/cases/{case['id']}/referrals", json={"partner_id": partner["id"]}).status_code == 201
    return person


async def test_a_supervisor_reads_the_pending_requests_and_the_register(page: Page, server: LiveServer) -> None:
    agent, supervisor, admin = server.make_agent(), server.make_agent("supervisor"), server.make_agent("admin")
    awa = referred(server, agent, admin, given_names="Awa", family_name="Diop")
    person_sent_to_dakar(server, agent, given_names="Ousmane", family_name="Faye")
    late = record(
        server, supervisor, awa, "access", received_on=(casablanca_today() - dt.timedelta(days=33)).isoformat()
    )
    await sign_in(page, server, supervisor)
    await page.get_by_role("button", name="Protection des données").click()
    await expect(page.get_by_role("heading", name="Protection des données", level=1)).to_be_visible()
    pending = page.locator("#pending-list li")
    await expect(pending).to_have_count(1)
    await expect(pending).to_contain_text("Awa Diop — Demande d'accès · reçue le")
    await expect(pending.locator(".late")).to_have_text(f"en retard de {await days_overdue(page, late)} jours")

    # newest first: the transfer to Dakar, then the referral to Caritas Rabat
    entries = page.locator("#disc-register-list li")
    await expect(entries).to_have_count(2)
    await expect(entries.nth(0)).to_contain_text("DKR-MOB")
    await expect(entries.nth(0)).to_contain_text("(guichet) · transfert")
    await expect(entries.nth(1)).to_contain_text("— Caritas Rabat (partenaire) · orientation")
    await expect(entries.nth(1)).to_contain_text("données : prénom(s), nom, téléphones, type de service")
    await assert_accessible(page)

    form = page.locator("#disclosures-form")
    await form.get_by_label("Type de communication").select_option(label="transfert")
    await form.get_by_role("button", name="Afficher le registre").click()
    await expect(entries).to_have_count(1)
    await expect(entries).to_contain_text("transfert")
    async with page.expect_download() as info:
        await form.get_by_role("button", name="Exporter en CSV").click()
    download = await info.value
    assert download.suggested_filename == "diaspora-desk-disclosures.csv"
    rows = (await download.path()).read_text(encoding="utf-8-sig").splitlines()
    assert len(rows) == 2 and '"transfer"' in rows[1], rows  # the header and the transfer: the filter applied
    await expect(page.locator("#disc-register-msg")).to_have_text("Registre exporté : diaspora-desk-disclosures.csv")

    # a period ending before it starts: said at its two fields, the list left as it was
    await form.get_by_label("Du").fill("2026-03-10")
    await form.get_by_label("Au").fill("2026-03-01")
    await form.get_by_role("button", name="Afficher le registre").click()
    await expect(page.locator("#disc-register-msg")).to_contain_text("Vérifiez les champs signalés")
    await expect(form.get_by_label("Du")).to_have_attribute("aria-invalid", "true")
    await expect(form.get_by_label("Au")).to_have_attribute("aria-invalid", "true")
    await expect(entries).to_have_count(1)

    await entries.get_by_role("button", name="Ouvrir le dossier").click()
    await expect(page.get_by_role("heading", name="Ousmane Faye", level=1)).to_be_visible()
    await page.get_by_role("button", name="Protection des données").click()
    await pending.get_by_role("button").click()
    await expect(page.get_by_role("heading", name="Awa Diop", level=1)).to_be_visible()


async def test_the_register_is_read_page_after_page(page: Page, server: LiveServer) -> None:
    agent, supervisor, admin = server.make_agent(), server.make_agent("supervisor"), server.make_agent("admin")
    referred(server, agent, admin, given_names="Awa", family_name="Diop")
    person_sent_to_dakar(server, agent, given_names="Ousmane", family_name="Faye")

    cut: list[str] = []

    async def pages_of_one(route: Route, request: Request) -> None:  # the client asks for 50 a page
        if "cursor=" in request.url and not cut:
            cut.append(request.url)
            return await route.abort("connectionreset")  # the second page's first read: no answer
        await route.continue_(url=request.url.replace("limit=50", "limit=1"))

    await page.route("**/privacy/disclosures?*", pages_of_one)
    await sign_in(page, server, supervisor)
    await page.get_by_role("button", name="Protection des données").click()
    entries = page.locator("#disc-register-list li")
    await expect(entries).to_have_count(1)
    more = page.locator("#disclosures-register").get_by_role("button", name="Afficher la suite")
    await more.click()
    # said after the page shown, which stays; asked again, the next page comes in its place
    await expect(entries.nth(1)).to_have_text(
        "La suite de la liste n'a pas pu être chargée : demandez-la à nouveau pour réessayer."
    )
    await expect(page.locator("#disc-register-msg")).to_be_hidden()
    await more.click()
    await expect(entries).to_have_count(2)
    await expect(entries.nth(1)).to_contain_text("Caritas Rabat")
    await expect(page.locator("#disclosures-register").get_by_role("button", name="Afficher la suite")).to_be_hidden()


async def test_in_english_no_french_word_is_left_on_the_rights_screens(page: Page, server: LiveServer) -> None:
    agent, supervisor, admin = server.make_agent(), server.make_agent("supervisor"), server.make_agent("admin")
    awa = referred(server, agent, admin, given_names="Awa", family_name="Diop", phones=[{"number": "0612345678"}])
    late = record(
        server, supervisor, awa, "access", received_on=(casablanca_today() - dt.timedelta(days=40)).isoformat()
    )
    record(server, supervisor, awa, "erasure")
    with server.api(supervisor) as http:
        held = http.post("/api/v1/privacy/legal-holds", json={"registrant_id": awa["id"], "reason": "Court case"})
        assert held.status_code == 201, held.text
    await sign_in(page, server, supervisor)
    await open_file(page, "Awa Diop")
    await page.get_by_role("button", name="English").click()
    rights = page.locator("#rights")
    await expect(rights.get_by_role("heading", name="The person's data-protection rights")).to_be_visible()
    await rights.get_by_role("button", name="Show the person's disclosures").click()
    await expect(rights.locator("#disclosure-list li")).to_contain_text("(partner) · referral")
    await rights.get_by_role("button", name="Show the corrections").click()
    await expect(rights.locator("#correction-list li")).to_have_text("No correction.")
    erasure = rights.locator("#subject-request-list li").nth(1)
    await erasure.get_by_role("button", name="Carry out the erasure").click()
    await erasure.get_by_role("button", name="Yes, anonymise for good").click()
    await expect(erasure.locator(".msg")).to_contain_text(
        'Erasure refused: this file is under the legal hold "Court case"'
    )
    await no_french(page, "person's rights")
    await rights.get_by_role("button", name="Release the legal hold: Court case").click()
    await rights.get_by_role("button", name="Yes, release the hold").click()
    await expect(page.locator("#legal-holds-msg")).to_have_text("Legal hold released.")
    # the question closed on the refusal: it is asked again
    await erasure.get_by_role("button", name="Carry out the erasure").click()
    await erasure.get_by_role("button", name="Yes, anonymise for good").click()
    await expect(page.locator(".erasure-outcome")).to_contain_text("Files of the person reached: 1")
    await no_french(page, "erasure outcome")

    await page.get_by_role("button", name="Data protection").click()
    await expect(page.locator("#pending-list li")).to_contain_text(f"{await days_overdue(page, late)} days overdue")
    await expect(page.locator("#disc-register-list li")).to_have_count(1)
    await no_french(page, "data protection")


async def test_a_register_asked_while_the_opening_one_loads_is_the_one_listed(page: Page, server: LiveServer) -> None:
    """The register read on opening answers late: the transfers asked for meanwhile stay listed
    (an answer overtaken draws nothing). Before: the opening answer, arriving last, listed every
    entry under the filter « transfert »."""
    agent, supervisor, admin = server.make_agent(), server.make_agent("supervisor"), server.make_agent("admin")
    referred(server, agent, admin, given_names="Awa", family_name="Diop")
    person_sent_to_dakar(server, agent, given_names="Ousmane", family_name="Faye")
    opening = asyncio.Event()

    async def late(route: Route, request: Request) -> None:
        if "kind=" not in request.url:
            await opening.wait()  # answered only once the transfers are listed
        await route.continue_()

    await page.route("**/privacy/disclosures?*", late)
    await sign_in(page, server, supervisor)
    await page.get_by_role("button", name="Protection des données").click()
    form = page.locator("#disclosures-form")
    await form.get_by_label("Type de communication").select_option(label="transfert")
    await form.get_by_role("button", name="Afficher le registre").click()
    entries = page.locator("#disc-register-list li")
    await expect(entries).to_have_count(1)
    await expect(entries).to_contain_text("transfert")
    opening.set()
    await page.wait_for_timeout(500)  # the opening read's late answer arrives, and must draw nothing
    await expect(entries).to_have_count(1)
    await expect(entries).to_contain_text("transfert")
