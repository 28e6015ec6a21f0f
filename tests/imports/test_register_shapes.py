"""Files that are not the register they seem: a workbook whose first sheet is a cover page, prose
renamed ``.csv``, and the app's own registrants export imported back (its numbered phone columns
and its registration number). Each file is built here as a desk would have it, sent over HTTP."""

from __future__ import annotations

import csv
import io
import uuid
from typing import Any

from openpyxl import Workbook
from sqlalchemy import select

from app.imports.models import ImportRow
from app.registrants.models import Registrant, RegistrantPhone
from app.reports.export_words import header
from app.reports.exports import PHONES_EXPORTED

FR = {"Accept-Language": "fr"}
REGISTER_HEAD = ["N°", "Prénom(s)", "Nom", "Sexe", "Date de naissance"]


def workbook(sheets: list[tuple[str, list[list[Any]]]]) -> bytes:
    """An XLSX workbook with ``sheets`` in this order, each ``(title, rows)``."""
    book = Workbook()
    first = book.active
    assert first is not None
    book.remove(first)
    for title, rows in sheets:
        sheet = book.create_sheet(title)
        for row in rows:
            sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


# A cover page: a title, a subtitle and a date, in the first column only; the sheet is as wide
# as the register's sheet (the cover's cells below a merged title stretch over 20 columns).
COVER = [
    ["Registre des ressortissants — Bureau d'accueil de Casablanca", *[None] * 19],
    ["Année 2021", *[None] * 19],
]
REGISTER_ROWS = [REGISTER_HEAD, [1, "Awa", "Diop", "F", "12/03/1990"], [2, "Moussa", "Sarr", "M", "01/01/1985"]]


async def test_a_cover_sheet_first_is_refused_saying_only_the_first_sheet_is_read_and_naming_the_others(
    client, admin, count_rows
) -> None:  # type: ignore[no-untyped-def]
    content = workbook([("Couverture", COVER), ("Registre 2021", REGISTER_ROWS), ("Notes", [["Mise à jour"]])])
    before = await count_rows()
    response = await client.post(
        "/api/v1/imports/registers",
        files={"file": ("registre.xlsx", content, "application/octet-stream")},
        data={"desk_code": "CASA-BASE"},
        headers={**admin.headers, **FR},
    )
    assert response.status_code == 422, response.text
    body = response.json()
    assert body["type"] == "/problems/import-unrecognised-headers"
    detail = body["detail"]
    assert "«  »" not in detail  # never a list of empty cells
    assert "première feuille « Couverture »" in detail
    assert "seule la première feuille est lue" in detail
    assert "« Registre 2021 »" in detail and "« Notes »" in detail
    # the sheet that does name the register's columns is said to be the one to put first
    assert "« Registre 2021 » nomme les colonnes du registre" in detail
    assert body["sheets"] == ["Couverture", "Registre 2021", "Notes"]
    english = await client.post(
        "/api/v1/imports/registers",
        files={"file": ("registre.xlsx", content, "application/octet-stream")},
        data={"desk_code": "CASA-BASE", "dry_run": "true"},
        headers={**admin.headers, "Accept-Language": "en"},
    )
    assert "only the first sheet is read" in english.json()["detail"]
    assert "'Registre 2021' names the register's columns" in english.json()["detail"]
    assert await count_rows() == before


async def test_a_blank_first_sheet_is_refused_the_same_way(client, admin) -> None:  # type: ignore[no-untyped-def]
    content = workbook([("Feuil1", []), ("Registre", REGISTER_ROWS)])
    response = await client.post(
        "/api/v1/imports/registers",
        files={"file": ("registre.xlsx", content, "application/octet-stream")},
        data={"desk_code": "CASA-BASE", "dry_run": "true"},
        headers={**admin.headers, **FR},
    )
    assert response.status_code == 422, response.text
    detail = response.json()["detail"]
    assert "seule la première feuille est lue" in detail
    assert "« Registre » nomme les colonnes du registre" in detail


async def test_empty_header_cells_are_never_quoted_back(upload) -> None:  # type: ignore[no-untyped-def]
    content = b"Colonne A;;;;;Colonne B;;;\r\n1;;;;;2;;;\r\n"
    response = await upload(content, dry_run=True)
    assert response.status_code == 422, response.text
    assert response.json()["type"] == "/problems/import-unrecognised-headers"
    assert "«  »" not in response.json()["detail"]
    assert "« Colonne A », « Colonne B »" in response.json()["detail"]


