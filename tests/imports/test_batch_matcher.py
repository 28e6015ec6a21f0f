"""The import's in-memory duplicate matcher (:class:`app.imports.matching.BatchMatcher`): what it
loads from the registry, the term frequencies it counts, the candidates it gives a row, and the
region codes rows are keyed by. Expected values are worked out by hand from the match keys' table
(:mod:`app.registrants.keys`) or taken from the registration-time check
(:func:`app.registrants.service.find_duplicates`), which the matcher must agree with."""

from __future__ import annotations

import asyncio
import functools
import threading
import time
import uuid
from typing import Any

import anyio.to_thread
import httpx
import pytest
from sqlalchemy import event, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.imports import matching as batch
from app.imports.matching import BatchMatcher, person_keys, region_code, region_codes
from app.registrants import keys as match_keys
from app.registrants import linkage
from app.registrants.keys import Known
from app.registrants.matching import PersonKeys
from app.registrants.models import Registrant
from app.registrants.service import find_duplicates

PHONE = "+221771234567"
PHONE_KEY = "765432177122"  # its digits reversed (the ``t`` key)

# Senegal's 14 regions (ISO 3166-2:SN), by folded name without spaces and by lower-case code.
SENEGAL = {
    "dakar": "SN-DK", "diourbel": "SN-DB", "fatick": "SN-FK", "kaffrine": "SN-KA", "kaolack": "SN-KL",
    "kedougou": "SN-KE", "kolda": "SN-KD", "louga": "SN-LG", "matam": "SN-MT", "saintlouis": "SN-SL",
    "sedhiou": "SN-SE", "tambacounda": "SN-TC", "thies": "SN-TH", "ziguinchor": "SN-ZG",
}  # fmt: skip
CODES = {**SENEGAL, **{code.casefold(): code for code in SENEGAL.values()}}


def keys(given: str, family: str, date_of_birth: str | None = None, **more: Any) -> PersonKeys:
    return PersonKeys.of(given_names=given, family_name=family, date_of_birth=date_of_birth, sex="female", **more)


def known(given: str, family: str, date_of_birth: str | None = None, number: str = "", **more: Any) -> Known:
    return Known(
        id=uuid.uuid4(),
        registration_number=number,
        desk_id=uuid.UUID(int=7),
        given_names=given,
        family_name=family,
        date_of_birth=date_of_birth,
        sex="female",
        keys=keys(given, family, date_of_birth, **more),
    )


async def register(client: httpx.AsyncClient, staff: Any, desk: str = "CASA-BASE", **body: Any) -> dict[str, Any]:
    """A registrant created through the API (duplicates confirmed), its JSON."""
    body = {"sex": "female", "desk_code": desk, **body}
    response = await client.post(
        "/api/v1/registrants", json=body, headers=staff.headers, params={"confirm_duplicates": "true"}
    )
    assert response.status_code == 201, response.text
    return response.json()  # type: ignore[no-any-return]


async def preloaded(
    sessionmaker: async_sessionmaker[AsyncSession], rows: list[PersonKeys], desk_ids: frozenset[uuid.UUID] | None
) -> BatchMatcher:
    matcher = BatchMatcher(desk_ids=desk_ids)
    async with sessionmaker() as session:
        await matcher.preload(session, rows)
    return matcher


# person_keys


def test_person_keys_reaches_every_field() -> None:
    got = person_keys(
        given_names="Ndèye Fatou",
        family_name="N'Diaye",
        date_of_birth="1994-03-12",
        sex="female",
        phones=[PHONE],
        documents=[("passport", "A01234567")],
        place_of_birth="Saint-Louis",
        arrival_date="2015-09-01",
        email="Fatou.Ndiaye@Example.org",
        origin_region="SN-TH",
        host_city="Casablanca",
        occupation="Couturière",
    )
    assert got == PersonKeys(
        given=("ndeye", "fatou"),
        family=("ndiaye",),
        date_of_birth="1994-03-12",
        sex="female",
        phones=frozenset({PHONE}),
        documents=frozenset({"A01234567"}),
        typed_documents=frozenset({("passport", "A01234567")}),
        place_of_birth="saint louis",
        origin_region="SN-TH",
        arrival_date="2015-09-01",
        email="fatou.ndiaye@example.org",
        host_city="casablanca",
        occupation="couturiere",
    )


