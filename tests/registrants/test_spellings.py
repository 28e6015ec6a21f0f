"""Wolof, Pulaar and Gambian spellings of names the variant table knows, and the re-keying of the
registrants stored before the table learnt them (revision 1901)."""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

import pytest
from alembic import command
from alembic.config import Config
from sqlalchemy import text

from app.cli import ROOT
from app.registrants.matching import VARIANT_GROUPS, phonetic
from tests.registrants.conftest import person

# (spelling as written on the person's papers, the spelling the desk already has), each pair the
# same name: Wolof (CLAD orthography), Pulaar, and the English-based spellings used in The Gambia.
PAIRS = [
    ("Seex", "Cheikh"),
    ("Njie", "Ndiaye"),
    ("Jallow", "Diallo"),
    ("Mbye", "Mbaye"),
    ("Ceesay", "Cissé"),
    ("Touray", "Touré"),
    ("Sëriñ", "Serigne"),
    ("Sering", "Serigne"),
    ("Ceerno", "Thierno"),
    ("Xaadim", "Khadim"),
    ("Ablaay", "Abdoulaye"),
    ("Shérif", "Chérif"),
    ("Mostafa", "Moustapha"),
    ("Sheikh", "Cheikh"),
    ("Ablaye", "Abdoulaye"),
    ("Cerno", "Thierno"),
    ("Xadim", "Khadim"),
    ("Sharif", "Chérif"),
    ("Chrif", "Chérif"),  # the skeleton of شريف
    ("Sesay", "Cissé"),
]


@pytest.mark.parametrize(("spelling", "known"), PAIRS)
def test_each_spelling_has_the_phonetic_key_of_the_name_it_writes(spelling: str, known: str) -> None:
    from app.registrants.matching import tokens

    (a,) = tokens(spelling)
    (b,) = tokens(known)
    assert phonetic(a) == phonetic(b)


@pytest.mark.parametrize(
    ("token", "key"),
    [("njie", "njai"), ("seex", "keik"), ("ceesay", "sis"), ("ceerno", "tierno"), ("xaadim", "kadim")],
)
def test_keys_worked_out_by_hand(token: str, key: str) -> None:
    # Ndiaye: "di"+vowel is "j", "y" is "i", a final "e" drops; Cheikh: "ch" is "k", "h" silent;
    # Cissé: "c" before "i" is "s", doubled letters collapse; Thierno: "th" is "t"
    assert phonetic(token) == key


async def test_a_gambian_spelling_of_a_registered_family_name_is_a_candidate(casa_agent, create) -> None:
    awa = person(given_names="Awa", family_name="Ndiaye", date_of_birth="1988-02-01")
    first = (await create(casa_agent, awa)).json()
    again = await create(casa_agent, {**awa, "family_name": "Njie"})
    assert again.status_code == 409
    assert [c["id"] for c in again.json()["candidates"]] == [first["id"]]


def _alembic(settings: Any) -> Config:
    config = Config(str(ROOT / "alembic.ini"))
    config.attributes["url"] = settings.effective_database_url
    config.attributes["configure_logger"] = False
    return config


async def _keys(sessionmaker: Any, registrant_id: str) -> set[tuple[str, str]]:
    async with sessionmaker() as session:
        rid: Any = uuid.UUID(registrant_id)
        if session.bind.dialect.name == "sqlite":
            rid = rid.hex
        rows = await session.execute(
            text("SELECT kind, value FROM registrant_keys WHERE registrant_id = :r"), {"r": rid}
        )
        return {(k, v) for k, v in rows.all()}


async def test_upgrade_rekeys_the_registrants_written_with_the_old_keys(
    app, client, casa_agent, create, settings, sessionmaker
) -> None:
    njie = (
        await create(
            casa_agent,
            person(
                given_names="Seex", family_name="Njie", date_of_birth="1979-11-02", phones=[{"number": "0612345678"}]
            ),
        )
    ).json()
    other = (await create(casa_agent, person(given_names="Awa", family_name="Sarr"))).json()
    current = await _keys(sessionmaker, njie["id"])
    untouched = await _keys(sessionmaker, other["id"])
    assert {("f", "njai"), ("g", "keik"), ("gfy", "keik njai 1979"), ("w", "seex"), ("w", "njie")} <= current
    await app.state.engine.dispose()

    config = _alembic(settings)
    await asyncio.to_thread(command.downgrade, config, "1801")
    async with sessionmaker() as session:  # the keys as the table before 1901 made them
        await session.execute(text("UPDATE registrant_keys SET value = replace(value, 'njai', 'nji')"))
        await session.execute(text("UPDATE registrant_keys SET value = replace(value, 'keik', 'sex')"))
        await session.commit()
    stale = await _keys(sessionmaker, njie["id"])
    assert ("f", "nji") in stale and ("f", "njai") not in stale
    await app.state.engine.dispose()
    await asyncio.to_thread(command.upgrade, config, "head")
    await app.state.engine.dispose()

    assert await _keys(sessionmaker, njie["id"]) == current  # every kind, phones and dates included
    assert await _keys(sessionmaker, other["id"]) == untouched
    found = await create(casa_agent, person(given_names="Cheikh", family_name="Ndiaye", date_of_birth="1979-11-02"))
    assert found.status_code == 409
    assert [c["id"] for c in found.json()["candidates"]] == [njie["id"]]


def test_the_migration_lists_only_spellings_the_table_holds() -> None:
    import importlib.util

    path = next((ROOT / "migrations" / "versions").glob("*_registrant_keys_spellings.py"))
    spec = importlib.util.spec_from_file_location("rekey", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    listed = {variant for group in VARIANT_GROUPS for variant in group[1:]}
    assert set(module.SPELLINGS) <= listed
