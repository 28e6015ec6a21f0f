"""Imported phones and document numbers: read as typed or pasted (one normalisation with the
registry), Senegal's mobile ranges from ``phonenumbers``' metadata, and numbers the library cannot
validate kept on the person as unverified — never dropped (see tests/registrants/test_unverified_phones.py
for the sources of the example numbers)."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from sqlalchemy import select

from app.imports.reading import read_register
from app.imports.rows import PreparedRow, prepare_row
from app.registrants.models import IdentityDocument, RegistrantPhone
from tests.imports.conftest import csv_file, xlsx_file
from tests.imports.test_rows import TODAY

HEADER_CELLS = [
    "N°", "Date d'enregistrement", "Prénom(s)", "Nom", "Sexe", "Date de naissance", "Lieu de naissance",
    "Région d'origine", "N° passeport", "N° CNI", "Téléphone", "Email", "Ville de résidence", "Statut", "Profession",
    "Date d'arrivée au Maroc", "Demande", "Observations",
]  # fmt: skip


FAMILIES = {"Awa": ("Diop", "01/01/1990"), "Khady": ("Sarr", "12/03/1985"), "Moussa": ("Faye", "07/07/1979"),
            "Fatou": ("Ba", "30/11/2001")}  # fmt: skip


def cells(n: int, given: str, phone: str, passport: str = "") -> list[str]:
    family, birth = FAMILIES[given]
    return [str(n), "02/06/2019", given, family, "F", birth, "Dakar", "Thiès", passport, "", phone, "",
            "Casablanca", "", "", "", "", ""]  # fmt: skip


def prepared(phone: str, passport: str = "") -> PreparedRow:
    content = csv_file(";".join(cells(1, "Awa", phone, passport)), encoding="utf-8")
    source = read_register(content).rows[0]
    return prepare_row(source, desk_country="MA", filename="r.csv", today=TODAY)


def test_an_unallocated_moroccan_number_is_kept_as_typed_with_a_warning() -> None:
    row = prepared("0612345678 / 05 00 00 00 00")
    assert row.data["phones"] == [  # type: ignore[index]
        {"number": "+212612345678", "whatsapp": False, "label": None},
        {"number": "05 00 00 00 00", "whatsapp": False, "label": None},
    ]
    message = "phone '05 00 00 00 00' read as an unverified number (unverified_number)"
    message_fr = "téléphone « 05 00 00 00 00 » gardé tel qu'il est écrit : numéro non vérifié"
    assert row.warnings == [{"field": "phones", "message": message, "message_fr": message_fr}]
    assert "Téléphone (non repris)" not in row.data["notes"]  # type: ignore[index]


def test_pasted_phone_and_passport_read_plain() -> None:
    row = prepared("\u202a+221\u00a077\u2011123\u201145\u201167\u202c", passport="\u200eA0\u00a0123\u20114567")
    assert row.data["phones"] == [{"number": "+221771234567", "whatsapp": False, "label": None}]  # type: ignore[index]
    assert row.data["documents"][0]["number"] == "A01234567"  # type: ignore[index]
    assert row.warnings == []


def test_orange_71_is_read_as_senegalese_and_flagged() -> None:
    row = prepared("71 000 00 02")
    assert row.data["phones"] == [{"number": "+221710000002", "whatsapp": False, "label": None}]  # type: ignore[index]
    message = "phone '71 000 00 02' read as +221710000002 (likely_senegalese_without_prefix)"
    message_fr = (
        "téléphone « 71 000 00 02 » lu comme +221710000002 (sans doute un numéro sénégalais écrit sans son indicatif)"
    )
    assert row.warnings == [{"field": "phones", "message": message, "message_fr": message_fr}]


@pytest.mark.parametrize("kind", ["csv", "xlsx"])
async def test_imported_people_keep_every_number_and_are_found_by_it(upload, sessionmaker, client, admin, kind) -> None:  # type: ignore[no-untyped-def]
    rows = [
        cells(1, "Awa", "05 00 00 00 00"),
        cells(2, "Khady", "06 12 34 56 789"),
        cells(3, "Moussa", "\u202a+221\u00a077\u2011123\u201145\u201167\u202c", passport="\u200eA0\u00a0123\u20114567"),
        cells(4, "Fatou", "71 000 00 02"),
    ]
    if kind == "csv":
        content = csv_file(*(";".join(r) for r in rows), encoding="utf-8")
    else:
        content = xlsx_file([HEADER_CELLS, *rows])
    report = (await upload(content, filename=f"registre.{kind}")).json()
    assert [r["outcome"] for r in report["rows"]] == ["imported"] * 4, report["rows"]
    ids = [uuid.UUID(r["registrant_id"]) for r in report["rows"]]
    async with sessionmaker() as session:
        phones = {
            p.registrant_id: (p.e164, p.verified, p.raw, p.digits, p.flag)
            for p in (await session.execute(select(RegistrantPhone))).scalars()
        }
        passport = (await session.execute(select(IdentityDocument.number))).scalar_one()
    assert [phones[i] for i in ids] == [
        (None, False, "05 00 00 00 00", "0500000000", "unverified_number"),
        (None, False, "06 12 34 56 789", "06123456789", "unverified_number"),
        # kept as typed (format characters removed), as a registration through the API keeps it
        ("+221771234567", True, "+221 77-123-45-67", "221771234567", None),
        # the doubt stays on the person's phone, as well as in the batch's warnings
        ("+221710000002", True, "71 000 00 02", "221710000002", "likely_senegalese_without_prefix"),
    ]
    assert passport == "A01234567"
    for q, given in (("0500000000", "Awa"), ("06123456789", "Khady"), ("710000002", "Fatou")):
        found = await client.get("/api/v1/registrants", params={"q": q}, headers=admin.headers)
        assert [r["given_names"] for r in found.json()["items"]] == [given], q


async def test_a_held_row_created_later_keeps_its_phones_as_typed(upload, sessionmaker, client, admin) -> None:  # type: ignore[no-untyped-def]
    """A row held as a possible duplicate and created by an agent afterwards keeps the cell's text
    and the doubt on its phones, as a row the import created does (not the E.164 number it holds)."""
    content = csv_file(
        ";".join(cells(1, "Awa", "06 12 34 56 78")), ";".join(cells(2, "Awa", "71 000 00 02 / 05 00 00 00 00"))
    )
    report = (await upload(content, filename="registre.csv")).json()
    assert [r["outcome"] for r in report["rows"]] == ["imported", "flagged"], report["rows"]
    created = await _resolved(client, admin, report["batch_id"], 3, {"decision": "create"})
    assert await _phones_of(sessionmaker, created["registrant_id"]) == [
        ("+221710000002", "71 000 00 02", "likely_senegalese_without_prefix"),
        (None, "05 00 00 00 00", "unverified_number"),
    ]


async def test_linking_a_held_row_with_its_phones_keeps_every_phone_as_typed(
    upload, sessionmaker, client, admin
) -> None:  # type: ignore[no-untyped-def]
    """A held row linked to the person with its phones: the person's own phone keeps the text
    typed and its doubt (not rewritten as its E.164 number), and the row's phones come as the
    cell had them."""
    content = csv_file(
        ";".join(cells(1, "Awa", "71 000 00 02")), ";".join(cells(2, "Awa", "05 00 00 00 00 / 06 12 34 56 78"))
    )
    report = (await upload(content, filename="registre.csv")).json()
    assert [r["outcome"] for r in report["rows"]] == ["imported", "flagged"], report["rows"]
    awa = report["rows"][0]["registrant_id"]
    await _resolved(
        client, admin, report["batch_id"], 3, {"decision": "link", "registrant_id": awa, "update_fields": ["phones"]}
    )
    assert await _phones_of(sessionmaker, awa) == [
        ("+221710000002", "71 000 00 02", "likely_senegalese_without_prefix"),
        (None, "05 00 00 00 00", "unverified_number"),
        ("+212612345678", "06 12 34 56 78", None),
    ]


async def test_a_row_of_another_countrys_desk_linked_with_its_phones_adds_no_copy_of_a_number(  # type: ignore[no-untyped-def]
    upload, sessionmaker, client, admin
) -> None:
    """Awa registered in Casablanca with 06 12 34 56 78 (+212…); the Dakar desk's register holds her
    with the same number, which Senegal cannot verify: linked to her with its phones, the row's
    number is read as her desk reads it, the number she has already, kept once with its text."""
    casa = (await upload(csv_file(";".join(cells(1, "Awa", "06 12 34 56 78"))), desk="CASA-BASE")).json()
    awa = casa["rows"][0]["registrant_id"]
    dakar = (await upload(csv_file(";".join(cells(1, "Awa", "06 12 34 56 78"))), desk="DKR-MOB")).json()
    assert [r["outcome"] for r in dakar["rows"]] == ["flagged"], dakar["rows"]
    await _resolved(
        client, admin, dakar["batch_id"], 2, {"decision": "link", "registrant_id": awa, "update_fields": ["phones"]}
    )
    assert await _phones_of(sessionmaker, awa) == [("+212612345678", "06 12 34 56 78", None)]


async def _resolved(client, admin, batch_id: str, line: int, decision: dict[str, Any]) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    """The answer to resolving the held row at ``line`` of the batch (200)."""
    response = await client.post(
        f"/api/v1/imports/{batch_id}/rows/{line}/resolution", json=decision, headers=admin.headers
    )
    assert response.status_code == 200, response.text
    answer: dict[str, Any] = response.json()
    return answer


async def _phones_of(sessionmaker, registrant_id: str) -> list[tuple[str | None, str, str | None]]:  # type: ignore[no-untyped-def]
    """``(e164, raw, flag)`` of each of the registrant's phones, in the order the person keeps them."""
    async with sessionmaker() as session:
        rows = await session.execute(
            select(RegistrantPhone.e164, RegistrantPhone.raw, RegistrantPhone.flag)
            .where(RegistrantPhone.registrant_id == uuid.UUID(registrant_id))
            .order_by(RegistrantPhone.position)
        )
        return [(e164, raw, flag) for e164, raw, flag in rows]