def test_person_keys_leaves_the_optional_fields_empty() -> None:
    got = person_keys(given_names="Awa", family_name="Diop", date_of_birth=None, sex="unknown", phones=[], documents=[])
    assert got == PersonKeys(given=("awa",), family=("diop",), sex="unknown")


# region_code, region_codes


async def test_region_codes_are_senegals_regions_by_name_and_by_code(sessionmaker) -> None:  # type: ignore[no-untyped-def]
    async with sessionmaker() as session:
        assert await region_codes(session) == CODES  # no départements, no Moroccan regions


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("Thiès", "SN-TH"),
        ("THIES", "SN-TH"),
        ("  thies ", "SN-TH"),
        ("Saint-Louis", "SN-SL"),
        ("Saint Louis", "SN-SL"),
        ("saint'louis", "SN-SL"),
        ("SaintLouis", "SN-SL"),
        ("Kédougou", "SN-KE"),
        ("SN-TH", "SN-TH"),
        ("sn-sl", "SN-SL"),
        (" SN-ZG ", "SN-ZG"),
        ("Casablanca", None),
        ("SN-XX", None),
        ("", None),
        (None, None),
    ],
)
def test_region_code_reads_a_name_or_a_code(text: str | None, code: str | None) -> None:
    assert region_code(text, CODES) == code


# candidates


def test_a_row_sharing_only_a_given_and_family_name_is_skipped_when_both_full_birth_dates_are_known() -> None:
    # Awa Diop born 1990-01-01 and Awa Diop born 1991-01-01 share the block ("gf", "awa jop") only
    # (the year differs, so ("gfy", …) and ("d", …) differ): registration does not look people up by
    # the names alone when both full dates are known, and neither does the import.
    matcher = BatchMatcher(desk_ids=None)
    other_year = known("Awa", "Diop", "1991-01-01", place_of_birth="Thiès", email="awa@example.org")
    matcher.add(other_year)
    row = keys("Awa", "Diop", "1990-01-01", place_of_birth="Thiès", email="awa@example.org")
    assert matcher.candidates(row) == []
    # the same person without a full birth date is compared through that block
    for date in ("1990", None):
        alone = BatchMatcher(desk_ids=None)
        alone.add(known("Awa", "Diop", date, place_of_birth="Thiès", email="awa@example.org"))
        assert [c.given_names for c in alone.candidates(row)] == ["Awa"], date
        reverse = BatchMatcher(desk_ids=None)
        reverse.add(other_year)
        partial = keys("Awa", "Diop", date, place_of_birth="Thiès", email="awa@example.org")
        assert [c.date_of_birth for c in reverse.candidates(partial)] == ["1991-01-01"], date


def test_a_skipped_name_block_still_reaches_the_next_person_in_it() -> None:
    matcher = BatchMatcher(desk_ids=None)
    matcher.add(known("Awa", "Diop", "1991-01-01", place_of_birth="Thiès", email="awa@example.org"))
    matcher.add(known("Awa", "Diop", None, place_of_birth="Thiès", email="awa@example.org"))
    row = keys("Awa", "Diop", "1990-01-01", place_of_birth="Thiès", email="awa@example.org")
    assert [c.date_of_birth for c in matcher.candidates(row)] == [None]


