"""The reports read on a phone (390 px) as at a desk (1366 px): no word of a table parted in the
middle (« Nombr / e »), no closing bracket alone on a line (« masqué (petits effectifs) »), and the
charts' labels drawn at a size that can be read (the chart shown at its own size, scrolling sideways
in its box, rather than shrunk to the screen's width).

``WEB_SCREENSHOTS=<folder>`` keeps the screenshots of both sizes there."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from playwright.async_api import Page, expect

from tests.web.conftest import LiveServer, assert_accessible
from tests.web.helpers import open_case_via_api, register_via_api, sign_in

pytestmark = pytest.mark.asyncio(loop_scope="session")

BROKEN_WORDS = """() => {
  // each word of each table cell (and each parenthesised group): drawn on more than one line?
  const faults = [];
  for (const cell of document.querySelectorAll("#reports :is(th, td, caption)")) {
    const text = cell.textContent;
    const walker = document.createTreeWalker(cell, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      for (const match of node.data.matchAll(/\\S+/g)) {
        const range = document.createRange();
        range.setStart(node, match.index);
        range.setEnd(node, match.index + match[0].length);
        // one rect per line (and one for a ::first-letter, on the same line): a rect below the
        // first by more than half a line is another line
        const rects = [...range.getClientRects()].filter((r) => r.width > 0);
        if (rects.some((r) => r.top - rects[0].top > rects[0].height / 2)) faults.push(`${match[0]} (${text})`);
      }
    }
  }
  return faults;
}"""
"""The words of the reports' tables parted over two lines (a bracket left alone is one: « effectifs) »)."""

CHART_SCALE = """() => [...document.querySelectorAll("#reports img.chart")].map(
  (img) => img.naturalWidth ? img.getBoundingClientRect().width / img.naturalWidth : 0)"""
"""How much each chart is shrunk (1: drawn at its own size)."""


@pytest.mark.parametrize("viewport", [(390, 844), (1366, 768)], ids=["phone", "desk"], indirect=True)
async def test_the_reports_read_on_a_phone_and_at_a_desk(
    page: Page, server: LiveServer, viewport: tuple[int, int], tmp_path: Path
) -> None:
    folder = Path(os.environ.get("WEB_SCREENSHOTS", tmp_path)) / f"{viewport[0]}x{viewport[1]}"
    folder.mkdir(parents=True, exist_ok=True)
    supervisor = server.make_agent("supervisor")
    for i, service in enumerate(["SOCIAL", "RESIDENCE_MA", "LEGAL_AID", "SOCIAL", "HEALTH"]):
        person = register_via_api(server, supervisor, given_names=f"Aïda {i}", family_name="Diagne")
        open_case_via_api(server, supervisor, person, service_type=service)
    await sign_in(page, server, supervisor)
    await page.get_by_role("button", name="Rapports").click()
    form = page.locator("#reports-form")
    await form.get_by_label("Du").fill("2026-01-01")
    await form.get_by_label("Au").fill("2026-12-31")
    await form.get_by_role("button", name="Afficher").click()
    await expect(page.locator("#reports section.report")).to_have_count(4)
    await expect(page.locator("#reports img.chart")).to_have_count(3)
    await page.locator("#reports img.chart").evaluate_all("imgs => Promise.all(imgs.map((i) => i.decode()))")
    await page.screenshot(path=str(folder / "reports.png"), full_page=True)
    assert await page.evaluate(BROKEN_WORDS) == []
    # the labels of a chart are drawn at about 11 px: shrunk to less than 80 % they cannot be read
    assert min(await page.evaluate(CHART_SCALE)) >= 0.8
    overflow = await page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
    assert overflow <= 0
    await assert_accessible(page)
