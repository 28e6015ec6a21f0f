"""The import's matcher blocks as registration does (:func:`app.registrants.keys.block`): a key carried
by more registrants than its cut-off (:data:`app.registrants.keys.BLOCK_CUTOFF`) gives way to its
combinations, at most :data:`app.registrants.keys.BLOCK_LIMIT` candidates a row, so that a file of
common names against a large registry loads and compares the candidates, not the namesakes. A
row's keys are counted in the registry and among the file's other rows.

The registrants are stored in bulk, as the import stores its rows (no duplicate check); the real
cut-offs take a few dozen people sharing a name or a birth date.
"""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.core.context import Actor
from app.desks.models import Desk
from app.registrants import bulk, keys, linkage
from app.registrants.matching import PersonKeys
from app.registrants.schemas import RegistrantCreate
from app.registrants.service import find_duplicates, registration_numbers
from tests.imports.test_batch_matcher import known, preloaded

PHONE = "+221771234567"
PASSPORT = {"doc_type": "passport", "number": "A01234567"}
# what the same person gives twice (with the names and a date): enough to be flagged
SAME = {"place_of_birth": "Thiès", "host_city": "Casablanca", "occupation": "couturière"}
# thirty people born on one day, none named Fatou or Diop
OTHERS = [
    (g, f)
    for g in ("Awa", "Khady", "Mariama", "Coumba", "Aminata", "Bineta")
    for f in ("Sow", "Ba", "Fall", "Ndour", "Seck")
]

GF_CUT = keys.BLOCK_CUTOFF["gf"]
"""Most registrants the names alone may bring in (the cut-off these tests cross)."""


def _years(count: int) -> list[str]:
    """``count`` distinct birth years, none of them 1990 (the year the tests look up by)."""
    years = [str(y) for y in range(1900, 2026) if y != 1990][:count]
    assert len(years) == count
    return years


def row(given: str, family: str, date_of_birth: str | None = None, **more: Any) -> PersonKeys:
    """A row's matching keys (``more``: ``phones``, ``documents`` numbers, ``arrival_date``, :data:`SAME`)."""
    return PersonKeys.of(given_names=given, family_name=family, date_of_birth=date_of_birth, sex="female", **more)


async def on_file(
    sessionmaker: async_sessionmaker[AsyncSession], staff: Any, *people: dict[str, Any]
) -> list[uuid.UUID]:
    """``people`` (request bodies without ``sex``) registered at CASA-BASE in one transaction, as the
    import stores its rows (:mod:`app.registrants.bulk`); their ids, in order."""
    async with sessionmaker() as session:
        desk = (await session.execute(select(Desk).where(Desk.code == "CASA-BASE"))).scalar_one()
        actor = Actor(user_id=staff.id, email=staff.email, role=staff.role)
        built = [
            bulk.build(
                actor=actor,
                desk=desk,
                data=RegistrantCreate.model_validate({"sex": "female", **body}),
                find_area=lambda *_: None,  # no area in these bodies
                source="api",
            )
            for body in people
        ]
        for new, number in zip(built, await registration_numbers(session, desk=desk, count=len(built)), strict=True):
            new.values["registration_number"] = number
        await bulk.store(session, bulk.rows_of(actor, [(new, new.keys) for new in built]))
        await session.commit()
    return [new.id for new in built]


async def test_a_common_given_and_family_name_brings_the_same_year_or_arrival_not_every_namesake(  # type: ignore[no-untyped-def]
    admin, sessionmaker
) -> None:
    fatou = {"given_names": "Fatou", "family_name": "Diop"}
    # one Fatou Diop more than the cut-off, each of a birth year only (not 1990): "fatu jop" is past it
    await on_file(sessionmaker, admin, *({**fatou, "date_of_birth": year} for year in _years(GF_CUT + 1)))
    born, arrived = await on_file(
        sessionmaker,
        admin,
        {**fatou, "date_of_birth": "1990", **SAME},
        {**fatou, "arrival_date": "2019-09-01", **SAME},
    )
    assert await _count(sessionmaker, ("gf", "fatu jop")) == GF_CUT + 3
    by_year = row("Fatou", "Diop", "1990", **SAME)
    by_arrival = row("Fatou", "Diop", arrival_date="2019-09-01", **SAME)
    matcher = await preloaded(sessionmaker, [by_year, by_arrival], None)
    # the names alone no longer block: the year ("gfy") and the arrival date ("gfa") do
    assert matcher.seen == {born, arrived}
    assert [c.id for c in matcher.candidates(by_year)] == [born]
    assert [c.id for c in matcher.candidates(by_arrival)] == [arrived]


async def test_a_common_birth_date_brings_those_sharing_a_name_with_it_not_everyone_born_that_day(  # type: ignore[no-untyped-def]
    admin, sessionmaker
) -> None:
    day = "1990-05-04"
    await on_file(sessionmaker, admin, *({"given_names": g, "family_name": f, "date_of_birth": day} for g, f in OTHERS))
    twin, given_only = await on_file(
        sessionmaker,
        admin,
        {"given_names": "Fatou", "family_name": "Diop", "date_of_birth": day, **SAME},
        {"given_names": "Fatou", "family_name": "Sarr", "date_of_birth": day},  # the date with "fatu" only ("dn")
    )
    assert await _count(sessionmaker, ("d", day)) == 32 > keys.BLOCK_CUTOFF["d"]
    fatou = row("Fatou", "Diop", day, **SAME)
    matcher = await preloaded(sessionmaker, [fatou], None)
    assert matcher.seen == {twin, given_only}
    # the same given name on the same full date is flagged too, after the same person
    assert [c.id for c in matcher.candidates(fatou)] == [twin, given_only]


