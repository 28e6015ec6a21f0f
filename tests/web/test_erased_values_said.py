"""What an erasure blanked is said as erased, never drawn as an empty element: a lifted legal hold's
reason (« motif effacé »), a case note's text (« note effacée »), the documents an agent typed when
asking for them (« liste effacée »)."""

from __future__ import annotations

import pytest
from playwright.async_api import Page, expect

from tests.web.conftest import LiveServer, assert_accessible
from tests.web.helpers import open_case_via_api, register_via_api, show_case, sign_in
from tests.web.test_merge_refusals import erase

pytestmark = pytest.mark.asyncio(loop_scope="session")


async def test_values_an_erasure_blanked_are_said_erased(page: Page, server: LiveServer) -> None:
    agent, supervisor = server.make_agent(), server.make_agent("supervisor")
    person = register_via_api(server, agent, given_names="Fatou", family_name="Kane")
    case, _ = open_case_via_api(server, agent, person, description="Perte de passeport à Fès")
    with server.api(agent) as http:
        note = http.post(f"/api/v1/cases/{case['id']}/notes", json={"text": "Vue à Fès avec sa sœur"})
        asked = http.post(f"/api/v1/cases/{case['id']}/documents-missing", json={"documents": ["attestation Xyz"]})
    with server.api(supervisor) as http:
        hold = http.post(
            "/api/v1/privacy/legal-holds", json={"registrant_id": person["id"], "reason": "Procès de l'employeur"}
        )
        released = http.post(f"/api/v1/privacy/legal-holds/{hold.json()['id']}/release")
    assert [r.status_code for r in (note, asked, hold, released)] == [201, 201, 201, 200], asked.text
    erase(server, person)

    await sign_in(page, server, supervisor)
    await page.evaluate(f"location.hash = '#/person/{person['id']}'")
    holds = page.locator("#legal-hold-list li")
    await expect(holds).to_have_count(1)
    await expect(holds.locator("strong")).to_have_text("motif effacé")
    await expect(holds).to_contain_text("motif effacé · levée le")

    await show_case(page, server, case)
    await expect(page.locator("#notes li p")).to_have_text("Note effacée.")
    asked_event = page.locator(".timeline li", has_text="a demandé des documents à la personne")
    await expect(asked_event).to_contain_text("a demandé des documents à la personne : liste effacée")
    await assert_accessible(page)
