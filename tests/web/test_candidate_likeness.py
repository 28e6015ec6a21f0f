"""A possible duplicate found through a shared phone is shown whatever its score, and a match
probability under 1 % reads in words (« très faible »), never « 0 % »."""

from __future__ import annotations

import pytest
from playwright.async_api import Page, expect

from tests.web.conftest import LiveServer
from tests.web.helpers import fill_registration, register_via_api, sign_in

pytestmark = pytest.mark.asyncio(loop_scope="session")


async def test_a_shared_phone_with_nothing_else_alike_reads_very_low(page: Page, server: LiveServer) -> None:
    agent = server.make_agent()
    register_via_api(
        server, agent, given_names="Aminata", family_name="Faye", sex="female", date_of_birth="1992-03-04",
        phones=[{"number": "+212612345678"}],
    )  # fmt: skip
    await sign_in(page, server, agent)
    await fill_registration(
        page, given_names="Mamadou", family_name="Ba", sex="male", date_of_birth="1961-11-20", phone="0612345678"
    )
    candidates = page.locator("#candidates li")
    await expect(candidates).to_have_count(1)
    await expect(candidates.first).to_contain_text("ressemblance possible (très faible) — ")
    await expect(candidates.first).to_contain_text("même téléphone")
    assert "(0 %)" not in await candidates.first.inner_text()


async def test_a_close_name_never_reads_as_a_hundred_percent(page: Page, server: LiveServer) -> None:
    """Mamadou Bah and Mamadou Ba, same birth year and phone: a strong likeness under 1 reads at
    most « 99 % », never « 100 % » beside « nom proche »."""
    agent = server.make_agent()
    register_via_api(
        server, agent, given_names="Mamadou", family_name="Bah", sex="male", date_of_birth="1985",
        phones=[{"number": "+212612345678"}],
    )  # fmt: skip
    await sign_in(page, server, agent)
    await fill_registration(
        page, given_names="Mamadou", family_name="Ba", sex="male", date_of_birth="1985", phone="0612345678"
    )
    candidates = page.locator("#candidates li")
    await expect(candidates).to_have_count(1)
    await expect(candidates.first).to_contain_text("ressemblance forte (")
    await expect(candidates.first).to_contain_text("nom proche")
    assert "100 %" not in await candidates.first.inner_text()
