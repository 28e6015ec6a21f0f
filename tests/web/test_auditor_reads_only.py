"""An auditor only reads: the API refuses registering, the case queues, the day's appointments,
booking, opening a case, uploading, editing and recording consents to that role (app/auth/deps.py,
each router's roles), so the client offers none of it — no tab, no form, no button — and a list
the API refuses for the account's role (403) says so, never « rechargez la page »."""

from __future__ import annotations

import json

import pytest
from playwright.async_api import Page, Route, expect

from tests.web.conftest import LiveServer
from tests.web.helpers import open_file, register_via_api, sign_in

pytestmark = pytest.mark.asyncio(loop_scope="session")


async def test_an_auditor_is_offered_no_screen_nor_action_the_api_refuses(page: Page, server: LiveServer) -> None:
    agent = server.make_agent()
    register_via_api(server, agent, given_names="Awa", family_name="Lue")
    await sign_in(page, server, server.make_agent("auditor", []))
    for tab in ("Nouvelle personne", "Files de dossiers", "Rendez-vous du jour"):
        await expect(page.get_by_role("button", name=tab, exact=True)).to_be_hidden()
    await page.goto(f"{server.url}/app/#/cases")  # a link to a refused screen opens the search
    await expect(page.get_by_role("heading", name="Rechercher", level=1)).to_be_visible()
    await expect(page.locator("#tab-cases")).to_be_hidden()
    await open_file(page, "Awa Lue")
    person = page.locator("#person")
    await expect(person.get_by_role("heading", name="Consentements")).to_be_visible()
    for refused in ("#book", "#open-case-form", "#upload-form", "#edit-person", "#consent-purpose"):
        await expect(person.locator(refused)).to_have_count(0)
    await expect(person.locator("#person-cases")).to_contain_text("Votre rôle ne permet pas de voir ceci")
    await expect(person).not_to_contain_text("rechargez la page")


async def test_a_list_refused_for_the_role_says_so_not_reload(page: Page, server: LiveServer) -> None:
    async def refused(route: Route) -> None:
        body = {"type": "/problems/forbidden", "title": "Accès refusé", "status": 403, "detail": "Réservé."}
        await route.fulfill(status=403, content_type="application/problem+json", body=json.dumps(body))

    await page.route("**/api/v1/cases?*", refused)
    await sign_in(page, server, server.make_agent())
    await page.get_by_role("button", name="Files de dossiers").click()
    await expect(page.locator("#cases")).to_contain_text("Votre rôle ne permet pas de voir ceci")
    await expect(page.locator("#cases")).not_to_contain_text("rechargez la page")


async def test_an_auditor_reaches_the_audit_log_export_and_its_checkpoint(page: Page, server: LiveServer) -> None:
    register_via_api(server, server.make_agent(), given_names="Awa", family_name="Journal")
    await sign_in(page, server, server.make_agent("auditor", []))
    await page.get_by_role("button", name="Protection des données").click()
    audit = page.locator("#audit-log")
    await expect(audit.get_by_role("heading", name="Journal d'audit")).to_be_visible()
    async with page.expect_download() as info:
        await audit.get_by_role("button", name="Exporter le journal d'audit (CSV)").click()
    download = await info.value
    rows = (await download.path()).read_text(encoding="utf-8-sig").splitlines()
    assert rows[0].startswith('"seq","occurred_at"') and any("registrant.create" in row for row in rows), rows[:3]
    await expect(page.locator("#audit-msg")).to_contain_text("Fichier enregistré : ")
    async with page.expect_download() as info:
        await audit.get_by_role("button", name="Télécharger le point de contrôle signé").click()
    checkpoint = json.loads((await (await info.value).path()).read_text(encoding="utf-8"))
    assert "key_id" in checkpoint, checkpoint
    await expect(page.locator("#audit-msg")).to_have_text("Fichier enregistré : audit-checkpoint.json")
