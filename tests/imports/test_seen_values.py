"""Imports read what a person sees: refused characters in cells, XLSX formulas' saved values, the
CSV delimiter (header-led detection, ``sep=``, the ``delimiter`` field). Over the API, on both
databases."""

from __future__ import annotations

import io
import uuid

from sqlalchemy import select

from app.imports.models import ImportRow
from tests.imports.conftest import HEADER, csv_file, xlsx_file

ROW = "1;01/06/2019;Awa;Diop;F;01/01/1990;Dakar;Thiès;;;0612345678;;Casablanca;;;;;"


async def _rows(sessionmaker, batch_id: str) -> dict[int, ImportRow]:
    async with sessionmaker() as session:
        found = (await session.execute(select(ImportRow).where(ImportRow.batch_id == uuid.UUID(batch_id)))).scalars()
        return {row.line: row for row in found}


async def test_a_cell_with_a_refused_character_rejects_its_row_and_keeps_a_storable_copy(upload, sessionmaker) -> None:
    content = csv_file(
        ROW,
        "2;01/06/2019;Fatou;Nd\x00iaye;F;;;;;;;;;;;;;",
        "3;01/06/2019;Moussa;Sarr;M;;;;;;;;;;;;Note\x1b[31m;",
        encoding="utf-8",
    )
    response = await upload(content)
    assert response.status_code == 201, response.text
    report = response.json()
    outcomes = {row["line"]: (row["outcome"], row.get("reason")) for row in report["rows"]}
    assert outcomes[2][0] == "imported"
    assert outcomes[3][0] == outcomes[4][0] == "rejected"
    assert "family_name: character U+0000 at position 3" in outcomes[3][1]
    assert "request: character U+001B at position 5" in outcomes[4][1]
    assert "U+FFFD" in outcomes[3][1]
    stored = await _rows(sessionmaker, report["batch_id"])
    assert stored[3].raw["family_name"] == "Nd\ufffdiaye"
    assert stored[4].raw["request"] == "Note\ufffd[31m"


async def test_an_xlsx_cell_with_a_c1_control_rejects_its_row(upload) -> None:
    content = xlsx_file([["Prénom(s)", "Nom"], ["Awa", "Diop"], ["Fatou", "Nd\x85iaye"]])
    response = await upload(content, filename="r.xlsx")
    assert response.status_code == 201, response.text
    rows = {row["line"]: row for row in response.json()["rows"]}
    assert rows[2]["outcome"] == "imported"
    assert rows[3]["outcome"] == "rejected"
    assert "U+0085" in rows[3]["reason"]


def _workbook_with_saved_formula_values() -> bytes:
    """Formulas with the values a spreadsheet saved with them (XlsxWriter's ``value=``)."""
    import xlsxwriter

    out = io.BytesIO()
    book = xlsxwriter.Workbook(out)
    sheet = book.add_worksheet()
    sheet.write_row(0, 0, ["Prénom(s)", "Nom", "Téléphone"])
    sheet.write_row(1, 0, ["Awa", "Diop"])
    sheet.write_formula(2, 0, '="Fa"&"tou"', None, "Fatou")
    sheet.write_formula(2, 1, '=UPPER("ndiaye")', None, "NDIAYE")
    sheet.write_formula(2, 2, '="06"&"12345679"', None, "0612345679")
    book.close()
    return out.getvalue()


async def test_xlsx_formulas_are_read_as_their_saved_values(upload) -> None:
    response = await upload(_workbook_with_saved_formula_values(), filename="r.xlsx")
    assert response.status_code == 201, response.text
    rows = {row["line"]: row for row in response.json()["rows"]}
    assert rows[3]["outcome"] == "imported", rows[3]
    assert rows[3]["name"] == "Fatou Ndiaye"  # NDIAYE shown, made readable as any capitalised name
    assert not any("phone" in w["field"] for w in rows[3]["warnings"])


async def test_a_formula_without_a_saved_value_rejects_its_row(upload, sessionmaker) -> None:
    """openpyxl writes formulas without computing them: no saved value, as from many programs."""
    content = xlsx_file([["Prénom(s)", "Nom"], ["Awa", "Diop"], ["Fatou", '=UPPER("ndiaye")']])
    response = await upload(content, filename="r.xlsx")
    assert response.status_code == 201, response.text
    rows = {row["line"]: row for row in response.json()["rows"]}
    assert rows[3]["outcome"] == "rejected"
    assert "formula '=UPPER(\"ndiaye\")' with no value saved" in rows[3]["reason"]
    assert rows[3]["reason_fr"].startswith(
        'la colonne « Nom » contient la formule « =UPPER("ndiaye") » sans valeur enregistrée par le tableur'
    )
    stored = await _rows(sessionmaker, response.json()["batch_id"])
    assert stored[3].raw["family_name"] == '=UPPER("ndiaye")'


