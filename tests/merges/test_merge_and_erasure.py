"""Erasing a person whose files were merged: every file of theirs is anonymised, and the merge
(whose snapshot kept their values from before it) becomes final."""

from __future__ import annotations

import uuid

import httpx
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.merges.models import RegistrantMerge
from app.registrants.models import Registrant
from tests.conftest import AuditLog, Staff
from tests.merges.conftest import URL, Pair, merge


async def test_erasing_the_survivor_anonymises_the_merged_file_and_makes_the_merge_final(
    client: httpx.AsyncClient,
    agent: Staff,
    supervisor: Staff,
    pair: Pair,
    sessionmaker: async_sessionmaker[AsyncSession],
    audit_log: AuditLog,
) -> None:
    merged = await merge(client, agent, pair)
    assert merged.status_code == 201, merged.text
    request = await client.post(
        "/api/v1/privacy/subject-requests",
        headers=supervisor.headers,
        json={"registrant_id": pair.survivor, "kind": "erasure", "channel": "in_person"},
    )
    assert request.status_code == 201, request.text
    erased = await client.post(
        f"/api/v1/privacy/subject-requests/{request.json()['id']}/erase", headers=supervisor.headers
    )
    assert erased.status_code == 200, erased.text
    assert erased.json()["counts"]["merges"] == 1

    async with sessionmaker() as session:
        files = (
            await session.execute(
                select(Registrant).where(Registrant.id.in_([uuid.UUID(pair.survivor), uuid.UUID(pair.merged)]))
            )
        ).scalars()
        names = {(r.given_names, r.family_name, r.email, r.anonymised_at is not None) for r in files}
        record = (await session.execute(select(RegistrantMerge))).scalar_one()
    assert all(anonymised for *_, anonymised in names)
    assert not any("Awa" in (given or "") or "Badji" in (family or "") or email for given, family, email, _ in names)
    assert record.snapshot == {}  # it held both files' values from before the merge

    unmerge = await client.post(f"{URL}/{record.id}/unmerge", headers=supervisor.headers)
    assert unmerge.status_code == 409, unmerge.text
    assert [r["code"] for r in unmerge.json()["reasons"]] == ["erased"]
    # both files' erasure events (each file anonymised, its payloads listed) verify
    await audit_log.seal()
    verified = await audit_log.verify()
    assert (verified.ok, verified.reason) == (True, None)
