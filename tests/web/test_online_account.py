"""The person's online account on their file (« Compte en ligne »): the desk hands out a link code
after checking the identity document (a box to tick), shown large with its expiry in the desk's
time and printed on the receipt; the person links their account with that very code; the desk
sees the accounts linked (address partly masked, linked when, last sign-in) and unlinks one after
a question."""

from __future__ import annotations

import re
import uuid
from pathlib import Path

import pytest
from playwright.async_api import Page, expect

from tests.web.conftest import LiveServer
from tests.web.helpers import register_via_api, sign_in
from tests.web.test_actor_words import link_via_api, person_signs_in
from tests.web.test_layout import _folder, check
from tests.web.test_merge_files import open_by_address

pytestmark = pytest.mark.asyncio(loop_scope="session")


@pytest.mark.parametrize("role", ["agent", "supervisor"])
async def test_the_desk_hands_a_link_code_the_person_links_with_it_and_the_desk_unlinks(
    page: Page, server: LiveServer, role: str
) -> None:
    staff = server.make_agent(role)
    person = register_via_api(server, staff)
    await sign_in(page, server, staff)
    await open_by_address(page, server, person["id"])
    section = page.locator("#online-account")
    await expect(section.get_by_role("heading", name="Compte en ligne", level=2)).to_be_visible()
    await expect(section.locator("#accounts-none")).to_have_text("Aucun compte en ligne relié à cette fiche.")

    # the identity document not checked: nothing issued, said in the form
    await section.get_by_role("button", name="Remettre un code de liaison").click()
    await expect(section.locator("#link-code-form .msg")).to_contain_text("c'est bien elle : à cocher")
    await expect(section.locator("#link-code")).to_have_count(0)

    await section.get_by_label("J'ai vérifié la pièce d'identité de la personne : c'est bien elle").check()
    async with page.expect_response(re.compile(r"/self-service/link-codes$")) as answer:
        await section.get_by_role("button", name="Remettre un code de liaison").click()
    issued = await (await answer.value).json()
    shown = section.locator("#link-code-value")
    await expect(shown).to_have_text(f"{issued['code'][:5]}-{issued['code'][5:]}")
    assert await shown.evaluate("(e) => parseFloat(getComputedStyle(e).fontSize)") >= 28  # read out across the counter
    local = await page.evaluate(
        """(iso) => new Intl.DateTimeFormat("fr", { dateStyle: "medium", timeStyle: "short",
             timeZone: "Africa/Casablanca" }).format(new Date(iso)).replace(/ /g, "\\u00a0")""",
        issued["expires_at"],
    )
    expiry = (await section.locator("#link-code-expiry").text_content() or "").replace(" ", "\u00a0")
    assert local in expiry and "heure du guichet" in expiry.replace("\u00a0", " ")

    # printed on the receipt
    await page.evaluate("() => { window.print = () => { window.printed = (window.printed || 0) + 1; }; }")
    await section.get_by_role("button", name="Imprimer le reçu avec ce code").click()
    await expect(page.locator("#receipt")).to_contain_text(shown_code := f"{issued['code'][:5]}-{issued['code'][5:]}")
    assert await page.evaluate("window.printed") == 1

    # the person types the code as shown (the dash too)
    with person_signs_in(server) as app:
        linked = app.post("/api/v1/self/link", json={"code": shown_code})
        assert linked.status_code == 200, linked.text

    await page.evaluate(f"location.hash = '#/search'; location.hash = '#/person/{person['id']}'")
    await page.reload()
    accounts = page.locator("#linked-accounts li")
    await expect(accounts).to_have_count(1)
    await expect(accounts).to_contain_text("r***@example.org (e-mail) · relié le ")
    await expect(accounts).to_contain_text("dernière connexion le ")
    history = page.locator("#history")
    await expect(history).to_contain_text(
        "la personne (compte en ligne r***@example.org) a relié la fiche à son compte en ligne"
    )
    await expect(history).not_to_contain_text("person:")

    await accounts.get_by_role("button", name="Délier ce compte").click()
    await expect(accounts.locator(".confirm p")).to_contain_text("Délier le compte r***@example.org de cette fiche ?")
    await accounts.get_by_role("button", name="Oui, délier").click()
    await expect(page.locator("#online-account .msg[role=status]")).to_have_text(
        "Compte r***@example.org délié de cette fiche."
    )
    await expect(page.locator("#accounts-none")).to_be_visible()
    with server.api(staff) as desk:
        assert desk.get(f"/api/v1/registrants/{person['id']}/self-service/accounts").json() == []