@pytest.mark.parametrize(("rows", "blocked"), [(GF_CUT + 1, GF_CUT), (GF_CUT + 2, 0)])
async def test_names_common_in_the_file_itself_give_way_too(sessionmaker, rows: int, blocked: int) -> None:  # type: ignore[no-untyped-def]
    # an empty registry and a file of Fatou Diop of a birth year each, all imported but the last:
    # the last row counts the others (not itself): as many as the cut-off are within it, one more past it
    years = _years(rows)
    matcher = await preloaded(sessionmaker, [row("Fatou", "Diop", year) for year in years], None)
    for year in years[:-1]:
        matcher.add(known("Fatou", "Diop", year))
    assert len(matcher.block(row("Fatou", "Diop", years[-1]))) == blocked


async def _count(sessionmaker: async_sessionmaker[AsyncSession], key: keys.Key) -> int:
    async with sessionmaker() as session:
        return (await keys.counts(session, [key])).get(key, 0)


# --- the same candidates as registration's -------------------------------------------------------

REGISTRY = [
    {"given_names": "Fatou", "family_name": "Diop", "date_of_birth": "1990-05-04", "arrival_date": "2019-09-01"},
    {"given_names": "Fatou", "family_name": "Diop", "date_of_birth": "1990", **SAME},
    {"given_names": "Fatou", "family_name": "Diop", "arrival_date": "2019-09-01", **SAME},
    {"given_names": "Fatou", "family_name": "Diop", "date_of_birth": "1971-01-01"},
    {"given_names": "Ndèye Fatou", "family_name": "N'Diaye", "date_of_birth": "1990-05-04"},
    {"given_names": "Awa", "family_name": "Diop", "date_of_birth": "1990-05-04"},
    {"given_names": "Moussa", "family_name": "Sow", "date_of_birth": "1990-05-04"},
    {"given_names": "Awa", "family_name": "Sow", "date_of_birth": "1990", "phones": [{"number": PHONE}]},
    {"given_names": "Coumba", "family_name": "Badji", "phones": [{"number": PHONE}]},
    {"given_names": "Khady", "family_name": "Fall", "date_of_birth": "1985-02-03", "documents": [PASSPORT]},
]
PERSONS = [
    row("Fatou", "Diop", "1990-05-04", phones=[PHONE], arrival_date="2019-09-01"),
    row("Fatou", "Diop", "1990", **SAME),
    row("Fatou", "Diop", arrival_date="2019-09-01", **SAME),
    row("Awa", "Sow", "1990-05-04", documents=["A01234567"]),
    row("Ndèye Fatou", "N'Diaye", "1990-05-04"),
    row("Moussa", "Seck", "1970-01-01"),  # nobody
]
# the crowd: one Fatou Diop of a birth year only more than the cut-off, 26 people born on 1990-05-04
CROWD = [{"given_names": "Fatou", "family_name": "Diop", "date_of_birth": year} for year in _years(GF_CUT + 1)]
CROWD += [{"given_names": g, "family_name": f, "date_of_birth": "1990-05-04"} for g, f in OTHERS[:26]]


@pytest.mark.parametrize(
    ("crowd", "lowered"),
    [(False, False), (False, True), (True, False)],
    ids=["below-the-cut-offs", "past-lowered-cut-offs-and-limit", "past-the-real-cut-offs"],
)
async def test_the_import_blocks_each_person_as_registration_does(  # type: ignore[no-untyped-def]
    crowd: bool, lowered: bool, admin, sessionmaker, monkeypatch: pytest.MonkeyPatch
) -> None:
    await on_file(sessionmaker, admin, *REGISTRY, *(CROWD if crowd else []))
    if lowered:  # three born that day, four Fatou Diop, two in 1990: common now; three candidates at most
        for kind, cutoff in (("d", 2), ("gf", 2), ("gfx", 1), ("gfy", 1)):
            monkeypatch.setitem(keys.BLOCK_CUTOFF, kind, cutoff)
        monkeypatch.setattr(keys, "BLOCK_LIMIT", 3)
    if crowd:
        assert await _count(sessionmaker, ("gf", "fatu jop")) > keys.BLOCK_CUTOFF["gf"]
        assert await _count(sessionmaker, ("d", "1990-05-04")) > keys.BLOCK_CUTOFF["d"]
    sizes = []
    for person in PERSONS:  # each a file of one row
        matcher = await preloaded(sessionmaker, [person], None)
        async with sessionmaker() as session:
            registration = [r.id for r in await keys.block(session, person, desk_ids=None)]
            shown = await find_duplicates(session, data=person)
        assert [k.id for k in matcher.block(person)] == registration, person
        assert matcher.seen >= set(registration)
        if not lowered:  # every candidate is within the limit: preload loads exactly them
            assert matcher.seen == set(registration), person
        flagged = [c.id for c in shown if c.score >= linkage.FLAG_PROBABILITY]
        assert [c.id for c in matcher.candidates(person)] == flagged, person
        sizes.append(len(registration))
    assert 0 in sizes  # Moussa Seck: nobody
    if lowered:
        assert keys.BLOCK_LIMIT in sizes  # the limit cut a block
