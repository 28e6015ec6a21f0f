"""Erasure reaches the register import's copies of the person's row: the row that created them and
a later row flagged as possibly them."""

from __future__ import annotations

from typing import Any

import httpx
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.core.text import fold
from app.imports.models import ImportRow
from tests.conftest import Staff
from tests.imports.conftest import URL, csv_file
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
