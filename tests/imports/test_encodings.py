"""A register's text is read as the person typed it, whatever the file's encoding, or refused.

Over ``POST /api/v1/imports/registers`` (dry and real runs); every file is written here. The rule
is :mod:`app.imports.encoding`'s.
"""

from __future__ import annotations

import codecs

import pytest
from sqlalchemy import select

from app.imports.models import ImportRow
from app.registrants.models import Registrant

PLAIN_HEADER = "Prenom;Nom;Sexe;Lieu de naissance;Ville de residence;Observations"
ACCENTED_HEADER = "Prénom;Nom;Sexe;Lieu de naissance;Ville de résidence;Observations"
ROWS = [
    "Ndèye;Diène;F;Thiès;Meknès;ok",
    "Aïssatou;Guèye;F;Saint-Louis;Fès;très bien",
    "Lamine;Ndiaye;M;Dakar;Kénitra;",
]
NAMES = ["Ndèye Diène", "Aïssatou Guèye", "Lamine Ndiaye"]


def register(rows: list[str], header: str = PLAIN_HEADER, encoding: str = "utf-8", newline: str = "\r\n") -> bytes:
    return newline.join([header, *rows, ""]).encode(encoding)


def data(rows: list[str], encoding: str = "utf-8") -> bytes:
    """Data lines to append to a register (CRLF after each)."""
    return "".join(f"{row}\r\n" for row in rows).encode(encoding)


def stray_reason(column: str, offset: int, line: int, value: str = "0xFF") -> str:
    return (
        f"column {column!r} holds a byte that is not valid UTF-8 ({value} at byte offset {offset} (line {line})) "
        "while the rest of the file is UTF-8 (a stray byte, or text in another encoding: correct the line, or save "
        "the file as CSV UTF-8, and import it again); the batch keeps the row with U+FFFD in place of each such byte"
    )


@pytest.mark.parametrize("header", [PLAIN_HEADER, ACCENTED_HEADER], ids=["plain-headers", "accented-headers"])
@pytest.mark.parametrize("dry_run", [True, False], ids=["dry-run", "real-run"])
async def test_a_utf8_register_with_one_stray_byte_stays_utf8_and_rejects_that_row(  # type: ignore[no-untyped-def]
    upload, sessionmaker, header: str, dry_run: bool
) -> None:
    content = register(ROWS[:2], header) + b"Awa;Diop;F;Dakar;Rabat;x\xffy\r\n" + data(ROWS[2:])
    response = await upload(content, dry_run=dry_run)
    assert response.status_code == (200 if dry_run else 201), response.text
    report = response.json()
    assert (report["encoding"], report["columns"]["host_city"]) == ("utf-8", header.split(";")[4])
    assert [(r["line"], r["name"], r["outcome"]) for r in report["rows"]] == [
        (2, "Ndèye Diène", "imported"),
        (3, "Aïssatou Guèye", "imported"),
        (4, "Awa Diop", "rejected"),
        (5, "Lamine Ndiaye", "imported"),
    ]
    assert report["rows"][2]["reason"] == stray_reason("Observations", content.index(b"\xff"), 4)
    offset = content.index(b"\xff")
    assert report["rows"][2]["reason_fr"].startswith(
        "la colonne « Observations » contient un octet qui n'est pas de l'UTF-8 valide "
        f"(octet 0xFF en position {offset} du fichier, ligne 4) alors que le reste du fichier est en UTF-8"
    )
    if dry_run:
        return
    async with sessionmaker() as session:
        people = (await session.execute(select(Registrant).order_by(Registrant.given_names))).scalars().all()
        stored = (await session.execute(select(ImportRow).where(ImportRow.line == 4))).scalar_one()
    assert [(p.given_names, p.family_name, p.place_of_birth, p.host_city) for p in people] == [
        ("Aïssatou", "Guèye", "Saint-Louis", "Fès"),
        ("Lamine", "Ndiaye", "Dakar", "Kénitra"),
        ("Ndèye", "Diène", "Thiès", "Meknès"),
    ]
    assert stored.raw["observations"] == "x\ufffdy"  # nothing silently dropped: the byte's place is kept