def test_only_candidates_from_the_flag_probability_on_are_given() -> None:
    matcher = BatchMatcher(desk_ids=None)
    # the same full birth date and other names: compared first (the ("d", …) block sorts before the
    # names'), far below FLAG_PROBABILITY; then Awa Diop of unknown birth date with the same phone
    weak = known("Ibrahima", "Faye", "1990-01-01")
    strong = known("Awa", "Diop", None, phones=[PHONE])
    matcher.add(weak)
    matcher.add(strong)
    row = keys("Awa", "Diop", "1990-01-01", phones=[PHONE])
    found = matcher.candidates(row)
    assert [c.id for c in found] == [strong.id]
    assert found[0].score >= linkage.FLAG_PROBABILITY
    alone = BatchMatcher(desk_ids=None)
    alone.add(weak)
    assert alone.candidates(row) == []


def test_candidates_come_best_first_and_at_most_ten() -> None:
    matcher = BatchMatcher(desk_ids=None)
    # Awa Diop born in 1990 and twelve Awa Diop: born 1991, of unknown birth date, born 1990, in turn
    years = ["1991", None, "1990"]
    for i in range(12):
        matcher.add(known("Awa", "Diop", years[i % 3], number=f"N-{i:02}"))
    found = matcher.candidates(keys("Awa", "Diop", "1990"))
    # the four of the same year, then the four of unknown date, then two of the four of a year
    # off: ten, best first and, at one score, by registration number
    assert [c.registration_number for c in found] == [
        "N-02", "N-05", "N-08", "N-11", "N-01", "N-04", "N-07", "N-10", "N-00", "N-03",
    ]  # fmt: skip
    assert found[0].score > found[4].score > found[8].score >= linkage.FLAG_PROBABILITY


def test_a_document_number_alone_brings_a_candidate() -> None:
    matcher = BatchMatcher(desk_ids=None)
    person = known("Coumba", "Sow", "1999-07-02", documents=["A01234567"], email="coumba@example.org")
    matcher.add(person)
    # another spelling of the names and another birth date: only the passport number is shared
    row = keys("Koumba", "Sow", "1999-02-07", documents=["A01234567"], email="coumba@example.org")
    (found,) = matcher.candidates(row)
    assert (found.id, "same_document" in found.reasons) == (person.id, True)


def test_a_registrant_added_twice_is_indexed_once() -> None:
    matcher = BatchMatcher(desk_ids=None)
    registrant = Registrant(
        id=uuid.uuid4(), desk_id=uuid.UUID(int=7), given_names="Awa", family_name="Diop",
        date_of_birth="1990-01-01", sex="female", registration_number="CASA-2019-000001",
    )  # fmt: skip
    row = keys("Awa", "Diop", "1990-01-01")
    matcher.add_registrant(registrant, row)
    matcher.add_registrant(registrant, row)
    assert matcher.seen == {registrant.id}
    # its blocks: ("gf", "awa jop"), ("gfy", "awa jop 1990"), ("d", "1990-01-01"), once each
    assert {block: [k.id for k in found] for block, found in matcher.index.items()} == {
        ("gf", "awa jop"): [registrant.id],
        ("gfy", "awa jop 1990"): [registrant.id],
        ("d", "1990-01-01"): [registrant.id],
    }
    assert [c.id for c in matcher.candidates(row)] == [registrant.id]


def test_a_row_created_earlier_in_the_import_is_a_candidate_with_its_given_keys() -> None:
    # a registrant the import has just built: no registration number yet, its phones not loaded
    # from any session; the caller passes its keys
    matcher = BatchMatcher(desk_ids=None)
    desk = uuid.uuid4()
    new = Registrant(
        id=uuid.uuid4(), desk_id=desk, given_names="Awa", family_name="Diop", date_of_birth=None, sex="female",
        registration_number=None,
    )  # fmt: skip
    matcher.add_registrant(new, keys("Awa", "Diop", phones=[PHONE]))
    (found,) = matcher.candidates(keys("Awa", "Diop", phones=[PHONE]))
    assert (found.id, found.registration_number, found.desk_id) == (new.id, "", desk)
    assert (found.given_names, found.family_name, found.date_of_birth, found.sex) == ("Awa", "Diop", None, "female")
    assert "same_phone" in found.reasons