NOTE_WITH_COMMAS = "Demande de passeport, carte consulaire, attestation, légalisation, visa, etc, etc"


def _semicolon_register_with_a_comma_note() -> bytes:
    header = "Prénom(s);Nom;Observations"
    rows = ["Awa;Diop;", f"Fatou;Ndiaye;{NOTE_WITH_COMMAS}", "Moussa;Sarr;"]
    return "\r\n".join([header, *rows, ""]).encode("utf-8")


async def test_a_semicolon_register_with_a_note_full_of_commas_is_read_with_semicolons(upload) -> None:
    response = await upload(_semicolon_register_with_a_comma_note(), dry_run=True)
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["delimiter"] == ";"
    assert [row["outcome"] for row in body["rows"]] == ["imported"] * 3


async def test_excel_sep_line_is_honoured_and_is_not_a_row(upload) -> None:
    content = b"sep=,\r\nPr\xc3\xa9nom(s),Nom,Observations\r\nAwa,Diop,a;b;c;d;e\r\n"
    response = await upload(content, dry_run=True)
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["delimiter"] == ","
    assert [(row["line"], row["name"]) for row in body["rows"]] == [(3, "Awa Diop")]


async def test_ambiguous_file_asks_for_the_delimiter_and_the_field_resolves_it(client, admin) -> None:
    content = b"Given:First;Family:Name,Notes\r\nAwa:x;Diop:y,z\r\n"
    response = await client.post(
        "/api/v1/imports/registers",
        files={"file": ("r.csv", content, "text/csv")},
        data={"desk_code": "CASA-BASE", "dry_run": "true"},
        headers=admin.headers,
    )
    assert response.status_code == 422
    assert response.json()["type"] == "/problems/import-ambiguous-delimiter"
    # the form's own words for the field to fill (« Séparateur de colonnes »), not the API's name
    assert "Indiquez le séparateur de colonnes" in response.json()["detail"]
    assert response.json()["candidates"] == [";", ","]
    content = "Prénom(s)|Nom|Observations\r\nAwa|Diop|a;b,c\r\n".encode()
    answered = await client.post(
        "/api/v1/imports/registers",
        files={"file": ("r.csv", content, "text/csv")},
        data={"desk_code": "CASA-BASE", "dry_run": "true", "delimiter": "|"},
        headers=admin.headers,
    )
    assert answered.status_code == 200, answered.text
    assert answered.json()["delimiter"] == "|"


async def test_an_unknown_delimiter_value_is_422(client, admin) -> None:
    response = await client.post(
        "/api/v1/imports/registers",
        files={"file": ("r.csv", csv_file(ROW), "text/csv")},
        data={"desk_code": "CASA-BASE", "dry_run": "true", "delimiter": "x"},
        headers=admin.headers,
    )
    assert response.status_code == 422
    assert response.json()["type"] == "/problems/import-ambiguous-delimiter"


async def test_a_refused_character_in_the_file_name_or_desk_code_is_422(client, admin, count_rows) -> None:
    before = await count_rows()
    body = b'--b\r\nContent-Disposition: form-data; name="desk_code"\r\n\r\nCASA-BASE\r\n'
    body += b'--b\r\nContent-Disposition: form-data; name="file"; filename="r\x00.csv"\r\n'
    body += b"Content-Type: text/csv\r\n\r\n" + csv_file(ROW) + b"\r\n--b--\r\n"
    named = await client.post(
        "/api/v1/imports/registers",
        content=body,
        headers={**admin.headers, "content-type": "multipart/form-data; boundary=b"},
    )
    desk = await client.post(
        "/api/v1/imports/registers",
        files={"file": ("r.csv", csv_file(ROW), "text/csv")},
        data={"desk_code": "CASA\x00BASE"},
        headers=admin.headers,
    )
    assert (named.status_code, desk.status_code) == (422, 422)
    assert named.json()["errors"][0]["loc"] == ["body", "file", "filename"]
    assert desk.json()["errors"][0]["loc"] == ["body", "desk_code"]
    assert await count_rows() == before


def test_header_constant_still_names_the_register() -> None:
    assert HEADER.startswith("N°;")
