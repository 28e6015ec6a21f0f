"""A consent is withdrawn from the person's file: asked first (the question names the purpose),
then the consent shows as withdrawn with the day of the withdrawal, and the API has it withdrawn
(the record kept). A refusal and a consent already withdrawn offer no withdrawal."""

from __future__ import annotations

import datetime as dt

import pytest
from playwright.async_api import Page, expect

from tests.web.conftest import LiveServer, assert_accessible
from tests.web.helpers import open_file, register_via_api, sign_in

pytestmark = pytest.mark.asyncio(loop_scope="session")

GIVEN = {"granted": True, "channel": "in_person", "notice_version": "2026-01", "language": "wo"}


async def test_a_consent_is_withdrawn_after_a_confirmation_and_shows_its_withdrawal_date(
    page: Page, server: LiveServer
) -> None:
    agent = server.make_agent()
    person = register_via_api(server, agent, given_names="Khady", family_name="Fall")
    with server.api(agent) as http:
        for body in ({"purpose": "statistics", **GIVEN}, {"purpose": "contact_email", **GIVEN, "granted": False}):
            made = http.post(f"/api/v1/registrants/{person['id']}/consents", json=body)
            assert made.status_code == 201, made.text
    await sign_in(page, server, agent)
    await open_file(page, "Khady Fall")
    consents = page.locator("#person-consents")
    # one button per consent given and in force, named with its purpose; none for the refusal
    withdraw = consents.get_by_role("button", name="Retirer le consentement : statistiques")
    await expect(withdraw).to_have_text("Retirer")
    await expect(
        consents.get_by_role("button", name="Retirer le consentement : être servi(e) au guichet")
    ).to_have_count(1)
    await expect(consents.get_by_role("button", name="Retirer le consentement : contact par e-mail")).to_have_count(0)
    await assert_accessible(page)

    # "no" keeps it, the focus back on the button; nothing is sent
    await withdraw.click()
    question = consents.get_by_role("group", name="Retirer le consentement : statistiques")
    await expect(question).to_contain_text("Retirer le consentement « statistiques » ?")
    await assert_accessible(page)
    await question.get_by_role("button", name="Non, le garder").click()
    await expect(withdraw).to_be_focused()
    with server.api(agent) as http:
        record = http.get(f"/api/v1/registrants/{person['id']}").json()
        assert all(c["withdrawn_at"] is None for c in record["consents"]), record["consents"]

    await withdraw.click()
    await question.get_by_role("button", name="Oui, retirer le consentement").click()
    await expect(page.locator("#person-msg")).to_have_text("Consentement retiré.")
    today = dt.date.today()
    withdrawn = consents.locator("li", has_text="statistiques")
    await expect(withdrawn).to_contain_text("statistiques : accordé · recueilli le")
    day = await page.evaluate(
        "(iso) => new Intl.DateTimeFormat('fr', { dateStyle: 'medium' }).format(new Date(iso + 'T12:00:00'))",
        today.isoformat(),
    )
    await expect(withdrawn.locator("strong")).to_have_text(f"retiré le {day}")
    await expect(withdrawn.get_by_role("button")).to_have_count(0)
    await expect(
        consents.get_by_role("button", name="Retirer le consentement : être servi(e) au guichet")
    ).to_have_count(1)
    await assert_accessible(page)
    with server.api(agent) as http:
        record = http.get(f"/api/v1/registrants/{person['id']}").json()
    by_purpose = {c["purpose"]: c for c in record["consents"]}
    assert by_purpose["statistics"]["withdrawn_at"] is not None
    assert by_purpose["statistics"]["withdrawn_at"][:10] in {
        today.isoformat(),
        (today - dt.timedelta(days=1)).isoformat(),
    }
    assert by_purpose["service_delivery"]["withdrawn_at"] is None


async def test_a_consent_withdrawn_meanwhile_is_said_not_withdrawn_twice(page: Page, server: LiveServer) -> None:
    agent = server.make_agent()
    person = register_via_api(server, agent, given_names="Khady", family_name="Fall")
    await sign_in(page, server, agent)
    await open_file(page, "Khady Fall")
    consents = page.locator("#person-consents")
    with server.api(agent) as http:  # a colleague withdraws it while the file is open here
        consent = http.get(f"/api/v1/registrants/{person['id']}").json()["consents"][0]
        done = http.post(f"/api/v1/registrants/{person['id']}/consents/{consent['id']}/withdraw")
        assert done.status_code == 200, done.text
    await consents.get_by_role("button", name="Retirer le consentement : être servi(e) au guichet").click()
    await consents.get_by_role("button", name="Oui, retirer le consentement").click()
    await expect(consents.get_by_role("alert")).to_have_text("Ce consentement a déjà été retiré.")


async def test_a_withdrawal_refused_closes_its_question_and_says_why(page: Page, server: LiveServer) -> None:
    """Before: after a refusal, « Oui, retirer le consentement / Non, le garder » stayed on screen
    above it, inviting a retry that would be refused again."""
    agent, supervisor = server.make_agent(), server.make_agent("supervisor")
    person = register_via_api(server, agent, given_names="Ndeye", family_name="Gaye")
    with server.api(agent) as http:
        made = http.post(f"/api/v1/registrants/{person['id']}/consents", json={"purpose": "statistics", **GIVEN})
        assert made.status_code == 201, made.text
    await sign_in(page, server, agent)
    await open_file(page, "Ndeye Gaye")
    consents = page.locator("#person-consents")
    withdraw = consents.get_by_role("button", name="Retirer le consentement : statistiques")
    await withdraw.click()
    question = consents.get_by_role("group", name="Retirer le consentement : statistiques")
    await expect(question).to_be_visible()
    with server.api(supervisor) as http:  # meanwhile the file is erased: its consents withdrawn, closed
        request = http.post("/api/v1/privacy/subject-requests", json={"registrant_id": person["id"], "kind": "erasure"})
        assert request.status_code == 201, request.text
        assert http.post(f"/api/v1/privacy/subject-requests/{request.json()['id']}/erase").status_code == 200
    await question.get_by_role("button", name="Oui, retirer le consentement").click()
    refusal = consents.locator("> p.msg")
    await expect(refusal).to_contain_text("anonymisé")
    await expect(refusal).to_be_focused()
    await expect(question).to_be_hidden()
    await expect(withdraw).to_be_visible()
