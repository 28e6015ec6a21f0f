"""Identifiers as people type or paste them: one normalisation for every phone and document number.

Characters come from the Unicode Character Database: category Cf (format: direction marks and
isolates, zero-width characters, the BOM), Zs (spaces), Pd (dashes) and U+2212 MINUS SIGN (Sm),
Nd (decimal digits: Arabic-Indic, fullwidth). Senegal's mobile ranges are DOMAIN.md's table (70, 71,
75, 76, 77, 78) as ``phonenumbers``' metadata for SN classes them (number type MOBILE).
"""

from __future__ import annotations

import itertools

import pytest

from app.core.text import _typed_identifier_in_unicode, normalise_typed_identifier
from app.registrants.normalize import (
    LIKELY_SENEGALESE,
    ParsedPhone,
    is_senegalese_mobile,
    normalise_document_number,
    parse_phone,
)
from tests.registrants.conftest import URL, person

FORMAT_CHARS = [
    "\u200e", "\u200f", "\u202a", "\u202b", "\u202c", "\u202d", "\u202e", "\u2066", "\u2067", "\u2068", "\u2069",
    "\u200b", "\u200c", "\u200d", "\u2060", "\ufeff", "\u061c", "\u00ad",
]  # fmt: skip
SPACES = ["\u00a0", "\u2002", "\u2007", "\u2009", "\u200a", "\u202f", "\u205f", "\u3000", "\t"]
DASHES = ["\u2010", "\u2011", "\u2012", "\u2013", "\u2014", "\u2015", "\u2212", "\ufe58", "\ufe63", "\uff0d"]


@pytest.mark.parametrize("char", FORMAT_CHARS)
def test_format_characters_are_removed(char: str) -> None:
    assert normalise_typed_identifier(f"{char}06 12{char} 34 56 78{char}") == "06 12 34 56 78"


@pytest.mark.parametrize("char", SPACES)
def test_unicode_spaces_become_one_space(char: str) -> None:
    assert normalise_typed_identifier(f"77{char}123{char}{char}45 67") == "77 123 45 67"


@pytest.mark.parametrize("char", DASHES)
def test_unicode_dashes_become_hyphen_minus(char: str) -> None:
    assert normalise_typed_identifier(f"77{char}123{char}45{char}67") == "77-123-45-67"


def test_ascii_text_reads_as_the_character_by_character_rule_reads_it() -> None:
    """Every ASCII character (controls included) beside every other, spaced and unspaced: the short
    path for ASCII gives what the rule gives character by character."""
    ascii_chars = [chr(code) for code in range(128)]
    differ = [
        text
        for a, b in itertools.product(ascii_chars, repeat=2)
        for text in (a + b, f" {a}  {b} ", f"{a}{a}\t1 - 2{b}  ")
        if normalise_typed_identifier(text) != _typed_identifier_in_unicode(text)
    ]
    assert differ == []
    assert normalise_typed_identifier("  +212  661 23 45 67 ") == "+212 661 23 45 67"


@pytest.mark.parametrize(
    ("typed", "plain"),
    [
        ("\u0660\u0666\u0661\u0662\u0663\u0664\u0665\u0666\u0667\u0668", "0612345678"),  # Arabic-Indic
        ("\u06f0\u06f6\u06f1\u06f2\u06f3\u06f4\u06f5\u06f6\u06f7\u06f8", "0612345678"),  # Extended Arabic-Indic
        ("\uff0b\uff12\uff12\uff11 \uff17\uff17", "+221 77"),  # fullwidth
        ("\uff08+221\uff0977", "(+221)77"),
    ],
)
def test_digits_and_compatibility_forms_become_ascii(typed: str, plain: str) -> None:
    assert normalise_typed_identifier(typed) == plain


@pytest.mark.parametrize(
    "typed",
    [
        "\u202a+221\u00a077\u2011123\u201145\u201167\u202c",  # pasted from a messaging app (LRE … PDF)
        "\u200e+221 77\u2013123\u201345\u201367",
        "\u2066+221\u202f77\u00a0123\u00a045\u00a067\u2069",
        "\ufeff00221\u221277\u2212123\u221245\u221267",
        "\uff0b\uff12\uff12\uff11\uff17\uff17\uff11\uff12\uff13\uff14\uff15\uff16\uff17",
    ],
)
def test_pasted_phones_parse_like_typed_ones(typed: str) -> None:
    assert parse_phone(typed, default_region="MA") == ParsedPhone("+221771234567", None)