async def test_a_line_pasted_from_a_windows_1252_file_rejects_its_row_naming_each_byte(upload) -> None:  # type: ignore[no-untyped-def]
    content = register(ROWS) + data(["Moussa;Sèye;M;Thiès;Rabat;"], "cp1252")
    report = (await upload(content, dry_run=True)).json()
    assert [r["outcome"] for r in report["rows"]] == ["imported", "imported", "imported", "rejected"]
    nom, lieu = content.index(b"S\xe8ye") + 1, content.index(b"Thi\xe8s") + 3
    assert report["rows"][3]["reason"] == (
        f"column 'Nom' holds a byte that is not valid UTF-8 (0xE8 at byte offset {nom} (line 5)); "
        + stray_reason("Lieu de naissance", lieu, 5, "0xE8")
    )


async def test_excel_csv_utf8_with_its_mark_and_a_stray_byte_stays_utf8(upload) -> None:  # type: ignore[no-untyped-def]
    content = codecs.BOM_UTF8 + register(ROWS, ACCENTED_HEADER) + b"Awa;Diop;F;Dakar;Rabat;\x81\r\n"
    report = (await upload(content, dry_run=True)).json()
    assert report["encoding"] == "utf-8-sig"
    assert [(r["name"], r["outcome"]) for r in report["rows"]] == [
        *((name, "imported") for name in NAMES),
        ("Awa Diop", "rejected"),
    ]
    assert report["rows"][3]["reason"] == stray_reason("Observations", content.index(b"\x81"), 5, "0x81")


async def test_a_row_with_a_refused_character_and_a_stray_byte_names_both(upload) -> None:  # type: ignore[no-untyped-def]
    content = register(ROWS) + b"Awa;Di\x00op;F;Dakar;Rabat;\xff\r\n"
    report = (await upload(content, dry_run=True)).json()
    assert report["rows"][3]["reason"] == (
        "family_name: character U+0000 at position 3 is not accepted (a control character or lone surrogate); "
        "the batch keeps the row with each such character replaced by U+FFFD; "
        + stray_reason("Observations", content.index(b"\xff"), 5)
    )


async def test_a_stray_byte_in_a_column_the_import_does_not_read_costs_nothing(upload) -> None:  # type: ignore[no-untyped-def]
    content = (
        register([f"{row};note" for row in ROWS], f"{PLAIN_HEADER};Colonne libre") + b"Awa;Diop;F;Dakar;Rabat;;\xff\r\n"
    )
    report = (await upload(content, dry_run=True)).json()
    assert (report["encoding"], report["ignored_columns"]) == ("utf-8", ["Colonne libre"])
    assert [(r["name"], r["outcome"]) for r in report["rows"]] == [
        *((name, "imported") for name in NAMES),
        ("Awa Diop", "imported"),
    ]


async def test_a_stray_byte_in_the_header_refuses_the_file_naming_line_and_offset(  # type: ignore[no-untyped-def]
    upload, count_rows
) -> None:
    content = b"Pr\xe9nom;Nom;Sexe;Lieu de naissance;Ville de r\xc3\xa9sidence;Observations\r\n" + data(ROWS)
    before = await count_rows()
    response = await upload(content)
    body = response.json()
    assert (response.status_code, body["type"], body["line"], body["offset"]) == (
        422,
        "/problems/import-unreadable-file",
        1,
        2,
    )
    assert body["detail"].startswith(
        "Le fichier ne peut pas être lu comme un registre : la ligne 1, où l'en-tête est lu, contient un octet qui "
        "n'est pas de l'UTF-8 valide (0xE9 à la position 2) alors que le reste du fichier est en UTF-8. Ouvrez-le "
        "dans le programme qui l'a créé et enregistrez-le au format « CSV UTF-8 »"
    )
    assert await count_rows() == before


async def test_a_file_mixing_utf8_and_windows_1252_is_refused_naming_its_lines(upload, count_rows) -> None:  # type: ignore[no-untyped-def]
    utf8 = register(ROWS * 2)  # lines 1-7
    legacy = data(ROWS * 4, "cp1252")  # lines 8-19, joined below
    before = await count_rows()
    response = await upload(utf8 + legacy)
    body = response.json()
    assert (response.status_code, body["type"]) == (422, "/problems/import-unreadable-file")
    assert (body["line"], body["offset"], body["lines"]) == (8, len(utf8) + 2, list(range(8, 20)))
    assert "il mêle deux encodages" in body["detail"]
    assert await count_rows() == before


