"""The day's and the week's calendar read the desk's holidays beside its appointments: a year the
desk's calendar cannot hold (before 2000, the API's range) is not asked for — no holiday can fall
there —, and holidays that could not be read are said to the agent, never drawn as open days."""

from __future__ import annotations

from types import SimpleNamespace
from typing import cast

import pytest
from playwright.async_api import Page, Request, expect

from tests.web.conftest import LiveServer
from tests.web.cut_proxy import cutting_proxy
from tests.web.helpers import desk_id, sign_in

pytestmark = pytest.mark.asyncio(loop_scope="session")


async def test_a_week_of_1999_asks_no_holidays_the_api_would_refuse(page: Page, server: LiveServer) -> None:
    agent = server.make_agent()
    refused: list[str] = []

    async def note(request: Request) -> None:
        response = await request.response()
        if response and response.status >= 400:
            refused.append(f"{response.status} {request.url}")

    page.on("requestfinished", note)
    await sign_in(page, server, agent)
    await page.get_by_role("button", name="Rendez-vous du jour").click()
    week = page.locator("#week-form")
    await week.get_by_label("Semaine commençant le").fill("1999-12-27")
    await week.get_by_role("button", name="Afficher la semaine").click()
    await expect(page.locator("#week h3").first).to_be_visible()
    await expect(page.locator("#week h3")).to_have_count(7)
    await page.wait_for_load_state("networkidle")
    assert refused == []
    await expect(page.locator("#week-msg")).to_be_hidden()


async def test_holidays_that_could_not_be_read_are_said_with_the_week_and_the_day(
    page: Page, server: LiveServer
) -> None:
    agent = server.make_agent()
    holidays = f"/api/v1/desks/{desk_id(server, agent)}/holidays".encode()
    async with cutting_proxy(server.url, holidays) as url:
        await page.goto(f"{url}/app/")
        await sign_in(page, cast(LiveServer, SimpleNamespace(url=url)), agent)
        await page.get_by_role("button", name="Rendez-vous du jour").click()
        week = page.locator("#week-form")
        await week.get_by_label("Semaine commençant le").fill("2030-12-30")
        await week.get_by_role("button", name="Afficher la semaine").click()
        await expect(page.locator("#week h3")).to_have_count(7)
        await expect(page.locator("#week-msg")).to_have_text(
            "Les jours fériés du guichet pour 2030, 2031 n'ont pas pu être lus : "
            "le calendrier est montré sans eux. Réessayez."
        )
        day = page.locator("#day-form")
        await day.get_by_label("Jour").fill("2030-06-03")
        await day.get_by_role("button", name="Afficher").click()
        await expect(page.locator("#day-msg")).to_have_text(
            "Les jours fériés du guichet pour 2030 n'ont pas pu être lus : "
            "le calendrier est montré sans eux. Réessayez."
        )
        await page.wait_for_load_state("networkidle")
