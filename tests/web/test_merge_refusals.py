"""Merges the API refuses or holds, in the web client: a file changed, merged or erased while the
agent compared (412: compared again, the choices kept; 409s in a sentence), a file already in a
proposal, an unmerge that cannot be exact (its reasons in words); at a desk requiring approval,
an agent's merge proposed, then approved or rejected by a supervisor beside the case queues (a
file changed since the proposal: said), and no unmerge offered to agents; an edit's duplicate
candidate compared and merged from the edit."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.async_api import Page, expect

from tests.web.conftest import Agent, LiveServer, assert_accessible
from tests.web.helpers import answer_leaving, desk_id, register_via_api, sign_in
from tests.web.test_merge_files import MERGES, compare_with, edit_via_api, merge_via_api, open_by_address, two_files

pytestmark = pytest.mark.asyncio(loop_scope="session")


def badji(server: LiveServer, agent: Agent, **names: str) -> dict[str, Any]:
    """One more file of Awa Badji, born 1994-03-12 (``names``: other names)."""
    fields = {"given_names": "Awa", "family_name": "Badji", **names}
    return register_via_api(server, agent, sex="female", date_of_birth="1994-03-12", **fields)


def require_approval(server: LiveServer) -> None:
    admin = server.make_agent("admin", [])
    desk = desk_id(server, admin)
    with server.api(admin) as http:
        etag = http.get(f"/api/v1/desks/{desk}").headers["etag"]
        r = http.patch(f"/api/v1/desks/{desk}", json={"merge_requires_approval": True}, headers={"If-Match": etag})
        assert r.status_code == 200, r.text


def erase(server: LiveServer, person: dict[str, Any]) -> None:
    supervisor = server.make_agent("supervisor")
    with server.api(supervisor) as http:
        request = http.post(
            "/api/v1/privacy/subject-requests",
            json={
                "registrant_id": person["id"],
                "kind": "erasure",
                "channel": "in_person",
            },
        )
        assert request.status_code == 201, request.text
        assert http.post(f"/api/v1/privacy/subject-requests/{request.json()['id']}/erase").status_code == 200


async def choose(page: Page, field: str, value: str, number: str) -> None:
    group = page.locator("#person-merge").get_by_role("group", name=f"{field} : valeur à garder")
    await group.get_by_label(f"{value} (dossier {number})").check()


async def sign_out(page: Page) -> None:
    await page.get_by_role("button", name="Se déconnecter").click()
    await expect(page.get_by_role("heading", name="Connexion")).to_be_visible()


async def test_a_file_changed_meanwhile_is_compared_again_with_the_choices_kept(page: Page, server: LiveServer) -> None:
    agent = server.make_agent()
    first, second = two_files(server, agent)
    await sign_in(page, server, agent)
    await open_by_address(page, server, first["id"])
    await compare_with(page, second)
    await choose(page, "Profession", "commerçante", second["registration_number"])
    await choose(page, "E-mail", "awa.badji@example.org", second["registration_number"])
    edit_via_api(server, agent, second, host_city="Rabat")  # a colleague, meanwhile
    section = page.locator("#person-merge")
    await section.get_by_role("button", name="Fusionner les deux dossiers").click()
    await expect(section.get_by_role("alert")).to_contain_text("Un des deux dossiers a changé depuis la comparaison")
    await expect(section.locator("table tr.differs", has_text="Ville de résidence")).to_contain_text("Rabat")
    group = section.get_by_role("group", name="Profession : valeur à garder")
    await expect(group.get_by_label(f"commerçante (dossier {second['registration_number']})")).to_be_checked()
    await choose(page, "Ville de résidence", "Rabat", second["registration_number"])
    await section.get_by_role("button", name="Fusionner les deux dossiers").click()
    await expect(page.locator("#person-msg")).to_contain_text("Dossiers fusionnés")
    await expect(page.locator("#person dl")).to_contain_text("Rabat")


async def test_a_file_merged_or_erased_meanwhile_is_said_in_a_sentence(page: Page, server: LiveServer) -> None:
    agent = server.make_agent()
    first, second = two_files(server, agent)
    third = badji(server, agent)
    fourth = badji(server, agent)
    await sign_in(page, server, agent)
    await open_by_address(page, server, first["id"])
    await compare_with(page, second)
    merge_via_api(server, agent, third, second)  # another agent merged the second file elsewhere
    await choose(page, "Profession", "couturière", first["registration_number"])
    await choose(page, "E-mail", "awa.badji@example.org", second["registration_number"])
    section = page.locator("#person-merge")
    await section.get_by_role("button", name="Fusionner les deux dossiers").click()
    alert = section.get_by_role("alert")
    await expect(alert).to_contain_text("L'un des deux dossiers a déjà été fusionné dans un autre")
    await assert_accessible(page)
    await alert.get_by_role("button", name="Ouvrir le dossier où il a été fusionné").click()
    await answer_leaving(page, leave=True)  # the choices of the merge refused were not saved
    await expect(page.locator("#person > p.mono")).to_have_text(third["registration_number"])

    await open_by_address(page, server, first["id"])
    await expect(page.locator("#person > p.mono")).to_have_text(first["registration_number"])
    await compare_with(page, fourth)
    erase(server, fourth)
    await section.get_by_role("button", name="Fusionner les deux dossiers").click()
    await expect(section.get_by_role("alert")).to_have_text(
        f"Le dossier {fourth['registration_number']} a été anonymisé (effacement) : "
        "il ne peut plus être fusionné, ni dans un sens ni dans l'autre."
    )


async def test_an_unmerge_the_api_refuses_says_why(page: Page, server: LiveServer) -> None:
    agent = server.make_agent()
    first, second = two_files(server, agent)
    merge_via_api(server, agent, first, second)
    edit_via_api(server, agent, first, occupation="vendeuse")  # the survivor edited since the merge
    await sign_in(page, server, agent)
    await open_by_address(page, server, second["id"])
    await page.get_by_role("button", name=f"Annuler la fusion de {second['registration_number']}").click()
    await page.get_by_role("button", name="Oui, annuler la fusion").click()
    alert = page.locator("#unmerge").get_by_role("alert")
    await expect(alert).to_contain_text("La fusion ne peut pas être annulée à l'identique :")
    await expect(alert).to_contain_text("« Profession » du dossier conservé a été modifié depuis la fusion")
    await assert_accessible(page)


async def test_a_supervisor_approves_or_rejects_the_merges_agents_propose(page: Page, server: LiveServer) -> None:
    require_approval(server)
    agent, supervisor = server.make_agent(), server.make_agent("supervisor")
    first, second = two_files(server, agent)
    await sign_in(page, server, agent)
    await open_by_address(page, server, first["id"])
    await compare_with(page, second)
    section = page.locator("#person-merge")
    await expect(section).to_contain_text("un superviseur approuve les fusions")
    await choose(page, "Profession", "commerçante", second["registration_number"])
    await choose(page, "E-mail", "awa.badji@example.org", second["registration_number"])
    await section.get_by_role("button", name="Proposer la fusion").click()
    await expect(page.locator("#person-msg")).to_have_text(
        "Fusion proposée : un superviseur doit l'approuver. Rien n'a changé pour l'instant."
    )
    await expect(section).to_contain_text("En attente de la décision d'un superviseur")
    await expect(section.get_by_role("button", name="Même personne qu'un autre dossier…")).to_have_count(0)
    await expect(section.get_by_role("button", name="Examiner")).to_have_count(0)  # agents do not decide

    # a third file proposed into the first is refused while the first proposal waits
    third = badji(server, agent)
    await open_by_address(page, server, third["id"])
    await expect(page.locator("#person > p.mono")).to_have_text(third["registration_number"])
    await compare_with(page, second)
    await page.locator("#person-merge").get_by_role("button", name="Proposer la fusion").click()
    await expect(page.locator("#person-merge").get_by_role("alert")).to_have_text(
        "L'un de ces dossiers est déjà dans une fusion en attente d'approbation : attendez la décision du superviseur."
    )
    await sign_out(page)

    await sign_in(page, server, supervisor)
    await page.get_by_role("button", name="Files de dossiers").click()
    reviews = page.locator("#merge-reviews")
    row = reviews.locator("li", has_text=second["registration_number"])
    await row.get_by_role(
        "button", name=f"Examiner la fusion de {second['registration_number']} dans {first['registration_number']}"
    ).click()
    await expect(row.locator("dl")).to_contain_text(f"gardée : {second['registration_number']}")
    await assert_accessible(page)
    await row.get_by_role("button", name="Approuver la fusion").click()
    await expect(page.locator("#merge-reviews-msg")).to_have_text(
        f"Fusion approuvée : les dossiers {second['registration_number']} et {first['registration_number']} "
        "sont réunis."
    )
    await expect(reviews.locator("li")).to_have_text(["Aucune fusion en attente."])

    # proposed again elsewhere, the file edited since: approving is refused and said; rejecting works
    fourth = badji(server, agent)
    proposal = merge_via_api(server, agent, third, fourth)
    assert proposal["status"] == "proposed"
    edit_via_api(server, agent, fourth, host_city="Fès")
    await page.get_by_role("button", name="Rechercher").click()
    await page.get_by_role("button", name="Files de dossiers").click()
    row = reviews.locator("li", has_text=fourth["registration_number"])
    await row.get_by_role("button", name="Examiner", exact=False).click()
    await row.get_by_role("button", name="Approuver la fusion").click()
    await expect(row.get_by_role("alert")).to_contain_text("Un des dossiers a changé depuis la proposition")
    await row.get_by_label("Note de décision").fill("À reproposer sur les dossiers à jour.")
    await row.get_by_role("button", name="Refuser la fusion").click()
    await expect(page.locator("#merge-reviews-msg")).to_contain_text("Fusion refusée")
    with server.api(supervisor) as http:
        record = http.get(f"{MERGES}/{proposal['id']}").json()
    assert (record["status"], record["note"]) == ("rejected", "À reproposer sur les dossiers à jour.")


async def test_an_agent_is_not_offered_an_unmerge_at_a_desk_requiring_approval(page: Page, server: LiveServer) -> None:
    require_approval(server)
    agent, supervisor = server.make_agent(), server.make_agent("supervisor")
    first, second = two_files(server, agent)
    merge_via_api(server, supervisor, first, second)
    await sign_in(page, server, agent)
    await open_by_address(page, server, second["id"])
    await expect(page.get_by_role("heading", name="Dossier fusionné", level=1)).to_be_visible()
    await expect(page.locator("#unmerge")).to_have_count(0)


async def test_an_edits_duplicate_candidate_is_compared_and_merged(page: Page, server: LiveServer) -> None:
    agent = server.make_agent()
    other = badji(server, agent)
    mine = badji(server, agent, given_names="Aoua", family_name="Sagna")
    await sign_in(page, server, agent)
    await open_by_address(page, server, mine["id"])
    await page.locator("#person").get_by_role("button", name="Modifier").click()
    await page.locator("#edit-form").get_by_label("Prénom(s)").fill("Awa")
    await page.locator("#edit-form").get_by_label("Nom", exact=True).fill("Badji")
    await page.locator("#edit-form").get_by_role("button", name="Enregistrer les modifications").click()

    await expect(page.locator("#edit-form")).to_be_visible()
    await assert_accessible(page)  # the candidate's buttons are named by what they show
    await page.get_by_role(
        "button", name=f"Fusionner avec ce dossier : Awa Badji ({other['registration_number']})"
    ).click()
    await answer_leaving(page, leave=True)  # the edit is not saved: abandoned
    section = page.locator("#person-merge")
    await expect(section.locator("table caption")).to_have_text("Comparaison avant fusion")
    await expect(section.locator("table")).to_contain_text(other["registration_number"])
    await choose(page, "Prénom(s)", "Aoua", mine["registration_number"])
    await choose(page, "Nom", "Sagna", mine["registration_number"])
    await section.get_by_role("button", name="Fusionner les deux dossiers").click()
    await expect(page.locator("#person-msg")).to_contain_text(
        f"le dossier {other['registration_number']} fait maintenant partie de celui-ci"
    )
