"""Symbols are no letters of a name (emoji, flags, ``©``, ``№``, ``™``…), Khady is the Khadija of the
papers, and revision 2901 re-keys the registrants stored before either rule."""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

import pytest
from alembic import command
from sqlalchemy import text

from app.registrants.matching import tokens
from tests.alembic_config import alembic_config
from tests.registrants.conftest import URL, person
from tests.registrants.test_spellings import _keys, _phonetic_names

SYMBOLS = ["😀", "🇸🇳", "©", "®", "№", "™", "♥", "★", "℃", "€", "×", "㊗"]


@pytest.mark.parametrize("symbol", SYMBOLS)
def test_a_symbol_is_no_word_of_a_name_and_parts_the_words_beside_it(symbol: str) -> None:
    assert tokens(f"Diop {symbol}") == ["diop"]
    assert tokens(f"{symbol} Diop") == ["diop"]
    assert tokens(f"Awa{symbol}Diop") == ["awa", "diop"]
    assert tokens(symbol) == []


def test_an_accent_typed_as_a_symbol_is_still_an_apostrophe() -> None:
    assert tokens("N´Diaye") == tokens("N`Diaye") == tokens("N'Diaye") == ["ndiaye"]


async def _search(client: Any, staff: Any, q: str) -> Any:
    return await client.get(URL, params={"q": q}, headers=staff.headers)


@pytest.mark.parametrize("q", ["Diop 😀", "🇸🇳 Diop", "Diop ©", "Diop №", "Awa ♥ Diop", "Diop ™"])
async def test_a_search_with_a_symbol_beside_the_name_finds_the_person(casa_agent, create, client, q: str) -> None:
    awa = (await create(casa_agent, person(given_names="Awa", family_name="Diop"))).json()
    found = await _search(client, casa_agent, q)
    assert found.status_code == 200, found.text
    assert [r["id"] for r in found.json()["items"]] == [awa["id"]]


@pytest.mark.parametrize("q", ["😀", "🇸🇳", "© ™", "♥♥♥"])
async def test_a_search_of_symbols_alone_is_refused_as_blank(casa_agent, create, client, q: str) -> None:
    await create(casa_agent, person(given_names="Awa", family_name="Diop"))
    found = await _search(client, casa_agent, q)
    assert found.status_code == 422, found.text
    assert found.headers["content-type"].startswith("application/problem+json")
    assert found.json()["errors"][0]["type"] == "blank_after_normalisation"


async def test_a_name_typed_with_a_symbol_is_a_candidate_of_the_same_name_without(casa_agent, create) -> None:
    on_file = await create(casa_agent, person(given_names="Awa 😀", family_name="Diop ™", date_of_birth="1990-04-02"))
    assert on_file.status_code == 201, on_file.text
    again = await create(casa_agent, person(given_names="Awa", family_name="Diop", date_of_birth="1990-04-02"))
    assert again.status_code == 409, again.text
    (candidate,) = again.json()["candidates"]
    assert candidate["id"] == on_file.json()["id"]
    levels = {c["field"]: c["level"] for c in candidate["comparisons"]}
    assert levels["given_names"] == levels["family_name"] == "exact"


@pytest.mark.parametrize("papers", ["Khadija", "Khadidja", "Khadidiatou", "Kadidiatou", "خديجة"])
async def test_khady_at_the_counter_is_a_candidate_of_the_khadija_on_file(
    casa_agent, create, client, papers: str
) -> None:
    on_file = await create(casa_agent, person(given_names=papers, family_name="Thiam", date_of_birth="1970"))
    assert on_file.status_code == 201, on_file.text
    again = await create(casa_agent, person(given_names="Khady", family_name="Thiam", date_of_birth="1970"))
    assert again.status_code == 409, again.text
    (candidate,) = again.json()["candidates"]
    assert candidate["id"] == on_file.json()["id"]
    assert {c["field"]: c["level"] for c in candidate["comparisons"]}["given_names"] == "variant"
    found = await _search(client, casa_agent, "Khady Thiam")
    assert [r["id"] for r in found.json()["items"]] == [on_file.json()["id"]]


async def test_upgrade_to_2901_rekeys_names_with_a_symbol_and_the_khadija_spellings(
    app, client, casa_agent, create, settings, sessionmaker
) -> None:
    khadija = (await create(casa_agent, person(given_names="Khadidiatou", family_name="Sarr"), confirm=True)).json()
    smiling = (
        await create(casa_agent, person(given_names="Awa 😀", family_name="Diop", host_city="Rabat ★"), confirm=True)
    ).json()
    other = (await create(casa_agent, person(given_names="Awa", family_name="Sarr"), confirm=True)).json()
    current = {p["id"]: await _keys(sessionmaker, p["id"]) for p in (khadija, smiling, other)}
    assert ("g", "kadi") in current[khadija["id"]]
    assert not {v for _, v in current[smiling["id"]]} & {"grinning", "awa grinning"}
    names = {p["id"]: await _phonetic_names(sessionmaker, p["id"]) for p in (khadija, smiling)}
    assert names == {khadija["id"]: ("kadi", "sar"), smiling["id"]: ("awa", "jop")}
    await app.state.engine.dispose()

    config = alembic_config(settings.effective_database_url)
    await asyncio.to_thread(command.downgrade, config, "2801")
    async with sessionmaker() as session:  # the keys as revision 2801's code left them
        await session.execute(text("DELETE FROM registrant_keys WHERE kind <> 'w'"))
        rid: Any = uuid.UUID(smiling["id"])
        rid = rid.hex if session.bind.dialect.name == "sqlite" else rid
        await session.execute(
            text("INSERT INTO registrant_keys (registrant_id, kind, value) VALUES (:r, 'w', 'grinning')"), {"r": rid}
        )
        await session.execute(text("UPDATE registrants SET given_names_phonetic = 'old', family_name_phonetic = 'old'"))
        await session.commit()
    await app.state.engine.dispose()
    await asyncio.to_thread(command.upgrade, config, "head")
    await app.state.engine.dispose()

    for rekeyed in (khadija, smiling):
        assert await _keys(sessionmaker, rekeyed["id"]) == current[rekeyed["id"]]
        assert await _phonetic_names(sessionmaker, rekeyed["id"]) == names[rekeyed["id"]]
    assert await _keys(sessionmaker, other["id"]) == {k for k in current[other["id"]] if k[0] == "w"}  # untouched
    found = await _search(client, casa_agent, "Khady Sarr")
    assert [r["id"] for r in found.json()["items"]] == [khadija["id"]]
