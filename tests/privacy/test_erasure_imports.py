"""Erasure reaches the register import's copies of the person's row: the row that created them and
a later row flagged as possibly them."""

from __future__ import annotations

import uuid
from typing import Any

import httpx
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.core.text import fold
from app.imports.models import ImportRow
from app.registrants.models import Registrant
from tests.conftest import Staff
from tests.imports.conftest import URL, csv_file
from tests.imports.test_merged_files import ROW as MERGED_ROW
from tests.imports.test_merged_files import _merged_pair
from tests.privacy.test_erasure import database_text

ROW = (
    "7;01-06-2019;Mariétou;Coly-Tendeng;F;03/10/1990;Bignona;Ziguinchor;A55512399;;0661234509;"
    "marietou.coly@example.org;Tanger;;Vendeuse;22/04/2014;Orientation santé;Suivie au CHU de Tanger"
)


async def _import(client: httpx.AsyncClient, admin: Staff, content: bytes) -> dict[str, Any]:
    response = await client.post(
        URL,
        files={"file": ("registre.csv", content, "application/octet-stream")},
        data={"desk_code": "CASA-BASE", "dry_run": "false"},
        headers=admin.headers,
    )
    assert response.status_code in (200, 201), response.text
    return response.json()  # type: ignore[no-any-return]


async def test_erasure_forgets_the_imported_and_the_flagged_rows(
    client: httpx.AsyncClient, admin: Staff, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    await _import(client, admin, csv_file(ROW))
    # The same person in another register, numbered differently: flagged as a possible duplicate.
    await _import(client, admin, csv_file("12" + ROW[1:].replace("01-06-2019", "03-09-2020")))
    async with sessionmaker() as session:
        rows = (await session.execute(select(ImportRow).order_by(ImportRow.id))).scalars().all()
    assert [r.outcome for r in rows] == ["imported", "flagged"]
    person = rows[0].registrant_id
    assert person is not None and rows[1].candidates[0]["registrant_id"] == str(person)

    request = await client.post(
        "/api/v1/privacy/subject-requests",
        headers=admin.headers,
        json={"registrant_id": str(person), "kind": "erasure"},
    )
    erased = await client.post(f"/api/v1/privacy/subject-requests/{request.json()['id']}/erase", headers=admin.headers)
    assert erased.status_code == 200, erased.text
    assert erased.json()["counts"]["flagged_import_rows"] == 1

    text = await database_text(sessionmaker)
    leftovers = [
        v for v in ("Mariétou", "Coly", "A55512399", "661234509", "Vendeuse", "CHU de Tanger") if fold(v) in text
    ]
    assert leftovers == []
    async with sessionmaker() as session:
        flagged = (await session.execute(select(ImportRow).where(ImportRow.outcome == "flagged"))).scalar_one()
    assert (flagged.resolution, flagged.raw, flagged.data) == ("erased", {}, None)
    assert flagged.candidates[0]["registration_number"].startswith("ANON-")


async def _erase(client: httpx.AsyncClient, admin: Staff, registrant_id: str) -> dict[str, Any]:
    request = await client.post(
        "/api/v1/privacy/subject-requests",
        headers=admin.headers,
        json={"registrant_id": registrant_id, "kind": "erasure"},
    )
    assert request.status_code == 201, request.text
    erased = await client.post(f"/api/v1/privacy/subject-requests/{request.json()['id']}/erase", headers=admin.headers)
    assert erased.status_code == 200, erased.text
    return erased.json()  # type: ignore[no-any-return]


async def _flagged_through_the_merged_file(
    client: httpx.AsyncClient, admin: Staff
) -> tuple[dict[str, Any], dict[str, Any], str]:
    """A survivor, the file merged into it, and the batch whose row was flagged through that file."""
    survivor, merged = await _merged_pair(client, admin)
    report = await _import(client, admin, csv_file(MERGED_ROW.format(n=1)))
    [row] = report["rows"]
    assert [(c["registrant_id"], c["through"]) for c in row["candidates"]] == [
        (survivor["id"], merged["registration_number"])
    ]
    return survivor, merged, report["batch_id"]


async def _numbers(sessionmaker: async_sessionmaker[AsyncSession], *ids: str) -> list[str]:
    async with sessionmaker() as session:
        stmt = select(Registrant.id, Registrant.registration_number).where(
            Registrant.id.in_([uuid.UUID(i) for i in ids])
        )
        found = dict((await session.execute(stmt)).all())
    return [found[uuid.UUID(i)] for i in ids]


async def _flagged(sessionmaker: async_sessionmaker[AsyncSession]) -> ImportRow:
    async with sessionmaker() as session:
        return (await session.execute(select(ImportRow).where(ImportRow.outcome == "flagged"))).scalar_one()


async def test_erasing_the_person_renumbers_the_merged_file_a_flagged_row_was_found_through(
    client: httpx.AsyncClient, admin: Staff, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    survivor, merged, _ = await _flagged_through_the_merged_file(client, admin)
    assert (await _erase(client, admin, survivor["id"]))["counts"]["flagged_import_rows"] == 1
    [candidate] = (await _flagged(sessionmaker)).candidates
    numbers = await _numbers(sessionmaker, survivor["id"], merged["id"])  # both anonymised
    assert [n[:5] for n in numbers] == ["ANON-", "ANON-"]
    assert (candidate["registration_number"], candidate["through"]) == tuple(numbers)
    assert merged["registration_number"] not in str(candidate)


async def test_erasing_a_file_unmerged_since_renumbers_it_where_a_flagged_row_was_found_through_it(
    client: httpx.AsyncClient, admin: Staff, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    """Unmerged, the file is a person of its own; erasing it leaves the row (flagged against the
    other file) pending, its candidate naming the erased file by its new number only."""
    survivor, merged, _ = await _flagged_through_the_merged_file(client, admin)
    merges = await client.get("/api/v1/registrant-merges", headers=admin.headers)
    [record] = merges.json()["items"]
    unmerged = await client.post(f"/api/v1/registrant-merges/{record['id']}/unmerge", headers=admin.headers)
    assert unmerged.status_code == 200, unmerged.text
    assert (await _erase(client, admin, merged["id"]))["counts"]["flagged_import_rows"] == 0
    row = await _flagged(sessionmaker)
    [candidate] = row.candidates
    [renumbered] = await _numbers(sessionmaker, merged["id"])
    assert renumbered.startswith("ANON-")
    expected = (survivor["id"], survivor["registration_number"], renumbered)
    assert (candidate["registrant_id"], candidate["registration_number"], candidate["through"]) == expected
    assert (row.resolution, row.raw["given_names"]) == ("pending", "Awa")  # another person's row: kept
