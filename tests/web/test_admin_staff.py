"""The administration screen, staff accounts: an administrator creates an account, changes its
role and desks, corrects its name and e-mail, sets a new password, deactivates and reactivates it
from the web client (what the API stored is checked), the API's refusals are said in sentences
next to the form, a list paged by the API is read to its end, and an agent is never offered the
screen."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest
from playwright.async_api import Page, Route, expect

from tests.web.conftest import Agent, LiveServer, assert_accessible
from tests.web.helpers import sign_in

pytestmark = pytest.mark.asyncio(loop_scope="session")


def _all_accounts(http: Any) -> list[dict[str, Any]]:
    """Every account, ``GET /api/v1/users`` read page after page."""
    accounts: list[dict[str, Any]] = []
    page = http.get("/api/v1/users").json()
    accounts += page["items"]
    while page["next_cursor"]:
        page = http.get("/api/v1/users", params={"cursor": page["next_cursor"]}).json()
        accounts += page["items"]
    return accounts


def _account(server: LiveServer, admin: Agent, email: str) -> dict[str, Any]:
    with server.api(admin) as http:
        users = _all_accounts(http)
    return next(u for u in users if u["email"] == email)


async def _open_staff(page: Page) -> None:
    await page.get_by_role("button", name="Administration").click()
    await expect(page.get_by_role("heading", name="Comptes du personnel", level=2)).to_be_visible()


async def test_an_administrator_creates_edits_and_deactivates_a_staff_account(page: Page, server: LiveServer) -> None:
    admin = server.make_agent("admin")
    await sign_in(page, server, admin)
    await _open_staff(page)
    await expect(page.locator("#staff-list li", has_text=admin.email)).to_contain_text(
        "administrateur · CASA-BASE · actif"
    )

    form = page.locator("#staff-form-new")
    await form.get_by_label("E-mail professionnel").fill("mariama.sow@desk.example")
    await form.get_by_label("Nom complet").fill("Mariama Sow")
    await form.get_by_label("Rôle").select_option("supervisor")
    await form.get_by_label("Mot de passe initial").fill("court")
    await form.get_by_label("(DKR-MOB)").check()
    await form.get_by_role("button", name="Créer le compte").click()
    # The API's length rule, said at the field in French; nothing typed is lost.
    await expect(form.locator(".msg")).to_contain_text("Mot de passe initial (10 caractères au moins) : ")
    await expect(form.get_by_label("Mot de passe initial")).to_have_attribute("aria-invalid", "true")
    await expect(form.get_by_label("Nom complet")).to_have_value("Mariama Sow")
    await form.get_by_label("Mot de passe initial").fill("un mot de passe assez long")
    await form.get_by_role("button", name="Créer le compte").click()
    await expect(page.locator("#staff-msg")).to_have_text("Compte créé.")
    row = page.locator("#staff-list li", has_text="mariama.sow@desk.example")
    await expect(row).to_contain_text("Mariama Sow · mariama.sow@desk.example · superviseur · DKR-MOB · actif")
    created = _account(server, admin, "mariama.sow@desk.example")
    assert (created["full_name"], created["role"], created["desk_codes"], created["is_active"]) == (
        "Mariama Sow", "supervisor", ["DKR-MOB"], True,
    )  # fmt: skip
    await assert_accessible(page)

    # The same e-mail again: the API's 409 in a sentence.
    await form.get_by_label("E-mail professionnel").fill("Mariama.Sow@desk.example")
    await form.get_by_label("Nom complet").fill("Mariama Sow")
    await form.get_by_label("Mot de passe initial").fill("un mot de passe assez long")
    await form.get_by_label("(DKR-MOB)").check()
    await form.get_by_role("button", name="Créer le compte").click()
    await expect(form.locator(".msg")).to_contain_text("a déjà un compte")

    await row.get_by_role("button", name="Modifier le compte").click()
    edit = row.locator("form")
    await edit.get_by_label("Rôle").select_option("agent")
    await edit.get_by_label("(CASA-BASE)").check()
    await edit.get_by_label("(DKR-MOB)").uncheck()
    await edit.get_by_role("button", name="Enregistrer le compte").click()
    await expect(page.locator("#staff-msg")).to_have_text("Compte modifié.")
    await expect(row).to_contain_text("Mariama Sow · mariama.sow@desk.example · agent · CASA-BASE · actif")
    changed = _account(server, admin, "mariama.sow@desk.example")
    assert (changed["role"], changed["desk_codes"]) == ("agent", ["CASA-BASE"])

    # The name and e-mail corrected, a new password set: only what changed is sent; the old password fails.
    await row.get_by_role("button", name="Modifier le compte").click()
    edit = row.locator("form")
    await expect(edit.get_by_label("Nom complet")).to_have_value("Mariama Sow")
    await edit.get_by_label("Nom complet").fill("Mariama Sow Diallo")
    await edit.get_by_label("E-mail professionnel").fill("mariama.diallo@desk.example")
    await edit.get_by_label("Nouveau mot de passe").fill("un autre mot de passe long")
    await edit.get_by_role("button", name="Enregistrer le compte").click()
    await expect(page.locator("#staff-msg")).to_have_text("Compte modifié.")
    row = page.locator("#staff-list li", has_text="mariama.diallo@desk.example")
    await expect(row).to_contain_text("Mariama Sow Diallo · mariama.diallo@desk.example · agent · CASA-BASE · actif")
    corrected = _account(server, admin, "mariama.diallo@desk.example")
    assert (corrected["full_name"], corrected["role"]) == ("Mariama Sow Diallo", "agent")
    async with httpx.AsyncClient(base_url=server.url, timeout=60) as http:
        signed_in, old = [
            await http.post("/api/v1/auth/token", data={"username": "mariama.diallo@desk.example", "password": word})
            for word in ("un autre mot de passe long", "un mot de passe assez long")
        ]
    assert (signed_in.status_code, old.status_code) == (200, 401), (signed_in.text, old.text)

    await row.get_by_role("button", name="Désactiver").click()
    await expect(page.locator("#staff-msg")).to_have_text("Compte désactivé.")
    await expect(row).to_contain_text("· désactivé")
    assert _account(server, admin, "mariama.diallo@desk.example")["is_active"] is False
    await row.get_by_role("button", name="Réactiver").click()
    await expect(page.locator("#staff-msg")).to_have_text("Compte réactivé.")
    assert _account(server, admin, "mariama.diallo@desk.example")["is_active"] is True


async def test_the_last_administrator_is_refused_in_a_sentence(page: Page, server: LiveServer) -> None:
    admin = server.make_agent("admin")
    with server.api(admin) as http:
        admins = [u for u in _all_accounts(http) if u["role"] == "admin" and u["is_active"]]
    assert [a["email"] for a in admins] == [admin.email]
    await sign_in(page, server, admin)
    await _open_staff(page)
    row = page.locator("#staff-list li", has_text=admin.email)
    await row.get_by_role("button", name="Désactiver").click()
    await expect(row.locator("[role=alert]")).to_have_text(
        "C'est le dernier administrateur actif : nommez d'abord un autre administrateur."
    )
    assert _account(server, admin, admin.email)["is_active"] is True


async def test_a_change_made_meanwhile_is_read_again_with_the_choice_kept(page: Page, server: LiveServer) -> None:
    admin = server.make_agent("admin")
    agent = server.make_agent("agent")
    await sign_in(page, server, admin)
    await _open_staff(page)
    row = page.locator("#staff-list li", has_text=agent.email)
    await row.get_by_role("button", name="Modifier le compte").click()
    await row.locator("form").get_by_label("Rôle").select_option("supervisor")
    with server.api(admin) as http:  # another administrator renames the account meanwhile
        read = http.get(f"/api/v1/users/{agent.id}")
        moved = http.patch(
            f"/api/v1/users/{agent.id}",
            json={"full_name": "Test agent renamed"},
            headers={"If-Match": read.headers["ETag"]},
        )
        assert moved.status_code == 200, moved.text
    await row.locator("form").get_by_role("button", name="Enregistrer le compte").click()
    await expect(row.locator("form .msg")).to_contain_text("Ce compte a été modifié entre-temps")
    await expect(row.locator("form").get_by_label("Rôle")).to_have_value("supervisor")
    assert _account(server, admin, agent.email)["role"] == "agent"  # nothing written over the other change
    await row.locator("form").get_by_role("button", name="Enregistrer le compte").click()
    await expect(page.locator("#staff-msg")).to_have_text("Compte modifié.")
    assert _account(server, admin, agent.email)["role"] == "supervisor"


async def test_a_list_of_accounts_in_pages_is_read_to_its_end(page: Page, server: LiveServer) -> None:
    """``GET /api/v1/users`` answered as ``{items, next_cursor}`` (one account a page): every page is read."""
    admin = server.make_agent("admin")
    others = [server.make_agent("agent"), server.make_agent("supervisor")]
    with server.api(admin) as http:
        everyone = _all_accounts(http)
    asked: list[str] = []

    async def paged(route: Route) -> None:
        url = route.request.url
        asked.append(url)
        at = int(url.split("cursor=")[1]) if "cursor=" in url else 0
        following = str(at + 1) if at + 1 < len(everyone) else None
        body = {"items": everyone[at : at + 1], "next_cursor": following}
        await route.fulfill(status=200, content_type="application/json", body=json.dumps(body))

    await page.route("**/api/v1/users", paged)
    await page.route("**/api/v1/users?cursor=*", paged)
    await sign_in(page, server, admin)
    await _open_staff(page)
    for account in [admin, *others]:
        await expect(page.locator("#staff-list li", has_text=account.email)).to_have_count(1)
    await expect(page.locator("#staff-list > li")).to_have_count(len(everyone))
    assert len(asked) == len(everyone)


async def test_an_agent_is_not_offered_the_administration_screen(page: Page, server: LiveServer) -> None:
    admin = server.make_agent("admin")
    agent = server.make_agent("agent")
    await sign_in(page, server, admin)
    await expect(page.get_by_role("button", name="Administration")).to_be_visible()
    await page.get_by_role("button", name="Se déconnecter").click()
    await sign_in(page, server, agent)
    await expect(page.get_by_role("button", name="Files de dossiers")).to_be_visible()
    await expect(page.get_by_role("button", name="Administration")).to_be_hidden()
    # Its address typed in leads to the search screen, not to the administration screen.
    await page.evaluate("location.hash = '#/admin'")
    await expect(page.get_by_role("heading", name="Rechercher", level=1)).to_be_visible()
    await expect(page.locator("#tab-admin")).to_be_hidden()