@pytest.mark.parametrize("char", FORMAT_CHARS + SPACES + DASHES)
def test_every_kind_of_character_in_a_moroccan_number(char: str) -> None:
    assert parse_phone(f"06{char}12{char}34{char}56{char}78", default_region="MA").e164 == "+212612345678"


@pytest.mark.parametrize("char", FORMAT_CHARS + SPACES + DASHES)
def test_document_numbers_read_through_the_same_normalisation(char: str) -> None:
    assert normalise_document_number(f"{char}a0{char}123{char}4567{char}") == "A01234567"


@pytest.mark.parametrize("prefix", ["70", "71", "75", "76", "77", "78"])
def test_senegal_mobile_ranges_come_from_the_library(prefix: str) -> None:
    assert is_senegalese_mobile(prefix + "0000002")


@pytest.mark.parametrize("national", ["720000002", "338210000", "612345678"])
def test_other_numbers_are_not_senegalese_mobiles(national: str) -> None:
    assert not is_senegalese_mobile(national)


@pytest.mark.parametrize(
    "typed", ["71 000 00 02", "71-000-00-02", "710000002", "\u202a71\u00a0000\u201100\u201102\u202c"]
)
def test_orange_71_at_the_casablanca_desk_is_a_likely_senegalese_mobile(typed: str) -> None:
    assert parse_phone(typed, default_region="MA") == ParsedPhone("+221710000002", LIKELY_SENEGALESE)


def test_with_the_trunk_zero_it_stays_moroccan() -> None:
    assert parse_phone("0710000002", default_region="MA") == ParsedPhone("+212710000002", None)


# ---------------------------------------------------------------- over HTTP: create, update, search


async def test_create_reads_pasted_phone_and_document(casa_agent, create) -> None:  # type: ignore[no-untyped-def]
    body = person(
        phones=[{"number": "\u202a+221\u00a077\u2011123\u201145\u201167\u202c"}, {"number": "71 000 00 02"}],
        documents=[{"doc_type": "passport", "number": "\u200eA0\u00a0123\u20114567"}],
    )
    response = await create(casa_agent, body)
    assert response.status_code == 201, response.text
    out = response.json()
    assert [(p["e164"], p["raw"], p["flag"]) for p in out["phones"]] == [
        ("+221771234567", "+221 77-123-45-67", None),
        ("+221710000002", "71 000 00 02", LIKELY_SENEGALESE),
    ]
    assert out["documents"][0]["number"] == "A01234567"


async def test_update_reads_pasted_phone_and_document(casa_agent, create, client) -> None:  # type: ignore[no-untyped-def]
    created = (await create(casa_agent, person())).json()
    response = await client.patch(
        f"{URL}/{created['id']}",
        json={
            "phones": [{"number": "\u200f06\u201212\u201334\u201456\u221278"}],
            "documents": [{"doc_type": "cni_ecowas", "number": "1\u00a0234\u20111994\u201101234"}],
        },
        headers={**casa_agent.headers, "If-Match": '"v1"'},
    )
    assert response.status_code == 200, response.text
    assert [p["e164"] for p in response.json()["phones"]] == ["+212612345678"]
    assert response.json()["documents"][0]["number"] == "1234199401234"


@pytest.mark.parametrize(
    "q",
    [
        "\u202a+221\u00a077\u2011123\u201145\u201167\u202c",
        "\u200e77\u2013123\u201345\u201367",
        "\u0667\u0667\u0661\u0662\u0663\u0664\u0665\u0666\u0667",
        "\u200eA0\u00a0123\u20114567",
    ],
)
async def test_search_reads_pasted_phones_and_documents(casa_agent, create, client, q: str) -> None:  # type: ignore[no-untyped-def]
    body = person(phones=[{"number": "+221 77 123 45 67"}], documents=[{"doc_type": "passport", "number": "A01234567"}])
    assert (await create(casa_agent, body)).status_code == 201
    response = await client.get(URL, params={"q": q}, headers=casa_agent.headers)
    assert response.status_code == 200, response.text
    assert [r["family_name"] for r in response.json()["items"]] == ["N'Diaye"]
