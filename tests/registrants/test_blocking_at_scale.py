"""Blocking and search that stay proportional to the candidates (issue 12): common block keys
give way to their combinations, common counts are cached, and PostgreSQL's ids-first search
answers exactly what the plain form answers, and a name is searched through the GIN index of its terms.

The cut-offs of a registry of millions are lowered here so that a handful of registrants shows
the behaviour; a real registry reaches them only past about 100,000 people.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from alembic import command
from sqlalchemy import Text, literal, select, text
from sqlalchemy.dialects import postgresql
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.registrants import keys, matching, repository, sounding
from app.registrants.models import Registrant
from tests.alembic_config import alembic_config
from tests.registrants.conftest import URL, person
from tests.registrants.test_spellings import _keys as _stored


@pytest.fixture(autouse=True)
def _fresh_caches() -> Iterator[None]:
    keys.forget_size()
    yield
    keys.forget_size()


def _keys(given: str, family: str, dob: str | None, arrival: str | None = None) -> matching.PersonKeys:
    return matching.PersonKeys.of(
        given_names=given, family_name=family, date_of_birth=dob, sex="female", arrival_date=arrival
    )


async def _register(create: Any, staff: Any, **body: Any) -> str:
    response = await create(staff, person(**body), confirm=True)
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


async def _pool(sessionmaker: async_sessionmaker[AsyncSession], who: matching.PersonKeys) -> set[str]:
    async with sessionmaker() as session:
        return {str(r.id) for r in await keys.block(session, who, desk_ids=None)}


async def test_a_common_birth_date_blocks_only_together_with_a_name(
    create, casa_agent, sessionmaker, monkeypatch: pytest.MonkeyPatch
) -> None:  # type: ignore[no-untyped-def]
    same_name = await _register(create, casa_agent, given_names="Fatou", family_name="Diop", date_of_birth="1990-05-04")
    same_family = await _register(create, casa_agent, given_names="Awa", family_name="Diop", date_of_birth="1990-05-04")
    stranger = await _register(create, casa_agent, given_names="Moussa", family_name="Sow", date_of_birth="1990-05-04")
    who = _keys("Fatou", "Diop", "1990-05-04")
    assert await _pool(sessionmaker, who) == {same_name, same_family, stranger}  # a rare date: used alone

    monkeypatch.setitem(keys.BLOCK_CUTOFF, "d", 2)  # three people born that day: a common date now
    assert await _pool(sessionmaker, who) == {same_name, same_family}


async def test_common_names_block_through_the_year_or_the_arrival_date(
    create, casa_agent, sessionmaker, monkeypatch: pytest.MonkeyPatch
) -> None:  # type: ignore[no-untyped-def]
    no_date = await _register(create, casa_agent, given_names="Fatou", family_name="Diop", date_of_birth=None)
    arrived = await _register(
        create, casa_agent, given_names="Fatou", family_name="Diop", date_of_birth=None, arrival_date="2019-09-01"
    )
    other_year = await _register(create, casa_agent, given_names="Fatou", family_name="Diop", date_of_birth="1971")
    who = _keys("Fatou", "Diop", None, arrival="2019-09-01")
    assert await _pool(sessionmaker, who) == {no_date, arrived, other_year}

    monkeypatch.setitem(keys.BLOCK_CUTOFF, "gf", 2)  # three Fatou Diop: the names alone no longer block
    assert await _pool(sessionmaker, who) == {arrived}
    # with a full birth date the names block those without one ("gfx"), until they are common too
    full = _keys("Fatou", "Diop", "1985-02-03", arrival="2019-09-01")
    assert await _pool(sessionmaker, full) == {no_date, arrived, other_year}
    monkeypatch.setitem(keys.BLOCK_CUTOFF, "gfx", 1)
    assert await _pool(sessionmaker, full) == {arrived}


async def test_common_names_with_a_common_year_block_through_the_month_or_the_day(
    create, casa_agent, sessionmaker, monkeypatch: pytest.MonkeyPatch
) -> None:  # type: ignore[no-untyped-def]
    fatou = {"given_names": "Fatou", "family_name": "Diop"}
    day_differs = await _register(create, casa_agent, **fatou, date_of_birth="1990-05-17")
    month_differs = await _register(create, casa_agent, **fatou, date_of_birth="1990-11-04")
    swapped = await _register(create, casa_agent, **fatou, date_of_birth="1990-04-05")
    year_alone = await _register(create, casa_agent, **fatou, date_of_birth="1990")
    month_alone = await _register(create, casa_agent, **fatou, date_of_birth="1990-07")
    both_differ = await _register(create, casa_agent, **fatou, date_of_birth="1990-11-17")
    named_otherwise = await _register(create, casa_agent, given_names="Awa", family_name="Diop", date_of_birth="1990")
    everyone = {day_differs, month_differs, swapped, year_alone, month_alone, both_differ}
    who = _keys("Fatou", "Diop", "1990-05-04")
    assert await _pool(sessionmaker, who) == everyone  # a rare name and year: used alone
    assert await _pool(sessionmaker, _keys("Diop", "Fatou", "1990-05-04")) == everyone  # names swapped too

    monkeypatch.setitem(keys.BLOCK_CUTOFF, "gfy", 5)  # six Fatou Diop born in 1990: common now
    assert await _pool(sessionmaker, who) == everyone - {both_differ}
    assert await _pool(sessionmaker, _keys("Diop", "Fatou", "1990-05-04")) == everyone - {both_differ}
    # born in a year alone, a person has no finer key: the names and the year still block
    assert await _pool(sessionmaker, _keys("Fatou", "Diop", "1990")) == everyone
    assert named_otherwise not in await _pool(sessionmaker, _keys("Fatou", "Diop", "1990"))


async def test_upgrade_to_3201_gives_the_registrants_stored_before_it_the_keys_of_their_names_and_year(
    app, create, casa_agent, settings, sessionmaker
) -> None:  # type: ignore[no-untyped-def]
    long_family = "Diop" * 50  # a name pair and year past the 200 characters a key keeps
    bodies = [
        {
            "given_names": "Ndèye Fatou",
            "family_name": "N'Diaye",
            "date_of_birth": "1990-05-04",
            "arrival_date": "2015-09-01",
        },
        {"given_names": "Fatou", "family_name": "Diop", "date_of_birth": "1990-05-05"},  # one number
        {"given_names": "Fatou", "family_name": "Diop", "date_of_birth": "1990"},
        {"given_names": "Fatou", "family_name": "Diop", "date_of_birth": "1990-07"},
        {"given_names": "Fatou", "family_name": "Diop", "date_of_birth": None},
        {"given_names": "Aliou", "family_name": "Sonko", "date_of_birth": "1985-12-31", "name_arabic": "عليو سونكو"},
        {"given_names": "Awa", "family_name": long_family, "date_of_birth": "1971-01-02"},
    ]
    ids = [await _register(create, casa_agent, **body) for body in bodies]
    current = [await _stored(sessionmaker, rid) for rid in ids]
    finer = [{k for k in stored if k[0] in ("gfn", "gfyx")} for stored in current]
    assert [len(f) for f in finer[:5]] == [4, 1, 1, 1, 0] and len(finer[6]) == 2
    assert len(finer[5]) > 2  # the pairs of the name in Arabic script too, not only "alio sonko"
    await app.state.engine.dispose()

    config = alembic_config(settings.effective_database_url)
    await asyncio.to_thread(command.downgrade, config, "3101")
    assert [await _stored(sessionmaker, rid) for rid in ids] == [c - f for c, f in zip(current, finer, strict=True)]
    await app.state.engine.dispose()
    await asyncio.to_thread(command.upgrade, config, "head")
    await app.state.engine.dispose()
    assert [await _stored(sessionmaker, rid) for rid in ids] == current


async def test_the_duplicate_check_still_finds_the_same_person_past_the_cut_offs(
    create, casa_agent, monkeypatch: pytest.MonkeyPatch
) -> None:  # type: ignore[no-untyped-def]
    for given in ("Awa", "Khady", "Mariama"):
        await _register(create, casa_agent, given_names=given, family_name="Sow", date_of_birth="1990-05-04")
    first = await _register(
        create, casa_agent, given_names="Mouhamadou", family_name="Ndiaye", date_of_birth="1990-05-04"
    )
    for name, value in (("d", 1), ("gf", 0), ("gfx", 0), ("gfy", 0)):
        monkeypatch.setitem(keys.BLOCK_CUTOFF, name, value)
    again = person(given_names="Mamadou", family_name="N'Diaye", date_of_birth="1990-05-04")
    response = await create(casa_agent, again)
    assert response.status_code == 409
    assert [c["id"] for c in response.json()["candidates"]] == [first]
    # the same person again, the day and the month swapped: through the names, the year and the day
    swapped = person(given_names="Mamadou", family_name="N'Diaye", date_of_birth="1990-04-05")
    response = await create(casa_agent, swapped)
    assert response.status_code == 409
    assert first in [c["id"] for c in response.json()["candidates"]]


async def test_common_counts_are_cached_and_rare_ones_counted_every_time(
    create, casa_agent, sessionmaker, monkeypatch: pytest.MonkeyPatch
) -> None:  # type: ignore[no-untyped-def]
    keys.forget_size()
    monkeypatch.setattr(keys, "COUNT_CACHE_FROM", 2)
    monkeypatch.setattr(keys, "WEIGHT_CACHE_FROM", 2)
    for given in ("Awa", "Khady"):
        await _register(create, casa_agent, given_names=given, family_name="Sow", date_of_birth="1990-05-04")
    await _register(create, casa_agent, given_names="Awa", family_name="Badji", date_of_birth="1991-05-04")
    sow, badji = ("f", matching.phonetic("sow")), ("f", matching.phonetic("badji"))
    async with sessionmaker() as session:
        assert await keys.counts(session, [sow, badji]) == {sow: 2, badji: 1}
    await _register(create, casa_agent, given_names="Coumba", family_name="Sow", date_of_birth="1992-05-04")
    await _register(create, casa_agent, given_names="Coumba", family_name="Badji", date_of_birth="1992-05-04")
    async with sessionmaker() as session:
        assert await keys.counts(session, [sow, badji]) == {sow: 2, badji: 2}  # Sow remembered, Badji counted
    keys.forget_size()
    async with sessionmaker() as session:
        assert await keys.counts(session, [sow, badji]) == {sow: 3, badji: 2}


@pytest.mark.parametrize(
    "q", ["Fatou Diop", "Diop", "fat", "Sy", "Nobody Atall", "771234567", "A01234567", "CASA-2026-000001"]
)
async def test_the_ids_first_search_answers_exactly_what_the_plain_search_answers(
    q: str, client: httpx.AsyncClient, create, casa_agent, sessionmaker
) -> None:  # type: ignore[no-untyped-def]
    await _register(create, casa_agent, given_names="Fatou", family_name="Diop", phones=[{"number": "+221771234567"}])
    await _register(create, casa_agent, given_names="Fatoumata", family_name="Diop")
    await _register(create, casa_agent, given_names="Awa", family_name="Diop", documents=[
        {"doc_type": "passport", "number": "A01234567"}])  # fmt: skip
    await _register(create, casa_agent, given_names="Awa", family_name="Sy")
    await _register(create, casa_agent, given_names="Awa", family_name="Sylla")
    async with sessionmaker() as session:
        if session.get_bind().dialect.name != "postgresql":
            pytest.skip("the ids-first form is PostgreSQL's")
        found = {}
        for few in (False, True):
            stmt = repository.search_query(repository.SearchFilters(q=q), regions=["SN", "MA"], few=few)
            found[few] = sorted(str(r.id) for r in (await session.execute(stmt)).scalars())
    assert found[True] == found[False]
    listed = await client.get(URL, params={"q": q, "limit": 100}, headers=casa_agent.headers)
    assert sorted(item["id"] for item in listed.json()["items"]) == found[False]


MANY_NAMES = [
    ("Fatou", "Diop"),
    ("Fatoumata", "Diop"),
    ("Awa", "Sy"),
    ("Awa", "Sylla"),
    ("Ndèye Fatou", "N'Diaye"),
    ("Mamadou", "Njaay"),
    ("Cheikh Ahmadou Bamba", "Mbacké"),
    ("محمد", "ديوب"),
    ("Aïssatou", "Ba"),
]


@pytest.mark.parametrize(
    "q",
    ["Fatou Diop", "Diop", "fat", "Sy", "Ba", "Nobody Atall", "N'Diaye", "ndiaye", "Njaay", "NDEYE fatou", "mbacke",
     "Bamba Cheikh", "محمد", "Mohamed Diouf", "dio", "aïssatou"],
)  # fmt: skip
async def test_the_name_terms_search_answers_exactly_what_the_keys_answer(
    q: str, create, casa_agent, sessionmaker
) -> None:  # type: ignore[no-untyped-def]
    """PostgreSQL searches a name by each registrant's name terms (``NAME_TERMS``, GIN-indexed),
    SQLite by the match keys: both must find the same people, whatever the spelling, script or
    length of the words."""
    for given, family in MANY_NAMES:
        await _register(create, casa_agent, given_names=given, family_name=family)
    async with sessionmaker() as session:
        if session.get_bind().dialect.name != "postgresql":
            pytest.skip("the name terms are PostgreSQL's")
        heard = await sounding.words(session, repository.name_tokens(q))  # as the service searches the keys
        by_keys = repository.search_query(repository.SearchFilters(q=q), regions=["SN", "MA"], heard=heard)
        terms = await repository.name_terms(session, repository.name_tokens(q))
        by_terms = repository.search_query(repository.SearchFilters(q=q), regions=["SN", "MA"], terms=terms)
        found = [
            sorted(f"{r.given_names} {r.family_name}" for r in (await session.execute(stmt)).scalars())
            for stmt in (by_keys, by_terms)
        ]
    assert found[1] == found[0]
    if q in ("Diop", "N'Diaye", "محمد", "fat"):  # the comparison is not vacuous
        assert found[1]


async def test_a_name_search_reads_the_name_terms_index(create, casa_agent, sessionmaker) -> None:  # type: ignore[no-untyped-def]
    """The query spells ``NAME_TERMS`` as migration 2001's index does (else the planner could not
    use it: a scan of the registry for every search)."""
    await _register(create, casa_agent, given_names="Fatou", family_name="Diop")
    async with sessionmaker() as session:
        if session.get_bind().dialect.name != "postgresql":
            pytest.skip("the index is PostgreSQL's")
        wanted = postgresql.array([literal("w:fatou", Text)])  # as search_query writes it
        stmt = select(Registrant.id).where(repository.NAME_TERMS.overlap(wanted))
        sql = str(stmt.compile(dialect=session.get_bind().dialect, compile_kwargs={"literal_binds": True}))
        await session.execute(text("SET LOCAL enable_seqscan = off"))
        explained = await (await session.connection()).exec_driver_sql("EXPLAIN " + sql)
        plan = "\n".join(row[0] for row in explained.all())
    assert "ix_registrants_name_terms" in plan


async def test_words_starting_a_prefix_are_read_from_the_match_keys(create, casa_agent, sessionmaker) -> None:  # type: ignore[no-untyped-def]
    for given, family in [("Fatou", "Diop"), ("Fatoumata", "Diop"), ("Fatim", "Zzzz"), ("Ndèye", "Zzzzb")]:
        await _register(create, casa_agent, given_names=given, family_name=family)
    async with sessionmaker() as session:
        if session.get_bind().dialect.name != "postgresql":
            pytest.skip("a PostgreSQL statement")
        found = await keys.words_starting(session, ["fat", "fatou", "zzzz", "zz", "nobody", "diop"])
    assert found == {
        "fat": ["fatim", "fatou", "fatoumata"],
        "fatou": ["fatou", "fatoumata"],
        "zzzz": ["zzzz", "zzzzb"],  # no next prefix: bounded by the padded one
        "zz": ["zzzz", "zzzzb"],
        "diop": ["diop"],
    }


async def test_a_name_key_longer_than_a_stored_value_is_looked_up_as_stored(create, casa_agent, sessionmaker) -> None:  # type: ignore[no-untyped-def]
    """A given name with a long family name makes a pair key of more than
    ``KEY_VALUE_LENGTH`` characters: it is stored cut, so it is looked up and counted cut."""
    family = " ".join(["Kristofersonwitz"] * 11)  # 186 characters; the pair key has 203
    who = _keys("Kristofersonwitz", family, None)
    assert max(len(value) for _, value in keys.lookup_keys(who)) == matching.KEY_VALUE_LENGTH
    first = await _register(create, casa_agent, given_names="Kristofersonwitz", family_name=family)
    assert await _pool(sessionmaker, who) == {first}  # no phone, no birth date: the name is the only block
    async with sessionmaker() as session:
        assert set((await keys.counts(session, keys.lookup_keys(who))).values()) == {1}
