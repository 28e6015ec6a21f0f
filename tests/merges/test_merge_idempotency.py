"""A merge, its approval or rejection and its unmerge, retried with the same ``Idempotency-Key``,
answer the first response again (``Idempotent-Replayed: true``) instead of 409, and act once."""

from __future__ import annotations

from typing import Any

import httpx
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.audit.models import AuditEvent
from app.merges.models import RegistrantMerge
from tests.conftest import Staff
from tests.merges.conftest import URL, Pair, read, require_approval


async def _body(client: httpx.AsyncClient, staff: Staff, pair: Pair) -> dict[str, Any]:
    return {
        "survivor_id": pair.survivor,
        "merged_id": pair.merged,
        "survivor_etag": (await read(client, staff, pair.survivor)).headers["etag"],
        "merged_etag": (await read(client, staff, pair.merged)).headers["etag"],
        "choices": {"occupation": "merged", "email": "merged"},
    }


async def _twice(client: httpx.AsyncClient, url: str, staff: Staff, key: str, body: Any = None) -> httpx.Response:
    """POST twice with one key; the second answer is the first, replayed. Returns the first."""
    headers = {**staff.headers, "Idempotency-Key": key}
    first = await client.post(url, json=body, headers=headers)
    assert first.status_code < 300, first.text
    again = await client.post(url, json=body, headers=headers)
    assert (again.status_code, again.json()) == (first.status_code, first.json()), again.text
    assert again.headers["idempotent-replayed"] == "true"
    assert again.headers.get("location") == first.headers.get("location")
    return first


async def _count(sessionmaker: async_sessionmaker[AsyncSession], action: str) -> int:
    async with sessionmaker() as session:
        stmt = select(func.count()).select_from(AuditEvent).where(AuditEvent.action == action)
        return int((await session.execute(stmt)).scalar_one())


async def test_a_merge_and_its_unmerge_retried_with_their_key_act_once(
    client: httpx.AsyncClient, agent: Staff, pair: Pair, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    body = await _body(client, agent, pair)
    merged = await _twice(client, URL, agent, "merge-awa", body)
    assert (merged.status_code, merged.json()["status"]) == (201, "merged")
    reused = await client.post(
        URL, json={**body, "choices": {"occupation": "survivor", "email": "merged"}},
        headers={**agent.headers, "Idempotency-Key": "merge-awa"},
    )  # fmt: skip
    assert (reused.status_code, reused.json()["type"]) == (422, "/problems/idempotency-key-reused")

    undone = await _twice(client, f"{URL}/{merged.json()['id']}/unmerge", agent, "unmerge-awa")
    assert undone.json()["status"] == "unmerged"
    async with sessionmaker() as session:
        assert (await session.execute(select(func.count()).select_from(RegistrantMerge))).scalar_one() == 1
    assert (await _count(sessionmaker, "registrant.merge"), await _count(sessionmaker, "registrant.unmerge")) == (1, 2)


async def test_a_proposal_approved_or_rejected_with_a_key_is_decided_once(
    client: httpx.AsyncClient, agent: Staff, supervisor: Staff, make_staff: Any, pair: Pair
) -> None:
    await require_approval(client, await make_staff("admin", []))
    proposed = await _twice(client, URL, agent, "propose-1", await _body(client, agent, pair))
    assert (proposed.status_code, proposed.json()["status"]) == (202, "proposed")
    rejected = await _twice(client, f"{URL}/{proposed.json()['id']}/reject", supervisor, "reject-1", {"note": "Non."})
    assert rejected.json()["status"] == "rejected"

    again = await _twice(client, URL, agent, "propose-2", await _body(client, agent, pair))
    approved = await _twice(client, f"{URL}/{again.json()['id']}/approve", supervisor, "approve-2")
    assert approved.json()["status"] == "merged"
    assert (await read(client, agent, pair.merged)).status_code == 301
