"""Issue 10: an import batch's pending flagged rows resolved from the imports screen, one at a time:
linked to a candidate, registered as a new person, discarded; a row another agent resolved first
is refused in the interface language; the button is disabled while the decision is sent."""

from __future__ import annotations

import asyncio

import pytest
from playwright.async_api import Page, Request, Route, expect

from tests.imports.conftest import csv_file
from tests.web.conftest import LiveServer, assert_accessible
from tests.web.helpers import register_via_api, sign_in

pytestmark = pytest.mark.asyncio(loop_scope="session")

# Four people, each written twice: the second line of each is held as a possible duplicate of the first.
PEOPLE = [
    "Ibrahima;Sow;M;02/01/1985",
    "Fatoumata;Camara;F;17/07/1992",
    "Mamadou;Badji;M;30/11/1978",
    "Khady;Niang;F;09/04/2001",
]


def register() -> bytes:
    rows = []
    for n, person in enumerate(PEOPLE):
        for copy in range(2):
            rows.append(f"{2 * n + copy + 1};1{copy}/03/2020;{person};Dakar;Dakar;;;;;Casablanca;;;;;")
    # A person already registered, written twice: both lines held, the second naming the first line.
    for copy in range(2):
        rows.append(f"{9 + copy};10/04/2020;Aminata;Diallo;F;05/06/1995;Dakar;Dakar;;;;;Casablanca;;;;;")
    return csv_file(*rows)


