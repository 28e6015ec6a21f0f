"""The case screen reads the case's timeline beside the case: a timeline that could not be read (no
answer, a refusal) is said in words in its place, never shown as an empty history."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import pytest
from playwright.async_api import Page, Route, expect

from tests.web.conftest import LiveServer
from tests.web.helpers import agent_with_case, show_case, sign_in

pytestmark = pytest.mark.asyncio(loop_scope="session")

UNREAD = "L'historique du dossier n'a pas pu être lu : rouvrez le dossier pour réessayer."


async def refused(route: Route) -> None:
    await route.fulfill(
        status=503,
        content_type="application/problem+json",
        body='{"type": "about:blank", "title": "Service Unavailable", "status": 503}',
    )


async def cut(route: Route) -> None:
    await route.abort("connectionreset")


@pytest.mark.parametrize("failure", [refused, cut], ids=["refused", "no-answer"])
async def test_a_timeline_that_could_not_be_read_is_said_in_its_place(
    page: Page, server: LiveServer, failure: Callable[[Route], Awaitable[None]]
) -> None:
    agent, case = agent_with_case(server, given_names="Khady", family_name="Sarr")
    await sign_in(page, server, agent)
    await page.route("**/api/v1/cases/*/timeline", failure)
    await show_case(page, server, case)
    history = page.locator("#case-timeline")
    await expect(history.locator(".msg")).to_have_text(UNREAD)
    await expect(history.locator(".timeline")).to_have_count(0)
    await expect(page.get_by_role("heading", level=1)).to_contain_text(case["case_number"])
