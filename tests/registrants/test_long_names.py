"""A name of any length a desk accepts (200 characters) is keyed, looked up and compared in time and
memory that grow with its length, whatever letters it is made of.

The ways a Latin word may be written in Arabic script double with each ``dj``, ``kh`` or ``di``
before a vowel (a long made-up word of them had 2^100), and whether the vowel letters of an Arabic
word may write a Latin word's vowels was decided by trying every pairing (3^66 for a 200-letter
word of vowels): one registration of such a name exhausted the server's memory or time.
"""

from __future__ import annotations

import random
from typing import Any

import pytest

from app.registrants import arabic, keys
from app.registrants.matching import PersonKeys, agree, tokens
from tests.registrants.conftest import URL, person


def test_a_word_keeps_at_most_max_forms_ways_of_being_written() -> None:
    assert len(arabic.latin_forms("dj" * 12)) == arabic.MAX_FORMS  # 4,096 ways before
    assert len(arabic.latin_forms("khadydjadiallo")) == 8  # all of a real name's: kh, dj, di (2 × 2 × 2)


class _Counting(dict[str, str]):
    """:data:`app.registrants.arabic._COMPATIBLE`, counting its lookups (one per vowel pairing tried)."""

    lookups = 0

    def __getitem__(self, key: str) -> str:
        type(self).lookups += 1
        return super().__getitem__(key)


def test_the_vowels_of_an_arabic_word_are_paired_with_a_latin_words_in_one_pass(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    counting = _Counting(arabic._COMPATIBLE)
    monkeypatch.setattr(arabic, "_COMPATIBLE", counting)
    written, latin = tokens("اوي" * 10)[0], "aeiou" * 10
    agree(written, latin)
    # one lookup per Arabic vowel letter and per Latin vowel passed over at most: 30 + 50
    assert 0 < _Counting.lookups <= 80  # 59,049 pairings tried before


def _one_by_one(written: str, spoken: str) -> bool:
    """The definition, trying every pairing: each written vowel letter (a carrier may stand for
    none) stands for a later spoken vowel it may write."""
    if not written:
        return True
    head, tail = written[0], written[1:]
    if head == arabic.CARRIER and _one_by_one(tail, spoken):
        return True
    return any(spoken[k] in arabic._COMPATIBLE[head] and _one_by_one(tail, spoken[k + 1 :]) for k in range(len(spoken)))


def test_pairing_in_one_pass_decides_as_trying_every_pairing() -> None:
    rng = random.Random(12)
    letters, vowels = "".join(arabic._COMPATIBLE), "01234" + arabic.ALIF + arabic.WAW + arabic.YA
    decided = {}
    for _ in range(3000):
        written = "".join(rng.choices(letters, k=rng.randint(0, 5)))
        spoken = "".join(rng.choices(vowels, k=rng.randint(0, 7)))
        decided[written, spoken] = arabic._explains(written, spoken)
    assert decided == {pair: _one_by_one(*pair) for pair in decided}
    assert True in decided.values() and False in decided.values()


LONG = ["Dj" * 100, "Khadidiatou" * 18, "Diaw" * 50, "اوي" * 66, "دياو" * 50]


@pytest.mark.parametrize("name", LONG, ids=["dj", "khadidiatou", "diaw", "arabic-vowels", "arabic-diaw"])
def test_a_long_name_is_keyed_and_compared(name: str) -> None:
    one = PersonKeys.of(given_names=name, family_name=name, date_of_birth="1990-05-04", name_arabic="اوي" * 66)
    other = PersonKeys.of(given_names="aeiou" * 40, family_name=name, date_of_birth="1990-05-04")
    assert keys.all_keys(one) and keys.lookup_keys(one)
    assert all(len(arabic.forms(t)) <= arabic.MAX_FORMS for t in one.name_tokens())
    for token in one.name_tokens():
        agree(token, "aeiou" * 40)
    assert keys.all_keys(other)


async def test_a_long_name_is_registered_and_found_again(casa_agent: Any, create: Any, client: Any) -> None:
    body = person(given_names="Djdjdj" * 33, family_name="Dj" * 100, name_arabic="اوي" * 66)
    first = await create(casa_agent, body)
    assert first.status_code == 201, first.text
    again = await create(casa_agent, body)
    assert again.status_code == 409
    assert [c["id"] for c in again.json()["candidates"]] == [first.json()["id"]]
    found = await client.get(URL, params={"q": "Dj" * 100}, headers=casa_agent.headers)
    assert [r["id"] for r in found.json()["items"]] == [first.json()["id"]]
