"""A short register in a code page of another script is refused, never read as a Western one;
a short Western or Arabic register is read as typed.

A code page of 256 characters reads any byte: Shift-JIS ``カディ サル`` read as Windows-1252 is
``ƒJƒfƒB ƒTƒ‹``, ``山田 太郎`` as Mac Roman ``éRìc ëæòY``; on one or two rows no detector's ranking
tells them apart (:mod:`app.imports.plausible`). Over ``POST /api/v1/imports/registers``, real
runs: a refused file writes nothing, an accepted one stores the names exactly as typed.
"""

from __future__ import annotations

import pytest
from sqlalchemy import select

from app.registrants.models import Registrant

HEADER = "No;Date d'enregistrement;Prenom(s);Nom;Sexe;Date de naissance"


def one_row(given: str, family: str, encoding: str) -> bytes:
    """A register of one person, the file the tester sent."""
    return f"{HEADER}\n1;01/06/2019;{given};{family};F;1982\n".encode(encoding)


FOREIGN = [
    *(("shift_jis", g, f) for g, f in [("カディ", "サル"), ("太郎", "山田"), ("ファトゥ", "ンジャイ"), ("蓮", "吉田")]),
    *(("shift_jis", g, f) for g, f in [("陽菜", "渡辺"), ("大翔", "石川"), ("美咲", "田中"), ("翔", "池田")]),
    *(
        ("euc_jp", g, f)
        for g, f in [("太郎", "山田"), ("陽", "渡辺"), ("凛", "林"), ("茂", "坂本"), ("サル", "カディ")]
    ),
    *(("big5", g, f) for g, f in [("志豪", "林"), ("偉", "張"), ("美玲", "陳"), ("強", "徐"), ("婷", "謝")]),
    *(("gbk", g, f) for g, f in [("娜", "李"), ("伟", "张"), ("洋", "刘"), ("强", "徐"), ("艳", "赵"), ("婷", "马")]),
    *(("gbk", g, f) for g, f in [("琳", "朱"), ("勇", "唐"), ("亮", "许"), ("文", "赵"), ("婷", "秦")]),
    *(("cp1251", g, f) for g, f in [("Иван", "Петров"), ("Анна", "Ли"), ("Яна", "Лю"), ("Олег", "Ким"), ("Ия", "Ма")]),
    *(("koi8_r", g, f) for g, f in [("Анна", "Ли"), ("Ян", "Ву")]),
    ("iso8859_5", "Яна", "Лю"),
    ("euc_kr", "민준", "김"),
]


@pytest.mark.parametrize(("encoding", "given", "family"), FOREIGN, ids=[f"{e}-{f}{g}" for e, g, f in FOREIGN])
async def test_a_short_file_in_a_code_page_of_another_script_is_refused_and_writes_nothing(  # type: ignore[no-untyped-def]
    upload, count_rows, encoding: str, given: str, family: str
) -> None:
    content = one_row(given, family, encoding)
    before = await count_rows()
    response = await upload(content)
    body = response.json()
    assert (response.status_code, body["type"], body["line"]) == (422, "/problems/import-unreadable-file", 2), body
    line_start = content.index(b"\n") + 1
    assert line_start <= body["offset"] < content.index(b"\n", line_start)
    assert "aucune page de code des langues des bureaux" in body["detail"]
    assert await count_rows() == before


async def test_the_testers_shift_jis_file_is_refused_in_a_dry_run_too(upload) -> None:  # type: ignore[no-untyped-def]
    response = await upload(one_row("太郎", "山田", "shift_jis"), dry_run=True)
    assert (response.status_code, response.json()["type"]) == (422, "/problems/import-unreadable-file")


WESTERN = [
    *(
        (encoding, g, f)
        for encoding in ("cp1252", "mac_roman", "iso8859_15")
        for g, f in [
            ("Ndèye Fatou", "Diop"),
            ("Aïssatou", "Cissé"),
            ("Mamadou", "Bâ"),
            ("Khadija", "Ndiaye Sène"),
            ("NDÈYE", "GUÈYE"),
            ("Moustapha", "N'Diaye"),
            ("Conceição", "Gonçalves"),
            ("Maïmouna", "Kébé"),
        ]
    ),
    ("cp1252", "Moustapha", "N’Diaye"),
    ("mac_roman", "Moustapha", "N’Diaye"),
    ("cp1252", "Ngoné", "Lô"),
    ("iso8859_15", "Cœur", "Sarr"),
]
ARABIC = [
    ("محمد", "عبد الله"),
    ("فاطمة", "سال"),
    ("عائشة", "ديوب"),
    ("علي", "با"),
    ("مصطفى", "الإدريسي"),
    ("يحيى", "بن علي"),
]


@pytest.mark.parametrize(
    ("encoding", "given", "family"),
    [*WESTERN, *(("cp1256", g, f) for g, f in ARABIC)],
    ids=[f"{e}-{g}-{f}" for e, g, f in [*WESTERN, *(("cp1256", g, f) for g, f in ARABIC)]],
)
async def test_a_short_file_in_a_code_page_of_the_desks_stores_the_names_as_typed(  # type: ignore[no-untyped-def]
    upload, sessionmaker, encoding: str, given: str, family: str
) -> None:
    content = one_row(given, family, encoding)
    response = await upload(content)
    assert response.status_code == 201, response.text
    report = response.json()
    expected = "utf-8" if content.isascii() else encoding if encoding != "iso8859_15" or "œ" in given else "cp1252"
    assert (report["encoding"], report["counts"]["imported"]) == (expected, 1), report["rows"]
    async with sessionmaker() as session:
        people = (await session.execute(select(Registrant.given_names, Registrant.family_name))).all()
    as_stored = [name.title() if name.isupper() else name for name in (given, family)]  # capitals are not kept
    assert [tuple(p) for p in people] == [tuple(as_stored)]
