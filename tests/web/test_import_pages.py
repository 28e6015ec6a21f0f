"""A batch with more flagged rows than a page: the flagged rows and the rows to resolve are drawn
PAGE_ROWS (50) a page in file order, with « 51–60 sur 60 » between « Lignes précédentes » and
« Lignes suivantes »; a decision leaves the agent on the page and at the row where it was taken;
every row of a page is discarded at once after a question (POST /imports/{id}/resolutions, all or nothing)."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.async_api import Page, expect

from tests.imports.conftest import csv_file
from tests.web.conftest import LiveServer, assert_accessible
from tests.web.helpers import sign_in

LAYOUT_FAULTS = (Path(__file__).parent / "layout_faults.js").read_text(encoding="utf-8")


async def fits(page: Page) -> None:
    """Nothing past the phone's right edge; nothing overlapping, cut or parted (layout_faults.js)."""
    assert await page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth") <= 0
    assert await page.evaluate(LAYOUT_FAULTS) == []


pytestmark = pytest.mark.asyncio(loop_scope="session")

GIVEN = ["Awa", "Moussa", "Fatou", "Ibrahima", "Khady", "Mamadou", "Aminata", "Cheikh", "Ndeye", "Ousmane"]
FAMILY = ["Diop", "Sarr", "Ndiaye", "Fall", "Sow", "Ba"]
PEOPLE = [(g, f) for f in FAMILY for g in GIVEN]  # 60 people, each written twice


def register() -> bytes:
    rows = []
    for n, (given, family) in enumerate(PEOPLE):
        born = f"{1 + n % 28:02d}/{1 + n % 12:02d}/{1960 + n}"
        for copy in range(2):
            rows.append(f"{2 * n + copy + 1};1{copy}/03/2020;{given};{family};F;{born};Dakar;Dakar;;;;;Casablanca;;;;;")
    return csv_file(*rows)


@pytest.mark.parametrize("viewport", [(390, 844)], ids=["phone"], indirect=True)
async def test_flagged_rows_are_drawn_by_pages_and_a_page_is_discarded_at_once(page: Page, server: LiveServer) -> None:
    admin = server.make_agent("admin", [])
    with server.api(admin) as http:
        response = http.post(
            "/api/v1/imports/registers",
            files={"file": ("soixante.csv", register(), "text/csv")},
            data={"desk_code": "CASA-BASE"},
        )
        assert response.status_code == 201, response.text
        report = response.json()
    batch = report["batch_id"]
    held = [row["line"] for row in report["rows"] if row["outcome"] == "flagged"]
    assert held == list(range(3, 122, 2)), held  # the second line of each person: 60 rows

    await sign_in(page, server, admin)
    await page.get_by_role("button", name="Registres importés").click()
    await page.get_by_role("button", name="Voir les lignes signalées : soixante.csv").click()
    await expect(page.get_by_role("heading", name="Lignes à résoudre : 60")).to_be_visible()
    pending = page.locator("#pending-rows")
    forms = pending.locator("form.resolve-row")
    await expect(forms).to_have_count(50)
    where = pending.locator(".pager").first
    await expect(where.get_by_role("status")).to_have_text("1–50 sur 60")
    await expect(where.get_by_role("button", name="Lignes précédentes")).to_be_disabled()
    # the flagged rows' table too: 50 rows and its own pager
    flagged = page.locator(".flagged-rows")
    await expect(flagged.locator("table tr")).to_have_count(51)
    await expect(flagged.locator(".pager [role=status]")).to_have_text("1–50 sur 60")
    # 50 forms, not 60 (nor 4,000): the page is bounded
    assert await page.evaluate("document.querySelectorAll('form.resolve-row').length") == 50
    await fits(page)
    await assert_accessible(page)

    # The next page: lines 103 to 121, in file order.
    await where.get_by_role("button", name="Lignes suivantes").click()
    await expect(where.get_by_role("status")).to_have_text("51–60 sur 60")
    await expect(forms).to_have_count(10)
    titles = await forms.locator("h3").all_inner_texts()
    assert [int(t.split()[1]) for t in titles] == list(range(103, 122, 2)), titles
    await expect(where.get_by_role("button", name="Lignes suivantes")).to_be_disabled()

    # A row decided on the second page: the agent stays on it, the row gone, the count down by one.
    line105 = page.get_by_role("form", name=f"Ligne 105 · {PEOPLE[51][0]} {PEOPLE[51][1]}")
    await line105.get_by_label("Écarter la ligne").check()
    await line105.get_by_role("button", name="Enregistrer la décision").click()
    await expect(page.locator("#import-done")).to_have_text("Ligne 105 écartée.")
    await expect(page.get_by_role("heading", name="Lignes à résoudre : 59")).to_be_visible()
    await expect(pending.locator(".pager [role=status]").first).to_have_text("51–59 sur 59")
    await expect(forms).to_have_count(9)
    await expect(forms.first.locator("h3")).to_have_text(f"Ligne 103 · {PEOPLE[50][0]} {PEOPLE[50][1]}")
    # where the decided row was: the result, then the next row, focused and in view (not the top of the screen)
    line107 = page.get_by_role("form", name=f"Ligne 107 · {PEOPLE[52][0]} {PEOPLE[52][1]}")
    await expect(line107).to_be_focused()
    await expect(line107).to_be_in_viewport()
    await expect(pending.locator(".row-done")).to_have_text("Ligne 105 écartée.")

    # Back to the first page; every row of it discarded at once, after a question.
    await pending.locator(".pager").first.get_by_role("button", name="Lignes précédentes").click()
    await expect(pending.locator(".pager [role=status]").first).to_have_text("1–50 sur 59")
    await pending.get_by_role("button", name="Écarter les 50 lignes de cette page").click()
    question = pending.get_by_role("group", name="Écarter les 50 lignes de cette page")
    await expect(question).to_contain_text("lignes 3 à 101")
    await fits(page)
    await question.get_by_role("button", name="Oui, écarter les 50 lignes").click()
    await expect(page.locator("#import-done")).to_have_text("50 lignes écartées.")
    await expect(page.get_by_role("heading", name="Lignes à résoudre : 9")).to_be_visible()
    await expect(pending.locator(".pager [role=status]").first).to_have_text("1–9 sur 9")
    await expect(forms).to_have_count(9)
    await expect(forms.first).to_be_focused()  # the page's first row now: line 103
    await expect(forms.first.locator("h3")).to_have_text(f"Ligne 103 · {PEOPLE[50][0]} {PEOPLE[50][1]}")
    await assert_accessible(page)

    with server.api(admin) as http:
        counts = http.get(f"/api/v1/imports/{batch}").json()["counts"]
    assert (counts["pending"], counts["discarded"]) == (9, 51), counts


