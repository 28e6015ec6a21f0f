"""A UTF-8 register whose only UTF-8 sits on the lines holding its stray bytes stays UTF-8.

The UTF-8 characters of a line that also holds a byte that is not UTF-8 (an apostrophe or a letter
pasted from a Windows-1252 file) are evidence of UTF-8 like any others (step 3 of
:mod:`app.imports.encoding`): the file is read as UTF-8 and each stray byte is named, the header's
refusing the file and a data row's rejecting that row, where the file used to be read in
Windows-1252 (``FranÃ§oise`` imported) or refused as no code page's. A file in a code page, whose
letters beyond ASCII are not UTF-8 at all, is read in it as before. Every file is written here,
byte by byte; over ``POST /api/v1/imports/registers`` and, for the English wording and the exact
text, the reader and the decoder.
"""

from __future__ import annotations

import pytest
from sqlalchemy import select

from app.imports.encoding import DecodedText, StrayByte, decode_register
from app.imports.errors import UnreadableRegister
from app.imports.models import ImportRow
from app.imports.reading import read_register
from tests.imports.test_encodings import stray_reason

PLAIN_HEADER = b"Prenom;Nom;Sexe;Lieu de naissance;Ville de residence;Observations\r\n"
ASCII_ROWS = b"Awa;Diop;F;Dakar;Rabat;ok\r\nLamine;Ndiaye;M;Dakar;Fes;\r\n"


def utf8(*parts: str | int) -> bytes:
    """Text parts in UTF-8, an int as that one byte: ``utf8("Date d", 0x92, "arrivée")``."""
    return b"".join(bytes([part]) if isinstance(part, int) else part.encode("utf-8") for part in parts)


HEADERS_WITH_A_STRAY_BYTE = {
    "apostrophe-0x92": (utf8("Prénom;Nom;Né(e) le;Date d", 0x92, "arrivée au Maroc\r\n"), 0x92),
    "letter-0xE9": (utf8("Prénom;Nom;Né(e) le;T", 0xE9, "léphone\r\n"), 0xE9),
}
HEADER_ROWS = b"Awa;Diop;01/01/1990;x\r\nLamine;Ndiaye;02/02/1991;y\r\n"


@pytest.mark.parametrize("header", HEADERS_WITH_A_STRAY_BYTE, ids=list(HEADERS_WITH_A_STRAY_BYTE))
async def test_a_stray_byte_in_a_header_holding_the_files_only_accents_refuses_the_file_naming_it(  # type: ignore[no-untyped-def]
    upload, count_rows, header: str
) -> None:
    line, value = HEADERS_WITH_A_STRAY_BYTE[header]
    content = line + HEADER_ROWS
    offset = content.index(bytes([value]))
    before = await count_rows()
    response = await upload(content)
    body = response.json()
    assert (response.status_code, body["type"], body["line"], body["offset"]) == (
        422,
        "/problems/import-unreadable-file",
        1,
        offset,
    )
    assert body["detail"].startswith(
        "Le fichier ne peut pas être lu comme un registre : la ligne 1, où l'en-tête est lu, contient un octet qui "
        f"n'est pas de l'UTF-8 valide (0x{value:02X} à la position {offset}) alors que le reste du fichier est en "
        "UTF-8. Ouvrez-le dans le programme qui l'a créé et enregistrez-le au format « CSV UTF-8 »"
    )
    assert await count_rows() == before


def test_a_stray_byte_in_a_header_holding_the_files_only_accents_is_named_in_english() -> None:
    content = HEADERS_WITH_A_STRAY_BYTE["apostrophe-0x92"][0] + HEADER_ROWS
    with pytest.raises(UnreadableRegister) as refused:
        read_register(content)
    assert str(refused.value).startswith(
        "The file cannot be read as a register: line 1, where the header is read, holds a byte that is not valid "
        "UTF-8 (0x92 at byte offset 28 (line 1)) while the rest of the file is UTF-8. Open it in the program that "
        'made it and save it as "CSV UTF-8"'
    )


async def test_a_header_and_rows_each_holding_utf8_and_a_stray_byte_refuse_the_file_naming_the_headers(  # type: ignore[no-untyped-def]
    upload,
) -> None:
    content = HEADERS_WITH_A_STRAY_BYTE["letter-0xE9"][0] + utf8("Ndèye;Diène;01/01/1990;06 12 34 56 78", 0x92, "\r\n")
    offset = content.index(b"\xe9")  # the header's byte, not the row's 0x92
    body = (await upload(content, dry_run=True)).json()
    assert (body["type"], body["line"], body["offset"]) == ("/problems/import-unreadable-file", 1, offset)
    assert f"(0xE9 à la position {offset})" in body["detail"]


