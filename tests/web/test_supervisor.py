"""Item 6 (supervisors): assign a case to a colleague, record a partner's answer to a referral, and
change the due date with a reason (a date the API refuses is explained where it was typed)."""

from __future__ import annotations

import datetime as dt

import pytest
from playwright.async_api import Page, expect

from tests.web.conftest import LiveServer, assert_accessible
from tests.web.helpers import open_file, register_via_api, sign_in

pytestmark = pytest.mark.asyncio(loop_scope="session")


def _day_words(day: dt.date) -> str:
    """A day as the client writes it in French ("5 mars 2026"), Intl's medium style."""
    months = ["janv.", "févr.", "mars", "avr.", "mai", "juin", "juil.", "août", "sept.", "oct.", "nov.", "déc."]
    return f"{day.day} {months[day.month - 1]} {day.year}"


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
    # from which date to which, with the reason given
    before = dt.date.fromisoformat(case["due_date"])
    await expect(page.locator(".timeline")).to_contain_text(
        f"a changé l'échéance du {_day_words(before)} au {_day_words(later)} (motif : Pièces attendues du consulat)"
    )

    status = view.get_by_label("Nouveau statut de l'orientation (Caritas Rabat)")
    options = await status.locator("option").all_inner_texts()
    assert options == ["Choisir…", "Reçue par le partenaire", "Réponse reçue", "Refusée", "Sans réponse"]
    await status.select_option("acknowledged")
    await view.get_by_role("button", name="Mettre à jour l'orientation").click()
    await expect(page.locator("#case-msg")).to_have_text("Orientation mise à jour.")
    await expect(view).to_contain_text("Caritas Rabat · Reçue par le partenaire")
    await assert_accessible(page)


async def test_a_supervisor_lists_the_closures_awaiting_approval(page: Page, server: LiveServer) -> None:
    supervisor = server.make_agent("supervisor")
    agent = server.make_agent()
    asking = register_via_api(server, agent, given_names="Ndeye", family_name="Mbaye")
    other = register_via_api(server, agent, given_names="Modou", family_name="Diouf")
    with server.api(agent) as http:
        cases = [
            http.post("/api/v1/cases", json={"registrant_id": p["id"], "service_type": "SOCIAL", "channel": "walk_in"})
            for p in (asking, other)
        ]
        assert all(c.status_code == 201 for c in cases), [c.text for c in cases]
        case = cases[0].json()
        etag = http.get(f"/api/v1/cases/{case['id']}").headers["etag"]
        asked = http.post(
            f"/api/v1/cases/{case['id']}/transitions",
            json={"to": "pending_closure", "outcome_category": "information"},
            headers={"If-Match": etag},
        )
        assert asked.status_code == 200, asked.text
    await sign_in(page, server, supervisor)
    await page.get_by_role("button", name="Files de dossiers").click()
    await page.locator("#queue").select_option(label="Clôtures à approuver")
    await page.locator("#queue-form").get_by_role("button", name="Afficher").click()
    rows = page.locator("#cases li")
    await expect(rows).to_have_count(1)
    await expect(rows.first).to_contain_text(case["case_number"])
    await assert_accessible(page)


async def test_an_agent_is_not_offered_the_closures_to_approve(page: Page, server: LiveServer) -> None:
    agent = server.make_agent()
    await sign_in(page, server, agent)
    await page.get_by_role("button", name="Files de dossiers").click()
    options = await page.locator("#queue option:not([hidden])").all_inner_texts()
    assert "Clôtures à approuver" not in options
