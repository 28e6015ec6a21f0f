"""Bad register files over the API: a clear problem response each time, and nothing written."""

from __future__ import annotations

import io
import zipfile

import pytest

from tests.imports.conftest import HEADER, csv_file, register_bytes, register_head, xlsx_file

GOOD_ROW = "1;01/06/2019;Awa;Diop;F;01/01/1990;Dakar;Thiès;;;0612345678;;Casablanca;;;;;"
UNCLOSED = b'2;01/06/2019;Awa;Diop;F;;;;;;;;;;;;"Demande'  # the file ends inside a quoted cell
LONG = 131_073  # characters: one more than a cell of Python's csv reader may hold (csv.field_size_limit())


def _zip_without_workbook() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("readme.txt", "hello")
    return out.getvalue()


@pytest.mark.parametrize(
    ("content", "filename", "status", "problem"),
    [
        (b"", "registre.csv", 422, "import-empty-file"),
        (b"\r\n\r\n", "registre.csv", 422, "import-empty-file"),
        (csv_file(), "registre.csv", 422, "import-empty-file"),
        (register_head(31)[:-40], "registre.csv", 422, "import-truncated-file"),
        (
            csv_file(GOOD_ROW) + b'2;01/06/2019;Awa;Diop;F;;;;;;;;;;;;"Demande',
            "registre.csv",
            422,
            "import-truncated-file",
        ),
        (bytes(range(256)) * 40, "registre.csv", 422, "import-unreadable-file"),
        (b"\xef\xbb\xbfPr\xe9nom;Nom\nAwa;Diop\n", "registre.csv", 422, "import-unreadable-file"),
        (b"Produit;Prix\nRiz;12\n", "registre.csv", 422, "import-unrecognised-headers"),
        (register_head(31), "registre.xlsx", 415, "import-unsupported-format"),
        (_zip_without_workbook(), "registre.xlsx", 415, "import-unsupported-format"),
        (xlsx_file([HEADER.split(";")]), "registre.xlsx", 422, "import-empty-file"),
        (b"A" * LONG, "registre.csv", 422, "import-cell-too-long"),
        (b";" * LONG, "registre.csv", 422, "import-cell-too-long"),
        (csv_file(GOOD_ROW, header=HEADER + ";" + "X" * LONG), "registre.csv", 422, "import-cell-too-long"),
        (b"T" * LONG + b"\r\n" + csv_file(GOOD_ROW), "registre.csv", 422, "import-cell-too-long"),
        (
            csv_file(GOOD_ROW, "2;01/06/2019;Awa;Diop;F;;;;;;;;;;;;;" + "x" * LONG),
            "registre.csv",
            422,
            "import-cell-too-long",
        ),
    ],
    ids=[
        "empty",
        "blank-lines",
        "header-only",
        "last-line-cut",
        "unclosed-quote",
        "binary",
        "invalid-utf8-after-bom",
        "wrong-headers",
        "xlsx-not-a-zip",
        "zip-not-a-workbook",
        "xlsx-header-only",
        "one-long-line",
        "one-long-line-of-delimiters",
        "header-with-a-long-cell",
        "long-title-above-the-header",
        "data-row-with-a-long-cell",
    ],
)
async def test_bad_file_is_a_problem_and_writes_nothing(  # type: ignore[no-untyped-def]
    upload, count_rows, content: bytes, filename: str, status: int, problem: str
) -> None:
    before = await count_rows()
    response = await upload(content, filename=filename)
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["type"] == f"/problems/{problem}"
    assert await count_rows() == before


async def test_problem_detail_is_in_french_by_default(upload) -> None:  # type: ignore[no-untyped-def]
    response = await upload(b"Produit;Prix\nRiz;12\n")
    body = response.json()
    assert body["title"] == "En-têtes du registre non reconnus"
    assert body["detail"].startswith("La ligne d'en-tête ne nomme pas les colonnes du registre")
    assert body["missing"] == ["given_names", "family_name"]


