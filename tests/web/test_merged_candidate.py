"""At the counter, a candidate found through a file merged into it says so: the survivor is shown
(its names and number), and its reasons end with the merged file that matched, by number; and so
does a flagged import row's candidate."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.async_api import Page, expect

from tests.imports.conftest import csv_file
from tests.web.conftest import LiveServer, assert_accessible
from tests.web.helpers import fill_registration, register_via_api, sign_in

pytestmark = pytest.mark.asyncio(loop_scope="session")


def _merged_tall(server: LiveServer, agent: Any) -> tuple[dict[str, Any], dict[str, Any]]:
    """Ousseynou Tall (1990-05-06) on file, and "Tal" (1990-06-05) merged into him: (survivor, merged)."""
    born = {"sex": "male", "date_of_birth": "1990-05-06"}
    survivor = register_via_api(server, agent, given_names="Ousseynou", family_name="Tall", **born)
    merged = register_via_api(server, agent, given_names="Ousseynou", family_name="Tal", sex="male",
                              date_of_birth="1990-06-05")  # fmt: skip
    with server.api(agent) as http:
        etags = {
            f"{side}_etag": http.get(f"/api/v1/registrants/{person['id']}").headers["etag"]
            for side, person in (("survivor", survivor), ("merged", merged))
        }
        choices = {"family_name": "survivor", "date_of_birth": "survivor"}
        body = {"survivor_id": survivor["id"], "merged_id": merged["id"], **etags, "choices": choices}
        done = http.post("/api/v1/registrant-merges", json=body)
        assert done.status_code == 201, done.text
    return survivor, merged


@pytest.mark.parametrize("viewport", [(1366, 768), (390, 844)], ids=["desk", "phone"], indirect=True)
async def test_a_candidate_found_through_a_merged_file_names_it(page: Page, server: LiveServer) -> None:
    agent = server.make_agent()
    survivor, merged = _merged_tall(server, agent)

    await sign_in(page, server, agent)
    await fill_registration(page, given_names="Ousseynou", family_name="Tal", sex="male", date_of_birth="1990-06-05")

    candidates = page.locator("#candidates li")
    await expect(candidates).to_have_count(1)
    shown = candidates.first
    await expect(shown).to_contain_text("Ousseynou Tall")
    await expect(shown).to_contain_text(survivor["registration_number"])
    await expect(shown).to_contain_text(f"par un dossier fusionné {merged['registration_number']}")
    await assert_accessible(page)


async def test_an_import_rows_candidate_found_through_a_merged_file_names_it(page: Page, server: LiveServer) -> None:
    """The batch's flagged rows and the row to resolve end its reasons with the merged file's number."""
    agent, admin = server.make_agent(), server.make_agent("admin", [])
    survivor, merged = _merged_tall(server, agent)
    register = csv_file("1;12/03/2020;Ousseynou;Tal;M;05/06/1990;;;;;;;;;;;;")  # the merged file's values
    with server.api(admin) as http:
        response = http.post(
            "/api/v1/imports/registers",
            files={"file": ("fusion.csv", register, "text/csv")},
            data={"desk_code": "CASA-BASE"},
        )
        assert response.status_code == 201, response.text
        batch = response.json()["batch_id"]

    await sign_in(page, server, admin)
    await page.get_by_role("button", name="Registres importés").click()
    await page.get_by_label("Identifiant du lot d'import").fill(batch)
    await page.locator("#import-form").get_by_role("button", name="Afficher").click()
    row = page.locator("#import-report table tr").nth(1)
    await expect(row).to_contain_text(survivor["registration_number"])
    await expect(row).to_contain_text(f"par un dossier fusionné {merged['registration_number']})")
    pending = page.get_by_role("form", name="Ligne 2 · Ousseynou Tal")
    await expect(pending).to_contain_text(f"par un dossier fusionné {merged['registration_number']}")
    # a registration number never parts at its hyphens, even on a phone's narrow screen
    for place in (row, pending.get_by_role("listitem"), pending.get_by_role("group")):  # table, list, decision
        number = place.locator(".mono", has_text=survivor["registration_number"])
        await expect(number).to_have_text(survivor["registration_number"])
        await expect(number).to_have_css("white-space", "nowrap")
    for place in (row, pending.get_by_role("listitem")):  # the merged file's number ends the reasons in both
        number = place.locator(".mono", has_text=merged["registration_number"])
        await expect(number).to_have_text(merged["registration_number"])
        await expect(number).to_have_css("white-space", "nowrap")
    await assert_accessible(page)
