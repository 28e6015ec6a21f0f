"""An upload already streaming when the person's file is erased: the erasure commits between the
upload's streaming and the transaction writing its row (a hook the test controls), and the upload
is refused there — no document on the anonymised file, no object left in the storage."""

from __future__ import annotations

import uuid
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.documents import service as documents
from app.documents.models import Document
from app.documents.storage import Storage
from tests.conftest import Staff
from tests.documents.conftest import NOTHING, PASSPORT, leftovers

from .test_erased_file_closed import _erase


@pytest.fixture
async def person(make_registrant) -> uuid.UUID:  # type: ignore[no-untyped-def]
    return await make_registrant(given="Aminata", family="Sow")  # type: ignore[no-any-return]


async def _storage(app: FastAPI, client: httpx.AsyncClient, staff: Staff) -> Storage:
    await client.get("/api/v1/documents/00000000-0000-0000-0000-000000000000", headers=staff.headers)
    store: Storage = app.state.document_storage
    return store


@pytest.mark.parametrize("owner", ["registrant", "case"])
async def test_an_upload_streaming_while_the_file_is_erased_is_refused_and_leaves_no_object(
    client: httpx.AsyncClient,
    app: FastAPI,
    supervisor: Staff,
    agent: Staff,
    person: uuid.UUID,
    owner: str,
    sessionmaker: async_sessionmaker[AsyncSession],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    url = f"/api/v1/registrants/{person}/documents"
    if owner == "case":
        body = {"registrant_id": str(person), "service_type": "SOCIAL", "channel": "walk_in"}
        case = await client.post("/api/v1/cases", headers=agent.headers, json=body)
        assert case.status_code == 201, case.text
        url = f"/api/v1/cases/{case.json()['id']}/documents"
    erasures: list[httpx.Response] = []
    prepare = documents.prepare

    async def erase_once_streamed(*args: Any, **kwargs: Any) -> Any:
        # The body is in the spool file, no transaction is open: the erasure commits now.
        erasures.append(await _erase(client, supervisor, person))
        return await prepare(*args, **kwargs)

    monkeypatch.setattr(documents, "prepare", erase_once_streamed)
    response = await client.post(
        url,
        headers=agent.headers,
        files={"file": ("Passport_Aminata_SOW.pdf", PASSPORT.read_bytes(), "application/pdf")},
        data={"kind": "passport", "description": "Passeport Aminata Sow A01234567"},
    )
    assert [e.status_code for e in erasures] == [200]
    assert response.status_code == 409, response.text
    assert response.json()["type"].endswith("/problems/registrant-erased")
    async with sessionmaker() as session:
        assert (await session.execute(select(func.count()).select_from(Document))).scalar_one() == 0
    assert await leftovers(await _storage(app, client, agent)) == NOTHING
