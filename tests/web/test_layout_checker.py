"""The layout checker of the screen tests (``layout_faults.js``) finds what it is for: two things
drawn on each other, named in document order, and nothing else — not a thing inside another, not
two boxes touching by 2 px or less, not the many things side by side of a long screen."""

from __future__ import annotations

import pytest
from playwright.async_api import Browser

from tests.web.conftest import new_context
from tests.web.test_layout import LAYOUT_FAULTS

pytestmark = pytest.mark.asyncio(loop_scope="session")

ROWS = "".join(f'<p style="margin:0;height:20px">Ligne {n}</p>' for n in range(300))
"""A long screen: 300 lines, one under the other, none on another."""


async def faults_in(browser: Browser, body: str) -> list[str]:
    context = await new_context(browser, (1366, 768))
    try:
        page = await context.new_page()
        await page.set_content(f"<!doctype html><html lang='fr'><body style='margin:0'>{body}</body></html>")
        return await page.evaluate(LAYOUT_FAULTS)  # type: ignore[no-any-return]
    finally:
        await context.close()


async def test_things_drawn_on_each_other_are_found_in_document_order(browser: Browser) -> None:
    body = (
        ROWS
        # drawn lower, written first; then drawn higher, written last: named as written
        + '<span id="first" style="position:absolute;top:900px;left:10px;width:80px">Premier</span>'
        + '<button id="other" style="position:absolute;top:6500px;left:400px;width:60px">Seul</button>'
        + '<strong id="last" style="position:absolute;top:890px;left:30px;width:80px;height:30px">Dernier</strong>'
    )
    assert await faults_in(browser, body) == [
        'p "Ligne 44" overlaps strong#last "Dernier"',
        'p "Ligne 45" overlaps span#first "Premier"',
        'p "Ligne 45" overlaps strong#last "Dernier"',
        'span#first "Premier" overlaps strong#last "Dernier"',
    ]


async def test_a_thing_inside_another_and_boxes_touching_are_not_faults(browser: Browser) -> None:
    body = (
        ROWS
        + '<p style="position:absolute;top:6200px;left:600px;width:200px"><strong>Dedans</strong> du texte</p>'
        # 2 px of the one under the other: the edge of a focus ring, not an overlap
        + '<span style="position:absolute;top:6100px;left:0;display:block;height:20px;width:50px">Bord</span>'
        + '<span style="position:absolute;top:6118px;left:0;display:block;height:20px;width:50px">Bord</span>'
    )
    assert await faults_in(browser, body) == []
