"""The moves the case screen offers are the reader's (the API's ``allowed_transitions``): an agent
is not offered what the API would refuse them, still works on a case awaiting a supervisor's
decision, and is led to the referral form before a case can be moved to ``referred``."""

from __future__ import annotations

import pytest
from playwright.async_api import Page, expect

from tests.web.conftest import LiveServer, assert_accessible
from tests.web.helpers import CONSENT, open_case_via_api, register_via_api, show_case, sign_in

pytestmark = pytest.mark.asyncio(loop_scope="session")


async def test_an_agent_is_offered_only_the_moves_the_api_makes_and_keeps_working_on_a_closure_request(
    page: Page, server: LiveServer
) -> None:
    agent = server.make_agent()
    person = register_via_api(server, agent, given_names="Moustapha", family_name="Niang")
    case, _ = open_case_via_api(server, agent, person, service_type="LEGAL_AID")
    await sign_in(page, server, agent)
    await show_case(page, server, case)
    move = page.locator("#move-form")
    # LEGAL_AID needs a supervisor's approval to close: the agent asks for it, closes nothing
    options = await move.get_by_label("Passer au statut").locator("option").all_inner_texts()
    assert options == ["Qualifié", "Transféré", "Clôture demandée"], options
    await move.get_by_label("Passer au statut").select_option("pending_closure")
    await move.get_by_label("Résultat").select_option("legal")
    await move.get_by_role("button", name="Changer le statut").click()
    await expect(page.locator("#case-msg")).to_have_text("Statut changé.")
    # a supervisor decides the request: no move for the agent, who still takes notes and the case
    await expect(page.locator("#move-form")).to_have_count(0)
    await expect(page.locator("#case")).to_contain_text("Aucun changement de statut possible.")
    await expect(page.locator("#note-form")).to_be_visible()
    await expect(page.get_by_role("button", name="Prendre le dossier")).to_be_visible()
    await assert_accessible(page)


async def test_a_referral_answered_meanwhile_makes_the_move_read_the_case_again(page: Page, server: LiveServer) -> None:
    """``referred`` was offered (a referral awaited its answer) but the partner's answer was
    recorded meanwhile: the case's ETag moved with it, so the move is refused (412), nothing moves,
    the case is read again and said changed, and ``referred`` is no longer offered."""
    admin = server.make_agent("admin")
    agent = server.make_agent()
    with server.api(admin) as http:
        partner = http.post("/api/v1/partners", json={"name": "Caritas Rabat", "kind": "ngo", "country": "MA"}).json()
    person = register_via_api(server, agent, given_names="Fatou", family_name="Diouf")
    case, tag = open_case_via_api(server, agent, person)
    with server.api(agent) as http:
        consent = {"purpose": "partner_referral", "partner_id": partner["id"], **CONSENT}
        assert http.post(f"/api/v1/registrants/{person['id']}/consents", json=consent).status_code == 201
        moved = http.post(
            f"/api/v1/cases/{case['id']}/transitions", json={"to": "qualified"}, headers={"If-Match": tag}
        )
        assert moved.status_code == 200, moved.text
        referral = http.post(f"/api/v1/cases/{case['id']}/referrals", json={"partner_id": partner["id"]}).json()
    await sign_in(page, server, agent)
    await show_case(page, server, case)
    move = page.locator("#move-form")
    await move.get_by_label("Passer au statut").select_option("referred")
    with server.api(agent) as http:
        url = f"/api/v1/cases/{case['id']}/referrals/{referral['id']}"
        answered = http.patch(url, json={"status": "declined"}, headers={"If-Match": http.get(url).headers["etag"]})
        assert answered.status_code == 200, answered.text
    await move.get_by_role("button", name="Changer le statut").click()
    await expect(page.locator("#case-msg")).to_contain_text("Ce dossier a été modifié entre-temps")
    await expect(page.locator("#move-form option[value=referred]")).to_have_count(0)
    with server.api(agent) as http:
        assert http.get(f"/api/v1/cases/{case['id']}").json()["status"] == "qualified"
