"""A case opened while another was on screen: until it is read, the case screen says it is loading,
never the case shown before (whose forms an agent could act on)."""

from __future__ import annotations

import asyncio

import pytest
from playwright.async_api import Page, Route, expect

from tests.web.conftest import LiveServer
from tests.web.helpers import open_case_via_api, register_via_api, show_case, sign_in

pytestmark = pytest.mark.asyncio(loop_scope="session")


async def test_a_case_opened_shows_nothing_of_the_case_shown_before_while_it_loads(
    page: Page, server: LiveServer
) -> None:
    """A case opened from the queue while another case was on screen: until it is read, the case
    screen says it is loading — never the earlier case and its forms (« Attribuer à »), which an
    agent could act on (and which a walk of the screens found, then saw detached)."""
    supervisor = server.make_agent("supervisor")
    shown_before, _ = open_case_via_api(server, supervisor, register_via_api(server, supervisor, family_name="Faye"))
    asked, _ = open_case_via_api(server, supervisor, register_via_api(server, supervisor, family_name="Ndao"))
    released = asyncio.Event()

    async def late(route: Route) -> None:
        await released.wait()
        await route.continue_()

    await sign_in(page, server, supervisor)
    await show_case(page, server, shown_before)
    await expect(page.get_by_label("Attribuer à")).to_be_visible()
    await page.route(f"**/api/v1/cases/{asked['id']}", late)
    await page.get_by_role("button", name="Files de dossiers").click()
    await page.get_by_label("File", exact=True).select_option("unassigned")
    await page.get_by_role("button", name="Afficher").click()
    await page.locator("#cases li button", has_text="Awa Ndao").click()
    await expect(page.locator("#case")).to_have_text("Chargement…")
    await expect(page.get_by_label("Attribuer à")).to_have_count(0)
    released.set()
    await expect(page.get_by_role("heading", level=1)).to_contain_text(asked["case_number"])
    await expect(page.get_by_label("Attribuer à")).to_be_visible()
