"""Idempotent creates, parallel creates (audit chain, numbering) and parallel updates (one 412)."""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import text

from app.registrants import in_flight, matching
from tests.registrants.conftest import URL, person

NAMES = [
    ("Awa", "Ndiaye"), ("Modou", "Diop"), ("Fatou", "Fall"), ("Ibrahima", "Sarr"), ("Aminata", "Ba"),
    ("Cheikh", "Seck"), ("Mariama", "Diallo"), ("Ousmane", "Sy"), ("Khady", "Gueye"), ("Pape", "Mbaye"),
    ("Coumba", "Thiam"), ("Abdou", "Ndao"), ("Bineta", "Diouf"), ("Lamine", "Cissé"), ("Rokhaya", "Faye"),
    ("Babacar", "Sow"), ("Astou", "Kane"), ("Moussa", "Camara"), ("Seynabou", "Niang"), ("Alioune", "Wade"),
]  # fmt: skip


async def test_idempotency_key_replays_the_first_response(casa_agent, client, count_rows) -> None:
    headers = {**casa_agent.headers, "Idempotency-Key": "create-awa-1"}
    first = await client.post(URL, json=person(), headers=headers)
    again = await client.post(URL, json=person(), headers=headers)
    assert (first.status_code, again.status_code) == (201, 201)
    assert again.json() == first.json()
    assert again.headers["location"] == first.headers["location"]
    assert again.headers["idempotent-replayed"] == "true"
    assert (await count_rows())["registrants"] == 1


async def test_one_key_sent_ten_times_at_once_stores_once_and_replays(casa_agent, client, count_rows) -> None:
    """A retry sent while the first request is still in flight waits for it (PostgreSQL: the
    key's record, claimed by the first transaction; SQLite: one write transaction at a time),
    then replays its response: one registrant, ten identical answers, nine replayed."""
    headers = {**casa_agent.headers, "Idempotency-Key": "create-awa-parallel"}
    responses = await asyncio.gather(*(client.post(URL, json=person(), headers=headers) for _ in range(10)))
    assert [r.status_code for r in responses] == [201] * 10, [r.text for r in responses]
    assert len({r.json()["id"] for r in responses}) == 1
    assert sorted(r.headers.get("idempotent-replayed", "") for r in responses) == [""] + ["true"] * 9
    assert (await count_rows())["registrants"] == 1


async def test_idempotency_key_with_another_body_is_422(casa_agent, client, count_rows) -> None:
    headers = {**casa_agent.headers, "Idempotency-Key": "create-awa-2"}
    assert (await client.post(URL, json=person(), headers=headers)).status_code == 201
    other = await client.post(URL, json=person(given_names="Awa", family_name="Faye"), headers=headers)
    assert other.status_code == 422
    assert other.json()["type"] == "/problems/idempotency-key-reused"
    assert (await count_rows())["registrants"] == 1


async def test_refused_duplicate_does_not_consume_the_key(casa_agent, create, client) -> None:
    await create(casa_agent, person())
    headers = {**casa_agent.headers, "Idempotency-Key": "dup-1"}
    refused = await client.post(URL, json=person(), headers=headers)
    assert refused.status_code == 409
    confirmed = await client.post(URL, json=person(), headers=headers, params={"confirm_duplicates": "true"})
    assert confirmed.status_code == 201


async def test_twenty_parallel_creates_keep_chain_valid_and_numbers_distinct(casa_agent, client, audit_log) -> None:
    bodies = [
        person(given_names=g, family_name=f, date_of_birth=str(1960 + i), phones=[{"number": f"06 12 34 56 {i:02d}"}])
        for i, (g, f) in enumerate(NAMES)
    ]
    responses = await asyncio.gather(*(client.post(URL, json=b, headers=casa_agent.headers) for b in bodies))
    assert [r.status_code for r in responses] == [201] * 20, [r.text for r in responses if r.status_code != 201]
    numbers = sorted(r.json()["registration_number"] for r in responses)
    assert [n[-6:] for n in numbers] == [f"{i:06d}" for i in range(1, 21)]
    assert await audit_log.seal() >= 20
    result = await audit_log.verify()
    assert result.ok, result
    assert result.checked >= 20