# preload


async def test_preload_takes_the_actors_desks_only(client, admin, sessionmaker, desk_ids) -> None:  # type: ignore[no-untyped-def]
    casa = await register(client, admin, given_names="Awa", family_name="Diop", date_of_birth="1990-01-01")
    dakar = await register(client, admin, "DKR-MOB", given_names="Awa", family_name="Diop", date_of_birth="1990-01-01")
    row = keys("Awa", "Diop", "1990-01-01")
    scoped = await preloaded(sessionmaker, [row], frozenset({desk_ids["CASA-BASE"]}))
    assert scoped.seen == {uuid.UUID(casa["id"])}
    everyone = await preloaded(sessionmaker, [row], None)
    assert everyone.seen == {uuid.UUID(casa["id"]), uuid.UUID(dakar["id"])}


async def test_preload_never_takes_a_merged_file(client, admin, sessionmaker) -> None:  # type: ignore[no-untyped-def]
    survivor = await register(client, admin, given_names="Awa", family_name="Diop", date_of_birth="1990-01-01")
    merged = await register(client, admin, given_names="Awa", family_name="Diop", date_of_birth="1990-01-01")
    async with sessionmaker() as session:
        await session.execute(
            update(Registrant)
            .where(Registrant.id == uuid.UUID(merged["id"]))
            .values(merged_into_id=uuid.UUID(survivor["id"]))
        )
        await session.commit()
    matcher = await preloaded(sessionmaker, [keys("Awa", "Diop", "1990-01-01")], None)
    assert matcher.seen == {uuid.UUID(survivor["id"])}


async def test_preload_finds_a_registrant_by_its_document_number_alone(client, admin, sessionmaker) -> None:  # type: ignore[no-untyped-def]
    holder = await register(
        client, admin, given_names="Coumba", family_name="Sow", date_of_birth="1999-07-02",
        documents=[{"doc_type": "passport", "number": "A01234567"}],
    )  # fmt: skip
    await register(client, admin, given_names="Moussa", family_name="Seck", date_of_birth="1970-01-01")
    row = keys("Mariama", "Ba", "1980-02-03", typed_documents=[("passport", "A01234567")])
    matcher = await preloaded(sessionmaker, [row], None)
    assert matcher.seen == {uuid.UUID(holder["id"])}


async def test_preload_of_an_empty_registry_loads_nothing(sessionmaker) -> None:  # type: ignore[no-untyped-def]
    matcher = await preloaded(sessionmaker, [keys("Awa", "Diop", "1990-01-01"), keys("Awa", "Diop")], None)
    assert (matcher.seen, dict(matcher.index)) == (set(), {})
    assert matcher.frequencies.total == 2  # the registry once the file is in: its two rows
    assert matcher.frequencies.counts == {("g", "awa"): 2, ("f", "jop"): 2, ("n", "awa"): 2, ("n", "jop"): 2}


async def test_preload_of_a_registry_of_one_loads_it(client, admin, sessionmaker) -> None:  # type: ignore[no-untyped-def]
    only = await register(client, admin, given_names="Awa", family_name="Diop", date_of_birth="1990-01-01")
    matcher = await preloaded(sessionmaker, [keys("Awa", "Diop", "1990-01-01")], None)
    assert matcher.seen == {uuid.UUID(only["id"])}


def passport(i: int) -> dict[str, str]:
    return {"doc_type": "passport", "number": f"B0000000{i}"}