async def test_a_cell_too_long_is_named_with_its_line(upload) -> None:  # type: ignore[no-untyped-def]
    title = b"Registre " + b"T" * LONG + b"\r\n"
    body = (await upload(title + csv_file(GOOD_ROW), filename="registre.csv")).json()
    assert body["line"] == 1
    assert body["detail"] == (
        "La ligne 1 contient une cellule de plus de 131\u202f072 caractères : "
        "aucune cellule d'un registre n'est si longue."
    )
    assert len((await upload(b"Produit;" + b"P" * 100_000 + b"\nRiz;12\n")).content) < 2_000  # headers cut, not echoed


async def test_truncated_file_names_the_cut_line(upload) -> None:  # type: ignore[no-untyped-def]
    content = register_bytes()[:5000]
    body = (await upload(content, filename="registre.csv")).json()
    assert body["line"] == 29


async def test_missing_file_field_is_a_validation_problem(client, admin) -> None:  # type: ignore[no-untyped-def]
    form = b'--b0\r\nContent-Disposition: form-data; name="desk_code"\r\n\r\nCASA-BASE\r\n--b0--\r\n'
    headers = {**admin.headers, "Content-Type": "multipart/form-data; boundary=b0"}
    response = await client.post("/api/v1/imports/registers", content=form, headers=headers)
    assert response.status_code == 422
    assert response.json()["type"] == "/problems/validation-failed"
    assert [e["loc"] for e in response.json()["errors"]] == [["body", "file"]]
    # a url-encoded form cannot hold the file at all: the operation takes multipart only
    response = await client.post("/api/v1/imports/registers", data={"desk_code": "CASA-BASE"}, headers=admin.headers)
    assert response.status_code == 415
    assert response.headers["Accept-Post"] == "multipart/form-data"


@pytest.mark.parametrize(
    ("files", "data", "field", "kind"),
    [
        # dry_run=true then false: the last value won, and a dry run wrote the register
        ([("file", ("r.csv", "R", "text/csv"))], {"desk_code": "CASA-BASE", "dry_run": ["true", "false"]},
         "dry_run", "repeated_parameter"),
        # two files: the first was silently left out
        ([("file", ("a.csv", "R", "text/csv")), ("file", ("b.csv", "R", "text/csv"))], {"desk_code": "CASA-BASE"},
         "file", "repeated_parameter"),
        ([("file", ("r.csv", "R", "text/csv"))], {"desk_code": "CASA-BASE", "dryrun": "true"}, "dryrun",
         "unknown_parameter"),
    ],
)  # fmt: skip
async def test_a_form_field_twice_or_unknown_is_refused_naming_it(  # type: ignore[no-untyped-def]
    client, admin, count_rows, files, data, field, kind
) -> None:
    before = await count_rows()
    register = csv_file(GOOD_ROW)
    files = [(name, (filename, register, media)) for name, (filename, _, media) in files]
    response = await client.post("/api/v1/imports/registers", files=files, data=data, headers=admin.headers)
    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert [(e["loc"], e["type"]) for e in response.json()["errors"]] == [(["body", field], kind)]
    assert await count_rows() == before


async def test_service_keeps_serving_after_bad_files(upload, client) -> None:  # type: ignore[no-untyped-def]
    for content in (b"", bytes(range(256)) * 40, b"Produit;Prix\nRiz;12\n"):
        await upload(content)
    assert (await client.get("/readyz")).status_code == 200
    assert (await upload(csv_file(GOOD_ROW))).status_code == 201


async def test_a_long_file_name_is_read_and_one_past_the_part_header_limit_is_422(  # type: ignore[no-untyped-def]
    upload, count_rows
) -> None:
    # 1,400 « é »: 2,800 bytes of Content-Disposition, within the 4,224 the form parser reads.
    assert (await upload(csv_file(GOOD_ROW), filename="é" * 1400 + ".csv", dry_run=True)).status_code == 200
    before = await count_rows()
    response = await upload(csv_file(GOOD_ROW), filename="é" * 2100 + ".csv")
    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == "application/problem+json"
    body = response.json()
    assert (body["type"], body["max_header_bytes"]) == ("/problems/filename-too-long", 4224)
    assert await count_rows() == before
