"""Erasure removes the person's stored files from the storage, local and S3 (moto's server), and
keeps an object another person's document still uses."""

from __future__ import annotations

import datetime as dt

import httpx
import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.core.db import utcnow
from app.documents.models import Document
from app.documents.service import collect_garbage
from app.documents.storage import Storage, key_for
from tests.conftest import Staff
from tests.documents.conftest import (
    CARD_PNG,
    PASSPORT,
    backend,
    leftovers,
    make_registrant,
    s3_endpoint,
    settings,
    storage,
    upload,
)

__all__ = ["backend", "make_registrant", "s3_endpoint", "settings", "storage"]

HOUR = dt.timedelta(hours=1)


async def test_erasure_removes_the_files_and_keeps_shared_objects(
    client: httpx.AsyncClient,
    make_staff,  # type: ignore[no-untyped-def]
    make_registrant,  # type: ignore[no-untyped-def]
    storage: Storage,
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    supervisor: Staff = await make_staff("supervisor", ["CASA-BASE"])
    person, other = await make_registrant(), await make_registrant()
    pdf, png = PASSPORT.read_bytes(), CARD_PNG.read_bytes()
    headers = supervisor.headers
    passport = await upload(client, headers, person, filename="passeport.pdf", data=pdf, content_type="application/pdf")
    card = await upload(client, headers, person, filename="carte.png", data=png, content_type="image/png")
    shared = await upload(client, headers, other, filename="carte.png", data=png, content_type="image/png")
    assert [passport.status_code, card.status_code, shared.status_code] == [201, 201, 201], passport.text
    deleted = await client.request(
        "DELETE", f"/api/v1/documents/{passport.json()['id']}", headers=headers, json={"reason": "doublon"}
    )
    assert deleted.status_code == 204, deleted.text
    # The passport (soft-deleted, not purged yet: its object stays) and the card both people use.
    passport_key, card_key = key_for(passport.json()["sha256"]), key_for(card.json()["sha256"])
    assert sorted((await leftovers(storage))["objects"]) == sorted([passport_key, card_key])

    request = await client.post(
        "/api/v1/privacy/subject-requests", headers=headers, json={"registrant_id": str(person), "kind": "erasure"}
    )
    erased = await client.post(f"/api/v1/privacy/subject-requests/{request.json()['id']}/erase", headers=headers)
    assert erased.status_code == 200, erased.text
    assert (erased.json()["counts"]["documents"], erased.json()["files_removed"]) == (2, 1)

    assert (await leftovers(storage))["objects"] == [card_key]
    async with sessionmaker() as session:
        rows = (await session.execute(select(Document.owner_id, Document.storage_key))).all()
    assert [tuple(r) for r in rows] == [(other, card_key)]
    kept = await client.get(f"/api/v1/documents/{shared.json()['id']}/content", headers=headers)
    gone = await client.get(f"/api/v1/documents/{card.json()['id']}/content", headers=headers)
    assert (kept.status_code, kept.content, gone.status_code) == (200, png, 404)


async def test_a_failed_object_removal_leaves_an_orphan_for_gc_storage(
    client: httpx.AsyncClient,
    make_staff,  # type: ignore[no-untyped-def]
    make_registrant,  # type: ignore[no-untyped-def]
    storage: Storage,
    sessionmaker: async_sessionmaker[AsyncSession],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    supervisor: Staff = await make_staff("supervisor", ["CASA-BASE"])
    person = await make_registrant()
    png = CARD_PNG.read_bytes()
    card = await upload(client, supervisor.headers, person, filename="carte.png", data=png, content_type="image/png")
    request = await client.post(
        "/api/v1/privacy/subject-requests",
        headers=supervisor.headers,
        json={"registrant_id": str(person), "kind": "erasure"},
    )

    async def unreachable(key: str) -> None:
        raise OSError("storage unreachable")

    with monkeypatch.context() as patched:
        patched.setattr(storage, "delete", unreachable)  # the storage fails after the commit
        erased = await client.post(
            f"/api/v1/privacy/subject-requests/{request.json()['id']}/erase", headers=supervisor.headers
        )
    # The erasure is committed (no row points to a missing file); the object is an orphan…
    assert (erased.status_code, erased.json()["counts"]["documents"]) == (200, 1)
    assert (await leftovers(storage))["objects"] == [key_for(card.json()["sha256"])]
    # …that gc-storage removes.
    async with sessionmaker() as session:
        report = await collect_garbage(session, storage, grace_seconds=0, dry_run=False, now=utcnow() + HOUR)
    assert (report.orphans, (await leftovers(storage))["objects"]) == ([key_for(card.json()["sha256"])], [])
