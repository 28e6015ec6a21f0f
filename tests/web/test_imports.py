"""Item 12: an import batch's rows flagged as possible duplicates, read-only, for administrators."""

from __future__ import annotations

import pytest
from playwright.async_api import Locator, Page, expect

from tests.imports.conftest import HEADER, csv_file
from tests.web.conftest import Agent, LiveServer, assert_accessible
from tests.web.helpers import sign_in

pytestmark = pytest.mark.asyncio(loop_scope="session")


async def test_flagged_rows_of_a_batch_are_listed_with_who_they_may_be(page: Page, server: LiveServer) -> None:
    admin = server.make_agent("admin", [])
    register = csv_file(
        "1;12/03/2020;Saliou;Ka;M;14/05/1990;Dakar;Dakar;;;;;Casablanca;Etudiant;;;;",
        "2;15/03/2020;Saliou;Ka;M;14/05/1990;Dakar;Dakar;;;;;Casablanca;Etudiant;;;;",
    )
    with server.api(admin) as http:
        response = http.post(
            "/api/v1/imports/registers",
            files={"file": ("registre.csv", register, "text/csv")},
            data={"desk_code": "CASA-BASE"},
        )
        assert response.status_code == 201, response.text
        report = response.json()
    assert report["counts"]["flagged"] == 1, report["counts"]
    await sign_in(page, server, admin)
    await page.get_by_role("button", name="Registres importés").click()
    await page.get_by_label("Identifiant du lot d'import").fill(report["batch_id"])
    await page.locator("#import-form").get_by_role("button", name="Afficher").click()
    table = page.locator("#import-report table")
    await expect(table.locator("caption")).to_contain_text("lignes signalées comme doublons possibles : 1 / 2")
    row = table.locator("tr").nth(1)
    await expect(row).to_contain_text("Saliou Ka")
    await expect(row.locator("td").nth(1).locator(".mono")).to_have_text("2")  # the register's own number, unparted
    await expect(row).to_contain_text("mêmes prénoms")
    assert "same_" not in await table.inner_text()
    await expect(table.locator("button, input")).to_have_count(0)  # read-only
    await assert_accessible(page)

    await page.get_by_label("Identifiant du lot d'import").fill("00000000-0000-0000-0000-000000000000")
    await page.locator("#import-form").get_by_role("button", name="Afficher").click()
    await expect(page.locator("#import-msg")).to_have_text("Aucun lot d'import avec cet identifiant.")


async def _check_register(page: Page, server: LiveServer, admin: Agent, content: bytes) -> Locator:
    """Sign ``admin`` in and send ``content`` as a register of CASA-BASE to be checked (a dry run);
    the upload form."""
    await sign_in(page, server, admin)
    await page.get_by_role("button", name="Registres importés").click()
    form = page.locator("#register-import-form")
    await form.get_by_label("Fichier du registre").set_input_files(
        {"name": "registre.csv", "mimeType": "text/csv", "buffer": content}
    )
    await form.get_by_label("Guichet").select_option("CASA-BASE")
    await form.get_by_role("button", name="Vérifier le fichier").click()
    return form


async def test_an_administrator_checks_then_imports_a_register_from_the_browser(page: Page, server: LiveServer) -> None:
    admin = server.make_agent("admin", [])
    register = csv_file(
        "1;12/03/2020;Saliou;Ka;M;14/05/1990;Dakar;Dakar;;;;;Casablanca;Etudiant;;;;",
        "2;15/03/2020;Saliou;Ka;M;14/05/1990;Dakar;Dakar;;;;;Casablanca;Etudiant;;;;",
        "3;16/03/2020;;;Z;;;;;;;;;;;;;",  # no names: rejected, and a sex not recognised
        "4;17/03/2020;Awa;Sarr;X;;;;;;;;;;;;;",  # imported, with a warning
    )
    form = await _check_register(page, server, admin, register)
    summary = page.locator("#register-import-summary")
    await expect(summary).to_have_text(
        "Vérification : 4 lignes ; 2 seraient inscrites, 1 signalée comme doublon possible, 1 rejetée, "
        "0 déjà importée. Rien n'a été enregistré."
    )
    await expect(summary).to_be_focused()
    held = page.locator("#register-import-report table tr").nth(1)  # a possible duplicate: who it may be
    await expect(held.locator("td").first).to_have_text("3")
    # every field alike, yet a probability below 1: 99 %, never 100 %
    await expect(held.locator("td").last).to_contain_text("signalée — Peut-être la même que : Ligne 2 (99 %")
    rejected = page.locator("#register-import-report table tr").nth(2)
    # every reason in the page's language, none hiding another, and what else to correct
    await expect(rejected.locator("td").last).to_have_text(
        "rejetée — pas de prénom ; pas de nom ; à corriger aussi : sexe non reconnu « Z »"
    )
    await expect(rejected.locator("td").first).to_have_text("4")  # the file's line (its header is line 1)
    warned = page.locator("#register-import-report table tr").nth(3)
    await expect(warned.locator("td").last).to_have_text(
        "serait importée (avec avertissement) — sexe non reconnu « X » ; enregistré comme inconnu"
    )
    await assert_accessible(page)
    with server.api(admin) as http:
        assert http.get("/api/v1/registrants").json()["items"] == []  # nothing stored

    # an empty file refused: the earlier file's report does not stay under the refusal
    empty = {"name": "vide.csv", "mimeType": "text/csv", "buffer": b""}
    await form.get_by_label("Fichier du registre").set_input_files(empty)
    await form.get_by_role("button", name="Vérifier le fichier").click()
    await expect(page.locator("#register-import-msg")).to_be_visible()
    await expect(summary).to_have_count(0)

    await form.get_by_label("Fichier du registre").set_input_files(
        {"name": "registre.csv", "mimeType": "text/csv", "buffer": register}
    )
    await form.get_by_role("button", name="Importer", exact=True).click()
    await expect(summary).to_contain_text("Import : 4 lignes ; 2 inscrites, 1 signalée comme doublon possible")
    await expect(page.locator("#batch-table")).to_contain_text("registre.csv")
    await expect(page.locator("#batch-table tr").nth(1)).to_contain_text("Terminé")  # its status: a dead run's says so
    await expect(page.locator("#import-report table caption")).to_contain_text("1 / 4")  # its flagged row, to resolve

    # the same file again: its flagged row is held by the first import's batch, said apart
    await form.get_by_label("Fichier du registre").set_input_files(
        {"name": "registre.csv", "mimeType": "text/csv", "buffer": register}
    )
    await form.get_by_role("button", name="Importer", exact=True).click()
    await expect(summary).to_have_text(
        "Import : 4 lignes ; 0 inscrite, 0 signalée comme doublon possible (ci-dessous, à résoudre), 1 rejetée, "
        "2 déjà importées. 1 ligne déjà signalée comme doublon possible par un import précédent, à résoudre "
        "dans son lot."
    )


