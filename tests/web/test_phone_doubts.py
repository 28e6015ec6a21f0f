"""A phone the API doubts is said next to it: typed at the Casablanca desk without its country code
(771234567), the API reads it as Senegalese (+221) and flags it ``likely_senegalese_without_prefix``;
the registration's confirmation, the file and the edit form say so, for the agent to check with the
person."""

from __future__ import annotations

import pytest
from playwright.async_api import Page, expect

from tests.web.conftest import LiveServer, assert_accessible
from tests.web.helpers import fill_registration, sign_in

pytestmark = pytest.mark.asyncio(loop_scope="session")

DOUBT = "tapé sans indicatif, lu comme un numéro du Sénégal : à vérifier avec la personne"


async def test_a_number_typed_without_its_prefix_is_flagged_at_registration_in_the_file_and_in_edit(
    page: Page, server: LiveServer
) -> None:
    agent = server.make_agent()
    await sign_in(page, server, agent)
    await fill_registration(
        page, desk_code="CASA-BASE", given_names="Mamadou", family_name="Cissé", phone="77 123 45 67"
    )
    box = page.locator("#register-msg")
    await expect(box.get_by_role("link")).to_contain_text("Personne enregistrée sous le numéro")
    await expect(box).to_contain_text(f"Téléphone : +221771234567 — {DOUBT}")
    await expect(box).to_have_class("msg warning")
    await assert_accessible(page)

    await box.get_by_role("link").click()
    await expect(page.get_by_role("heading", name="Mamadou Cissé", level=1)).to_be_visible()
    await expect(page.locator("#person")).to_contain_text(f"+221771234567 — {DOUBT}")

    await page.get_by_role("button", name="Modifier").click()
    phone = page.locator("#edit-form").get_by_label("Téléphone 1")
    await expect(phone).to_have_value("77 123 45 67")
    await expect(phone).to_have_accessible_description(f"+221771234567 — {DOUBT}")
    await assert_accessible(page)

    # a second number typed the same way: the saving says it too
    await page.locator("#edit-form").get_by_label("Ajouter un téléphone").fill("781234567")
    await page.get_by_role("button", name="Enregistrer les modifications").click()
    saved = page.get_by_role("status").filter(has_text="Modifications enregistrées.")
    await expect(saved).to_contain_text(f"Téléphone : +221781234567 — {DOUBT}")
    await expect(saved).to_contain_text(f"Téléphone : +221771234567 — {DOUBT}")


async def test_a_number_with_its_prefix_is_confirmed_without_a_doubt(page: Page, server: LiveServer) -> None:
    agent = server.make_agent()
    await sign_in(page, server, agent)
    await fill_registration(
        page, desk_code="CASA-BASE", given_names="Mamadou", family_name="Cissé", phone="+221 77 123 45 67"
    )
    box = page.locator("#register-msg")
    await expect(box.get_by_role("link")).to_contain_text("Personne enregistrée sous le numéro")
    await expect(box).to_have_class("msg ok")
    await expect(box).not_to_contain_text("Téléphone")
