"""An agent's or a supervisor's account without a desk is not sent: the staff form says, in French,
that at least one desk is to be ticked, on creation and on a change that unticks the last one."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import pytest
from playwright.async_api import Page, Route, expect

from tests.web.conftest import LiveServer
from tests.web.helpers import sign_in

pytestmark = pytest.mark.asyncio(loop_scope="session")

BLOCKED = "Vérifiez les champs signalés :Guichets du compte : au moins un guichet pour un agent ou un superviseur."
"""Said as the API says its refusal (``desk-required``), but before anything is sent."""


async def _open_staff(page: Page) -> None:
    await page.get_by_role("button", name="Administration").click()
    await expect(page.get_by_role("heading", name="Comptes du personnel", level=2)).to_be_visible()


async def test_a_new_agent_without_a_desk_is_not_sent(page: Page, server: LiveServer) -> None:
    admin = server.make_agent("admin")
    await sign_in(page, server, admin)
    await _open_staff(page)
    form = page.locator("#staff-form-new")
    await form.get_by_label("E-mail professionnel").fill("sans.guichet@desk.example")
    await form.get_by_label("Nom complet").fill("Sans Guichet")
    await form.get_by_label("Mot de passe initial").fill("un mot de passe assez long")
    sent: list[str] = []
    page.on("request", lambda r: sent.append(r.method) if r.url.endswith("/api/v1/users") else None)
    await form.get_by_role("button", name="Créer le compte").click()
    await expect(form.locator(".msg")).to_have_text(BLOCKED)
    await expect(form.get_by_label("(CASA-BASE)")).to_be_focused()
    assert "POST" not in sent
    # an administrator may have none: the same form is then sent
    await form.get_by_label("Rôle").select_option("admin")
    await form.get_by_role("button", name="Créer le compte").click()
    await expect(page.locator("#staff-msg")).to_have_text("Compte créé.")


async def test_a_change_unticking_a_supervisors_last_desk_is_not_sent(page: Page, server: LiveServer) -> None:
    admin = server.make_agent("admin")
    supervisor = server.make_agent("supervisor", ["DKR-MOB"])
    await sign_in(page, server, admin)
    await _open_staff(page)
    row = page.locator("#staff-list li", has_text=supervisor.email)
    await row.get_by_role("button", name="Modifier le compte").click()
    edit = row.locator("form")
    await edit.get_by_label("(DKR-MOB)").uncheck()
    sent: list[str] = []
    page.on("request", lambda r: sent.append(r.method) if f"/api/v1/users/{supervisor.id}" in r.url else None)
    await edit.get_by_role("button", name="Enregistrer le compte").click()
    await expect(edit.locator(".msg")).to_have_text(BLOCKED)
    assert "PATCH" not in sent
    with server.api(admin) as http:
        assert http.get(f"/api/v1/users/{supervisor.id}").json()["desk_codes"] == ["DKR-MOB"]


DESKS_UNREAD = "Les guichets n'ont pas pu être chargés : rechargez la page pour les choisir."


async def _desks_unread(route: Route) -> None:
    await route.fulfill(status=503, content_type="application/problem+json", body='{"status": 503, "title": "x"}')


async def _desks_no_answer(route: Route) -> None:
    await route.abort("connectionreset")


@pytest.mark.parametrize("fail", [_desks_unread, _desks_no_answer], ids=["refused", "no-answer"])
async def test_desks_that_could_not_be_loaded_are_said_and_a_new_agent_is_not_sent(
    page: Page, server: LiveServer, fail: Callable[[Route], Awaitable[None]]
) -> None:
    """Before: the form offered no desk and did not say why; the agent's account was sent and refused."""
    admin = server.make_agent("admin")
    await sign_in(page, server, admin)
    await page.route("**/api/v1/desks", fail)
    await _open_staff(page)
    form = page.locator("#staff-form-new")
    await expect(form.locator("fieldset .msg.warning")).to_have_text(DESKS_UNREAD)
    await form.get_by_label("E-mail professionnel").fill("sans.guichet@desk.example")
    await form.get_by_label("Nom complet").fill("Sans Guichet")
    await form.get_by_label("Mot de passe initial").fill("un mot de passe assez long")
    sent: list[str] = []
    page.on("request", lambda r: sent.append(r.method) if r.url.endswith("/api/v1/users") else None)
    await form.get_by_role("button", name="Créer le compte").click()
    await expect(form.locator(".msg[role=alert]")).to_have_text(
        "Compte non créé : un agent ou un superviseur a besoin d'au moins un guichet, et les guichets n'ont pas "
        "pu être chargés. Rechargez la page pour les choisir."
    )
    assert "POST" not in sent


async def test_a_change_while_desks_are_unread_keeps_the_accounts_desks(page: Page, server: LiveServer) -> None:
    """Before: the change sent no desk ticked (none offered), and the supervisor's desks were refused away."""
    admin = server.make_agent("admin")
    supervisor = server.make_agent("supervisor", ["DKR-MOB"])
    await sign_in(page, server, admin)
    await page.route("**/api/v1/desks", _desks_no_answer)
    await _open_staff(page)
    row = page.locator("#staff-list li", has_text=supervisor.email)
    await row.get_by_role("button", name="Modifier le compte").click()
    edit = row.locator("form")
    await expect(edit.locator("fieldset .msg.warning")).to_have_text(DESKS_UNREAD)
    await edit.get_by_label("Nom complet").fill("Nom Corrigé")
    await edit.get_by_role("button", name="Enregistrer le compte").click()
    await expect(page.locator("#staff-msg")).to_have_text("Compte modifié.")
    with server.api(admin) as http:
        account = http.get(f"/api/v1/users/{supervisor.id}").json()
    assert (account["full_name"], account["desk_codes"]) == ("Nom Corrigé", ["DKR-MOB"])