async def test_a_register_whose_delimiter_cannot_be_recognised_asks_for_it_in_the_form(
    page: Page, server: LiveServer
) -> None:
    admin = server.make_agent("admin", [])
    ambiguous = b"Given:First;Family:Name,Notes|x\r\nAwa:x;Diop:y,z|w\r\n"
    form = await _check_register(page, server, admin, ambiguous)
    await expect(page.locator("#register-import-msg")).to_have_text(
        "Le séparateur de colonnes n'a pas pu être reconnu : le fichier contient «\u00a0;\u00a0», «\u00a0,\u00a0», "
        "«\u00a0|\u00a0». "
        "Choisissez le séparateur ci-dessus, puis renvoyez le fichier."
    )
    delimiter = form.get_by_label("Séparateur de colonnes (CSV)")
    await expect(delimiter).to_be_focused()
    await expect(delimiter).to_have_attribute("aria-invalid", "true")
    await delimiter.select_option(";")  # sent with the file: the columns are read with it
    await form.get_by_role("button", name="Vérifier le fichier").click()
    await expect(page.locator("#register-import-msg")).to_contain_text(
        "trouvé : « Given:First », « Family:Name,Notes|x »"
    )
    await assert_accessible(page)


async def test_checking_a_file_again_says_every_outcome_in_french_without_empty_parts(
    page: Page, server: LiveServer
) -> None:
    """A file imported before, checked again: « déjà importée » / « déjà signalée » in words, no
    empty candidate, no dangling separator; the columns it does not read said above the rows."""
    admin = server.make_agent("admin", [])
    register = csv_file(
        "1;12/03/2020;Saliou;Ka;M;14/05/1990;Dakar;Dakar;;;;;Casablanca;Etudiant;;;;;Maârif",
        "2;15/03/2020;Saliou;Ka;M;14/05/1990;Dakar;Dakar;;;;;Casablanca;Etudiant;;;;;Maârif",
        "3;17/03/2020;Awa;Sarr;X;;;;;;;;;;;;;;Gauthier",  # imported, with a warning
        header=HEADER + ";Quartier",
    )
    with server.api(admin) as http:
        response = http.post(
            "/api/v1/imports/registers",
            files={"file": ("registre.csv", register, "text/csv")},
            data={"desk_code": "CASA-BASE"},
        )
        assert response.status_code == 201, response.text
    await _check_register(page, server, admin, register)
    await expect(page.locator("#register-import-summary")).to_be_focused()
    ignored = page.locator("#register-import-ignored")
    await expect(ignored).to_have_text(
        "1 colonne du fichier n'est pas lue, rien de ce qui y est écrit n'est importé : « Quartier ». "
        "Renommez cette colonne dans le registre si elle doit l'être."
    )
    rows = page.locator("#register-import-report table tr")
    await expect(rows.nth(1).locator("td").last).to_have_text(
        "déjà signalée comme doublon possible par un import précédent"
    )
    await expect(rows.nth(2).locator("td").last).to_have_text(
        "déjà importée par un import précédent — sexe non reconnu « X » ; enregistré comme inconnu"
    )
    text = await page.locator("#register-import-report").inner_text()
    assert "already" not in text and ":  ;" not in text and "— ;" not in text
    await assert_accessible(page)
