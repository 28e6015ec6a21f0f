"""Names that grow when folded and transliterated (``龍`` is ``long``, ``ß`` is ``ss``, ``æ`` is
``ae``): a name within the 200 characters a person may type can give longer search keys. Such a
person is registered, corrected and found by name on both databases; every name word is kept to
``KEY_VALUE_LENGTH`` characters, the same in the stored columns, the match keys and the search."""

from __future__ import annotations

import uuid
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from app.registrants import matching, repository
from app.registrants.models import Registrant
from tests.registrants.conftest import URL, person

GROWING = [
    ("Fatou", "Diop " + "龍" * 50),  # one word of 50 × "long": 200 characters
    ("Khady", "Ndiaye" + "æ" * 100),  # one word of 206 characters once folded
    ("Awa " + "ß" * 110, "Sow"),  # 220
    (" ".join(["Fatouæææææææ"] * 15), "Ba"),  # 194 characters typed, a key column of 299
]


@pytest.mark.parametrize(("given", "family"), GROWING)
async def test_a_name_longer_once_folded_is_registered_and_found(
    given: str, family: str, client: httpx.AsyncClient, create: Any, casa_agent: Any
) -> None:
    created = await create(casa_agent, person(given_names=given, family_name=family), confirm=True)
    assert created.status_code == 201, created.text
    found = await client.get(URL, params={"q": f"{given} {family}"[:200]}, headers=casa_agent.headers)
    assert found.status_code == 200
    assert [item["id"] for item in found.json()["items"]] == [created.json()["id"]]


async def test_a_name_corrected_to_one_longer_once_folded_is_saved(
    client: httpx.AsyncClient, create: Any, casa_agent: Any
) -> None:
    created = await create(casa_agent, person(given_names="Awa", family_name="Sylla"), confirm=True)
    url = f"{URL}/{created.json()['id']}"
    corrected = await client.patch(
        url,
        headers={**casa_agent.headers, "If-Match": created.headers["ETag"]},
        json={"family_name": "Sylla " + "龍" * 60, "reason": "Nom complet"},  # anyascii: "Long" each
    )
    assert corrected.status_code == 200, corrected.text
    found = await client.get(URL, params={"q": "Awa Sylla " + "龍" * 60}, headers=casa_agent.headers)
    assert [item["id"] for item in found.json()["items"]] == [created.json()["id"]]


def test_tokens_and_their_phonetic_keys_are_kept_to_the_key_length() -> None:
    (token,) = matching.tokens("龍" * 60)
    assert token == ("long" * 60)[: matching.KEY_VALUE_LENGTH]
    assert len(matching.phonetic(token)) <= matching.KEY_VALUE_LENGTH


@pytest.mark.parametrize("query", ["Fatou Diop", "Diop", "Fatou\u200bDiop", "Ndèye"])
async def test_a_zero_width_space_between_two_names_parts_them(
    query: str, client: httpx.AsyncClient, create: Any, casa_agent: Any
) -> None:
    """Pasted from a messaging app, ``Fatou\\u200bDiop`` shows as ``FatouDiop`` but is two words."""
    created = await create(casa_agent, person(given_names="Ndèye\u200bFatou", family_name="Diop"), confirm=True)
    assert created.status_code == 201, created.text
    assert created.json()["given_names"] == "Ndèye Fatou"
    found = await client.get(URL, params={"q": query}, headers=casa_agent.headers)
    assert [item["id"] for item in found.json()["items"]] == [created.json()["id"]]


async def test_a_name_word_typed_with_digits_is_matched_and_searched_by_its_letters(casa_agent, create, client) -> None:
    """``Diop-9c7950``: a Latin word starting with 9 was taken for an Arabic-script token (whose
    mark is that digit) and comparing it answered 500. Digits are no letters of a name: the word
    is its letters, the duplicate check and the search answer (a query holding a digit is searched
    as a phone or a number, not as a name)."""
    first = await create(casa_agent, person(given_names="Mamadou", family_name="Diop", date_of_birth="1990-01-02"))
    assert first.status_code == 201, first.text
    for family in ("Diop-9c7950", "Diop 9e4d12", "Diop9"):
        again = await create(casa_agent, person(given_names="Mamadou", family_name=family, date_of_birth="1990-01-02"))
        assert again.status_code == 409, (family, again.text)
        assert [c["id"] for c in again.json()["candidates"]] == [first.json()["id"]]
    for query in ("Diop-9c7950", "9c7950", "٣"):
        searched = await client.get(URL, params={"q": query}, headers=casa_agent.headers)
        assert searched.status_code == 200, (query, searched.text)
    found = await client.get(URL, params={"q": "Mamadou Diop"}, headers=casa_agent.headers)
    assert [r["id"] for r in found.json()["items"]] == [first.json()["id"]]


@pytest.mark.parametrize("field", ["given_names", "name_arabic", "place_of_birth", "occupation", "host_city"])
async def test_a_value_longer_once_normalised_is_refused_naming_it(
    field: str, client: httpx.AsyncClient, create: Any, casa_agent: Any, count_rows: Any
) -> None:
    """NFC writes some characters as two (U+0958 क़ is क + nukta; so do Hebrew presentation forms):
    the limit is on what is stored, so a value within it as typed but beyond it once normalised
    is a 422 naming the field, never a 500 (PostgreSQL) nor a longer value stored (SQLite)."""
    limit = 120 if field == "host_city" else 200
    before = await count_rows()
    refused = await create(casa_agent, person(**{field: "\u0958" * limit}), confirm=True)
    assert refused.status_code == 422, refused.text
    assert [(e["loc"], e["type"]) for e in refused.json()["errors"]] == [(["body", field], "string_too_long")]
    assert await count_rows() == before
    kept = await create(casa_agent, person(**{field: "\u0958" * (limit // 2)}), confirm=True)
    assert kept.status_code == 201, kept.text
    assert kept.json()[field] == "\u0915\u093c" * (limit // 2)
    patched = await client.patch(
        f"{URL}/{kept.json()['id']}", json={field: "\ufb2a" * limit}, headers={**casa_agent.headers, "If-Match": '"v1"'}
    )
    assert patched.status_code == 422, patched.text


async def test_a_search_that_unfolds_into_many_words_answers(client: httpx.AsyncClient, casa_agent: Any) -> None:
    """``ﷺ`` folds to four words: 200 of them are 800 search words, past SQLite's 500 terms of one
    compound SELECT; the same word twice narrows nothing, so each is looked up once."""
    found = await client.get(URL, params={"q": "\ufdfa" * 200}, headers=casa_agent.headers)
    assert (found.status_code, found.json()["items"]) == (200, [])


async def test_unions_and_intersections_of_many_lookups_run_on_both_databases(sessionmaker: Any) -> None:
    """Past SQLite's 500 terms of one compound SELECT, the lookups are nested, not refused."""
    lookups = [select(Registrant.id).where(Registrant.id == uuid.uuid4()) for _ in range(450)]
    async with sessionmaker() as session:
        for combined in (repository._union_ids(lookups), repository._intersect_ids(lookups)):
            assert (await session.execute(combined)).all() == []
