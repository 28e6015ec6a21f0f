"""Writers of a person and of something else take their locks in one order (the person's files
first, ``app.registrants.lock_order``): an erasure sent while a flagged import row is being linked
to the person waits for the link and then erases it, instead of the two waiting on each other until
PostgreSQL cancels one (``deadlock detected``, answered 503)."""

from __future__ import annotations

import httpx
import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.imports import resolutions
from app.imports.models import ImportRow
from tests.conftest import Staff
from tests.imports.conftest import csv_file
from tests.lock_waits import interleaved, postgres_only
from tests.privacy.test_erasure_imports import ROW, _import


async def test_an_erasure_sent_while_a_flagged_row_is_linked_to_the_person_waits_for_the_link(
    client: httpx.AsyncClient,
    admin: Staff,
    database_url: str,
    sessionmaker: async_sessionmaker[AsyncSession],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    dsn = postgres_only(database_url)
    person = (await _import(client, admin, csv_file(ROW)))["rows"][0]["registrant_id"]
    flagged = await _import(client, admin, csv_file("12" + ROW[1:].replace("01-06-2019", "03-09-2020")))
    [row] = flagged["rows"]
    assert (row["outcome"], row["candidates"][0]["registrant_id"]) == ("flagged", person)
    request = await client.post(
        "/api/v1/privacy/subject-requests",
        headers=admin.headers,
        json={"registrant_id": person, "kind": "erasure"},
    )
    assert request.status_code == 201, request.text

    # The resolution is held once it has taken what it locks before checking the person's file
    # (the batch and the row, on the old code), until the erasure waits on a lock.
    resolved, erased = await interleaved(
        dsn,
        monkeypatch,
        resolutions,
        "_target",
        client.post(
            f"/api/v1/imports/{flagged['batch_id']}/rows/{row['line']}/resolution",
            headers=admin.headers,
            json={"decision": "link", "registrant_id": person},
        ),
        client.post(f"/api/v1/privacy/subject-requests/{request.json()['id']}/erase", headers=admin.headers),
    )

    assert resolved.status_code == 200, resolved.text  # linked first: the erasure waited for it
    assert erased.status_code == 200, erased.text
    # as a link then an erasure one after the other leave it: the row is the person's, emptied
    async with sessionmaker() as session:
        stored = (await session.execute(select(ImportRow).where(ImportRow.outcome == "flagged"))).scalar_one()
    assert (str(stored.registrant_id), stored.resolution) == (person, "linked")
    assert (stored.raw, stored.data, stored.candidates) == ({}, None, [])
