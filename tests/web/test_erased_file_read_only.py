"""An erased (anonymised) file is read only on the person screen: said once, and none of the actions
the API refuses on it is offered (editing, a receipt, consents, documents, a booking, a case,
moving an appointment)."""

from __future__ import annotations

import pytest
from playwright.async_api import Page, expect

from tests.web.conftest import LiveServer, assert_accessible
from tests.web.helpers import register_via_api, sign_in
from tests.web.test_merge_refusals import erase

pytestmark = pytest.mark.asyncio(loop_scope="session")

GIVEN = {"granted": True, "channel": "in_person", "notice_version": "2026-01", "language": "fr"}


async def _open(page: Page, registrant_id: str) -> None:
    await page.evaluate(f"location.hash = '#/person/{registrant_id}'")
    await expect(page.locator("#person h1")).to_be_visible()


async def test_an_erased_file_offers_no_action_the_api_refuses(page: Page, server: LiveServer) -> None:
    agent = server.make_agent()
    consents = [{"purpose": "service_delivery", **GIVEN}]
    person = register_via_api(server, agent, given_names="Fatou", family_name="Kane", consents=consents)
    kept = register_via_api(server, agent, given_names="Awa", family_name="Sarr", consents=consents)
    await sign_in(page, server, agent)

    await _open(page, kept["id"])  # a file not erased offers them all
    person_screen = page.locator("#person")
    for found in ("#edit-person", "#print-receipt", "#consent-form", "#upload-form", "#book", "#open-case-form"):
        await expect(person_screen.locator(found)).to_have_count(1)
    await expect(person_screen.locator("#person-erased")).to_have_count(0)

    erase(server, person)
    await _open(page, person["id"])
    await expect(page.get_by_role("heading", name="[anonymisé] [anonymisé]", level=1)).to_be_visible()
    await expect(person_screen.locator("#person-erased")).to_have_text(
        "Dossier anonymisé (effacement) : il se consulte seulement, rien ne peut y être ajouté ni modifié. "
        "Un rendez-vous encore prévu peut être annulé."
    )
    for absent in ("#edit-person", "#print-receipt", "#consent-form", "#upload-form", "#book", "#open-case-form"):
        await expect(person_screen.locator(absent)).to_have_count(0)
    await expect(person_screen.locator("#person-consents button")).to_have_count(0)  # no withdrawal either
    await assert_accessible(page)
