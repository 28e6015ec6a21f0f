"""A case's follow-up on the case screen: the partner's answer to a referral (answer, reference,
date; a date the API refuses said at its field), the documents asked of the person, and a closure
request said plainly to the supervisor who decides it."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from playwright.async_api import Page, expect

from tests.web.conftest import Agent, LiveServer, assert_accessible
from tests.web.helpers import open_file, register_via_api, sign_in

pytestmark = pytest.mark.asyncio(loop_scope="session")

CONSENT = {"granted": True, "channel": "in_person", "notice_version": "2026-01", "language": "fr"}


def _case(server: LiveServer, agent: Agent, person: dict[str, Any], service_type: str = "SOCIAL") -> dict[str, Any]:
    with server.api(agent) as http:
        opened = http.post(
            "/api/v1/cases", json={"registrant_id": person["id"], "service_type": service_type, "channel": "walk_in"}
        )
        assert opened.status_code == 201, opened.text
        return opened.json()  # type: ignore[no-any-return]


async def _open_case(page: Page, name: str, case: dict[str, Any]) -> None:
    await open_file(page, name)
    await page.get_by_role("button", name=case["case_number"]).click()
    await expect(page.get_by_role("heading", level=1)).to_contain_text(case["case_number"])


async def test_the_partners_answer_is_recorded_with_its_reference_and_date(page: Page, server: LiveServer) -> None:
    agent = server.make_agent()
    admin = server.make_agent("admin")
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
        ).json()
    case = _case(server, agent, person)
    with server.api(agent) as http:
        given = {"purpose": "partner_referral", "partner_name": "Caritas Rabat", **CONSENT}
        assert http.post(f"/api/v1/registrants/{person['id']}/consents", json=given).status_code == 201
        referral = http.post(f"/api/v1/cases/{case['id']}/referrals", json={"partner_id": partner["id"]}).json()
    await sign_in(page, server, agent)
    await _open_case(page, "Rokhaya Sow", case)
    form = page.locator(f"#referral-status-{referral['id']}-form")
    answer = form.get_by_label("Réponse du partenaire")
    await expect(answer).to_be_hidden()
    await form.get_by_label("Nouveau statut de l'orientation").select_option("acknowledged")
    await expect(form.get_by_label("Référence du partenaire")).to_be_visible()
    await expect(form.get_by_label("Réponse attendue le")).to_be_visible()
    await expect(answer).to_be_hidden()  # an acknowledgement carries no answer nor answer date
    await expect(form.get_by_label("Date de la réponse")).to_be_hidden()

    await form.get_by_label("Nouveau statut de l'orientation").select_option("answered")
    await expect(form.get_by_label("Réponse attendue le")).to_be_hidden()
    # An answer longer than the API takes (2 000 characters) is said with its limit in the page,
    # nothing sent, the text kept whole to be cut by the agent (before: sent, then refused by the API).
    patches: list[str] = []
    page.on("request", lambda request: patches.append(request.url) if request.method == "PATCH" else None)
    await answer.fill("é" * 2001)
    await form.get_by_role("button", name="Mettre à jour l'orientation").click()
    too_long = form.locator("xpath=following-sibling::p[@role='alert'][1]")
    await expect(too_long).to_contain_text("Réponse du partenaire : trop long (2\u00a0000\u00a0caractères au plus)")
    await expect(answer).to_have_attribute("aria-invalid", "true")
    await expect(answer).to_have_value("é" * 2001)
    assert patches == []
    await answer.fill("Prise en charge acceptée : hébergement de deux semaines")
    await form.get_by_label("Référence du partenaire").fill("CR-2026-17")
    # A date the API refuses (after the desk's today) is said at its field, in French; nothing typed is lost.
    await form.get_by_label("Date de la réponse").fill("2099-01-01")
    await form.get_by_role("button", name="Mettre à jour l'orientation").click()
    refused = form.locator("xpath=following-sibling::p[@role='alert'][1]")
    await expect(refused).to_contain_text("Date de la réponse : date dans le futur")
    await expect(form.get_by_label("Date de la réponse")).to_have_attribute("aria-invalid", "true")
    await expect(answer).to_have_value("Prise en charge acceptée : hébergement de deux semaines")
    assert "answered_on" not in await refused.inner_text()

    referred_on = dt.date.fromisoformat(referral["referred_on"])
    await form.get_by_label("Date de la réponse").fill(referred_on.isoformat())
    await form.get_by_role("button", name="Mettre à jour l'orientation").click()
    await expect(page.locator("#case-msg")).to_have_text("Orientation mise à jour.")
    shown = page.locator("#case li.referral")
    await expect(shown).to_contain_text("Caritas Rabat · Réponse reçue")
    await expect(shown).to_contain_text(f"réponse le {referred_on.day}")
    await expect(shown).to_contain_text("CR-2026-17")
    await expect(shown).to_contain_text("Prise en charge acceptée : hébergement de deux semaines")
    with server.api(agent) as http:
        saved = http.get(f"/api/v1/cases/{case['id']}/referrals/{referral['id']}").json()
    assert (saved["status"], saved["answered_on"], saved["partner_reference"], saved["outcome"]) == (
        "answered",
        referred_on.isoformat(),
        "CR-2026-17",
        "Prise en charge acceptée : hébergement de deux semaines",
    )
    await assert_accessible(page)


async def test_the_documents_missing_are_asked_and_the_answer_said(page: Page, server: LiveServer) -> None:
    agent = server.make_agent()
    person = register_via_api(server, agent, given_names="Ibrahima", family_name="Ndiaye")
    case = _case(server, agent, person)
    await sign_in(page, server, agent)
    await _open_case(page, "Ibrahima Ndiaye", case)
    form = page.locator("#documents-missing-form")
    usual = form.get_by_label("Pièce d'identité")  # the service type's usual documents, in words, ticked
    await expect(usual).to_be_checked()
    other = form.get_by_label("Autres documents manquants")
    box = form.locator("xpath=following-sibling::p[@role='alert'][1]")

    await usual.uncheck()
    await form.get_by_role("button", name="Demander ces documents").click()
    await expect(box).to_have_text("Cochez ou écrivez au moins un document.")

    await usual.check()
    await other.fill("Acte de mariage\n" + "x" * 201)  # a document named in more than 200 characters is refused
    await form.get_by_role("button", name="Demander ces documents").click()
    await expect(box).to_contain_text("Autres documents manquants (un par ligne) : trop long")
    await expect(other).to_have_attribute("aria-invalid", "true")

    await other.fill("Acte de mariage\n\n")
    await form.get_by_role("button", name="Demander ces documents").click()
    said = page.locator("#case-msg")
    await expect(said).to_contain_text("Documents demandés : Pièce d'identité, Acte de mariage.")
    # the person has no way to be contacted: the request is recorded, the reason no message left said
    await expect(said).to_contain_text("aucun message n'est parti")
    await expect(page.locator(".timeline")).to_contain_text(
        "a demandé des documents à la personne : Pièce d'identité, Acte de mariage"
    )
    await assert_accessible(page)


async def test_a_closure_request_says_what_the_supervisor_decides(page: Page, server: LiveServer) -> None:
    agent = server.make_agent()
    supervisor = server.make_agent("supervisor")
    person = register_via_api(server, agent, given_names="Ndeye", family_name="Mbaye")
    case = _case(server, agent, person)
    await sign_in(page, server, agent)
    await _open_case(page, "Ndeye Mbaye", case)
    move = page.locator("#move-form")
    # the agent proposes a closing status and explains it in a note (fields of the closure request)
    await move.get_by_label("Passer au statut").select_option("pending_closure")
    await move.get_by_label("Clôture proposée au superviseur").select_option("closed_withdrawn")
    await move.get_by_label("Résultat").select_option("information")
    await move.get_by_label("Note de clôture").fill("La personne a trouvé un logement seule.")
    await move.get_by_role("button", name="Changer le statut").click()
    await expect(page.locator("#case-msg")).to_have_text("Statut changé.")
    await expect(page.locator("#closure-request")).to_contain_text("attend la décision d'un superviseur")
    await page.get_by_role("button", name="Se déconnecter").click()

    await sign_in(page, server, supervisor)
    await _open_case(page, "Ndeye Mbaye", case)
    request = page.locator("#closure-request")
    await expect(request).to_contain_text(f"L'agent demande de clore le dossier {case['case_number']} de Ndeye Mbaye")
    for term, value in (
        ("Demandée par", agent.email),
        ("Clôture proposée", "Clos (retrait)"),
        ("Résultat proposé", "Information"),
        ("Note de l'agent", "La personne a trouvé un logement seule."),
    ):
        await expect(request.locator(f'dt:text-is("{term}") + dd')).to_contain_text(value)
    decide = page.locator("#move-form")
    await expect(page.get_by_role("heading", name="Décision sur la demande de clôture")).to_be_visible()
    choice = decide.get_by_label("Votre décision")
    assert await choice.locator("option").all_inner_texts() == [
        "Approuver : Clos (retrait)",
        "Clore autrement : Résolu",
        "Clore autrement : Clos sans réponse",
        "Refuser : renvoyer en suivi",
    ]
    await expect(choice).to_have_value("closed_withdrawn")
    await expect(decide.get_by_label("Résultat")).to_have_value("information")
    await choice.select_option("in_follow_up")
    await expect(decide.get_by_label("Motif du refus (l'agent le lira)")).to_be_visible()
    await assert_accessible(page)
    await choice.select_option("closed_withdrawn")
    await decide.get_by_role("button", name="Enregistrer la décision").click()
    await expect(page.locator("#case-msg")).to_have_text("Statut changé.")
    await expect(page.locator("#case dd").nth(1)).to_have_text("Clos (retrait)")
    with server.api(supervisor) as http:
        closed = http.get(f"/api/v1/cases/{case['id']}").json()
    assert (closed["status"], closed["outcome_category"], closed["outcome_note"]) == (
        "closed_withdrawn",
        "information",
        "La personne a trouvé un logement seule.",
    )
