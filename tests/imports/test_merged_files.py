"""A file merged into another is never an import's duplicate candidate: its survivor is."""

from __future__ import annotations

import uuid
from typing import Any

import httpx
from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.registrants.models import Registrant
from tests.imports.conftest import csv_file

ROW = "{n};02/06/2019;Awa;Diop;F;01/01/1990;Dakar;Thiès;;;0612345678;;Casablanca;;couturière;;;"


async def _merged_by_hand(
    client: httpx.AsyncClient,
    admin: Any,
    sessionmaker: async_sessionmaker[AsyncSession],
    survivor: dict[str, Any],
    merged: dict[str, Any],
) -> str:
    """Register ``survivor`` and ``merged`` at CASA-BASE, then mark the second merged into the first
    (its ``merged_into_id`` only, its keys left as they were); the survivor's id."""
    ids = []
    for body in (survivor, merged):
        created = await client.post(
            "/api/v1/registrants",
            json={**body, "desk_code": "CASA-BASE"},
            headers=admin.headers,
            params={"confirm_duplicates": "true"},
        )
        assert created.status_code == 201, created.text
        ids.append(created.json()["id"])
    async with sessionmaker() as session:
        await session.execute(
            update(Registrant).where(Registrant.id == uuid.UUID(ids[1])).values(merged_into_id=uuid.UUID(ids[0]))
        )
        await session.commit()
    return ids[0]


async def test_a_merged_file_is_not_a_candidate_of_an_import_row(
    client: httpx.AsyncClient, admin: Any, upload: Any, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    awa = {"given_names": "Awa", "family_name": "Diop", "sex": "female", "date_of_birth": "1990-01-01",
           "phones": [{"number": "+212612345678"}]}  # fmt: skip
    # the same person registered twice, the second file merged into the first
    survivor = await _merged_by_hand(client, admin, sessionmaker, awa, awa)

    response = await upload(csv_file(ROW.format(n=1)), dry_run=True)
    assert response.status_code in (200, 201), response.text
    [row] = response.json()["rows"]
    assert row["outcome"] == "flagged"
    assert [c["registrant_id"] for c in row["candidates"]] == [survivor]


async def test_an_import_row_is_flagged_against_a_survivor_it_shares_nothing_with_but_the_merged_file(
    client: httpx.AsyncClient, admin: Any, upload: Any, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    # the survivor's names and birth date both differ from the row's: only the merged file (her
    # maiden name, the birth date before a correction) carries the row's keys
    survivor = await _merged_by_hand(
        client,
        admin,
        sessionmaker,
        {"given_names": "Mariama", "family_name": "Sagna", "sex": "female", "date_of_birth": "1985-05-05"},
        {"given_names": "Awa", "family_name": "Diop", "sex": "female", "date_of_birth": "1990-01-01"},
    )
    response = await upload(csv_file(ROW.format(n=1)), dry_run=True)  # Awa Diop, born 01/01/1990
    assert response.status_code in (200, 201), response.text
    [row] = response.json()["rows"]
    assert row["outcome"] == "flagged", row
    assert [c["registrant_id"] for c in row["candidates"]] == [survivor]


async def _merged_pair(client: httpx.AsyncClient, admin: Any) -> tuple[dict[str, Any], dict[str, Any]]:
    """Mariama Sagna (the survivor) and Awa Diop merged into her: one person, her maiden name on
    the second file."""
    files = []
    for given, family in (("Mariama", "Sagna"), ("Awa", "Diop")):
        body = {"given_names": given, "family_name": family, "sex": "female", "date_of_birth": "1990-01-01",
                "desk_code": "CASA-BASE"}  # fmt: skip
        created = await client.post(
            "/api/v1/registrants", json=body, headers=admin.headers, params={"confirm_duplicates": "true"}
        )
        assert created.status_code == 201, created.text
        files.append(created.json())
    survivor, merged = files
    etags = [(await client.get(f"/api/v1/registrants/{f['id']}", headers=admin.headers)).headers["etag"] for f in files]
    merge = await client.post(
        "/api/v1/registrant-merges",
        json={"survivor_id": survivor["id"], "merged_id": merged["id"], "survivor_etag": etags[0],
              "merged_etag": etags[1], "choices": {"given_names": "survivor", "family_name": "survivor"}},
        headers=admin.headers,
    )  # fmt: skip
    assert merge.status_code == 201, merge.text
    return survivor, merged


async def test_an_import_row_spelt_as_the_merged_file_is_flagged_against_the_survivor(
    client: httpx.AsyncClient, admin: Any, upload: Any
) -> None:
    survivor, _ = await _merged_pair(client, admin)
    response = await upload(csv_file(ROW.format(n=1)), dry_run=True)  # Awa Diop, born 01/01/1990
    assert response.status_code in (200, 201), response.text
    [row] = response.json()["rows"]
    assert row["outcome"] == "flagged"
    assert [c["registrant_id"] for c in row["candidates"]] == [survivor["id"]]


def _candidates(row: dict[str, Any]) -> list[tuple[str, str | None, str | None]]:
    return [(c["registrant_id"], c["reasons"][-1], c["through"]) for c in row["candidates"]]


async def test_an_import_rows_candidate_found_through_a_merged_file_names_it_wherever_the_row_is_shown(
    client: httpx.AsyncClient, admin: Any, upload: Any
) -> None:
    """As a registration's candidate does (``through``, last reason ``merged_file``): in the dry run,
    the real run, the stored report and the flagged rows an agent resolves."""
    survivor, merged = await _merged_pair(client, admin)
    maiden = ROW.format(n=1)  # Awa Diop, born 01/01/1990: the merged file's names
    married = "2;02/06/2019;Mariama;Sagna;F;01/01/1990;Dakar;Thiès;;;;;Casablanca;;;;;"  # the survivor's own
    expected = [
        [(survivor["id"], "merged_file", merged["registration_number"])],
        [(survivor["id"], "same_birth_date", None)],  # null when the survivor's own values matched
    ]

    dry = await upload(csv_file(maiden, married), dry_run=True)
    assert dry.status_code == 200, dry.text
    assert [_candidates(r) for r in dry.json()["rows"]] == expected
    real = await upload(csv_file(maiden, married))
    assert real.status_code == 201, real.text
    assert [_candidates(r) for r in real.json()["rows"]] == expected
    batch = real.json()["batch_id"]
    stored = await client.get(f"/api/v1/imports/{batch}", headers=admin.headers)
    assert [_candidates(r) for r in stored.json()["rows"]] == expected
    flagged = await client.get(
        f"/api/v1/imports/{batch}/flagged", params={"resolution": "pending"}, headers=admin.headers
    )
    assert [_candidates(r) for r in flagged.json()["items"]] == expected
