"""Compound given names joined or parted (``El Hadji`` / ``Elhadji``, ``Mame Diarra`` /
``Mamediarra``): found by a search and by the duplicate check either way, on both databases."""

from __future__ import annotations

from typing import Any

import pytest

from app.registrants import repository, sounding
from app.registrants.matching import tokens
from tests.registrants.conftest import person

# (the given names on file, as written again): each way round
WRITTEN = [
    ("El Hadji", "Elhadji"), ("Elhadji", "El Hadji"), ("El-Hadji", "Elhadj"), ("Elhadj", "El-Hadji"),
    ("Mame Diarra", "Mamediarra"), ("Mamediarra", "Mame Diarra"), ("Abdou Lahat", "Abdoulahat"),
    ("Abdoulahat", "Abdou Lahat"), ("Ndèye Fatou", "Ndeyefatou"), ("Ndeyefatou", "Ndeye Fatou"),
    ("Ndeyfatou", "Ndèye Fatou"), ("Ndeyefatou", "Ndeyfatou"), ("Pape Modou", "Papemodou"),
    ("Papemodou", "Pape Modou"),
]  # fmt: skip


@pytest.mark.parametrize(("on_file", "again"), WRITTEN)
async def test_a_compound_given_name_joined_or_parted_is_found_by_a_search(
    on_file: str, again: str, casa_agent: Any, create: Any, client: Any
) -> None:
    created = await create(casa_agent, person(given_names=on_file, family_name="Bousso"))
    assert created.status_code == 201, created.text
    await create(casa_agent, person(given_names="Mame Awa", family_name="Bousso", date_of_birth="1970"))
    found = await client.get("/api/v1/registrants", params={"q": f"{again} Bousso"}, headers=casa_agent.headers)
    assert [r["id"] for r in found.json()["items"]] == [created.json()["id"]]
    alone = await client.get("/api/v1/registrants", params={"q": again}, headers=casa_agent.headers)
    assert [r["id"] for r in alone.json()["items"]] == [created.json()["id"]]


@pytest.mark.parametrize(("on_file", "again"), WRITTEN)
async def test_a_compound_given_name_joined_or_parted_is_a_duplicate_candidate(
    on_file: str, again: str, casa_agent: Any, create: Any
) -> None:
    body = person(given_names=on_file, family_name="Bousso", date_of_birth="1990-04-02")
    first = (await create(casa_agent, body)).json()
    # another day of the same month: only the names with the birth year can bring the file in
    response = await create(casa_agent, {**body, "given_names": again, "date_of_birth": "1990-04-19"})
    assert response.status_code == 409, response.text
    (candidate,) = response.json()["candidates"]
    assert candidate["id"] == first["id"]
    assert {c["field"]: c["level"] for c in candidate["comparisons"]}["given_names"] == "variant"


@pytest.mark.parametrize(
    ("one", "other"),
    [("Mame Diarra", "Mame Awa"), ("Mamediarra", "Mame Awa"), ("Ndeyefatou", "Ndèye Awa"), ("Pape Modou", "Pape"),
     ("Abdoulahat", "Abdou Karim")],
)  # fmt: skip
def test_other_compounds_of_the_same_head_do_not_agree(one: str, other: str) -> None:
    from app.registrants import compounds

    assert not compounds.agree(tokens(one), tokens(other))


@pytest.mark.parametrize(("q", "other"), [("Pathé Bousso", "Pa Thé"), ("Mamadou Bousso", "Mam Adou")])
async def test_a_name_starting_like_a_head_is_not_parted_there(
    q: str, other: str, casa_agent: Any, create: Any, client: Any
) -> None:
    # Pa is parted from no word (Pathé, Paul…); Mamadou is a name of the variant table, not Mam Adou.
    # The article parts every word (Elimane is al-Imam, El Imane; Alassane al-Hasan, Al Hassane).
    await create(casa_agent, person(given_names=other, family_name="Bousso"), confirm=True)
    found = await client.get("/api/v1/registrants", params={"q": q}, headers=casa_agent.headers)
    assert found.json()["items"] == []


COMPOUNDS = [("El Hadji", "Bousso"), ("Elhadj", "Diop"), ("Mamediarra", "Bousso"), ("Mame Diarra", "Sarr"),
             ("Ndeyefatou", "Diop"), ("Ndèye Fatou", "Bousso"), ("Abdoulahat", "Sarr"), ("Pape Modou", "Diop"),
             ("Mame Awa", "Bousso"), ("Alhaji Pape", "Sarr")]  # fmt: skip


@pytest.mark.parametrize(
    "q",
    ["Elhadji", "El Hadji Bousso", "Mame Diarra", "Mamediarra Bousso", "Ndeye Fatou", "Ndeyfatou Diop", "Abdou Lahat",
     "Papemodou", "Mame", "Mame Dia", "Pape Modou Diop", "El Hadj Pape"],
)  # fmt: skip
async def test_on_postgresql_a_compound_search_by_name_terms_answers_what_the_keys_answer(
    q: str, casa_agent: Any, create: Any, sessionmaker: Any
) -> None:
    for given, family in COMPOUNDS:
        created = await create(casa_agent, person(given_names=given, family_name=family), confirm=True)
        assert created.status_code == 201, created.text
    async with sessionmaker() as session:
        if session.get_bind().dialect.name != "postgresql":
            pytest.skip("the name terms are PostgreSQL's")
        words = repository.name_tokens(q)
        heard = await sounding.words(session, words)
        by_keys = repository.search_query(repository.SearchFilters(q=q), regions=["MA"], heard=heard)
        terms = await repository.name_terms(session, words)
        by_terms = repository.search_query(repository.SearchFilters(q=q), regions=["MA"], terms=terms)
        found = [
            sorted(f"{r.given_names} {r.family_name}" for r in (await session.execute(stmt)).scalars())
            for stmt in (by_keys, by_terms)
        ]
    assert found[1] == found[0]
    assert found[1], q  # the comparison is not vacuous


async def test_on_postgresql_a_compound_search_reads_the_name_terms_index(
    casa_agent: Any, create: Any, sessionmaker: Any
) -> None:
    """The alternatives of a compound (``El Hadji``: both words, or the one word they make) are
    overlaps of the GIN-indexed name terms joined by AND and OR: still index lookups, never a scan
    of the registry."""
    from sqlalchemy import select, text

    from app.registrants.models import Registrant

    await create(casa_agent, person(given_names="Elhadji", family_name="Diop"))
    async with sessionmaker() as session:
        if session.get_bind().dialect.name != "postgresql":
            pytest.skip("the index is PostgreSQL's")
        terms = await repository.name_terms(session, repository.name_tokens("El Hadji Diop"))
        assert len(terms[0]) == 2  # the two words, or the one word they make
        stmt = select(Registrant.id).where(*(repository.name_condition(unit) for unit in terms))
        sql = str(stmt.compile(dialect=session.get_bind().dialect, compile_kwargs={"literal_binds": True}))
        await session.execute(text("SET LOCAL enable_seqscan = off"))
        explained = await (await session.connection()).exec_driver_sql("EXPLAIN " + sql)
        plan = "\n".join(row[0] for row in explained.all())
    assert "ix_registrants_name_terms" in plan
    assert "Seq Scan on registrants" not in plan
