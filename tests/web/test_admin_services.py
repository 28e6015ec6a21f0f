"""The administration screen, service catalogue: an administrator edits a service type's labels,
time to handle, active flag and usual documents from the web client (what the API stored is checked, a value out of
range is refused at its field), and an agent is never offered the screen."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.async_api import Page, expect

from tests.web.conftest import Agent, LiveServer, assert_accessible
from tests.web.helpers import sign_in

pytestmark = pytest.mark.asyncio(loop_scope="session")


def _service_type(server: LiveServer, admin: Agent, code: str) -> dict[str, Any]:
    with server.api(admin) as http:
        return http.get(f"/api/v1/service-types/{code}").json()  # type: ignore[no-any-return]


async def test_an_administrator_edits_and_retires_a_service_type(page: Page, server: LiveServer) -> None:
    admin = server.make_agent("admin")
    await sign_in(page, server, admin)
    await page.get_by_role("button", name="Administration").click()
    await page.get_by_role("button", name="Catalogue des services").click()
    row = page.locator("#service-list li[data-code=SOCIAL]")
    await expect(row).to_contain_text("Accompagnement social · SOCIAL · délai : 10 jours ouvrés")
    await row.get_by_role("button", name="Modifier : Accompagnement social").click()
    form = row.locator("form")
    await form.get_by_label("Libellé en français").fill("Accompagnement social et familial")
    await form.get_by_label("Libellé en anglais").fill("Social and family support")
    await form.get_by_label("Délai de traitement (jours ouvrés)").fill("400")
    await form.get_by_label("Actif (proposé pour les nouveaux dossiers)").uncheck()
    await form.get_by_role("button", name="Enregistrer le type de service").click()
    # Out of the API's range (0–250): said at the field, nothing stored, what was typed kept.
    await expect(form.locator(".msg")).to_contain_text("Délai de traitement (jours ouvrés) : valeur trop grande")
    await expect(form.get_by_label("Délai de traitement (jours ouvrés)")).to_have_attribute("aria-invalid", "true")
    assert _service_type(server, admin, "SOCIAL")["default_sla_days"] == 10
    await form.get_by_label("Délai de traitement (jours ouvrés)").fill("15")
    await form.get_by_role("button", name="Enregistrer le type de service").click()
    await expect(page.locator("#services-msg")).to_have_text("Type de service enregistré.")
    await expect(row).to_contain_text("Accompagnement social et familial · SOCIAL · délai : 15 jours ouvrés · retiré")
    stored = _service_type(server, admin, "SOCIAL")
    assert (stored["label_fr"], stored["label_en"], stored["default_sla_days"], stored["is_active"]) == (
        "Accompagnement social et familial", "Social and family support", 15, False,
    )  # fmt: skip
    await assert_accessible(page)


async def test_an_agent_is_not_offered_the_service_catalogue(page: Page, server: LiveServer) -> None:
    admin = server.make_agent("admin")
    agent = server.make_agent("agent")
    await sign_in(page, server, admin)
    await page.get_by_role("button", name="Administration").click()
    await expect(page.get_by_role("button", name="Catalogue des services")).to_be_visible()
    await page.get_by_role("button", name="Se déconnecter").click()
    await sign_in(page, server, agent)
    await expect(page.get_by_role("button", name="Files de dossiers")).to_be_visible()
    await expect(page.get_by_role("button", name="Administration")).to_be_hidden()
    await expect(page.get_by_role("button", name="Catalogue des services")).to_have_count(0)


async def test_an_administrator_sets_the_usual_documents_of_a_service_type(page: Page, server: LiveServer) -> None:
    admin = server.make_agent("admin")
    await sign_in(page, server, admin)
    await page.get_by_role("button", name="Administration").click()
    await page.get_by_role("button", name="Catalogue des services").click()
    row = page.locator("#service-list li[data-code=SOCIAL]")
    await expect(row).to_contain_text("documents habituels : Pièce d'identité")
    await row.get_by_role("button", name="Modifier : Accompagnement social").click()
    documents = row.locator("form").get_by_role("group", name="Documents habituels")
    await expect(documents.get_by_label("Pièce d'identité")).to_be_checked()
    await documents.get_by_label("Pièce d'identité").uncheck()
    await documents.get_by_label("Justificatif de domicile").check()
    others = documents.get_by_label("Autres documents")
    await others.fill("Attestation d'hébergement")
    await row.get_by_role("button", name="Enregistrer le type de service").click()
    # A code the API does not take is refused at its field; nothing stored, what was typed kept.
    await expect(row.locator("form .msg")).to_contain_text("Autres documents")
    await expect(others).to_have_attribute("aria-invalid", "true")
    assert _service_type(server, admin, "SOCIAL")["documents_required"] == ["identity_document"]
    await others.fill("attestation_hebergement\n\nphoto")
    await row.get_by_role("button", name="Enregistrer le type de service").click()
    await expect(page.locator("#services-msg")).to_have_text("Type de service enregistré.")
    stored = _service_type(server, admin, "SOCIAL")["documents_required"]
    assert stored == ["housing_proof", "attestation_hebergement", "photo"]
    await expect(row).to_contain_text("documents habituels : Justificatif de domicile, attestation hebergement, Photo")
    await assert_accessible(page)
