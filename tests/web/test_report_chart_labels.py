"""Reports of many categories with long names (the catalogue's service types, up to a hundred
characters): every chart arrives, each report shown once (its table and the server's chart)."""

from __future__ import annotations

import pytest
from playwright.async_api import Page, expect

from tests.web.conftest import WAIT_MS, LiveServer, assert_accessible
from tests.web.helpers import register_via_api, sign_in

pytestmark = pytest.mark.asyncio(loop_scope="session")


async def test_charts_of_many_long_service_types_arrive_with_their_labels_apart(page: Page, server: LiveServer) -> None:
    supervisor = server.make_agent("supervisor")
    person = register_via_api(server, supervisor, given_names="Awa", family_name="Diop")
    with server.api(supervisor) as http:
        types = [t["code"] for t in http.get("/api/v1/service-types").json()]
        assert len(types) > 6
        for code in types:
            made = http.post(
                "/api/v1/cases", json={"registrant_id": person["id"], "service_type": code, "channel": "walk_in"}
            )
            assert made.status_code == 201, made.text
    await sign_in(page, server, supervisor)
    await page.get_by_role("button", name="Rapports").click()
    await page.locator("#reports-form").get_by_role("button", name="Afficher").click()
    section = page.locator(
        "#reports section.report", has=page.get_by_role("heading", name="Dossiers ouverts par service")
    )
    await expect(section.locator("th[scope=row]")).to_have_count(len(types))
    # the server's chart of the service types is drawn (its labels lying, whole) and shown
    chart = section.get_by_role("img", name="Graphique : Dossiers ouverts par service")
    await expect(chart).to_be_visible(timeout=3 * WAIT_MS)
    await expect(page.locator("#reports img.chart")).to_have_count(3, timeout=3 * WAIT_MS)
    size = await chart.evaluate("(img) => [img.naturalWidth, img.naturalHeight]")
    assert size[1] > size[0], size  # one row under the other, as tall as the labels need
    for title in ("Dossiers ouverts par service", "Dossiers en cours par statut", "Inscriptions par sexe"):
        shown = page.locator("#reports section.report", has=page.get_by_role("heading", name=title))
        drawn = "(s) => [s.querySelectorAll('img.chart').length, s.querySelectorAll('table').length, s.children.length]"
        assert await shown.evaluate(drawn) == [1, 1, 4], title  # heading, chart, table, files: once each
    await assert_accessible(page)
