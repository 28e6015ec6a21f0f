"""Wolof, Pulaar and Gambian spellings of names the variant table knows, and the re-keying of the
registrants stored before the table learnt them (revision 1901)."""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

import pytest
from alembic import command
from sqlalchemy import text

from app.cli import ROOT
from app.registrants.matching import VARIANT_GROUPS, phonetic
from tests.alembic_config import alembic_config
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
    # the neighbours of a listed spelling, which met it by the rules before it joined the table
    ("Mostapha", "Mostafa"),
    ("Sheik", "Sheikh"),
    ("Sheick", "Sheikh"),
    ("Turay", "Touray"),
    ("Tourai", "Touray"),
    ("Sessay", "Sesay"),
    ("Cesay", "Ceesay"),
    ("Cessay", "Ceesay"),
    ("Seesay", "Ceesay"),
    ("Jalow", "Jallow"),
    ("Djallow", "Jallow"),
    ("Diallow", "Jallow"),
    ("Ablay", "Ablaye"),
    ("Ablaaye", "Ablaay"),
    ("Shariff", "Sharif"),
    ("Sharife", "Sharif"),
    ("Sherriff", "Sherif"),
    ("Sherrif", "Sherif"),
    ("Ndjie", "Njie"),
    # revision 2201: Gambian, Pulaar and Wolof forms, and standard transcriptions of Arabic names
    ("Ebrima", "Ibrahima"),
    ("Ebrahim", "Ibrahima"),
    ("Alieu", "Aliou"),
    ("Aly", "Aliou"),
    ("Ali", "Aliou"),
    ("Cheikhou", "Cheikh"),
    ("Xadi", "Khady"),
    ("Zeynab", "Seynabou"),
    ("Zeinab", "Seynabou"),
    ("Zainab", "Seynabou"),
    ("Zeynabou", "Seynabou"),
    ("Jaañ", "Diagne"),
    ("Ñaŋ", "Niang"),
    ("Gniang", "Niang"),
    ("Caw", "Thiaw"),
]

# Each spelling revision 1901 re-keys, with its key before: the French/Wolof rules alone, worked
# out by hand (``njie``: n, j, i, final e dropped; ``seex``: s, ee → e, x; ``ceesay``: c before e
# → s, ee → e, s, a, y → i; ``chrif``: c before h → k, h silent).
KEYS_BEFORE_1901 = {
    "njie": "nji", "ndjie": "nji", "mbye": "mbi", "jallow": "jalow", "jalow": "jalow", "djallow": "jalow",
    "diallow": "jalow", "ablaay": "ablai", "ablaye": "ablai", "ablay": "ablai", "ablaaye": "ablai",
    "sheikh": "seik", "sheik": "seik", "sheick": "seik", "seex": "sex", "ceesay": "sesai", "sesay": "sesai",
    "sessay": "sesai", "cesay": "sesai", "cessay": "sesai", "seesay": "sesai", "touray": "turai",
    "turay": "turai", "tourai": "turai", "serin": "serin", "sering": "sering", "ceerno": "serno",
    "cerno": "serno", "xaadim": "xadim", "xadim": "xadim", "sherif": "serif", "sharif": "sarif",
    "chrif": "krif", "shariff": "sarif", "sharife": "sarif", "sherriff": "serif", "sherrif": "serif",
    "mostafa": "mostafa", "mostapha": "mostafa",
}  # fmt: skip
# and revision 2201's (``ebrima``: no rule turns e into i; ``cheikhou``: ou → u; ``caw``: c before a
# → k; ``jaan``: doubled a once, final n; ``zeynab``: y → i, z kept)
KEYS_BEFORE_2201 = {
    "ebrima": "ebrima", "ebrahima": "ebraima", "ebrahim": "ebraim", "cheikhou": "keiku", "ali": "ali", "aly": "ali",
    "alieu": "alieu", "xadi": "xadi", "zeynab": "zeinab", "zaynab": "zainab", "zeinab": "zeinab", "zainab": "zainab",
    "zeynabou": "zeinabu", "zeinabou": "zeinabu", "seynab": "seinab", "jaan": "jan", "nang": "nang",
    "gniang": "gniang", "caw": "kaw",
}  # fmt: skip


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
    # another day of the same month: only the names (and the birth year) can bring her in
    again = await create(casa_agent, {**awa, "family_name": "Njie", "date_of_birth": "1988-02-11"})
    assert again.status_code == 409
    (candidate,) = again.json()["candidates"]
    assert candidate["id"] == first["id"]
    assert {c["field"]: c["level"] for c in candidate["comparisons"]}["family_name"] == "variant"


async def _rows(sessionmaker: Any, sql: str, registrant_id: str) -> list[Any]:
    """The rows of ``sql`` with ``:r`` bound to ``registrant_id`` (stored as 32 hex digits on SQLite)."""
    async with sessionmaker() as session:
        rid: Any = uuid.UUID(registrant_id)
        if session.bind.dialect.name == "sqlite":
            rid = rid.hex
        return list((await session.execute(text(sql), {"r": rid})).all())