async def test_flagged_rows_are_linked_created_and_discarded_from_the_batch(page: Page, server: LiveServer) -> None:
    admin = server.make_agent("admin", [])
    register_via_api(
        server, admin, given_names="Aminata", family_name="Diallo", date_of_birth="1995-06-05", desk_code="CASA-BASE"
    )
    with server.api(admin) as http:
        response = http.post(
            "/api/v1/imports/registers",
            files={"file": ("doublons.csv", register(), "text/csv")},
            data={"desk_code": "CASA-BASE"},
        )
        assert response.status_code == 201, response.text
        report = response.json()
    batch = report["batch_id"]
    assert report["counts"]["flagged"] == 6, report["counts"]
    first = {row["line"]: row for row in report["rows"]}
    held = [row["line"] for row in report["rows"] if row["outcome"] == "flagged"]
    assert held == [3, 5, 7, 9, 10, 11], report["rows"]
    sow = first[2]["registrant_id"]
    sow_number = first[3]["candidates"][0]["registration_number"]
    assert first[3]["candidates"][0]["registrant_id"] == sow

    await sign_in(page, server, admin)
    await page.get_by_role("button", name="Registres importés").click()
    await page.get_by_role("button", name="Voir les lignes signalées : doublons.csv").click()
    await expect(page.get_by_role("heading", name="Lignes à résoudre : 6")).to_be_visible()
    line3 = page.get_by_role("form", name="Ligne 3 · Ibrahima Sow")
    await expect(line3).to_contain_text("mêmes prénoms")
    await assert_accessible(page)

    # The candidate's file opens to compare; the imports screen comes back as it was.
    await line3.get_by_role("button", name=f"Ouvrir le dossier pour comparer : {sow_number}").click()
    await expect(page.get_by_role("heading", name="Ibrahima Sow", level=1)).to_be_visible()
    await page.get_by_role("button", name="Registres importés").click()
    await expect(page.get_by_role("heading", name="Lignes à résoudre : 6")).to_be_visible()

    # No decision chosen: said, nothing sent.
    await line3.get_by_role("button", name="Enregistrer la décision").click()
    await expect(line3.get_by_role("alert")).to_have_text("Choisissez une décision.")

    # Link, held on the way: the button is disabled and a second click sends nothing.
    posts: list[str] = []
    page.on("request", lambda r: posts.append(r.url) if r.method == "POST" and "/resolution" in r.url else None)
    release = asyncio.Event()

    async def hold(route: Route, request: Request) -> None:
        await release.wait()
        await route.continue_()

    await page.route("**/rows/3/resolution", hold)
    await line3.get_by_label(f"Même personne que {sow_number}").check()
    save = line3.get_by_role("button", name="Enregistrer la décision")
    await save.click()
    await expect(line3.locator("button[type=submit]")).to_be_disabled()
    await line3.evaluate("form => form.requestSubmit()")  # a second submission while it is sent
    release.set()
    await expect(page.locator("#import-done")).to_have_text(f"Ligne 3 rattachée au dossier {sow_number}.")
    await page.unroute("**/rows/3/resolution")
    assert len(posts) == 1, posts
    await expect(page.get_by_role("heading", name="Lignes à résoudre : 5")).to_be_visible()
    await expect(page.locator("#tab-imports")).to_contain_text("Déjà résolues : 1 rattachée, 0 créée, 0 écartée.")

    # New person, with the keyboard only.
    line5 = page.get_by_role("form", name="Ligne 5 · Fatoumata Camara")
    await line5.get_by_label("Nouvelle personne").focus()
    await page.keyboard.press("Space")
    await line5.get_by_role("button", name="Enregistrer la décision").focus()
    await page.keyboard.press("Enter")
    await expect(page.locator("#import-done")).to_contain_text("Ligne 5 : dossier ")
    await expect(page.get_by_role("heading", name="Lignes à résoudre : 4")).to_be_visible()

    # Discard.
    line7 = page.get_by_role("form", name="Ligne 7 · Mamadou Badji")
    await line7.get_by_label("Écarter la ligne").check()
    await line7.get_by_role("button", name="Enregistrer la décision").click()
    await expect(page.locator("#import-done")).to_have_text("Ligne 7 écartée.")

    # Line 11 is line 10 written again: offered for linking once line 10 became a person.
    line10 = page.get_by_role("form", name="Ligne 10 · Aminata Diallo")
    line11 = page.get_by_role("form", name="Ligne 11 · Aminata Diallo")
    await expect(line11).to_contain_text("Ligne 10 — 100 % — ligne identique")
    await expect(line11.get_by_role("radio")).to_have_count(2)  # new person, discard
    await line10.get_by_label("Nouvelle personne").check()
    await line10.get_by_role("button", name="Enregistrer la décision").click()
    await expect(page.locator("#import-done")).to_contain_text("Ligne 10 : dossier ")
    await line11.get_by_label("Même personne que Ligne 10").check()
    await line11.get_by_role("button", name="Enregistrer la décision").click()
    await expect(page.locator("#import-done")).to_contain_text("Ligne 11 rattachée au dossier CASA-")

    # Resolved elsewhere meanwhile: the API's 409, said in French next to the action.
    with server.api(admin) as http:
        assert http.post(f"/api/v1/imports/{batch}/rows/9/resolution", json={"decision": "discard"}).status_code == 200
    line9 = page.get_by_role("form", name="Ligne 9 · Khady Niang")
    await line9.get_by_label("Nouvelle personne").check()
    await line9.get_by_role("button", name="Enregistrer la décision").click()
    await expect(line9.get_by_role("alert")).to_have_text("La ligne 9 a déjà été traitée : écartée.")
    await assert_accessible(page)
    await page.get_by_role("button", name="Voir les lignes signalées : doublons.csv").click()
    await expect(page.locator("#tab-imports")).to_contain_text("Aucune ligne en attente.")

    with server.api(admin) as http:
        rows = {row["line"]: row for row in http.get(f"/api/v1/imports/{batch}").json()["rows"]}
    assert (rows[3]["resolution"], rows[3]["registrant_id"]) == ("linked", sow)
    assert rows[5]["resolution"] == "created"
    assert rows[5]["registrant_id"] not in (None, first[4]["registrant_id"])
    assert (rows[7]["resolution"], rows[7]["registrant_id"]) == ("discarded", None)
    assert rows[10]["resolution"] == "created"
    assert (rows[11]["resolution"], rows[11]["registrant_id"]) == ("linked", rows[10]["registrant_id"])
    with server.api(admin) as http:
        created = http.get(f"/api/v1/registrants/{rows[5]['registrant_id']}").json()
    assert (created["given_names"], created["family_name"]) == ("Fatoumata", "Camara")