LETTER = (
    "Casablanca, le 3 mars 2021\n"
    "\n"
    "Monsieur le Consul,\n"
    "\n"
    "Suite à notre entretien de mardi, je vous adresse la liste demandée ; elle sera complétée\n"
    "dès que les antennes de Rabat, Fès et Tanger nous auront répondu. Les inscriptions de\n"
    "janvier, déjà saisies, figurent dans le registre ; celles de février suivront.\n"
    "\n"
    "Veuillez agréer, Monsieur le Consul, l'expression de ma haute considération.\n"
)


async def test_prose_renamed_csv_is_refused_for_its_headers_not_its_delimiter(upload) -> None:  # type: ignore[no-untyped-def]
    for encoding in ("utf-8", "cp1252"):
        response = await upload(LETTER.encode(encoding), filename="liste.csv", dry_run=True)
        assert response.status_code == 422, response.text
        body = response.json()
        assert body["type"] == "/problems/import-unrecognised-headers", body
        assert "ne nomme pas les colonnes du registre" in body["detail"]


async def test_a_file_with_columns_whose_delimiter_is_unclear_still_asks_for_it(upload) -> None:  # type: ignore[no-untyped-def]
    content = b"Given:First;Family:Name,Notes\r\nAwa:x;Diop:y,z\r\nMoussa:x;Sarr:y,z\r\n"
    response = await upload(content, dry_run=True)
    assert response.json()["type"] == "/problems/import-ambiguous-delimiter", response.text


def _export_header(lang: str) -> list[str]:
    """The named registrants export's columns an import reads, in the export's words."""
    names = [
        "registration_number",
        "registered_on",
        "family_name",
        "given_names",
        "date_of_birth",
        "email",
        *(f"phone_{i}" for i in range(1, PHONES_EXPORTED + 1)),
        "other_phones",
        "occupation",
    ]
    return [header(name, lang) for name in names]


EXPORTED_ROW = [
    "CASA-2021-000042",
    "15/02/2021",
    "Diop",
    "Awa",
    "12/03/1990",
    "awa.diop@example.org",
    "+212612345678",
    "+221771234567",
    "+212522123456",
    "+221781234567",
    "Couturière",
]


async def test_an_export_imported_back_reads_its_phones_and_keeps_its_registration_number(upload, sessionmaker) -> None:  # type: ignore[no-untyped-def]
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";")
    writer.writerow(_export_header("fr"))
    writer.writerow(EXPORTED_ROW)
    response = await upload(out.getvalue().encode("utf-8-sig"), filename="personnes.csv")
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["ignored_columns"] == []
    assert body["rows"][0]["outcome"] == "imported", body["rows"][0]
    assert body["rows"][0]["number"] == "CASA-2021-000042"
    registrant_id = uuid.UUID(body["rows"][0]["registrant_id"])
    async with sessionmaker() as session:
        numbers = select(RegistrantPhone.e164).where(RegistrantPhone.registrant_id == registrant_id)
        phones = (await session.execute(numbers)).scalars().all()
        row = (await session.execute(select(ImportRow).where(ImportRow.registrant_id == registrant_id))).scalar_one()
        registrant = await session.get(Registrant, registrant_id)
    exported = ["+212612345678", "+221771234567", "+212522123456", "+221781234567"]  # three, then "other"
    assert sorted(p for p in phones if p) == sorted(exported)
    assert row.source_number == "CASA-2021-000042"
    assert registrant is not None and registrant.source_ref == f"import:{body['batch_id']}:line 2"


async def test_an_english_export_in_xlsx_is_read_the_same(upload) -> None:  # type: ignore[no-untyped-def]
    content = workbook([("Registrants", [_export_header("en"), EXPORTED_ROW])])
    response = await upload(content, filename="registrants.xlsx", dry_run=True)
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["ignored_columns"] == []
    assert body["columns"]["source_number"] == "Registration number"
    assert body["rows"][0]["outcome"] == "imported", body["rows"][0]


async def test_a_register_numbering_its_rows_and_keeping_a_registration_number_is_read(upload) -> None:  # type: ignore[no-untyped-def]
    content = "N°;N° d'inscription;Prénom(s);Nom\r\n7;CASA-2019-000007;Awa;Diop\r\n".encode()
    response = await upload(content, dry_run=True)
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["rows"][0]["number"] == "7"
    assert body["ignored_columns"] == ["N° d'inscription"]  # said above the rows, never lost unnoticed
