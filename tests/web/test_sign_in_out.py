"""Item 1: signing in and out leaves nothing of the previous agent in the page."""

from __future__ import annotations

import pytest
from playwright.async_api import Page, expect

from tests.web.conftest import LiveServer, assert_accessible
from tests.web.helpers import register_via_api, sign_in_with_form

pytestmark = pytest.mark.asyncio(loop_scope="session")


async def test_logout_clears_everything_and_the_next_agent_sees_nothing_of_the_previous(
    page: Page, server: LiveServer
) -> None:
    casa = server.make_agent("agent", ["CASA-BASE"])
    dakar = server.make_agent("agent", ["DKR-MOB"])
    person = register_via_api(server, casa, given_names="Khady", family_name="Sarr", desk_code="CASA-BASE")

    await page.goto(f"{server.url}/app/")
    await assert_accessible(page)
    await sign_in_with_form(page, server, casa)
    assert await page.get_by_label("Mot de passe").input_value() == ""
    await page.get_by_label("Nom, téléphone").fill("Sarr")
    await page.get_by_role("button", name="Chercher", exact=True).click()
    await page.get_by_role("button", name="Khady Sarr").click()
    await expect(page.get_by_role("heading", name="Khady Sarr", level=1)).to_be_visible()
    await expect(page.locator("#person p.mono")).to_have_text(person["registration_number"])
    await assert_accessible(page)

    await page.get_by_role("button", name="Se déconnecter").click()
    await expect(page.get_by_role("heading", name="Connexion")).to_be_visible()
    assert await page.get_by_label("E-mail").input_value() == ""
    assert await page.get_by_label("Mot de passe").input_value() == ""
    assert await page.evaluate("sessionStorage.length") == 0
    body = await page.locator("body").inner_text() + await page.content()
    assert "Khady" not in body and person["registration_number"] not in body and casa.email not in body
    await assert_accessible(page)

    # Reloading does not sign the previous agent back in.
    await page.reload()
    await expect(page.get_by_role("heading", name="Connexion")).to_be_visible()

    await sign_in_with_form(page, server, dakar)
    page_text = await page.content()
    assert "Khady" not in page_text and person["registration_number"] not in page_text
    await page.get_by_label("Nom, téléphone").fill("Sarr")
    await page.get_by_role("button", name="Chercher", exact=True).click()
    await expect(page.get_by_text("Aucun résultat.")).to_be_visible()


async def test_wrong_password_is_said_in_french_and_the_password_is_not_kept(page: Page, server: LiveServer) -> None:
    agent = server.make_agent()
    await page.goto(f"{server.url}/app/")
    await page.get_by_label("E-mail").fill(agent.email)
    await page.get_by_label("Mot de passe").fill("not the password")
    await page.get_by_role("button", name="Se connecter").click()
    alert = page.locator("#login-msg")
    await expect(alert).to_be_visible()
    assert "invalid" not in (await alert.inner_text()).casefold()
    assert await page.get_by_label("Mot de passe").input_value() == ""
    # the e-mail stays, the password is asked again
    assert await page.get_by_label("E-mail").input_value() == agent.email
    await expect(page.get_by_label("Mot de passe")).to_be_focused()
    await assert_accessible(page)


async def test_expired_session_says_so_and_keeps_the_form_to_resend(page: Page, server: LiveServer) -> None:
    agent = server.make_agent()
    await sign_in_with_form(page, server, agent)
    await page.get_by_role("button", name="Nouvelle personne").click()
    await page.get_by_label("Prénom(s)").fill("Moussa")
    await page.get_by_label("Nom", exact=True).fill("Fall")
    await page.get_by_label("La personne consent").check()
    # The session ends: both tokens are no longer accepted by the server.
    await page.evaluate("sessionStorage.setItem('access', 'expired'); sessionStorage.setItem('refresh', 'revoked')")
    await page.get_by_role("button", name="Enregistrer", exact=True).click()
    await expect(page.locator("#login-msg")).to_contain_text("Votre session a expiré")
    await assert_accessible(page)

    sign_in_again = page.get_by_label("E-mail")
    await sign_in_again.fill(agent.email)
    await page.get_by_label("Mot de passe").fill("correct horse battery")
    await page.get_by_role("button", name="Se connecter").click()
    await expect(page.locator("#register-msg")).to_contain_text("Vous êtes reconnecté")
    assert await page.get_by_label("Prénom(s)").input_value() == "Moussa"
    await page.get_by_role("button", name="Enregistrer", exact=True).click()
    await expect(page.locator("#registered-link")).to_contain_text("Personne enregistrée sous le numéro")
