"""A file's merges are found from the file: ``GET /api/v1/registrant-merges?registrant_id=…`` lists
those it took part in (as survivor or merged file), and a merge record names both files by their
registration number, so that a screen can say which file was merged into which (the merged
file's own ``GET`` answers 301 to the survivor: its number cannot be read there any more).

An unmerge says why, as an approval or a rejection does: its optional ``note`` is kept on the
merge record and in both files' ``registrant.unmerge`` audit events (their erasable payloads).

Before: the list filtered by status only (a desk's every merge, page after page, to find one
file's), a record named the files by id alone, and an unmerge took no body (a note: 422)."""

from __future__ import annotations

import json

import httpx
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.audit import payloads
from app.audit.models import AuditEvent
from tests.conftest import Staff
from tests.merges.conftest import URL, Pair, awa, merge, register


async def test_the_merges_of_a_file_are_listed_by_its_id(client: httpx.AsyncClient, agent: Staff, pair: Pair) -> None:
    other = await register(client, agent, awa(given_names="Fatou", family_name="Sarr"))
    done = await merge(client, agent, pair)
    assert done.status_code == 201, done.text
    listed = {}
    for name, registrant_id in (("survivor", pair.survivor), ("merged", pair.merged), ("other", other["id"])):
        response = await client.get(URL, params={"registrant_id": registrant_id}, headers=agent.headers)
        assert response.status_code == 200, response.text
        listed[name] = [m["id"] for m in response.json()["items"]]
    assert listed == {"survivor": [done.json()["id"]], "merged": [done.json()["id"]], "other": []}


async def test_a_merge_names_both_files_by_their_registration_number(
    client: httpx.AsyncClient, agent: Staff, pair: Pair
) -> None:
    done = await merge(client, agent, pair)
    assert done.status_code == 201, done.text
    read = await client.get(f"{URL}/{done.json()['id']}", headers=agent.headers)
    listed = await client.get(URL, params={"registrant_id": pair.merged, "status": "merged"}, headers=agent.headers)
    numbers = {"survivor_registration_number": pair.survivor_number, "merged_registration_number": pair.merged_number}
    for body in (done.json(), read.json(), listed.json()["items"][0]):
        assert {k: body.get(k) for k in numbers} == numbers


async def test_an_unmerge_keeps_its_reason(
    client: httpx.AsyncClient, agent: Staff, pair: Pair, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    done = await merge(client, agent, pair, note="Même date de naissance et même passeport.")
    assert done.status_code == 201, done.text
    why = "Deux sœurs : pas la même personne."
    undone = await client.post(f"{URL}/{done.json()['id']}/unmerge", json={"note": why}, headers=agent.headers)
    assert undone.status_code == 200, undone.text
    assert undone.json()["note"] == f"Même date de naissance et même passeport.\n{why}"
    async with sessionmaker() as session:
        details = list(
            (
                await session.execute(select(AuditEvent.details).where(AuditEvent.action == "registrant.unmerge"))
            ).scalars()
        )
        kept = await payloads.resolve(session, [d["personal"] for d in details])
    # The note is about the people: in each file's erasable payload, not in the chain.
    assert [(d["note_given"], kept[d["personal"]["payload"]]["note"]) for d in details] == [(True, why), (True, why)]
    assert [why in json.dumps(d, ensure_ascii=False) for d in details] == [False, False]
