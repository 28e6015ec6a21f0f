"""The registration date column under the names registers and the product's own exports give it:
read, never dropped silently; a registration date in the future rejects its row; the columns the
import does not read are said at the top of the report."""

from __future__ import annotations

from pathlib import Path

import pytest

from app.imports.reading import _NUMBERED_PHONE, HEADER_ALIASES, SEVERAL_COLUMNS, header_key, map_headers, read_register
from app.reports import export_words
from app.reports.exports import PHONES_EXPORTED, REGISTRANTS_NAMED, REGISTRANTS_PSEUDONYMISED

FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "register_inscription_dates.csv"

# An export column the import reads under another name than its own.
EXPORT_TO_IMPORT = {
    "arrival_year": "arrival_date",
    "status_category": "status",
    "registration_number": "source_number",  # the old number, kept as the row's N°
    **{f"phone_{i}": "phones" for i in range(1, PHONES_EXPORTED + 1)},
    "other_phones": "phones",
}


@pytest.mark.parametrize(
    "header",
    [
        "Date d'enregistrement",
        "Date d'inscription",
        "Inscrit(e) le",
        "Inscrit le",
        "Inscrite le",
        "Date",
        "Date inscription",
        "Registered on",
        "Registration date",
        "Date of registration",
        "registered_on",
    ],
)
def test_every_usual_name_of_the_registration_date_is_read(header: str) -> None:
    table = read_register(f"N°;Prénom(s);Nom;{header}\n1;Awa;Faye;15/03/2019\n".encode())
    assert table.ignored_columns == []
    assert table.rows[0].cells["registered_on"] == "15/03/2019"


@pytest.mark.parametrize("labels", ["fr", "en", None])
def test_every_registrants_export_header_is_read_back_by_the_import(labels: str | None) -> None:
    """A registrants export (named, in words or in codes) imported again: each of its columns
    the import has a field for is read into that field, and the header row as a whole is accepted."""
    names = [c.name for c in REGISTRANTS_PSEUDONYMISED + REGISTRANTS_NAMED]
    headers = [export_words.header(n, labels) if labels else n for n in names]
    _by_index, columns, _ignored = map_headers(headers)
    expected: dict[str, str] = {}
    for n, h in zip(names, headers, strict=True):
        field = EXPORT_TO_IMPORT.get(n, n)
        if field in HEADER_ALIASES:  # a field of several columns names them all, in order
            expected[field] = f"{expected[field]}, {h}" if field in SEVERAL_COLUMNS and field in expected else h
    assert {"registered_on", "source_number", "phones"} <= set(expected)
    assert columns == expected
    for name, written in expected.items():
        for one in written.split(", ") if name in SEVERAL_COLUMNS else [written]:
            key = header_key(one)
            assert HEADER_ALIASES[name].count(key) == 1 or (name == "phones" and _NUMBERED_PHONE.fullmatch(key))


async def test_a_register_with_date_d_inscription_keeps_its_dates_and_rejects_a_future_one(upload) -> None:  # type: ignore[no-untyped-def]
    report = (await upload(FIXTURE.read_bytes(), filename="reg1.csv", dry_run=True)).json()
    assert report["columns"]["registered_on"] == "Date d'inscription"
    assert report["ignored_columns"] == []
    by_line = {r["line"]: r for r in report["rows"]}
    future = by_line[10]  # N° 8, registered 01/01/2030
    assert future["outcome"] == "rejected"
    assert future["reason"] == "registration date '01/01/2030' is in the future"
    assert future["reason_fr"] == "date d'enregistrement « 01/01/2030 » postérieure à aujourd'hui"
    real = (await upload(FIXTURE.read_bytes(), filename="reg1.csv")).json()
    first = next(r for r in real["rows"] if r["line"] == 2)
    assert first["outcome"] == "imported"
