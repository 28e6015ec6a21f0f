"""The consent to a referral is recorded for a partner picked from the list, and the referral form
says whether the person consented by that partner's id, not by a name partners may change."""

from __future__ import annotations

import pytest
from playwright.async_api import Page, expect

from tests.web.conftest import LiveServer
from tests.web.helpers import open_file, register_via_api, sign_in

pytestmark = pytest.mark.asyncio(loop_scope="session")


async def test_the_consent_follows_its_partner_through_a_rename(page: Page, server: LiveServer) -> None:
    admin = server.make_agent("admin")
    agent = server.make_agent()
    with server.api(admin) as http:
        made = http.post("/api/v1/partners", json={"name": "Caritas Rabat", "kind": "ngo", "country": "MA"})
        assert made.status_code == 201, made.text
    caritas = made.json()
    person = register_via_api(server, agent, given_names="Ndeye", family_name="Diouf")
    with server.api(agent) as http:
        case = http.post(
            "/api/v1/cases", json={"registrant_id": person["id"], "service_type": "SOCIAL", "channel": "walk_in"}
        ).json()
    await sign_in(page, server, agent)
    await open_file(page, "Ndeye Diouf")
    consents = page.locator("#person-consents")
    await consents.get_by_label("Finalité").select_option("partner_referral")
    await consents.get_by_label("Accordé").check()
    await consents.get_by_label("Partenaire concerné").select_option(label="Caritas Rabat")
    await consents.get_by_role("button", name="Enregistrer un consentement").click()
    await expect(page.locator("#person-msg")).to_have_text("Consentement enregistré.")
    with server.api(agent) as http:
        stored = http.get(f"/api/v1/registrants/{person['id']}").json()["consents"]
    [recorded] = [c for c in stored if c["purpose"] == "partner_referral"]
    assert (recorded["partner_id"], recorded["partner_name"]) == (caritas["id"], "Caritas Rabat")

    # the partner renamed, and its old name given to a new partner
    with server.api(admin) as http:
        tag = http.get(f"/api/v1/partners/{caritas['id']}").headers["etag"]
        renamed = http.patch(
            f"/api/v1/partners/{caritas['id']}", json={"name": "Caritas Maroc"}, headers={"If-Match": tag}
        )
        assert renamed.status_code == 200, renamed.text
        other = http.post("/api/v1/partners", json={"name": "Caritas Rabat", "kind": "ngo", "country": "MA"})
        assert other.status_code == 201, other.text
    await page.get_by_role("button", name=case["case_number"]).click()
    consent = page.locator("#referral-consent")
    await page.locator("#referral-partner").select_option(label="Caritas Rabat")
    await expect(consent).to_contain_text("Aucun consentement enregistré")
    await page.locator("#referral-partner").select_option(label="Caritas Maroc")
    await expect(consent).to_contain_text("La personne a consenti")
