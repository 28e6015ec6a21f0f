"""A table wider than a phone's screen (the reports' tables at 390 px) scrolls sideways in a box a
keyboard can reach (Tab, then the arrow keys), named by the table's caption; a table that fits is
no extra stop for the Tab key (WCAG 2.1.1, axe's scrollable-region-focusable)."""

from __future__ import annotations

import pytest
from playwright.async_api import Page, expect

from tests.web.conftest import LiveServer, assert_accessible
from tests.web.helpers import open_case_via_api, register_via_api, sign_in

pytestmark = pytest.mark.asyncio(loop_scope="session")


@pytest.mark.parametrize("viewport", [(390, 844)], ids=["phone"], indirect=True)
async def test_a_report_table_wider_than_a_phone_is_reached_by_the_keyboard(page: Page, server: LiveServer) -> None:
    supervisor = server.make_agent("supervisor")
    person = register_via_api(server, supervisor, given_names="Aïda", family_name="Diagne")
    open_case_via_api(server, supervisor, person)
    await sign_in(page, server, supervisor)
    await page.get_by_role("button", name="Rapports").click()
    await page.locator("#reports-form").get_by_role("button", name="Afficher").click()
    await expect(page.locator("#reports section.report")).to_have_count(4)
    boxes = page.locator("#reports .table-scroll")
    wide = await boxes.evaluate_all("bs => bs.filter(b => b.scrollWidth > b.clientWidth).length")
    assert wide > 0, "no report table is wider than the phone: the test shows nothing"
    await expect(page.locator("#reports .table-scroll[tabindex='0']")).to_have_count(wide)
    region = page.locator("#reports .table-scroll[tabindex='0']").first
    caption = await region.locator("caption").inner_text()
    await expect(region).to_have_accessible_name(caption)
    await assert_accessible(page)


async def test_a_table_that_fits_is_no_stop_for_the_tab_key(page: Page, server: LiveServer) -> None:
    supervisor = server.make_agent("supervisor")
    register_via_api(server, supervisor, given_names="Aïda", family_name="Diagne")
    await sign_in(page, server, supervisor)
    await page.get_by_role("button", name="Rapports").click()
    await page.locator("#reports-form").get_by_role("button", name="Afficher").click()
    await expect(page.locator("#reports section.report")).to_have_count(4)
    fits = await page.locator("#reports .table-scroll").evaluate_all(
        "bs => bs.filter(b => b.scrollWidth <= b.clientWidth).length"
    )
    assert fits > 0
    await expect(page.locator("#reports .table-scroll[tabindex]")).to_have_count(0)
