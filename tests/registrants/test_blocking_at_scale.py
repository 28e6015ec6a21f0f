"""Blocking and search that stay proportional to the candidates (issue 12): common block keys
give way to their combinations, common counts are cached, and PostgreSQL's ids-first search
answers exactly what the plain form answers.

The cut-offs of a registry of millions are lowered here so that a handful of registrants shows
the behaviour; a real registry reaches them only past about 100,000 people.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.registrants import keys, matching, repository
from tests.registrants.conftest import URL, person


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


async def test_the_duplicate_check_still_finds_the_same_person_past_the_cut_offs(
    create, casa_agent, monkeypatch: pytest.MonkeyPatch
) -> None:  # type: ignore[no-untyped-def]
    for given in ("Awa", "Khady", "Mariama"):
        await _register(create, casa_agent, given_names=given, family_name="Sow", date_of_birth="1990-05-04")
    first = await _register(
        create, casa_agent, given_names="Mouhamadou", family_name="Ndiaye", date_of_birth="1990-05-04"
    )
    for name, value in (("d", 1), ("gf", 0), ("gfx", 0)):
        monkeypatch.setitem(keys.BLOCK_CUTOFF, name, value)
    again = person(given_names="Mamadou", family_name="N'Diaye", date_of_birth="1990-05-04")
    response = await create(casa_agent, again)
    assert response.status_code == 409
    assert [c["id"] for c in response.json()["candidates"]] == [first]


async def test_common_counts_are_cached_and_rare_ones_counted_every_time(
    create, casa_agent, sessionmaker, monkeypatch: pytest.MonkeyPatch
) -> None:  # type: ignore[no-untyped-def]
    keys.forget_size()
    monkeypatch.setattr(keys, "COUNT_CACHE_FROM", 2)
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


async def test_a_search_estimates_few_matches_from_its_tokens(create, casa_agent, sessionmaker) -> None:  # type: ignore[no-untyped-def]
    for n in range(6):
        await _register(create, casa_agent, given_names="Fatou", family_name="Diop", date_of_birth=f"198{n}")
    async with sessionmaker() as session:
        assert await repository.few_matches(session, "+221 77 123 45 67")  # a phone is an identifier
        assert await repository.few_matches(session, "Fatou Diop")
        repository.FEW, before = 5, repository.FEW
        try:
            assert not await repository.few_matches(session, "Fatou Diop")  # 6 people × share 1 × share 1 > 5
            assert await repository.few_matches(session, "Nobody")
        finally:
            repository.FEW = before


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
async def test_the_row_walk_search_answers_exactly_what_the_keys_answer(
    q: str, create, casa_agent, sessionmaker
) -> None:  # type: ignore[no-untyped-def]
    """A common name is searched by each row's own key columns (``many``), not the match keys:
    both must find the same people, whatever the spelling, script or length of the words."""
    for given, family in MANY_NAMES:
        await _register(create, casa_agent, given_names=given, family_name=family)
    async with sessionmaker() as session:
        found = {}
        for many in (False, True):
            stmt = repository.search_query(repository.SearchFilters(q=q), regions=["SN", "MA"], many=many)
            found[many] = sorted(f"{r.given_names} {r.family_name}" for r in (await session.execute(stmt)).scalars())
    assert found[True] == found[False]
    if q in ("Diop", "N'Diaye", "محمد"):  # the comparison is not vacuous
        assert found[True]