async def _keys(sessionmaker: Any, registrant_id: str) -> set[tuple[str, str]]:
    rows = await _rows(sessionmaker, "SELECT kind, value FROM registrant_keys WHERE registrant_id = :r", registrant_id)
    return {(k, v) for k, v in rows}


async def _phonetic_names(sessionmaker: Any, registrant_id: str) -> tuple[str, str]:
    sql = "SELECT given_names_phonetic, family_name_phonetic FROM registrants WHERE id = :r"
    ((given, family),) = await _rows(sessionmaker, sql, registrant_id)
    return given, family


async def test_upgrade_rekeys_the_registrants_written_with_the_old_keys(
    app, client, casa_agent, create, settings, sessionmaker
) -> None:
    # every kind of key: names, a verified and an unverified phone, full birth and arrival dates,
    # place of birth, region, city and occupation
    body = person(
        given_names="Seex Ablaye", family_name="Jallow Njie", date_of_birth="1979-11-02",
        phones=[{"number": "0612345678"}, {"number": "0500000000"}], place_of_birth="Serekunda",
        origin_region="SN-DK", host_city="Casablanca", occupation="Mécanicien", arrival_date="2015-09-01",
        documents=[{"doc_type": "passport", "number": "A01234567"}],
    )  # fmt: skip
    created = await create(casa_agent, body)
    assert created.status_code == 201, created.text
    njie = created.json()
    other = (await create(casa_agent, person(given_names="Awa", family_name="Sarr"))).json()
    ebrima = (await create(casa_agent, person(given_names="Ebrima", family_name="Jaañ", sex="male"))).json()
    ebrima_keys = await _keys(sessionmaker, ebrima["id"])
    assert {("g", "ibraima"), ("f", "jagn")} <= ebrima_keys
    current = await _keys(sessionmaker, njie["id"])
    untouched = await _keys(sessionmaker, other["id"])
    kinds = {k for k, _ in current}
    assert {"g", "f", "n", "w", "gf", "gfy", "d", "dn", "gfa", "t", "b", "r", "c", "o"} <= kinds
    assert {("f", "jalo njai"), ("g", "keik abdulai"), ("gfy", "keik jalo njai 1979"), ("w", "seex")} <= current
    assert ("t", "0000000050") in current  # the unverified number, by its digits reversed
    assert await _phonetic_names(sessionmaker, njie["id"]) == ("keik abdulai", "jalo njai")
    await app.state.engine.dispose()

    config = alembic_config(settings.effective_database_url)
    await asyncio.to_thread(command.downgrade, config, "1801")
    async with sessionmaker() as session:  # the keys as the table before 1901 made them
        await session.execute(text("DELETE FROM registrant_keys WHERE kind <> 'w'"))
        await session.execute(text("UPDATE registrants SET given_names_phonetic = 'sex ablai'"))
        await session.commit()
    await app.state.engine.dispose()
    await asyncio.to_thread(command.upgrade, config, "head")
    await app.state.engine.dispose()

    assert await _keys(sessionmaker, njie["id"]) == current
    assert await _keys(sessionmaker, ebrima["id"]) == ebrima_keys  # revision 2201's spellings
    assert await _phonetic_names(sessionmaker, ebrima["id"]) == ("ibraima", "jagn")
    # not re-keyed: its words only, and the "s" keys revision 2101 derives from them
    assert await _keys(sessionmaker, other["id"]) == {k for k in untouched if k[0] in ("w", "s")}
    assert await _phonetic_names(sessionmaker, njie["id"]) == ("keik abdulai", "jalo njai")
    # found again by the names: another birth date, no shared phone
    found = await create(
        casa_agent, person(given_names="Cheikh", family_name="Diallo Ndiaye", date_of_birth="1979-11-20")
    )
    assert found.status_code == 409
    assert [c["id"] for c in found.json()["candidates"]] == [njie["id"]]


@pytest.mark.parametrize(
    ("revision", "keys_before"),
    [("registrant_keys_spellings", KEYS_BEFORE_1901), ("registrant_keys_more_spellings", KEYS_BEFORE_2201)],
)
def test_the_migration_rekeys_exactly_the_spellings_whose_key_changed(
    revision: str, keys_before: dict[str, str]
) -> None:
    import importlib.util

    path = next((ROOT / "migrations" / "versions").glob(f"*_{revision}.py"))
    spec = importlib.util.spec_from_file_location(revision, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    assert sorted(module.SPELLINGS) == sorted(keys_before)
    listed = {variant for group in VARIANT_GROUPS for variant in group[1:]}
    for spelling, before in keys_before.items():
        assert spelling in listed
        assert phonetic(spelling) != before, spelling
