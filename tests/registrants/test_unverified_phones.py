"""A phone the ``phonenumbers`` library cannot validate is kept on the person, unverified, never dropped.

``05 00 00 00 00``: Morocco's 0500 block is not allocated in ``phonenumbers``' metadata (the
library's ``is_valid_number`` is false for +212500000000); ``06 12 34 56 789`` is a typo (one digit
too many for Morocco's 9-digit national numbers, DOMAIN.md).
"""

from __future__ import annotations

import phonenumbers
import pytest

from app.registrants.normalize import UNVERIFIED, read_phone
from tests.registrants.conftest import URL, person

UNALLOCATED = "05 00 00 00 00"
TYPO = "06 12 34 56 789"


def test_the_examples_are_invalid_for_the_library() -> None:
    assert not phonenumbers.is_valid_number(phonenumbers.parse("+212500000000"))
    assert not phonenumbers.is_valid_number(phonenumbers.parse(TYPO, "MA"))


@pytest.mark.parametrize(
    ("typed", "raw", "digits"),
    [
        (UNALLOCATED, UNALLOCATED, "0500000000"),
        (TYPO, TYPO, "06123456789"),
        ("\u202a+212\u00a05\u201100\u201100\u201100\u201100\u202c", "+212 5-00-00-00-00", "212500000000"),
    ],
)
def test_reading_keeps_an_invalid_number_unverified(typed: str, raw: str, digits: str) -> None:
    reading = read_phone(typed, default_region="MA")
    assert (reading.e164, reading.verified, reading.raw, reading.digits, reading.flag) == (
        None,
        False,
        raw,
        digits,
        UNVERIFIED,
    )


@pytest.mark.parametrize("typed", ["call me", "06 12", "pas de tel"])
def test_text_that_is_not_a_phone_is_still_refused(typed: str) -> None:
    with pytest.raises(ValueError, match="phone number"):
        read_phone(typed, default_region="MA")


async def test_create_keeps_it_flagged_for_the_agent(casa_agent, create, client) -> None:  # type: ignore[no-untyped-def]
    response = await create(casa_agent, person(phones=[{"number": "0612345678"}, {"number": UNALLOCATED}]))
    assert response.status_code == 201, response.text
    expected = [
        {"e164": "+212612345678", "verified": True, "raw": "0612345678", "whatsapp": False, "label": None,
         "flag": None},
        {"e164": None, "verified": False, "raw": UNALLOCATED, "whatsapp": False, "label": None, "flag": UNVERIFIED},
    ]  # fmt: skip
    assert response.json()["phones"] == expected
    read = await client.get(f"{URL}/{response.json()['id']}", headers=casa_agent.headers)
    assert read.json()["phones"] == expected


async def test_update_keeps_it_and_a_repeat_is_one_phone(casa_agent, create, client) -> None:  # type: ignore[no-untyped-def]
    created = (await create(casa_agent, person())).json()
    response = await client.patch(
        f"{URL}/{created['id']}",
        json={"phones": [{"number": TYPO}, {"number": "06-12-34-56-789"}, {"number": UNALLOCATED}]},
        headers={**casa_agent.headers, "If-Match": '"v1"'},
    )
    assert response.status_code == 200, response.text
    assert [(p["raw"], p["verified"], p["flag"]) for p in response.json()["phones"]] == [
        (TYPO, False, UNVERIFIED),
        (UNALLOCATED, False, UNVERIFIED),
    ]


@pytest.mark.parametrize("q", ["0500000000", UNALLOCATED, "05-00-00-00-00", "500000000", "\u200e05\u00a000 00 00 00"])
async def test_search_finds_it_by_its_digits(casa_agent, create, client, q: str) -> None:  # type: ignore[no-untyped-def]
    assert (await create(casa_agent, person(phones=[{"number": UNALLOCATED}]))).status_code == 201
    response = await client.get(URL, params={"q": q}, headers=casa_agent.headers)
    assert response.status_code == 200, response.text
    assert [r["family_name"] for r in response.json()["items"]] == ["N'Diaye"]


async def test_search_by_other_digits_does_not_find_it(casa_agent, create, client) -> None:  # type: ignore[no-untyped-def]
    assert (await create(casa_agent, person(phones=[{"number": UNALLOCATED}]))).status_code == 201
    response = await client.get(URL, params={"q": "0500000001"}, headers=casa_agent.headers)
    assert response.json()["items"] == []


def test_a_phone_longer_than_what_is_kept_is_refused_not_cut() -> None:
    with pytest.raises(ValueError, match="not a phone number"):
        read_phone("0" + "6 " * 40, default_region="MA")  # 81 characters


async def test_a_pasted_phone_with_many_marks_is_accepted(casa_agent, create) -> None:  # type: ignore[no-untyped-def]
    typed = "\u2066\u202a\u200e" + "\u200e\u00a0".join("+221771234567") + "\u202c\u2069"
    assert 40 < len(typed) <= 64
    response = await create(casa_agent, person(phones=[{"number": typed}]))
    assert response.status_code == 201, response.text
    assert response.json()["phones"][0]["e164"] == "+221771234567"