async def test_an_account_unlinked_meanwhile_is_said_and_the_list_drawn_again(page: Page, server: LiveServer) -> None:
    agent = server.make_agent()
    person = register_via_api(server, agent)
    link_via_api(server, agent, person)
    await sign_in(page, server, agent)
    await open_by_address(page, server, person["id"])
    accounts = page.locator("#linked-accounts li")
    await expect(accounts).to_have_count(1)
    with server.api(agent) as desk:
        [account] = desk.get(f"/api/v1/registrants/{person['id']}/self-service/accounts").json()
        assert (
            desk.delete(f"/api/v1/registrants/{person['id']}/self-service/accounts/{account['id']}").status_code == 204
        )

    await accounts.get_by_role("button", name="Délier ce compte").click()
    await accounts.get_by_role("button", name="Oui, délier").click()

    await expect(page.locator("#online-account .msg[role=status]")).to_have_text(
        "Le compte r***@example.org n'est déjà plus relié à cette fiche : voici les comptes reliés maintenant."
    )
    await expect(page.locator("#accounts-none")).to_be_visible()


async def test_an_auditor_is_not_offered_the_online_account(page: Page, server: LiveServer) -> None:
    agent = server.make_agent()
    auditor = server.make_agent("auditor")
    person = register_via_api(server, agent)
    await sign_in(page, server, auditor)
    await open_by_address(page, server, person["id"])
    await expect(page.locator("#history")).to_be_visible()
    await expect(page.locator("#online-account")).to_have_count(0)


async def test_the_online_account_in_english(page: Page, server: LiveServer) -> None:
    agent = server.make_agent()
    person = register_via_api(server, agent)
    link_via_api(server, agent, person)
    await sign_in(page, server, agent)
    await open_by_address(page, server, person["id"])
    await expect(page.locator("#linked-accounts li")).to_have_count(1)
    await page.get_by_role("button", name="English").click()
    section = page.locator("#online-account")
    await expect(section.get_by_role("heading", name="Online account", level=2)).to_be_visible()
    await expect(page.locator("#linked-accounts li")).to_contain_text("r***@example.org (e-mail) · linked on ")
    await expect(page.locator("#history")).to_contain_text(
        "the person (online account r***@example.org) linked the file"
    )


@pytest.mark.parametrize("viewport", [(390, 844), (1366, 768)], ids=["phone", "desk"], indirect=True)
async def test_the_online_account_fits_phone_and_desk(
    page: Page, server: LiveServer, viewport: tuple[int, int], tmp_path: Path
) -> None:
    folder = _folder(viewport, tmp_path)
    agent = server.make_agent()
    person = register_via_api(server, agent)
    link_via_api(server, agent, person, email=f"a-rather-long-address-{uuid.uuid4().hex[:6]}@example.org")
    await sign_in(page, server, agent)
    await open_by_address(page, server, person["id"])
    section = page.locator("#online-account")
    await section.get_by_label("J'ai vérifié la pièce d'identité de la personne : c'est bien elle").check()
    await section.get_by_role("button", name="Remettre un code de liaison").click()
    await expect(section.locator("#link-code-value")).to_be_visible()
    await page.locator("#linked-accounts").get_by_role("button", name="Délier ce compte").click()
    await expect(page.locator("#linked-accounts .confirm")).to_be_visible()
    await section.scroll_into_view_if_needed()
    await check(page, folder, "online-account")
