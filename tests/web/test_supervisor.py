"""Item 6 (supervisors): assign a case to a colleague, record a partner's answer to a referral, and
change the due date with a reason (a date the API refuses is explained where it was typed)."""

from __future__ import annotations

import datetime as dt

import pytest
from playwright.async_api import Page, expect

from tests.web.conftest import LiveServer, assert_accessible
from tests.web.helpers import open_file, register_via_api, sign_in

pytestmark = pytest.mark.asyncio(loop_scope="session")


async def test_supervisor_assigns_updates_a_referral_and_moves_the_due_date(page: Page, server: LiveServer) -> None:
    supervisor = server.make_agent("supervisor")
    agent = server.make_agent()
    admin = server.make_agent("admin")
    consent = {"granted": True, "channel": "in_person", "notice_version": "2026-01", "language": "fr"}
    person = register_via_api(server, agent, given_names="Rokhaya", family_name="Sow")
    with server.api(admin) as http:
        partner = http.post(
            "/api/v1/partners",
            json={
                "name": "Caritas Rabat",
                "kind": "ngo",
                "country": "MA",
                "city": "Rabat",
                "service_types": ["SOCIAL"],
            },
        )
        assert partner.status_code == 201, partner.text
    with server.api(agent) as http:
        given = {"purpose": "partner_referral", "partner_name": "Caritas Rabat", **consent}
        assert http.post(f"/api/v1/registrants/{person['id']}/consents", json=given).status_code == 201
        case = http.post(
            "/api/v1/cases", json={"registrant_id": person["id"], "service_type": "SOCIAL", "channel": "walk_in"}
        ).json()
        referral = http.post(f"/api/v1/cases/{case['id']}/referrals", json={"partner_id": partner.json()["id"]})
        assert referral.status_code == 201, referral.text
    await sign_in(page, server, supervisor)
    await open_file(page, "Rokhaya Sow")
    await page.get_by_role("button", name=case["case_number"]).click()
    view = page.locator("#case")

    assign = page.locator("#assign-form")
    await assign.get_by_label("Attribuer à").select_option(str(agent.id))
    await assign.get_by_role("button", name="Attribuer").click()
    await expect(page.locator("#case-msg")).to_have_text("Dossier attribué.")
    await expect(view.locator("dd").nth(4)).to_have_text("Test agent")
    await expect(page.locator(".timeline")).to_contain_text("a attribué le dossier à")

    due = page.locator("#due-form")
    opened = dt.date.fromisoformat(case["opened_on"])
    await due.get_by_label("Nouvelle échéance").fill((opened - dt.timedelta(days=3)).isoformat())
    await due.get_by_label("Motif du changement d'échéance").fill("Pièces attendues du consulat")
    await due.get_by_role("button", name="Changer l'échéance").click()
    await expect(page.locator("#case-msg")).to_be_visible()
    await expect(page.locator("#case-msg")).not_to_have_text("Échéance changée.")
    assert "due_date" not in await page.locator("#case-msg").inner_text()
    later = opened + dt.timedelta(days=30)
    await due.get_by_label("Nouvelle échéance").fill(later.isoformat())
    await due.get_by_role("button", name="Changer l'échéance").click()
    await expect(page.locator("#case-msg")).to_have_text("Échéance changée.")
    await expect(view.locator("dd").nth(2)).to_contain_text(str(later.day))
    await expect(page.locator(".timeline")).to_contain_text("a changé l'échéance")

    status = view.get_by_label("Nouveau statut de l'orientation (Caritas Rabat)")
    options = await status.locator("option").all_inner_texts()
    assert options == ["Choisir…", "Reçue par le partenaire", "Réponse reçue", "Refusée", "Sans réponse"]
    await status.select_option("acknowledged")
    await view.get_by_role("button", name="Mettre à jour l'orientation").click()
    await expect(page.locator("#case-msg")).to_have_text("Orientation mise à jour.")
    await expect(view).to_contain_text("Caritas Rabat · Reçue par le partenaire")
    await assert_accessible(page)