@pytest.mark.parametrize("dry_run", [True, False], ids=["dry-run", "real-run"])
async def test_a_stray_byte_in_the_only_row_with_accents_rejects_that_row_and_reads_its_utf8(  # type: ignore[no-untyped-def]
    upload, sessionmaker, dry_run: bool
) -> None:
    row = utf8("Françoise;Sarr;F;Dakar;Rabat;d", 0x92, "accord\r\n")  # Windows-1252 read it "FranÃ§oise"
    content = PLAIN_HEADER + row + ASCII_ROWS
    response = await upload(content, dry_run=dry_run)
    assert response.status_code == (200 if dry_run else 201), response.text
    report = response.json()
    assert report["encoding"] == "utf-8"
    assert [(r["line"], r["name"], r["outcome"]) for r in report["rows"]] == [
        (2, "Françoise Sarr", "rejected"),
        (3, "Awa Diop", "imported"),
        (4, "Lamine Ndiaye", "imported"),
    ]
    offset = content.index(b"\x92")
    assert report["rows"][0]["reason"] == stray_reason("Observations", offset, 2, "0x92")
    assert report["rows"][0]["reason_fr"].startswith(
        "la colonne « Observations » contient un octet qui n'est pas de l'UTF-8 valide "
        f"(octet 0x92 en position {offset} du fichier, ligne 2) alors que le reste du fichier est en UTF-8"
    )
    if dry_run:
        return
    async with sessionmaker() as session:
        stored = (await session.execute(select(ImportRow).where(ImportRow.line == 2))).scalar_one()
    assert (stored.raw["given_names"], stored.raw["observations"]) == ("Françoise", "d\ufffdaccord")


EVERY_LINE_MIXED = (
    PLAIN_HEADER
    + utf8("Ndèye;Diène;F;Thiès;Meknès;d", 0x92, "accord\r\n")  # line 2
    + b"Awa;Diop;F;Dakar;Rabat;ok\r\n"
    + utf8("Aïssatou;Guèye;F;Saint-Louis;Fès;tr", 0xE8, "s bien\r\n")  # line 4
)


async def test_rows_each_holding_utf8_and_a_stray_byte_are_each_rejected_naming_their_byte(upload) -> None:  # type: ignore[no-untyped-def]
    response = await upload(EVERY_LINE_MIXED, dry_run=True)
    assert response.status_code == 200, response.text
    report = response.json()
    assert report["encoding"] == "utf-8"
    assert [(r["line"], r["name"], r["outcome"]) for r in report["rows"]] == [
        (2, "Ndèye Diène", "rejected"),
        (3, "Awa Diop", "imported"),
        (4, "Aïssatou Guèye", "rejected"),
    ]
    assert [report["rows"][i]["reason"] for i in (0, 2)] == [
        stray_reason("Observations", EVERY_LINE_MIXED.index(b"\x92"), 2, "0x92"),
        stray_reason("Observations", EVERY_LINE_MIXED.index(b"\xe8"), 4, "0xE8"),
    ]


def test_rows_each_holding_utf8_and_a_stray_byte_decode_as_utf8_with_each_byte_set_apart() -> None:
    decoded = decode_register(EVERY_LINE_MIXED)
    assert (decoded.encoding, decoded.stray) == (
        "utf-8",
        (
            StrayByte(line=2, offset=EVERY_LINE_MIXED.index(b"\x92"), value=0x92),
            StrayByte(line=4, offset=EVERY_LINE_MIXED.index(b"\xe8"), value=0xE8),
        ),
    )
    assert decoded.text == EVERY_LINE_MIXED.decode("utf-8", "surrogateescape")


CODE_PAGE_FILES = {
    "windows-1252": (
        "Prénom;Nom;Né(e) le;Ville de résidence;Observations\r\n"
        "Ndèye;Diène;01/01/1990;Fès;d’accord, « très bien »\r\n"
        "Aïssatou;Guèye;02/02/1991;Kénitra;\r\n",
        "cp1252",
    ),
    "mac-roman-valid-utf8-beside-bytes-that-are-not": (  # "’É" is valid UTF-8 ("Ճ"), "à" and "è" are not
        "Prenom;Nom;Sexe;Lieu de naissance;Ville de residence;Observations\r\n"
        "Awa;Diop;F;Dakar;Rabat;l’Église à Thiès\r\n",
        "mac_roman",
    ),
}


@pytest.mark.parametrize("name", CODE_PAGE_FILES, ids=list(CODE_PAGE_FILES))
def test_a_file_in_a_code_page_is_still_read_in_it(name: str) -> None:
    text, encoding = CODE_PAGE_FILES[name]
    assert decode_register(text.encode(encoding)) == DecodedText(text, encoding)


async def test_a_windows_1252_file_with_accents_in_header_and_rows_imports_as_typed(upload) -> None:  # type: ignore[no-untyped-def]
    text, encoding = CODE_PAGE_FILES["windows-1252"]
    response = await upload(text.encode(encoding), dry_run=True)
    assert response.status_code == 200, response.text
    report = response.json()
    assert (report["encoding"], report["columns"]["host_city"]) == ("cp1252", "Ville de résidence")
    assert [(r["name"], r["outcome"]) for r in report["rows"]] == [
        ("Ndèye Diène", "imported"),
        ("Aïssatou Guèye", "imported"),
    ]
