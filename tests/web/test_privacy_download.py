"""The register of disclosures' CSV is downloaded as the reports' and exports' files are (one
download for every screen: downloads.js): a file cut short is said in the same words, and
nothing is saved. Before, the privacy screen had its own download, with its own words."""

from __future__ import annotations

from types import SimpleNamespace
from typing import cast

import pytest
from playwright.async_api import Page, expect

from tests.web.conftest import LiveServer
from tests.web.cut_proxy import cutting_proxy
from tests.web.helpers import sign_in

pytestmark = pytest.mark.asyncio(loop_scope="session")


async def test_a_register_export_whose_connection_drops_says_so_as_every_export_does(
    page: Page, server: LiveServer
) -> None:
    supervisor = server.make_agent("supervisor")
    async with cutting_proxy(server.url, b"/api/v1/privacy/disclosures.csv") as url:
        await page.goto(f"{url}/app/")
        await sign_in(page, cast(LiveServer, SimpleNamespace(url=url)), supervisor)
        await page.get_by_role("button", name="Protection des données").click()
        await expect(page.locator("#disc-register-list li")).to_have_count(1)  # « none »: the list is read
        downloads: list[object] = []
        page.on("download", lambda download: downloads.append(download))
        csv = page.locator("#disclosures-form").get_by_role("button", name="Exporter en CSV")
        await csv.click()
        await expect(page.locator("#disc-register-msg")).to_have_text(
            "L'export s'est interrompu avant la fin : aucun fichier n'a été enregistré. "
            "Réessayez ; si cela se répète, choisissez une période plus courte."
        )
        await expect(csv).to_be_enabled()
    assert downloads == []