# slices of one chunk, of three (the last cut short), one slice
@pytest.mark.parametrize("rows_per_slice", [2, 6, 3000])
async def test_preload_looks_up_every_chunk_of_rows(client, admin, sessionmaker, monkeypatch, rows_per_slice) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setattr(batch, "CHUNK", 2)
    monkeypatch.setattr(batch, "SLICE", rows_per_slice)
    names = [("Awa", "Diop"), ("Coumba", "Sow"), ("Moussa", "Seck"), ("Mariama", "Ba"), ("Ousmane", "Sylla")]
    people = [
        await register(client, admin, given_names=g, family_name=f, date_of_birth=f"19{80 + i}-01-0{i + 1}")
        for i, (g, f) in enumerate(names)
    ]
    holders = [
        await register(client, admin, given_names=g, family_name=f, date_of_birth="2001-02-03", documents=[passport(i)])
        for i, (g, f) in enumerate([("Khady", "Faye"), ("Aminata", "Gaye"), ("Bineta", "Kane")])
    ]
    # eight rows in chunks of two: five found by name and birth date, then three by passport only
    rows = [keys(g, f, f"19{80 + i}-01-0{i + 1}") for i, (g, f) in enumerate(names)]
    rows += [keys("Rama", "Ndour", typed_documents=[("passport", f"B0000000{i}")]) for i in range(3)]
    matcher = await preloaded(sessionmaker, rows, None)
    assert matcher.seen == {uuid.UUID(p["id"]) for p in people + holders}