@pytest.mark.parametrize(
    ("content", "encoding", "names"),
    [
        (register(ROWS, ACCENTED_HEADER, "cp1252"), "cp1252", NAMES),
        (
            register([*ROWS, "Cœur;Sarr;F;Dakar;Fès;œuvre"], ACCENTED_HEADER, "iso8859_15"),
            "iso8859_15",
            [*NAMES, "Cœur Sarr"],
        ),
        (register(ROWS, ACCENTED_HEADER, "mac_roman", newline="\r"), "mac_roman", NAMES),
        (  # its last line is valid UTF-8 by chance ("lՃglise"): still Mac Roman
            register([*ROWS, "Awa;Diop;F;Dakar;Rabat;l’Église"], ACCENTED_HEADER, "mac_roman"),
            "mac_roman",
            [*NAMES, "Awa Diop"],
        ),
        (
            register([*ROWS, "محمد;جوب;M;Dakar;الدار البيضاء;طالب"], ACCENTED_HEADER, "cp1256"),
            "cp1256",
            [*NAMES, "محمد جوب"],
        ),
        (  # Excel's "Unicode text": UTF-16 with its mark, tab-delimited
            register([r.replace(";", "\t") for r in ROWS], ACCENTED_HEADER.replace(";", "\t"), "utf-16"),
            "utf_16",
            NAMES,
        ),
        (codecs.BOM_UTF8 + register(ROWS, ACCENTED_HEADER), "utf-8-sig", NAMES),
    ],
    ids=[
        "windows-1252",
        "iso-8859-15",
        "mac-roman-cr",
        "mac-roman-valid-utf8-line",
        "windows-1256",
        "utf-16",
        "utf-8-bom",
    ],
)
async def test_each_encoding_desks_have_reads_as_typed(  # type: ignore[no-untyped-def]
    upload, content: bytes, encoding: str, names: list[str]
) -> None:
    response = await upload(content, dry_run=True)
    assert response.status_code == 200, response.text
    report = response.json()
    assert (report["encoding"], report["columns"]["host_city"]) == (encoding, "Ville de résidence")
    assert [(r["name"], r["outcome"]) for r in report["rows"]] == [(name, "imported") for name in names]


@pytest.mark.parametrize(
    ("row", "encoding"),
    [
        ("山田;太郎;M;東京;大阪;留学生", "cp932"),
        ("Иван;Петров;M;Москва;Рабат;студент", "koi8_r"),
    ],
    ids=["japanese-shift-jis", "russian-koi8-r"],
)
async def test_a_file_in_a_code_page_of_another_script_is_refused_not_guessed(  # type: ignore[no-untyped-def]
    upload, count_rows, row: str, encoding: str
) -> None:
    content = register(["Awa;Diop;F;Dakar;Rabat;", row], encoding=encoding)
    before = await count_rows()
    response = await upload(content)
    body = response.json()
    assert (response.status_code, body["type"], body["line"], body["offset"]) == (
        422,
        "/problems/import-unreadable-file",
        3,
        content.index(row.encode(encoding)),
    )
    assert "enregistrez-le au format « CSV UTF-8 »" in body["detail"]
    assert await count_rows() == before


@pytest.mark.parametrize(
    ("rows", "encoding"),
    [
        (["1;Γιώργος;Παπαδόπουλος;M;01/01/1990"], "iso8859_7"),
        (["1;伟;王;M;01/01/1990", "2;李;方;F;02/02/1991"], "gb18030"),
    ],
    ids=["greek-iso-8859-7", "chinese-gb18030"],
)
async def test_a_short_file_whose_bytes_read_as_accented_letters_only_is_refused(  # type: ignore[no-untyped-def]
    upload, count_rows, rows: list[str], encoding: str
) -> None:
    """Each byte of these files is a letter in Windows-1252 or ISO-8859-15 (``Ðáðáäüðïõëïò``,
    ``Àî``): too few rows for a code page's ranking to tell, but no name of the desks' languages is
    written in accented letters only."""
    content = "\r\n".join(["N;Prenoms;Nom;Sexe;Date de naissance", *rows, ""]).encode(encoding)
    before = await count_rows()
    response = await upload(content)
    assert (response.status_code, response.json()["type"]) == (422, "/problems/import-unreadable-file")
    assert await count_rows() == before
