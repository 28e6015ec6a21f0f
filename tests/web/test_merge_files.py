"""Merging two files of one person from the web client: "même personne qu'un autre dossier…" on
the file (found by a search, or among an edit's duplicate candidates), the side-by-side
comparison, the value kept for each field that differs, the merge; a merged file opened says into
which file, links to it and is unmerged there, with a reason; the API's refusals said in a
sentence (a choice missing next to its field, a file changed meanwhile compared again with the
choices kept, a file merged or erased meanwhile, an unmerge that cannot be exact)."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.async_api import Page, Request, Route, expect

from tests.web.conftest import Agent, LiveServer, assert_accessible
from tests.web.helpers import register_via_api, sign_in

pytestmark = pytest.mark.asyncio(loop_scope="session")

MERGES = "/api/v1/registrant-merges"


def two_files(server: LiveServer, agent: Agent) -> tuple[dict[str, Any], dict[str, Any]]:
    """Awa Badji registered twice: a seamstress, then a trader with an e-mail and a passport."""
    born = {"given_names": "Awa", "family_name": "Badji", "sex": "female", "date_of_birth": "1994-03-12"}
    first = register_via_api(server, agent, **born, occupation="couturière", phones=[{"number": "+212612345678"}])
    second = register_via_api(
        server, agent, **born, occupation="commerçante", email="awa.badji@example.org",
        documents=[{"doc_type": "passport", "number": "A01234567", "issuing_country": "SN"}],
    )  # fmt: skip
    return first, second


def merge_via_api(server: LiveServer, agent: Agent, survivor: dict[str, Any], merged: dict[str, Any]) -> dict[str, Any]:
    with server.api(agent) as http:
        etags = {
            f"{side}_etag": http.get(f"/api/v1/registrants/{p['id']}").headers["etag"]
            for side, p in (("survivor", survivor), ("merged", merged))
        }
        body = {
            "survivor_id": survivor["id"],
            "merged_id": merged["id"],
            **etags,
            "choices": {"occupation": "survivor", "email": "merged"},
        }
        done = http.post(MERGES, json=body)
        assert done.status_code in (201, 202), done.text
        return done.json()  # type: ignore[no-any-return]


def edit_via_api(server: LiveServer, agent: Agent, person: dict[str, Any], **changes: Any) -> None:
    with server.api(agent) as http:
        etag = http.get(f"/api/v1/registrants/{person['id']}").headers["etag"]
        r = http.patch(f"/api/v1/registrants/{person['id']}", json=changes, headers={"If-Match": etag})
        assert r.status_code == 200, r.text


async def open_by_address(page: Page, server: LiveServer, registrant_id: str) -> None:
    await page.evaluate(f"location.hash = '#/person/{registrant_id}'")


async def compare_with(page: Page, other: dict[str, Any]) -> None:
    """On the open file: "même personne…", search the other file by its number, compare."""
    section = page.locator("#person-merge")
    await section.get_by_role("button", name="Même personne qu'un autre dossier…").click()
    await section.get_by_label("Chercher l'autre dossier").fill(other["registration_number"])
    await section.get_by_role("button", name="Chercher l'autre dossier").click()
    name = f"{other['given_names']} {other['family_name']}"
    await section.get_by_role(
        "button", name=f"Comparer avec le dossier de {name} ({other['registration_number']})"
    ).click()
    await expect(section.locator("table caption")).to_have_text("Comparaison avant fusion")


@pytest.mark.parametrize("viewport", [(1366, 768), (390, 844)], ids=["desk", "phone"], indirect=True)
async def test_an_agent_merges_a_second_file_then_unmerges_it_with_a_reason(page: Page, server: LiveServer) -> None:
    agent = server.make_agent()
    first, second = two_files(server, agent)
    await sign_in(page, server, agent)
    await open_by_address(page, server, first["id"])
    await expect(page.get_by_role("heading", name="Awa Badji", level=1)).to_be_visible()
    await compare_with(page, second)
    section = page.locator("#person-merge")
    table = section.locator("table")
    await expect(table.locator("tr.differs", has_text="Profession")).to_contain_text("couturière")
    await expect(table.locator("tr.differs", has_text="Profession")).to_contain_text("commerçante")
    await expect(section).to_contain_text("pièces d'identité (1)")  # what will move to the file kept

    # nothing chosen: the API's refusal is said, the fields without a choice marked
    await section.get_by_role("button", name="Fusionner les deux dossiers").click()
    occupation = section.get_by_role("group", name="Profession : valeur à garder")
    await expect(occupation.locator(".field-error")).to_have_text(
        "Choisissez la valeur à garder pour chaque champ marqué."
    )
    await expect(occupation.get_by_role("radio").first).to_have_attribute("aria-invalid", "true")
    await assert_accessible(page)

    await occupation.get_by_label(f"commerçante (dossier {second['registration_number']})").check()
    email = section.get_by_role("group", name="E-mail : valeur à garder")
    await email.get_by_label(f"awa.badji@example.org (dossier {second['registration_number']})").check()
    await section.get_by_label("Note (facultative)").fill("Même date de naissance, même personne au guichet.")
    await section.get_by_role("button", name="Fusionner les deux dossiers").click()
    await expect(page.locator("#person-msg")).to_have_text(
        f"Dossiers fusionnés : le dossier {second['registration_number']} fait maintenant partie de celui-ci."
    )
    await expect(page.locator("#person dl")).to_contain_text("commerçante")
    merged_here = page.locator("#person-merge li")
    await expect(merged_here).to_contain_text(
        f"Le dossier {second['registration_number']} a été fusionné dans celui-ci"
    )

    # the merged file, opened: which file it went into, a link there, and its unmerge
    await merged_here.get_by_role("button", name=f"Voir le dossier fusionné {second['registration_number']}").click()
    await expect(page.get_by_role("heading", name="Dossier fusionné", level=1)).to_be_visible()
    await expect(page.locator("#person")).to_contain_text(
        f"Ce dossier ({second['registration_number']}) a été fusionné le"
    )
    await expect(page.locator("#person")).to_contain_text(
        f"dans le dossier de Awa Badji ({first['registration_number']})"
    )
    await assert_accessible(page)
    await page.get_by_label("Motif de l'annulation").fill("Deux sœurs jumelles : pas la même personne.")
    unmerge = f"Annuler la fusion de {second['registration_number']} dans {first['registration_number']}"
    await page.get_by_role("button", name=unmerge).click()
    await page.get_by_role("button", name="Oui, annuler la fusion").click()
    await expect(page.locator("#person-msg")).to_have_text("Fusion annulée : ce dossier est de nouveau à part.")
    await expect(page.get_by_role("heading", name="Awa Badji", level=1)).to_be_visible()
    await expect(page.locator("#person")).to_contain_text(second["registration_number"])
    history = page.locator("#history")  # the merge and its undoing, in words; the comparisons were reads
    await expect(history).to_contain_text("a fusionné ce dossier dans un autre")
    await expect(history).to_contain_text("a annulé une fusion de ce dossier")
    await expect(history.locator("li", has_text="a agi sur la fiche")).to_have_count(0)
    with server.api(agent) as http:
        record = http.get(MERGES, params={"registrant_id": second["id"]}).json()["items"][0]
    assert record["status"] == "unmerged"
    assert record["note"].endswith("Deux sœurs jumelles : pas la même personne.")


async def test_a_merged_file_opened_links_to_the_file_it_went_into(page: Page, server: LiveServer) -> None:
    agent = server.make_agent()
    first, second = two_files(server, agent)
    merge_via_api(server, agent, first, second)
    await sign_in(page, server, agent)
    await open_by_address(page, server, second["id"])
    await expect(page.get_by_role("heading", name="Dossier fusionné", level=1)).to_be_visible()
    await page.get_by_role("button", name="Ouvrir le dossier de Awa Badji").click()
    await expect(page.get_by_role("heading", name="Awa Badji", level=1)).to_be_visible()
    await expect(page.locator("#person > p.mono")).to_have_text(first["registration_number"])


async def test_a_merge_sent_again_after_a_lost_answer_is_made_once(page: Page, server: LiveServer) -> None:
    """The merge keeps its Idempotency-Key until confirmed: the first answer lost, the same merge
    sent again gets it back (not 409 "already merged"), and there is one merge."""
    agent = server.make_agent()
    first, second = two_files(server, agent)
    keys: list[str | None] = []

    async def lose_the_first_answer(route: Route, request: Request) -> None:
        keys.append(request.headers.get("idempotency-key"))
        if len(keys) > 1:
            return await route.continue_()
        await route.fetch()  # the server merges…
        return await route.abort("connectionreset")  # …and its answer never arrives

    await sign_in(page, server, agent)
    await open_by_address(page, server, first["id"])
    await compare_with(page, second)
    section = page.locator("#person-merge")
    for field, value in (("Profession", "couturière"), ("E-mail", "awa.badji@example.org")):
        await section.get_by_role("group", name=f"{field} : valeur à garder").get_by_label(value, exact=False).check()
    await page.route("**/api/v1/registrant-merges", lose_the_first_answer)
    await section.get_by_role("button", name="Fusionner les deux dossiers").click()
    await expect(section.get_by_role("alert")).to_contain_text("a pu être enregistré ou non")
    await section.get_by_role("button", name="Fusionner les deux dossiers").click()
    await expect(page.locator("#person-msg")).to_contain_text("Dossiers fusionnés")
    with server.api(agent) as http:
        merges = http.get(MERGES, params={"registrant_id": first["id"]}).json()["items"]
    assert [m["status"] for m in merges] == ["merged"]
    assert len(keys) == 2 and keys[0] and keys[0] == keys[1]
