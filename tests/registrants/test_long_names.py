"""Names that grow when folded and transliterated (``😀`` is ``grinning``, ``ß`` is ``ss``, ``æ`` is
``ae``): a name within the 200 characters a person may type can give longer search keys. Such a
person is registered, corrected and found by name on both databases; every name word is kept to
``KEY_VALUE_LENGTH`` characters, the same in the stored columns, the match keys and the search."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from app.registrants import matching
from tests.registrants.conftest import URL, person

GROWING = [
    ("Fatou", "Diop " + "😀" * 25),  # one word of 25 × "grinning": 200 characters
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
        json={"family_name": "Sylla " + "😀" * 30, "reason": "Nom complet"},
    )
    assert corrected.status_code == 200, corrected.text
    found = await client.get(URL, params={"q": "Awa Sylla " + "😀" * 30}, headers=casa_agent.headers)
    assert [item["id"] for item in found.json()["items"]] == [created.json()["id"]]


def test_tokens_and_their_phonetic_keys_are_kept_to_the_key_length() -> None:
    (token,) = matching.tokens("😀" * 40)
    assert token == ("grinning" * 40)[: matching.KEY_VALUE_LENGTH]
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
