"""A list or value the client fills once a later answer arrives (the desk list after the sign-in)
is not the agent's input: a form gone into before it arrived is left without a question, while what
the agent typed before it arrived is still asked about, and abandoning it keeps the list's value."""

from __future__ import annotations

import asyncio

import pytest
from playwright.async_api import Page, Route, expect

from tests.web.conftest import LiveServer
from tests.web.helpers import LEAVE_QUESTION, answer_leaving, sign_in_with_form

pytestmark = pytest.mark.asyncio(loop_scope="session")


async def hold_desks(page: Page) -> asyncio.Event:
    """The desk list's answer is held until the returned event is set."""
    release = asyncio.Event()

    async def held(route: Route) -> None:
        await release.wait()
        await route.continue_()

    await page.route("**/api/v1/desks", held)
    return release


async def go_into_registration_before_the_desks(page: Page, server: LiveServer) -> asyncio.Event:
    release = await hold_desks(page)
    await sign_in_with_form(page, server, server.make_agent())  # the search screen is shown before the desks arrive
    await page.get_by_role("button", name="Nouvelle personne").click()
    await expect(page.get_by_role("heading", name="Nouvelle personne", level=1)).to_be_visible()
    form = page.locator("#register-form")
    await form.get_by_label("Prénom(s)").click()  # gone into: its record is taken, the desk list still empty
    assert await form.get_by_label("Guichet").input_value() == ""
    return release


async def desks_arrived(page: Page, release: asyncio.Event) -> None:
    release.set()
    await expect(page.locator("#reg-desk")).to_have_value("CASA-BASE")


async def test_a_desk_list_arriving_after_the_form_was_gone_into_is_not_input(page: Page, server: LiveServer) -> None:
    release = await go_into_registration_before_the_desks(page, server)
    await desks_arrived(page, release)
    await page.get_by_role("button", name="Files de dossiers").click()
    await expect(page.get_by_role("heading", name="Files de dossiers", level=1)).to_be_visible()
    await expect(page.get_by_role("dialog", name=LEAVE_QUESTION)).to_have_count(0)


async def test_a_name_typed_before_the_desk_list_arrived_is_still_asked_about(page: Page, server: LiveServer) -> None:
    release = await go_into_registration_before_the_desks(page, server)
    form = page.locator("#register-form")
    await form.get_by_label("Prénom(s)").fill("Mariama")
    await desks_arrived(page, release)
    await page.get_by_role("button", name="Files de dossiers").click()
    await expect(page.get_by_role("dialog", name=LEAVE_QUESTION)).to_be_visible()
    await answer_leaving(page, leave=True)
    await expect(page.get_by_role("heading", name="Files de dossiers", level=1)).to_be_visible()
    await page.get_by_role("button", name="Nouvelle personne").click()
    assert await form.get_by_label("Prénom(s)").input_value() == ""
    assert await form.get_by_label("Guichet").input_value() == "CASA-BASE"  # the list's value, not the empty one
