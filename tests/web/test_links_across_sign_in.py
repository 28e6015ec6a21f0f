"""A screen's address (a link to a case or a file, a bookmark) survives the sign-in: the screen it
names is the one shown once the agent is signed in, and again after a session that expired."""

from __future__ import annotations

import asyncio

import pytest
from playwright.async_api import Page, Route, expect

from tests.conftest import PASSWORD
from tests.web.conftest import LiveServer
from tests.web.helpers import agent_with_case, register_via_api

pytestmark = pytest.mark.asyncio(loop_scope="session")


async def _submit_sign_in(page: Page, email: str) -> None:
    await page.get_by_label("E-mail").fill(email)
    await page.get_by_label("Mot de passe").fill(PASSWORD)
    await page.get_by_role("button", name="Se connecter").click()


async def test_a_case_link_opened_before_signing_in_shows_the_case_once_signed_in(
    page: Page, server: LiveServer
) -> None:
    agent, case = agent_with_case(server, given_names="Mariama", family_name="Ba", desk_code="CASA-BASE")
    await page.goto(f"{server.url}/app/#/case/{case['id']}")
    await expect(page.get_by_role("heading", name="Connexion")).to_be_visible()

    await _submit_sign_in(page, agent.email)
    await expect(page.get_by_role("heading", level=1)).to_contain_text(case["case_number"])
    assert page.url.endswith(f"#/case/{case['id']}")
    await expect(page.locator("#tab-search")).to_be_hidden()


async def test_a_file_link_opened_while_the_sign_in_is_answered_shows_the_file(page: Page, server: LiveServer) -> None:
    agent = server.make_agent()
    person = register_via_api(server, agent, given_names="Ousmane", family_name="Gaye", desk_code="CASA-BASE")
    await page.goto(f"{server.url}/app/")
    held = asyncio.Event()

    async def slow_token(route: Route) -> None:
        held.set()
        await asyncio.sleep(1)
        await route.continue_()

    await page.route("**/api/v1/auth/token", slow_token)
    await _submit_sign_in(page, agent.email)
    await held.wait()
    await page.evaluate(f"location.hash = '#/person/{person['id']}'")
    await expect(page.get_by_role("heading", name="Ousmane Gaye", level=1)).to_be_visible()
    assert page.url.endswith(f"#/person/{person['id']}")


async def test_a_link_met_by_an_expired_session_is_shown_once_signed_in_again(page: Page, server: LiveServer) -> None:
    agent, case = agent_with_case(server, given_names="Fatou", family_name="Ndoye", desk_code="CASA-BASE")
    await page.goto(f"{server.url}/app/")
    await _submit_sign_in(page, agent.email)
    await expect(page.get_by_role("heading", name="Rechercher", level=1)).to_be_visible()
    await expect(page.locator("#login-view")).to_be_hidden()
    # The session ends; the agent then follows a link to a case in the same tab.
    await page.evaluate("sessionStorage.setItem('access', 'expired'); sessionStorage.setItem('refresh', 'revoked')")
    await page.goto(f"{server.url}/app/#/case/{case['id']}")
    await expect(page.locator("#login-msg")).to_contain_text("Votre session a expiré")

    await _submit_sign_in(page, agent.email)
    await expect(page.get_by_role("heading", level=1)).to_contain_text(case["case_number"])
    assert page.url.endswith(f"#/case/{case['id']}")