async def test_each_rows_keys_are_derived_once_for_the_whole_run(client, admin, sessionmaker, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    # counted and chosen before the rows are processed, chosen, counted and stored while they are:
    # thousands of rows apart in a large file, beyond what the functions' own caches hold
    # (app.registrants.keys.DERIVED_CACHE people), so the run keeps them until it is released
    await register(client, admin, given_names="Awa", family_name="Diop", date_of_birth="1990-01-01")
    asked: list[PersonKeys] = []
    lookup_keys = match_keys.lookup_keys
    monkeypatch.setattr(match_keys, "lookup_keys", lambda person: asked.append(person) or lookup_keys(person))
    rows = [keys("Awa", "Diop", "1990-01-01"), keys("Coumba", "Sow", "1985"), keys("Moussa", "Seck", phones=[PHONE])]
    matcher = await preloaded(sessionmaker, rows, None)
    for row in rows:
        matcher.candidates(row)
        matcher.candidates(row)
    assert sorted(asked, key=repr) == sorted(rows, key=repr)  # once each
    kept = matcher.derived
    assert kept._lookup == {row: lookup_keys(row) for row in rows}
    assert kept._block == {row: match_keys.block_keys(row) for row in rows}
    assert kept._combined == {row: match_keys.combined_keys(row) for row in rows}
    # and stored with the rows it creates without being derived again
    stored = {row: match_keys.all_keys(row) for row in rows}
    for name in ("block_keys", "combined_keys"):
        monkeypatch.setattr(match_keys, name, lambda person: pytest.fail("a kept row's keys derived again"))
    assert {row: match_keys.all_keys(row, kept) for row in rows} == stored
    matcher.release()
    assert (kept._block, kept._combined, kept._lookup) == ({}, {}, {})


async def test_preload_loads_each_registrant_once_however_many_chunks_find_it(  # type: ignore[no-untyped-def]
    client, admin, sessionmaker, monkeypatch
) -> None:
    monkeypatch.setattr(batch, "CHUNK", 1)
    monkeypatch.setattr(batch, "LOAD_CHUNK", 2)
    people = [
        await register(
            client, admin, given_names="Awa", family_name="Diop", date_of_birth=f"1990-01-0{day}",
            phones=[{"number": f"+22177123456{day}"}],
        )
        for day in (1, 2, 3, 4, 5)
    ]  # fmt: skip
    # four rows, each its own chunk, each sharing "awa jop 1990" with all five registrants
    rows = [keys("Awa", "Diop", f"1990-01-0{day}") for day in (6, 7, 8, 9)]
    loads: list[str] = []

    def seen(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        whole = statement.lstrip().startswith("SELECT registrants.") and "registrants.given_names" in statement
        if whole and "registrants.merged_into_id IN" not in statement:  # not the files merged into them
            loads.append(statement)  # a whole registrant loaded, not only its id

    matcher = BatchMatcher(desk_ids=None)
    async with sessionmaker() as session:
        engine = session.get_bind()
        event.listen(engine, "before_cursor_execute", seen)
        try:
            await matcher.preload(session, rows)
        finally:
            event.remove(engine, "before_cursor_execute", seen)
    assert matcher.seen == {uuid.UUID(p["id"]) for p in people}
    assert len(loads) == 3  # five registrants, two by two: once each, not once per chunk (4)
    indexed = {k.id: k for block in matcher.index.values() for k in block}
    assert sorted(next(iter(k.keys.phones)) for k in indexed.values()) == [
        "+221771234561", "+221771234562", "+221771234563", "+221771234564", "+221771234565",
    ]  # fmt: skip


@pytest.mark.parametrize("rows_per_slice", [1, batch.SLICE])  # each row counted in a slice of its own, or together
async def test_preload_counts_term_frequencies_over_the_registry_and_the_file(  # type: ignore[no-untyped-def]
    client, admin, sessionmaker, desk_ids, monkeypatch, rows_per_slice
) -> None:
    monkeypatch.setattr(batch, "SLICE", rows_per_slice)
    asked: list[Any] = []
    counts = match_keys.counts

    async def counted(session: AsyncSession, keys: Any) -> dict[Any, int]:
        asked.extend(keys)
        return await counts(session, keys)

    monkeypatch.setattr(match_keys, "counts", counted)
    await register(
        client, admin, given_names="Awa", family_name="Diop", date_of_birth="1990-01-01",
        phones=[{"number": PHONE}], place_of_birth="Thiès", origin_region="Thiès", host_city="Casablanca",
        occupation="couturière",
    )  # fmt: skip
    await register(client, admin, "DKR-MOB", given_names="Coumba", family_name="Diop", date_of_birth="1985-06-15")
    rows = [
        keys(
            "Awa", "Diop", "1990-01-01", phones=[PHONE], place_of_birth="Thiès", origin_region="SN-TH",
            host_city="Casablanca", occupation="couturière",
        ),
        keys("Moussa", "Seck", "1970"),
        keys("Moussa", "Diop", "1972"),
    ]  # fmt: skip
    # desk-scoped candidates, registry-wide frequencies: Coumba Diop (Dakar) counts for "Diop"
    asked.clear()  # what the registrations asked
    matcher = await preloaded(sessionmaker, rows, frozenset({desk_ids["CASA-BASE"]}))
    assert asked and len(asked) == len(set(asked))  # each key counted once, however many slices carry it
    assert matcher.frequencies.total == 5  # two registrants and three rows
    assert matcher.frequencies.counts == {
        ("t", PHONE_KEY): 2,
        ("p", PHONE[-9:]): 2,
        ("g", "awa"): 2,
        ("f", "jop"): 4,
        ("n", "awa"): 2,
        ("n", "jop"): 4,
        ("b", "thies"): 2,
        ("r", "SN-TH"): 2,
        ("c", "casablanca"): 2,
        ("o", "couturiere"): 2,
        ("g", "musa"): 2,
        ("f", "sek"): 1,
        ("n", "musa"): 2,
        ("n", "sek"): 1,
    }


# agreement with the registration-time check


def _seen_as(candidate: Any) -> tuple[Any, ...]:
    """A candidate without its weights (compared after)."""
    fields = ("id", "registration_number", "desk_id", "given_names", "family_name", "date_of_birth", "sex")
    return (
        *(getattr(candidate, f) for f in fields),
        candidate.reasons,
        [(c.field, c.level, c.m) for c in candidate.comparisons],
    )


async def test_a_one_row_file_gets_the_registration_checks_likely_duplicates(  # type: ignore[no-untyped-def]
    client, admin, sessionmaker, desk_ids
) -> None:
    await register(client, admin, given_names="Awa", family_name="Diop", date_of_birth="1990-01-01")
    await register(
        client, admin, given_names="Awa", family_name="Njaay", date_of_birth="1990-01", phones=[{"number": PHONE}]
    )
    await register(
        client, admin, given_names="Ibrahima", family_name="Faye", date_of_birth="1970", phones=[{"number": PHONE}]
    )
    await register(client, admin, "DKR-MOB", given_names="Awa", family_name="Diop", date_of_birth="1990-01-01")
    await register(
        client, admin, given_names="Aminata", family_name="Sow", date_of_birth="1990-01-01",
        documents=[{"doc_type": "passport", "number": "A01234567"}],
    )  # fmt: skip
    row = keys("Awa", "Diop", "1990-01-01", phones=[PHONE], typed_documents=[("passport", "A01234567")])
    casa = frozenset({desk_ids["CASA-BASE"]})
    matcher = await preloaded(sessionmaker, [row], casa)
    async with sessionmaker() as session:
        shown = await find_duplicates(session, data=row, desk_ids=casa)
    likely = [c for c in shown if c.score >= linkage.FLAG_PROBABILITY]
    # registration also shows the Faye file (it shares the phone); the import flags the likely ones
    assert [(c.given_names, c.family_name) for c in shown] == [
        ("Awa", "Diop"), ("Aminata", "Sow"), ("Awa", "Njaay"), ("Ibrahima", "Faye"),
    ]  # fmt: skip
    assert shown[3].score < linkage.FLAG_PROBABILITY <= shown[2].score
    found = matcher.candidates(row)
    assert [_seen_as(c) for c in found] == [_seen_as(c) for c in likely]
    # The same weights: registration counts the person being registered among those carrying its
    # values, the import counts the file's rows. "Awa": 3 registrants (both desks) and the row, of
    # 5 + 1 people: u = (4 + 100 × 0.02) / (6 + 100) (additive smoothing, linkage.TYPICAL["g"] = 0.02).
    assert [(c.comparisons, c.match_weight) for c in found] == [(c.comparisons, c.match_weight) for c in likely]
    given = next(c for c in likely[0].comparisons if c.field == "given_names")
    assert given.u == round(6 / 106, 9)


# the preload's steps: CPU work in a worker thread while the step before's queries run


def _steps(events: list[str], failing: int | None = None) -> list[Any]:
    def step(i: int) -> int:
        time.sleep(0.05)
        if i == failing:
            raise ValueError("a row's keys could not be computed")
        events.append(f"computed {i}")
        return i

    return [functools.partial(step, i) for i in (1, 2, 3)]


async def test_a_steps_queries_run_while_the_next_step_is_computed() -> None:
    events: list[str] = []
    computed = {i: threading.Event() for i in (1, 2, 3, 4)}
    steps = _steps(events)

    def step(i: int) -> int:
        computed[i].set()
        return int(steps[i - 1]())

    async def send(i: int) -> tuple[str, bool]:
        # the next step is computed while this step's queries are in flight (4: there is none);
        # one after the other, the wait would run out
        overlapped = i == 3 or await anyio.to_thread.run_sync(computed[i + 1].wait, 10)
        return f"answer {i}", overlapped

    results = await batch._overlapped([functools.partial(step, i) for i in (1, 2, 3)], send)
    assert results == [("answer 1", True), ("answer 2", True), ("answer 3", True)]  # in order, each overlapped
    assert events == ["computed 1", "computed 2", "computed 3"]


async def test_a_step_that_fails_cancels_the_queries_in_flight_and_is_raised() -> None:
    events: list[str] = []

    async def send(i: int) -> str:
        try:
            await asyncio.sleep(30)  # answered only if never cancelled
        except asyncio.CancelledError:
            events.append(f"cancelled {i}")
            raise
        return f"answer {i}"

    with pytest.raises(ValueError, match="could not be computed"):
        await batch._overlapped(_steps(events, failing=2), send)
    assert events == ["computed 1", "cancelled 1"]  # ended before the failure is raised
