"""A country code or an e-mail address refused says why at its field, in the interface language,
and again after a language switch — never « valeur non valide ».

Before: `#/partners` with Pays `XX` and Courriel `a@b` said « valeur non valide » for each (the API
sent no reason for either)."""

from __future__ import annotations

import pytest
from playwright.async_api import Page, expect

from tests.web.conftest import LiveServer
from tests.web.helpers import sign_in

pytestmark = pytest.mark.asyncio(loop_scope="session")


async def test_a_partner_s_country_and_e_mail_refused_say_why(page: Page, server: LiveServer) -> None:
    admin = server.make_agent("admin")
    await sign_in(page, server, admin)
    await page.get_by_role("button", name="Partenaires").click()
    form = page.locator("#partner-form-new")
    await form.get_by_label("Nom", exact=True).fill("Caritas Rabat")
    await form.get_by_label("Type d'organisation").select_option("ngo")
    await form.get_by_label("Pays (code à deux lettres").fill("XX")
    await form.get_by_label("Courriel de contact").fill("a@b")
    await form.get_by_role("button", name="Enregistrer le partenaire").click()
    message = page.locator("#partners .msg").first
    await expect(message).to_contain_text(
        "Pays (code à deux lettres, ex. MA) : code de pays inconnu : deux lettres sont attendues (SN, MA, FR…)"
    )
    await expect(message).to_contain_text(
        "Courriel de contact : adresse non valide (il manque un point dans la partie après le @, comme dans exemple.sn)"
    )
    await expect(message).not_to_contain_text("valeur non valide")
    await page.locator("#lang").click()
    await expect(message).to_contain_text("unknown country code: two letters are expected (SN, MA, FR…)")
    await expect(message).to_contain_text("Contact email address: invalid e-mail address (name@domain)")
    await expect(message).not_to_contain_text("invalid value")
    await expect(form.get_by_label("Country (two-letter code")).to_have_value("XX")
