"""A merge's and an unmerge's audit events keep the person's values out of their chained
``details``: the field diff is masked there (``***``), and the values, the merged file's
registration number and the unmerge's note go to the events' erasable payloads
(``audit_payloads``), under the file each event is about, as a rectification's do.

Before: ``registrant.merge`` held the diff unmasked (names, e-mail, phones, passport numbers) and
the merged file's number, and ``registrant.unmerge`` the diff and the note, in the append-only
chain, where no erasure could reach them."""

from __future__ import annotations

import json
from typing import Any

import httpx
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.audit import payloads
from app.audit.models import AuditEvent
from tests.conftest import Staff
from tests.merges.conftest import REGISTRANTS, URL, Pair, merge

ACTIONS = ("registrant.merge", "registrant.merged", "registrant.unmerge")
WHY = "Deux soeurs jumelles : Awa et Adama Badji."


async def _events(sessionmaker: async_sessionmaker[AsyncSession]) -> list[AuditEvent]:
    async with sessionmaker() as session:
        stmt = select(AuditEvent).where(AuditEvent.action.in_(ACTIONS)).order_by(AuditEvent.id)
        return list((await session.execute(stmt)).scalars())


async def _values(sessionmaker: async_sessionmaker[AsyncSession], events: list[AuditEvent]) -> list[Any]:
    async with sessionmaker() as session:
        found = await payloads.resolve(session, [e.details["personal"] for e in events])
    return [found[e.details["personal"]["payload"]] for e in events]


async def test_merge_and_unmerge_events_keep_the_persons_values_in_erasable_payloads(
    client: httpx.AsyncClient, agent: Staff, pair: Pair, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    done = await merge(client, agent, pair)
    assert done.status_code == 201, done.text
    undone = await client.post(f"{URL}/{done.json()['id']}/unmerge", json={"note": WHY}, headers=agent.headers)
    assert undone.status_code == 200, undone.text

    events = await _events(sessionmaker)
    assert [(e.action, e.entity_id) for e in events] == [
        ("registrant.merge", pair.survivor),
        ("registrant.merged", pair.merged),
        ("registrant.unmerge", pair.survivor),
        ("registrant.unmerge", pair.merged),
    ]
    chained = json.dumps([e.details for e in events], ensure_ascii=False)
    values = ("commerçante", "couturière", "awa.badji@example.org", "221771234567", "A01234567", "Adama")
    assert [v for v in (*values, pair.merged_number) if v in chained] == []
    merge_event, _, unmerged_survivor, unmerged_merged = events
    assert merge_event.details["changes"]["occupation"] == {"before": "***", "after": "***"}
    assert unmerged_survivor.details["changes"]["email"] == {"before": "***", "after": None}
    assert (unmerged_survivor.details["note_given"], unmerged_merged.details["note_given"]) == (True, True)
    # Each event's values are kept under the file it is about: erased with that person.
    assert [e.details["personal"]["registrant"] for e in events] == [
        pair.survivor,
        pair.merged,
        pair.survivor,
        pair.merged,
    ]
    kept = await _values(sessionmaker, events)
    assert kept[0]["changes"]["occupation"] == {"before": "couturière", "after": "commerçante"}
    assert kept[1] == {"registration_number": pair.merged_number}
    assert kept[2]["changes"]["email"] == {"before": "awa.badji@example.org", "after": None}
    assert (kept[2]["note"], kept[3]) == (WHY, {"note": WHY})


async def test_the_history_still_shows_a_merges_values_from_its_payload(
    client: httpx.AsyncClient, agent: Staff, pair: Pair
) -> None:
    done = await merge(client, agent, pair)
    assert done.status_code == 201, done.text
    history = await client.get(f"{REGISTRANTS}/{pair.survivor}/history", headers=agent.headers)
    assert history.status_code == 200, history.text
    (entry,) = [e for e in history.json() if e["action"] == "registrant.merge"]
    shown = {c["field"]: (c["before"], c["after"]) for c in entry["changes"]}
    assert shown["occupation"] == ("couturière", "commerçante")
    assert shown["email"] == (None, "awa.badji@example.org")
