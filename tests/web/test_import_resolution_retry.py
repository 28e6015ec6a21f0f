"""Resolving a flagged import row sends an Idempotency-Key kept until the decision is confirmed,
as registrations, notes and referrals do: an answer lost on the way and the decision sent again
gets the first resolution back, not "already resolved". And the pending rows are read page after
page: a batch with more flagged rows than a page shows them all.

Before: no key was sent, so the resend answered 409 for a row the agent's own first click had
resolved; and the page read one unpaginated list.
"""

from __future__ import annotations

from typing import Any

import pytest
from playwright.async_api import Page, Request, Route, expect

from tests.web.conftest import Agent, LiveServer
from tests.web.helpers import sign_in
from tests.web.test_import_resolution import register

pytestmark = pytest.mark.asyncio(loop_scope="session")


def _import(server: LiveServer, admin: Agent) -> dict[str, Any]:
    with server.api(admin) as http:
        response = http.post(
            "/api/v1/imports/registers",
            files={"file": ("doublons.csv", register(), "text/csv")},
            data={"desk_code": "CASA-BASE"},
        )
        assert response.status_code == 201, response.text
        return response.json()  # type: ignore[no-any-return]


async def _pages_of_two(route: Route, request: Request) -> None:
    # the client asks for 200 a page; two make it walk the pages
    await route.continue_(url=request.url.replace("limit=200", "limit=2"))


async def test_a_resolution_resent_after_a_lost_answer_gets_the_first_one_back(page: Page, server: LiveServer) -> None:
    admin = server.make_agent("admin", [])
    report = _import(server, admin)
    number = {row["line"]: row for row in report["rows"]}[3]["candidates"][0]["registration_number"]
    await page.route("**/flagged?*", _pages_of_two)
    await sign_in(page, server, admin)
    await page.get_by_role("button", name="Registres importés").click()
    await page.get_by_role("button", name="Voir les lignes signalées : doublons.csv").click()
    # five flagged rows (lines 3, 5, 7, 9 and 11), read two at a time
    await expect(page.get_by_role("heading", name="Lignes à résoudre : 5")).to_be_visible()
    await expect(page.locator("form.resolve-row")).to_have_count(5)

    keys: list[str | None] = []

    async def lose_the_answer(route: Route, request: Request) -> None:
        keys.append(request.headers.get("idempotency-key"))
        await route.fetch()  # the server resolves the row…
        await route.abort("connectionreset")  # …and its answer never arrives

    await page.route("**/rows/3/resolution", lose_the_answer)
    line3 = page.get_by_role("form", name="Ligne 3 · Ibrahima Sow")
    await line3.get_by_label(f"Même personne que {number}").check()
    await line3.get_by_role("button", name="Enregistrer la décision").click()
    await expect(line3.get_by_role("alert")).to_be_visible()
    await page.unroute("**/rows/3/resolution")

    sent: list[str | None] = []
    page.on(
        "request", lambda r: sent.append(r.headers.get("idempotency-key")) if "/rows/3/resolution" in r.url else None
    )
    await line3.get_by_role("button", name="Enregistrer la décision").click()
    await expect(page.locator("#import-done")).to_have_text(f"Ligne 3 rattachée au dossier {number}.")
    assert keys[0] and sent == keys, (keys, sent)
