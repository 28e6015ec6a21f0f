"""Items 9 and 10: documents (upload with progress, plain refusals, download, delete) and the receipt."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from PIL import Image
from playwright.async_api import Page, expect

from tests.web.conftest import LiveServer, assert_accessible
from tests.web.helpers import register_via_api, sign_in

pytestmark = pytest.mark.asyncio(loop_scope="session")


def png_bytes() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (64, 48), (200, 30, 30)).save(out, format="PNG")
    return out.getvalue()


async def open_file(page: Page, name: str) -> None:
    await page.locator("#search-form").get_by_label("Nom, téléphone").fill(name)
    await page.get_by_role("button", name="Chercher", exact=True).click()
    await page.get_by_role("button", name=name).click()
    await expect(page.get_by_role("heading", name=name, level=1)).to_be_visible()


async def test_upload_refuse_download_and_delete_a_document(page: Page, server: LiveServer, tmp_path: Path) -> None:
    supervisor = server.make_agent("supervisor")
    register_via_api(server, supervisor, given_names="Astou", family_name="Ndour")
    scan = tmp_path / "carte.png"
    scan.write_bytes(png_bytes())
    text = tmp_path / "notes.txt"
    text.write_text("pas une image", encoding="utf-8")
    await sign_in(page, server, supervisor)
    await open_file(page, "Astou Ndour")

    form = page.locator("#upload-form")
    await form.get_by_label("Fichier (scan, photo ou PDF)").set_input_files(str(text))
    await form.get_by_role("button", name="Déposer le document").click()
    alert = page.locator("#documents .msg")
    await expect(alert).to_contain_text("Ce type de fichier n'est pas accepté")
    assert "text/plain" not in await alert.inner_text()
    await expect(alert).to_be_focused()

    await form.get_by_label("Fichier (scan, photo ou PDF)").set_input_files(str(scan))
    await form.get_by_label("Nature du document").select_option("residence_card")
    await form.get_by_role("button", name="Déposer le document").click()
    await expect(alert).to_have_text("Document déposé.")
    row = page.locator("#document-list li").first
    await expect(row).to_contain_text("carte.png · Titre de séjour")
    await assert_accessible(page)

    # the same file sent again (under another name) is said to be on file already, not listed twice
    again = tmp_path / "carte-bis.png"
    again.write_bytes(scan.read_bytes())
    await form.get_by_label("Fichier (scan, photo ou PDF)").set_input_files(str(again))
    await form.get_by_label("Nature du document").select_option("residence_card")
    await form.get_by_role("button", name="Déposer le document").click()
    await expect(alert).to_contain_text("Ce fichier figure déjà dans la fiche (« carte.png », déposé le ")
    await expect(page.locator("#document-list li")).to_have_count(1)
    # sent again as another kind: refused in words naming the document held, its kind kept
    await form.get_by_label("Fichier (scan, photo ou PDF)").set_input_files(str(again))
    await form.get_by_label("Nature du document").select_option("passport")
    await form.get_by_role("button", name="Déposer le document").click()
    await expect(alert).to_contain_text(
        "Ce fichier figure déjà dans la fiche : document « carte.png » de type « Titre de séjour ». "
        "Il n'a pas été enregistré à nouveau avec le type « Passeport »"
    )
    await expect(page.locator("#document-list li")).to_have_count(1)
    await expect(row).to_contain_text("carte.png · Titre de séjour")

    async with page.expect_download() as download_info:
        await row.get_by_role("button", name="Télécharger").click()
    download = await download_info.value
    assert download.suggested_filename == "carte.png"
    saved = tmp_path / "downloaded.png"
    await download.save_as(str(saved))
    with Image.open(saved) as image:  # metadata stripped by the server, pixels kept
        assert image.size == (64, 48)

    await row.get_by_role("button", name="Supprimer").click()
    await row.get_by_label("Motif de la suppression").fill("Déposé par erreur")
    await row.get_by_role("button", name="Supprimer").last.click()
    await expect(alert).to_have_text("Document supprimé.")
    await expect(page.locator("#document-list li")).to_have_count(0)


async def test_printable_receipt_shows_numbers_desk_and_hours_only(page: Page, server: LiveServer) -> None:
    agent = server.make_agent()
    person = register_via_api(server, agent, given_names="Babacar", family_name="Thiam")
    with server.api(agent) as http:
        opened = http.post(
            "/api/v1/cases", json={"registrant_id": person["id"], "service_type": "SOCIAL", "channel": "walk_in"}
        ).json()
    await sign_in(page, server, agent)
    await open_file(page, "Babacar Thiam")
    await page.evaluate("() => { window.print = () => { window.printed = (window.printed || 0) + 1; }; }")

    await page.get_by_role("button", name="Imprimer un reçu").click()
    assert await page.evaluate("window.printed") == 1
    receipt = page.locator("#receipt")
    await expect(receipt).to_contain_text(person["registration_number"])
    await expect(receipt).to_contain_text(opened["case_number"])
    await expect(receipt).to_contain_text("Horaires d'ouverture")
    await page.emulate_media(media="print")
    await expect(receipt).to_be_visible()
    await expect(page.get_by_role("navigation")).to_be_hidden()
    await expect(page.get_by_role("button", name="Imprimer un reçu")).to_be_hidden()
    assert await page.locator("#person section:not(#receipt) h2").first.evaluate(
        "n => getComputedStyle(n).visibility"
    ) == ("hidden")
    await page.emulate_media(media="screen")
    await assert_accessible(page)


async def test_a_file_too_large_is_refused_with_the_limit_in_words(
    page: Page, server: LiveServer, tmp_path: Path
) -> None:
    agent = server.make_agent()
    register_via_api(server, agent, given_names="Ndeye", family_name="Faye")
    big = tmp_path / "scan.pdf"
    big.write_bytes(b"%PDF-1.4\n" + b"0" * server.app.state.settings.documents_max_bytes)
    await sign_in(page, server, agent)
    await open_file(page, "Ndeye Faye")
    form = page.locator("#upload-form")
    await form.get_by_label("Fichier (scan, photo ou PDF)").set_input_files(str(big))
    await form.get_by_role("button", name="Déposer le document").click()
    # the agent is told how small the file must be, as French writes a size (20 Mo, by default)
    await expect(page.locator("#documents .msg")).to_contain_text(
        "Le fichier est trop volumineux : 20\u00a0Mo au plus."
    )
