"""At the counter, a candidate found by the last 9 digits of a number the desk could not verify says
which kind of phone agreement it was, in the agent's language."""

from __future__ import annotations

import pytest
from playwright.async_api import Page, expect

from tests.web.conftest import LiveServer, assert_accessible
from tests.web.helpers import fill_registration, register_via_api, sign_in

pytestmark = pytest.mark.asyncio(loop_scope="session")


async def test_a_candidate_sharing_the_last_digits_of_an_unverified_number_says_so(
    page: Page, server: LiveServer
) -> None:
    agent = server.make_agent()
    on_file = register_via_api(server, agent, given_names="Moussa", family_name="Faye", sex="male",
                               date_of_birth="1970-02-03", phones=[{"number": "+221 77 123 45 67"}])  # fmt: skip

    await sign_in(page, server, agent)
    await fill_registration(  # +221 and the 00 mixed up: unverified
        page, given_names="Awa", family_name="Diop", sex="female", date_of_birth="1994-03-12", phone="0077 123 45 67"
    )

    candidates = page.locator("#candidates li")
    await expect(candidates).to_have_count(1)
    await expect(candidates.first).to_contain_text(on_file["registration_number"])
    await expect(candidates.first).to_contain_text("même téléphone aux 9 derniers chiffres (numéro non vérifié)")
    assert "same_phone" not in await candidates.first.inner_text()
    await assert_accessible(page)
