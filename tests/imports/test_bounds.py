"""Every register read is bounded before it inflates or parses much, and runs off the event loop."""

from __future__ import annotations

import asyncio
import io
import threading
import zipfile

import pytest

from app.imports import service
from tests.imports.conftest import csv_file, xlsx_file

ROW = "1;01/06/2019;Awa;Diop;F;01/01/1990;Dakar;Thiès;;;0612345678;;Casablanca;;;;;"


def _bomb(inflated: int) -> bytes:
    """A workbook whose sheet inflates to ``inflated`` bytes of rows from a few kilobytes."""
    good = zipfile.ZipFile(io.BytesIO(xlsx_file([["Prénom(s)", "Nom"], ["Awa", "Diop"]])))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as bomb:
        for item in good.infolist():
            if item.filename != "xl/worksheets/sheet1.xml":
                bomb.writestr(item, good.read(item))
                continue
            row = b'<row><c t="inlineStr"><is><t>Awa</t></is></c><c t="inlineStr"><is><t>Diop</t></is></c></row>'
            with bomb.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as sheet:
                sheet.write(b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>')
                chunk = row * (1_048_576 // len(row))
                for _ in range(inflated // len(chunk)):
                    sheet.write(chunk)
                sheet.write(b"</sheetData></worksheet>")
    return out.getvalue()


async def test_a_decompression_bomb_is_refused_from_the_zip_directory(upload, settings, count_rows) -> None:
    settings.import_max_uncompressed_bytes = 16 * 1_048_576  # the default is 100 MiB; a smaller bomb is quicker
    content = _bomb(24 * 1_048_576)
    assert len(content) < 1_048_576  # small on disk
    before = await count_rows()
    response = await upload(content, filename="registre.xlsx")
    assert response.status_code == 413, response.text
    body = response.json()
    assert body["type"] == "/problems/import-file-too-large"
    assert body["limit"] == "IMPORT_MAX_UNCOMPRESSED_BYTES"
    assert await count_rows() == before


async def test_a_highly_compressed_part_is_refused_by_its_ratio(upload) -> None:
    response = await upload(_bomb(8 * 1_048_576), filename="registre.xlsx")
    assert response.status_code == 413, response.text
    assert response.json()["limit"] == "IMPORT_MAX_COMPRESSION_RATIO"


@pytest.mark.parametrize(
    ("setting", "value", "content", "filename"),
    [
        ("import_max_rows", 1, csv_file(ROW, ROW.replace("Awa", "Fatou")), "r.csv"),
        ("import_max_rows", 1, xlsx_file([["Prénom(s)", "Nom"], ["Awa", "Diop"], ["Fatou", "Sarr"]]), "r.xlsx"),
        ("import_max_columns", 5, csv_file(ROW), "r.csv"),
        ("import_max_columns", 2, xlsx_file([["Prénom(s)", "Nom", "Ville"], ["Awa", "Diop", "Fès"]]), "r.xlsx"),
        ("import_max_zip_members", 3, xlsx_file([["Prénom(s)", "Nom"], ["Awa", "Diop"]]), "r.xlsx"),
        ("import_max_parse_seconds", 0, csv_file(ROW), "r.csv"),
        ("import_max_parse_seconds", 0, xlsx_file([["Prénom(s)", "Nom"], ["Awa", "Diop"]] * 40), "r.xlsx"),
    ],
    ids=["csv-rows", "xlsx-rows", "csv-columns", "xlsx-columns", "zip-members", "csv-time", "xlsx-time"],
)
async def test_each_bound_answers_413_naming_its_setting(
    upload, settings, count_rows, setting: str, value: float, content: bytes, filename: str
) -> None:
    setattr(settings, setting, value)
    before = await count_rows()
    response = await upload(content, filename=filename)
    assert response.status_code == 413, response.text
    assert response.json()["limit"] == setting.upper()
    assert await count_rows() == before


async def test_the_server_answers_other_requests_while_an_import_parses(client, upload, monkeypatch) -> None:
    """The read runs in a worker thread: /healthz completes while the parse is held, not after."""
    entered, release = threading.Event(), threading.Event()
    real = service.read_register

    def held(*args, **kwargs):  # type: ignore[no-untyped-def]
        entered.set()
        release.wait(10)  # on the event loop, this would block /healthz for 10 s and fail below
        return real(*args, **kwargs)

    monkeypatch.setattr(service, "read_register", held)
    importing = asyncio.create_task(upload(csv_file(ROW), dry_run=True))
    assert await asyncio.to_thread(entered.wait, 10)
    health = await client.get("/healthz")
    assert health.status_code == 200
    assert not importing.done()
    release.set()
    assert (await importing).status_code == 200