async def test_two_parallel_patches_with_one_etag_one_wins_one_412(casa_agent, create, client) -> None:
    created = (await create(casa_agent, person())).json()
    headers = {**casa_agent.headers, "If-Match": '"v1"'}
    url = f"{URL}/{created['id']}"
    a, b = await asyncio.gather(
        client.patch(url, json={"occupation": "couturière"}, headers=headers),
        client.patch(url, json={"occupation": "étudiante"}, headers=headers),
    )
    assert sorted([a.status_code, b.status_code]) == [200, 412]
    winner = a if a.status_code == 200 else b
    loser = b if winner is a else a
    assert loser.json()["type"] == "/problems/precondition-failed"
    final = (await client.get(url, headers=casa_agent.headers)).json()
    assert final["occupation"] == winner.json()["occupation"]
    assert final["version"] == 2


async def test_one_person_sent_ten_times_at_once_is_stored_once(casa_agent, client, count_rows) -> None:
    """The second request waits for the first (PostgreSQL: advisory locks on the person's keys;
    SQLite: one write transaction at a time), then its duplicate check sees it: one 201, nine 409."""
    body = person(documents=[{"doc_type": "passport", "number": "D1000000"}], phones=[{"number": "+221705554433"}])
    responses = await asyncio.gather(*(client.post(URL, json=body, headers=casa_agent.headers) for _ in range(10)))
    assert sorted(r.status_code for r in responses) == [201] + [409] * 9, [r.text for r in responses]
    stored = next(r.json()["id"] for r in responses if r.status_code == 201)
    for refused in (r for r in responses if r.status_code == 409):
        assert [c["id"] for c in refused.json()["candidates"]] == [stored]
    assert (await count_rows())["registrants"] == 1


async def test_a_registration_takes_its_locks_in_hash_order(casa_agent, client, sessionmaker) -> None:
    """No two registrations wait for each other: each takes its keys' locks from the smallest hash
    up. Held by another transaction, the smallest one keeps a registration waiting before it holds
    any other (taken in another order, it would hold some while it waits)."""
    body = person(phones=[{"number": "+221705554401"}, {"number": "+221705554402"}], documents=[
        {"doc_type": "passport", "number": "D1000001"}])  # fmt: skip
    who = matching.PersonKeys.of(
        given_names=body["given_names"],
        family_name=body["family_name"],
        date_of_birth=body["date_of_birth"],
        sex=body["sex"],
        phones=["+221705554401", "+221705554402"],
        typed_documents=[("passport", "D1000001")],
    )
    names = in_flight.held(who)
    async with sessionmaker() as side:
        if side.get_bind().dialect.name != "postgresql":
            pytest.skip("PostgreSQL's advisory locks (SQLite runs one write transaction at a time)")
        hashes = (await side.execute(_HASHES, {"names": names})).scalars().all()
        assert len(hashes) >= 5  # a document, two phones, the name pairs
        await side.execute(_LOCK, {"h": min(hashes)})
        registering = asyncio.ensure_future(client.post(URL, json=body, headers=casa_agent.headers))
        async with sessionmaker() as watch:
            for _ in range(200):
                waiting = (await watch.execute(_WAITING)).scalars().all()
                if waiting or registering.done():
                    break
                await asyncio.sleep(0.025)
            assert len(waiting) == 1, registering.done() and registering.result().text
            held = (await watch.execute(_HELD_BY, {"pid": waiting[0]})).scalar_one()
        assert held == 0
        await side.rollback()
    assert (await registering).status_code == 201


_HASHES = text("SELECT hashtextextended(k, 13) FROM unnest(CAST(:names AS text[])) AS k")
_LOCK = text("SELECT pg_advisory_xact_lock(:h)")
_WAITING = text("SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND NOT granted")
_HELD_BY = text("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND granted AND pid = :pid")