async def test_an_agent_registers_the_last_page_as_new_people_and_is_taken_to_the_page_before(
    page: Page, server: LiveServer
) -> None:
    admin = server.make_agent("admin", [])
    agent = server.make_agent("agent", ["CASA-BASE"])
    with server.api(admin) as http:
        response = http.post(
            "/api/v1/imports/registers",
            files={"file": ("soixante.csv", register(), "text/csv")},
            data={"desk_code": "CASA-BASE"},
        )
        assert response.status_code == 201, response.text
    batch = response.json()["batch_id"]

    await sign_in(page, server, agent)
    await page.get_by_role("button", name="Registres importés").click()
    await page.get_by_role("button", name="Voir les lignes signalées : soixante.csv").click()
    pending = page.locator("#pending-rows")
    await expect(page.get_by_role("heading", name="Lignes à résoudre : 60")).to_be_visible()
    await expect(pending.locator(".pager [role=status]").first).to_have_text("1–50 sur 60")
    await pending.locator(".pager").first.get_by_role("button", name="Lignes suivantes").click()
    await expect(pending.locator(".pager [role=status]").first).to_have_text("51–60 sur 60")

    await pending.get_by_role("button", name="Inscrire les 10 lignes de cette page comme nouvelles personnes").click()
    question = pending.get_by_role("group", name="Inscrire les 10 lignes de cette page comme nouvelles personnes")
    await expect(question).to_contain_text("(lignes 103 à 121)")
    # "no": nothing sent, the button back
    await question.get_by_role("button", name="Non, revenir aux lignes").click()
    await expect(question).to_be_hidden()
    await pending.get_by_role("button", name="Inscrire les 10 lignes de cette page comme nouvelles personnes").click()
    await question.get_by_role("button", name="Oui, inscrire les 10 lignes").click()
    await expect(page.locator("#import-done")).to_have_text("10 lignes inscrites comme nouvelles personnes.")
    # the last page emptied: the page before it, its 50 rows still to resolve
    await expect(page.get_by_role("heading", name="Lignes à résoudre : 50")).to_be_visible()
    await expect(pending.locator(".pager [role=status]").first).to_have_text("1–50 sur 50")
    await expect(pending.locator("form.resolve-row")).to_have_count(50)

    with server.api(admin) as http:
        rows = http.get(f"/api/v1/imports/{batch}").json()["rows"]
    created = [row["line"] for row in rows if row.get("resolution") == "created"]
    assert created == list(range(103, 122, 2)), created
    assert all(row["registrant_id"] for row in rows if row.get("resolution") == "created")


async def test_a_page_resolved_meanwhile_is_refused_whole_each_row_said(page: Page, server: LiveServer) -> None:
    admin = server.make_agent("admin", [])
    with server.api(admin) as http:
        rows = csv_file(*register().decode("cp1252").split("\r\n")[1:7])  # three people, each twice
        response = http.post(
            "/api/v1/imports/registers",
            files={"file": ("trois.csv", rows, "text/csv")},
            data={"desk_code": "CASA-BASE"},
        )
        assert response.status_code == 201, response.text
    batch = response.json()["batch_id"]
    await sign_in(page, server, admin)
    await page.get_by_role("button", name="Registres importés").click()
    await page.get_by_role("button", name="Voir les lignes signalées : trois.csv").click()
    pending = page.locator("#pending-rows")
    await expect(pending.locator("form.resolve-row")).to_have_count(3)
    await expect(pending.locator(".pager [role=status]").first).to_have_text("1–3 sur 3")
    with server.api(admin) as http:  # another agent, meanwhile
        assert http.post(f"/api/v1/imports/{batch}/rows/5/resolution", json={"decision": "discard"}).status_code == 200

    await pending.get_by_role("button", name="Écarter les 3 lignes de cette page").click()
    await pending.get_by_role("button", name="Oui, écarter les 3 lignes").click()
    alert = pending.locator(".page-decision").first.get_by_role("alert")
    await expect(alert).to_contain_text("Rien n'a été enregistré : 1 ligne refusée.")
    await expect(alert).to_contain_text("La ligne 5 a déjà été traitée : écartée.")
    await expect(alert).to_contain_text("affichez à nouveau les lignes signalées")
    with server.api(admin) as http:
        counts = http.get(f"/api/v1/imports/{batch}").json()["counts"]
    assert (counts["pending"], counts["discarded"]) == (2, 1), counts  # all or nothing
