"""The match keys of one person (``app.registrants.keys``), written out by hand from the module's
table: which ``(kind, value)`` rows a person gets, which of them blocking looks candidates up by,
and how the counts, the registry size and the blocks read them back from a real database.

Phonetic keys used below, worked out from ``matching._rules`` (and checked by
``test_phonetic_rules.py``): Fatou → ``fatu``, Ndèye → ``ndei``, N'Diaye → ``njai``, Diop → ``jop``,
Awa → ``awa``, Sow → ``sow``, Moussa → ``musa``, Badji → ``baji``, Khady → ``kadi``.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import uuid
from collections.abc import Iterator
from types import SimpleNamespace
from typing import Any

import pytest
from sqlalchemy import delete, event, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlalchemy.orm import selectinload

from app.core.db import transaction_driver
from app.registrants import keys
from app.registrants.matching import PersonKeys
from app.registrants.models import IdentityDocument, Registrant, RegistrantKey, RegistrantPhone, TermFrequency
from tests.registrants.conftest import person

PHONE = "+221771234567"
PHONE_KEY = "765432177122"  # the digits 221771234567, reversed


def _person(**fields: Any) -> PersonKeys:
    base: dict[str, Any] = {"given_names": "Ndèye Fatou", "family_name": "N'Diaye"}
    base.update(fields)
    return PersonKeys.of(**base)


# --- phone_key, _next_prefix ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("e164", "key"), [(PHONE, PHONE_KEY), ("+33 6 12 34 56 78", "87654321633"), ("+1", "1"), ("", "")]
)
def test_a_phone_key_is_its_digits_reversed(e164: str, key: str) -> None:
    assert keys.phone_key(e164) == key


@pytest.mark.parametrize(
    ("prefix", "upper"),
    [
        ("fat", "fau"),
        ("a", "b"),
        ("8", "9"),
        ("9", "a"),  # digits order before letters
        ("ab9", "aba"),
        ("77", "78"),
        ("abz", "ac"),  # nothing above "z": the next position up
        ("azz", "b"),
        ("z9", "za"),
        ("zz", None),  # every string from "zz" on starts with it
        ("z", None),
        ("", None),
    ],
)
def test_the_next_prefix_is_the_smallest_string_above_the_prefixed_ones(prefix: str, upper: str | None) -> None:
    assert keys._next_prefix(prefix) == upper


# --- block_keys ----------------------------------------------------------------------------------


def test_block_keys_of_a_full_birth_date_and_a_phone() -> None:
    who = _person(date_of_birth="1990-05-04", phones=[PHONE])
    assert keys.block_keys(who) == {
        ("t", PHONE_KEY),
        ("p", "771234567"),  # its last 9 digits: an unverified number of the other finds it
        ("gf", "ndei njai"),
        ("gf", "fatu njai"),
        ("gfy", "ndei njai 1990"),
        ("gfy", "fatu njai 1990"),
        ("d", "1990-05-04"),
    }


@pytest.mark.parametrize("dob", ["1990", "1990-05"])
def test_block_keys_of_a_partial_birth_date_have_the_year_but_no_date(dob: str) -> None:
    assert keys.block_keys(_person(date_of_birth=dob)) == {
        ("gf", "ndei njai"),
        ("gf", "fatu njai"),
        ("gfy", "ndei njai 1990"),
        ("gfy", "fatu njai 1990"),
    }


def test_block_keys_without_a_birth_date_are_the_names_alone() -> None:
    assert keys.block_keys(_person(given_names="Fatou", family_name="Diop Ndiaye")) == {("gf", "fatu jop njai")}


def test_block_keys_of_two_phones() -> None:
    who = _person(given_names="Awa", family_name="Sow", phones=[PHONE, "+212612345678"])
    assert keys.block_keys(who) == {
        ("t", PHONE_KEY),
        ("t", "876543216212"),
        ("p", "771234567"),
        ("p", "612345678"),
        ("gf", "awa sow"),
    }


# --- frequency_keys, combined_keys, all_keys -----------------------------------------------------


def test_frequency_keys_of_every_field() -> None:
    who = _person(
        date_of_birth="1990-05-04",
        phones=[PHONE],
        place_of_birth="Saint-Louis",
        origin_region="SN-DK",
        host_city="Casablanca",
        occupation="Couturière",
    )
    assert keys.frequency_keys(who) == {
        ("t", PHONE_KEY),
        ("p", "771234567"),
        ("g", "ndei fatu"),
        ("f", "njai"),
        ("n", "ndei"),
        ("n", "fatu"),
        ("n", "njai"),
        ("b", "saint louis"),
        ("r", "SN-DK"),
        ("c", "casablanca"),
        ("o", "couturiere"),
    }


def test_frequency_keys_of_names_alone() -> None:
    assert keys.frequency_keys(_person(given_names="Fatou", family_name="Diop Ndiaye")) == {
        ("g", "fatu"),
        ("f", "jop njai"),
        ("n", "fatu"),
        ("n", "jop"),
        ("n", "njai"),
    }


def test_combined_keys_of_a_full_birth_date_pair_it_with_every_name_token() -> None:
    who = _person(date_of_birth="1990-05-04", arrival_date="2015-09-01")
    assert keys.combined_keys(who) == {
        ("dn", "1990-05-04 ndei"),
        ("dn", "1990-05-04 fatu"),
        ("dn", "1990-05-04 njai"),
        # the names with the year and the month, and with the year and the day
        ("gfn", "ndei njai 1990 05"),
        ("gfn", "ndei njai 1990 04"),
        ("gfn", "fatu njai 1990 05"),
        ("gfn", "fatu njai 1990 04"),
        ("gfa", "ndei njai 2015-09-01"),
        ("gfa", "fatu njai 2015-09-01"),
    }


def test_combined_keys_of_a_date_whose_day_is_its_month_have_one_number() -> None:
    assert {k for k in keys.combined_keys(_person(date_of_birth="1990-05-05")) if k[0] == "gfn"} == {
        ("gfn", "ndei njai 1990 05"),
        ("gfn", "fatu njai 1990 05"),
    }


@pytest.mark.parametrize("dob", [None, "1990", "1990-05"])
def test_combined_keys_without_a_full_birth_date_mark_the_names(dob: str | None) -> None:
    # and the names with the year, when there is one
    year = {("gfyx", "ndei njai 1990"), ("gfyx", "fatu njai 1990")} if dob else set()
    assert keys.combined_keys(_person(date_of_birth=dob)) == {("gfx", "ndei njai"), ("gfx", "fatu njai"), *year}
    assert keys.combined_keys(_person(date_of_birth=dob, arrival_date="2015-09-01")) == {
        ("gfx", "ndei njai"),
        ("gfx", "fatu njai"),
        ("gfa", "ndei njai 2015-09-01"),
        ("gfa", "fatu njai 2015-09-01"),
        *year,
    }


def test_combined_keys_pair_each_given_name_with_the_whole_family_name() -> None:
    who = PersonKeys.of(given_names="Fatou", family_name="Diop Ndiaye", arrival_date="2015-09-01")
    assert keys.combined_keys(who) == {("gfx", "fatu jop njai"), ("gfa", "fatu jop njai 2015-09-01")}


def test_all_keys_of_one_person() -> None:
    who = _person(date_of_birth="1990-05-04", phones=[PHONE], arrival_date="2015-09-01", host_city="Casablanca")
    assert keys.all_keys(who) == {
        ("t", PHONE_KEY),
        ("p", "771234567"),
        ("gf", "ndei njai"),
        ("gf", "fatu njai"),
        ("gfy", "ndei njai 1990"),
        ("gfy", "fatu njai 1990"),
        ("d", "1990-05-04"),
        ("g", "ndei fatu"),
        ("f", "njai"),
        ("n", "ndei"),
        ("n", "fatu"),
        ("n", "njai"),
        ("c", "casablanca"),
        ("dn", "1990-05-04 ndei"),
        ("dn", "1990-05-04 fatu"),
        ("dn", "1990-05-04 njai"),
        ("gfn", "ndei njai 1990 05"),
        ("gfn", "ndei njai 1990 04"),
        ("gfn", "fatu njai 1990 05"),
        ("gfn", "fatu njai 1990 04"),
        ("gfa", "ndei njai 2015-09-01"),
        ("gfa", "fatu njai 2015-09-01"),
        ("w", "ndeye"),
        ("w", "fatou"),
        ("w", "ndiaye"),
        # the consonants each word would be written with in Arabic script (Ndiaye: نجاي or ندياي)
        ("s", "nd0ndeye"),
        ("s", "ft0fatou"),
        ("s", "nj0ndiaye"),
        ("s", "nd0ndiaye"),
    }


def test_all_keys_drop_empty_values_and_cut_long_ones_at_200_characters() -> None:
    long = "ab" * 150  # 300 letters; no phonetic rule touches "a" or "b"
    who = PersonKeys.of(given_names="", family_name=long)
    assert keys.all_keys(who) == {
        ("f", long[:200]),
        ("n", long[:200]),
        ("w", long[:200]),
        ("s", ("b" * 100 + "0" + long)[:200]),  # its 100 consonants, then the word: cut like every key
    }  # no given name: no "g" of "" and no pairs


# --- lookup_keys, chosen_keys --------------------------------------------------------------------


@pytest.mark.parametrize(
    "fields",
    [
        {"date_of_birth": "1990-05-04", "phones": [PHONE], "arrival_date": "2015-09-01"},
        {"date_of_birth": "1990-05", "place_of_birth": "Kaolack", "host_city": "Casablanca"},
        {"date_of_birth": None, "occupation": "couturière", "origin_region": "SN-KL"},
        {"given_names": "Mamediarra", "family_name": "Diop", "date_of_birth": "1988"},
        {"given_names": "Diop", "family_name": "Pape Modou", "date_of_birth": "1979-12-31"},
        {"name_arabic": "فاطو انجاي", "date_of_birth": "2001-02-03"},
    ],
)
def test_a_weight_kind_is_never_looked_up_and_every_counted_kind_is_classed(fields: dict[str, Any]) -> None:
    """A count of :data:`keys.WEIGHT_KINDS` is remembered from far fewer carriers than a count that
    decides a block: no key of those kinds may ever block, and a new counted kind must be classed."""
    who = _person(**fields)
    looked_up = keys.lookup_keys(who) | keys.block_keys(who) | set(keys.combined_keys(who))
    assert looked_up
    assert not {kind for kind, _ in looked_up} & keys.WEIGHT_KINDS
    weighed = {kind for kind, _ in keys.frequency_keys(who)}
    assert {"g", "f", "n"} <= weighed
    assert weighed <= keys.WEIGHT_KINDS | {kind for kind, _ in looked_up}


def test_lookup_keys_with_a_full_birth_date_take_the_names_of_those_without_one() -> None:
    who = _person(date_of_birth="1990-05-04", phones=[PHONE], arrival_date="2015-09-01")
    assert keys.lookup_keys(who) == {
        ("t", PHONE_KEY),
        ("p", "771234567"),
        ("gfy", "ndei njai 1990"),
        ("gfy", "fatu njai 1990"),
        ("d", "1990-05-04"),
        ("gfx", "ndei njai"),
        ("gfx", "fatu njai"),
        ("dn", "1990-05-04 ndei"),
        ("dn", "1990-05-04 fatu"),
        ("dn", "1990-05-04 njai"),
        ("gfa", "ndei njai 2015-09-01"),
        ("gfa", "fatu njai 2015-09-01"),
        # in place of a common "gfy": the names with the year and the month or the day, and with
        # the year of those without a full date
        *(("gfn", f"{pair} 1990 {n}") for pair in ("ndei njai", "fatu njai") for n in ("05", "04")),
        ("gfyx", "ndei njai 1990"),
        ("gfyx", "fatu njai 1990"),
        # the names read the other way round ("NDIAYE Ndèye Fatou" typed given name first)
        ("gfx", "njai ndei fatu"),
        ("gfy", "njai ndei fatu 1990"),
        ("gfyx", "njai ndei fatu 1990"),
        ("gfn", "njai ndei fatu 1990 05"),
        ("gfn", "njai ndei fatu 1990 04"),
        # the compound given name as one word (Ndeyefatou, Ndeyfatou), looked up, never stored
        *(("gfx", f"{joined} njai") for joined in ("ndeiefatu", "ndeifatu")),
        *(("gfy", f"{joined} njai 1990") for joined in ("ndeiefatu", "ndeifatu")),
        *(("gfyx", f"{joined} njai 1990") for joined in ("ndeiefatu", "ndeifatu")),
        *(("gfn", f"{joined} njai 1990 {n}") for joined in ("ndeiefatu", "ndeifatu") for n in ("05", "04")),
        *(("dn", f"1990-05-04 {joined}") for joined in ("ndeiefatu", "ndeifatu")),
        *(("gfa", f"{joined} njai 2015-09-01") for joined in ("ndeiefatu", "ndeifatu")),
    }


def test_lookup_keys_without_a_full_birth_date_take_the_names_of_everyone() -> None:
    who = _person(date_of_birth="1990", arrival_date="2015-09-01")
    assert keys.lookup_keys(who) == {
        ("gf", "ndei njai"),
        ("gf", "fatu njai"),
        ("gfy", "ndei njai 1990"),
        ("gfy", "fatu njai 1990"),
        ("gfa", "ndei njai 2015-09-01"),
        ("gfa", "fatu njai 2015-09-01"),
        ("gf", "njai ndei fatu"),
        ("gfy", "njai ndei fatu 1990"),
        *(("gf", f"{joined} njai") for joined in ("ndeiefatu", "ndeifatu")),
        *(("gfy", f"{joined} njai 1990") for joined in ("ndeiefatu", "ndeifatu")),
        *(("gfa", f"{joined} njai 2015-09-01") for joined in ("ndeiefatu", "ndeifatu")),
    }


FATOU = PersonKeys.of(
    given_names="Fatou", family_name="Diop", date_of_birth="1990-05-04", phones=[PHONE], arrival_date="2019-09-01"
)
# its lookup keys: t, gfy "fatu jop 1990", d, gfx "fatu jop", dn × 2, gfa "fatu jop 2019-09-01"
T, GFY, D, GFX = ("t", PHONE_KEY), ("gfy", "fatu jop 1990"), ("d", "1990-05-04"), ("gfx", "fatu jop")
DN_FATU, DN_JOP, GFA = ("dn", "1990-05-04 fatu"), ("dn", "1990-05-04 jop"), ("gfa", "fatu jop 2019-09-01")


def test_chosen_keys_below_the_cut_offs_are_the_plain_keys_rarest_first() -> None:
    counted = {T: 3, GFY: 1, D: 25, GFX: 30, DN_FATU: 1, DN_JOP: 2, GFA: 1}
    assert keys.chosen_keys(FATOU, counted) == [GFY, T, D, GFX]


def test_chosen_keys_leave_out_keys_nobody_carries_and_break_ties_by_key() -> None:
    assert keys.chosen_keys(FATOU, {T: 2, GFY: 2, D: 2}) == [D, GFY, T]
    assert keys.chosen_keys(FATOU, {D: 0, GFX: 1}) == [GFX]
    assert keys.chosen_keys(FATOU, {}) == []


def test_a_common_birth_date_gives_way_to_the_date_with_each_name() -> None:
    counted = {T: 1, GFY: 2, D: 26, GFX: 4, DN_FATU: 3, DN_JOP: 5, GFA: 1}
    assert keys.chosen_keys(FATOU, counted) == [T, GFY, DN_FATU, GFX, DN_JOP]


def test_common_names_give_way_to_the_names_with_the_arrival_date() -> None:
    counted = {T: 1, GFY: 2, D: 3, GFX: 31, DN_FATU: 1, GFA: 4}
    assert keys.chosen_keys(FATOU, counted) == [T, GFY, D, GFA]
    without_date = PersonKeys.of(given_names="Fatou", family_name="Diop", arrival_date="2019-09-01")
    gf = ("gf", "fatu jop")
    cut = keys.BLOCK_CUTOFF["gf"]
    assert keys.chosen_keys(without_date, {gf: cut + 1, GFA: 4}) == [GFA]
    assert keys.chosen_keys(without_date, {gf: cut, GFA: 4}) == [gf]


def test_a_key_nobody_carries_is_not_common_even_with_a_cut_off_of_zero(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(keys.BLOCK_CUTOFF, "gfx", 0)
    assert keys.chosen_keys(FATOU, {GFA: 1}) == []  # no one carries "fatu jop" without a date: no "gfa" for it
    assert keys.chosen_keys(FATOU, {GFX: 1, GFA: 1}) == [GFA]


def test_common_names_and_year_give_way_to_the_month_or_the_day_and_to_those_without_a_full_date() -> None:
    gfn_month, gfn_day, gfyx = ("gfn", "fatu jop 1990 05"), ("gfn", "fatu jop 1990 04"), ("gfyx", "fatu jop 1990")
    cut = keys.BLOCK_CUTOFF["gfy"]
    counted = {T: 1, GFY: cut, D: 3, gfn_month: 2, gfn_day: 4, gfyx: 1}
    assert keys.chosen_keys(FATOU, counted) == [T, D, GFY]  # below the cut-off: the plain keys
    assert keys.chosen_keys(FATOU, counted | {GFY: cut + 1}) == [gfyx, T, gfn_month, D, gfn_day]


def test_phones_and_the_year_with_the_names_of_a_year_alone_are_used_up_to_the_block_limit() -> None:
    year_alone = PersonKeys.of(given_names="Fatou", family_name="Diop", date_of_birth="1990", phones=[PHONE])
    assert keys.chosen_keys(year_alone, {T: 500, GFY: 500}) == [GFY, T]  # it has no finer key
    assert keys.chosen_keys(year_alone, {T: 501, GFY: 501, ("gfyx", "fatu jop 1990"): 1}) == []
    assert keys.chosen_keys(FATOU, {T: 500, GFY: 500}) == [T]


# --- person_of, rows_of, key_rows ----------------------------------------------------------------


def _registrant(**fields: Any) -> Registrant:
    """A registrant as the service holds it (phones and documents loaded), not stored."""
    base: dict[str, Any] = {
        "id": uuid.UUID("00000000-0000-4000-8000-000000000001"),
        "given_names": "Ndèye Fatou",
        "family_name": "N'Diaye",
        "date_of_birth": "1990-05-04",
        "sex": "female",
        "place_of_birth": "Saint-Louis",
        "origin_region_code": "SN-DK",
        "arrival_date": dt.date(2015, 9, 1),
        "email": "Fatou.Ndiaye@Example.SN",
        "host_city": "Casablanca",
        "occupation": "Couturière",
        "phones": [
            RegistrantPhone(e164=PHONE, digits="221771234567"),
            RegistrantPhone(e164=None, verified=False, digits="0500000000"),  # unverified
            RegistrantPhone(e164=None, verified=False, digits=""),  # an unverified row without digits
        ],
        "documents": [IdentityDocument(doc_type="passport", number="A01234567")],
    }
    base.update(fields)
    return Registrant(**base)


def test_the_person_of_a_registrant_has_every_field_and_its_unverified_phones_apart() -> None:
    assert keys.person_of(_registrant()) == PersonKeys(
        given=("ndeye", "fatou"),
        family=("ndiaye",),
        date_of_birth="1990-05-04",
        sex="female",
        phones=frozenset({PHONE}),
        documents=frozenset({"A01234567"}),
        typed_documents=frozenset({("passport", "A01234567")}),
        place_of_birth="saint louis",
        origin_region="SN-DK",
        arrival_date="2015-09-01",
        email="fatou.ndiaye@example.sn",
        host_city="casablanca",
        occupation="couturiere",
        unverified_phones=frozenset({"0500000000"}),  # its digits (the row without any is no phone to compare)
    )


def test_the_person_of_a_registrant_without_an_arrival_date() -> None:
    assert keys.person_of(_registrant(arrival_date=None)).arrival_date is None


def test_the_rows_of_a_registrant_add_its_unverified_numbers_reversed() -> None:
    registrant = _registrant(
        given_names="Awa", family_name="Sow", date_of_birth=None, place_of_birth=None, origin_region_code=None,
        arrival_date=None, host_city=None, occupation=None,
    )  # fmt: skip
    rid = registrant.id
    assert keys.rows_of(registrant) == [
        {"registrant_id": rid, "kind": kind, "value": value}
        for kind, value in [
            ("f", "sow"),
            ("g", "awa"),
            ("gf", "awa sow"),
            ("gfx", "awa sow"),
            ("n", "awa"),
            ("n", "sow"),
            ("p", "500000000"),  # the unverified 0500000000 by its last 9 digits, as every phone
            ("p", "771234567"),
            ("s", "0awa"),  # no consonant: Awa is written with vowel letters only (عوا)
            ("s", "s0sow"),
            ("t", "0000000050"),  # the unverified 0500000000: found by its end, like a verified number
            ("t", PHONE_KEY),
            ("w", "awa"),
            ("w", "sow"),
        ]
    ]


def test_the_rows_of_a_registrant_use_the_person_given() -> None:
    registrant = _registrant(phones=[], documents=[])
    other = PersonKeys.of(given_names="Awa", family_name="Sow")
    rid = registrant.id
    assert keys.rows_of(registrant, other) == [
        {"registrant_id": rid, "kind": kind, "value": value}
        for kind, value in [
            ("f", "sow"),
            ("g", "awa"),
            ("gf", "awa sow"),
            ("gfx", "awa sow"),
            ("n", "awa"),
            ("n", "sow"),
            ("s", "0awa"),
            ("s", "s0sow"),
            ("w", "awa"),
            ("w", "sow"),
        ]
    ]


def test_key_rows_are_sorted_with_the_extra_keys_cut_and_empty_ones_dropped() -> None:
    rid = uuid.uuid4()
    extra = [("t", "9" * 250), ("t", ""), ("w", "awa")]
    assert keys.key_rows(rid, PersonKeys.of(given_names="Awa", family_name="Sow"), extra=extra) == [
        {"registrant_id": rid, "kind": kind, "value": value}
        for kind, value in [
            ("f", "sow"),
            ("g", "awa"),
            ("gf", "awa sow"),
            ("gfx", "awa sow"),
            ("n", "awa"),
            ("n", "sow"),
            ("s", "0awa"),
            ("s", "s0sow"),
            ("t", "9" * 200),
            ("w", "awa"),
            ("w", "sow"),
        ]
    ]


# --- counts, registry_size (a real database, a controlled clock) ---------------------------------


@pytest.fixture(autouse=True)
def _fresh_caches() -> Iterator[None]:
    keys.forget_size()
    yield
    keys.forget_size()


class Clock:
    """``time.monotonic`` as the keys module sees it, moved by hand."""

    def __init__(self) -> None:
        self.now = 1000.0

    def monotonic(self) -> float:
        return self.now


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    at = Clock()
    monkeypatch.setattr(keys, "time", SimpleNamespace(monotonic=at.monotonic))
    return at


async def _register(create: Any, staff: Any, **body: Any) -> uuid.UUID:
    fields: dict[str, Any] = {"date_of_birth": None}
    fields.update(body)
    response = await create(staff, person(**fields), confirm=True)
    assert response.status_code == 201, response.text
    return uuid.UUID(response.json()["id"])


JOP, SOW, NOBODY = ("f", "jop"), ("f", "sow"), ("f", "nobody")


async def test_counts_leave_out_keys_nobody_carries(create, casa_agent, sessionmaker) -> None:  # type: ignore[no-untyped-def]
    for given in ("Fatou", "Awa"):
        await _register(create, casa_agent, given_names=given, family_name="Diop")
    await _register(create, casa_agent, given_names="Awa", family_name="Sow")
    async with sessionmaker() as session:
        assert await keys.counts(session, [JOP, SOW, NOBODY, JOP]) == {JOP: 2, SOW: 1}
        assert await keys.counts(session, [SOW]) == {SOW: 1}
        assert await keys.counts(session, [NOBODY]) == {}
        assert await keys.counts(session, []) == {}


async def test_counts_of_more_keys_than_one_statement_takes(
    create, casa_agent, sessionmaker, monkeypatch: pytest.MonkeyPatch
) -> None:  # type: ignore[no-untyped-def]
    await _register(create, casa_agent, given_names="Fatou", family_name="Diop", date_of_birth="1990-05-04")
    await _register(create, casa_agent, given_names="Awa", family_name="Diop", date_of_birth="1990-05-04")
    monkeypatch.setattr(keys, "COUNT_CHUNK", 2)
    wanted = [("d", "1990-05-04"), ("g", "awa"), ("g", "fatu"), ("gf", "fatu jop"), JOP, ("n", "jop"), NOBODY]
    async with sessionmaker() as session:
        assert await keys.counts(session, wanted) == {
            ("d", "1990-05-04"): 2,
            ("g", "awa"): 1,
            ("g", "fatu"): 1,
            ("gf", "fatu jop"): 1,
            JOP: 2,
            ("n", "jop"): 2,
        }


async def test_counts_take_one_statement_per_count_chunk_keys(
    create, casa_agent, sessionmaker, monkeypatch: pytest.MonkeyPatch
) -> None:  # type: ignore[no-untyped-def]
    """SQLite: one compound SELECT per COUNT_CHUNK keys; PostgreSQL: one statement per
    COUNT_CHUNK_PG keys (the keys bound as arrays, sent on the driver): a registration's in one."""
    await _register(create, casa_agent, given_names="Fatou", family_name="Diop", date_of_birth="1990-05-04")
    wanted = [("d", "1990-05-04"), ("g", "awa"), ("g", "fatu"), ("gf", "fatu jop"), JOP, ("n", "jop"), NOBODY]
    expected = {("d", "1990-05-04"): 1, ("g", "fatu"): 1, ("gf", "fatu jop"): 1, JOP: 1, ("n", "jop"): 1}
    statements: list[str] = []

    def seen(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        if "registrant_keys" in statement:  # not the transaction's BEGIN
            statements.append(statement)

    async with sessionmaker() as session:
        engine = session.get_bind()
        postgresql = engine.dialect.name == "postgresql"
        if postgresql:  # every statement the connection runs, SQLAlchemy's or sent on the driver
            driver = await transaction_driver(session)
            driver.add_query_logger(lambda record: seen(None, None, record.query))
        else:
            event.listen(engine, "before_cursor_execute", seen)
        try:
            assert await keys.counts(session, wanted) == expected
            await asyncio.sleep(0)  # asyncpg calls its query loggers soon, not at once
            assert len(statements) == 1  # the module's promise: one query for all the keys
            statements.clear()
            monkeypatch.setattr(keys, "COUNT_CHUNK", 3)
            monkeypatch.setattr(keys, "COUNT_CHUNK_PG", 4)
            assert await keys.counts(session, wanted) == expected
            await asyncio.sleep(0)
            assert len(statements) == (2 if postgresql else 3)  # 7 keys: 4 by 4, 3 by 3 on SQLite
            statements.clear()
            assert await keys.counts(session, [JOP]) == {JOP: 1}
            await asyncio.sleep(0)
            assert len(statements) == 1
        finally:
            if not postgresql:
                event.remove(engine, "before_cursor_execute", seen)


async def test_common_counts_are_remembered_for_five_minutes(
    create, casa_agent, sessionmaker, clock: Clock, monkeypatch: pytest.MonkeyPatch
) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setattr(keys, "COUNT_CACHE_FROM", 2)
    monkeypatch.setattr(keys, "WEIGHT_CACHE_FROM", 2)
    for given in ("Fatou", "Awa"):
        await _register(create, casa_agent, given_names=given, family_name="Diop")
    await _register(create, casa_agent, given_names="Awa", family_name="Sow")
    async with sessionmaker() as session:
        assert await keys.counts(session, [JOP, SOW]) == {JOP: 2, SOW: 1}
    await _register(create, casa_agent, given_names="Khady", family_name="Diop")
    await _register(create, casa_agent, given_names="Khady", family_name="Sow")
    clock.now = 1299.9
    async with sessionmaker() as session:
        assert await keys.counts(session, [JOP, SOW]) == {JOP: 2, SOW: 2}  # Diop (2 from 2) remembered
    clock.now = 1300.0  # SIZE_CACHE_SECONDS after the count
    async with sessionmaker() as session:
        assert await keys.counts(session, [JOP, SOW]) == {JOP: 3, SOW: 2}


async def test_a_count_that_only_weighs_is_remembered_from_fewer_carriers_than_one_that_blocks(
    create, casa_agent, sessionmaker, clock: Clock, monkeypatch: pytest.MonkeyPatch
) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setattr(keys, "COUNT_CACHE_FROM", 10**9)
    monkeypatch.setattr(keys, "WEIGHT_CACHE_FROM", 2)
    for given in ("Fatou", "Awa"):
        await _register(create, casa_agent, given_names=given, family_name="Diop", date_of_birth="1990")
    names = ("gf", "awa jop")  # a name pair: looked up, so it decides a block
    async with sessionmaker() as session:
        assert await keys.counts(session, [JOP, names]) == {JOP: 2, names: 1}
    await _register(create, casa_agent, given_names="Awa", family_name="Diop", date_of_birth="1991")
    clock.now = 1299.9
    async with sessionmaker() as session:  # Diop remembered; the pair counted again
        assert await keys.counts(session, [JOP, names]) == {JOP: 2, names: 2}


async def _counts_remembering_from_two(
    sessionmaker: Any, monkeypatch: pytest.MonkeyPatch, wanted: list[keys.Key]
) -> dict[keys.Key, int]:
    """``keys.counts`` remembering counts from 2; the registrations between (whose own duplicate
    checks count keys too) remember none, so that only these calls fill the cache."""
    monkeypatch.setattr(keys, "COUNT_CACHE_FROM", 2)
    monkeypatch.setattr(keys, "WEIGHT_CACHE_FROM", 2)
    try:
        async with sessionmaker() as session:
            return await keys.counts(session, wanted)
    finally:
        monkeypatch.setattr(keys, "COUNT_CACHE_FROM", 10**9)
        monkeypatch.setattr(keys, "WEIGHT_CACHE_FROM", 10**9)


@pytest.fixture
def one_count_remembered(monkeypatch: pytest.MonkeyPatch) -> None:
    """A count cache of one entry, that only :func:`_counts_remembering_from_two` fills."""
    monkeypatch.setattr(keys, "COUNT_CACHE_MAX", 1)
    monkeypatch.setattr(keys, "COUNT_CACHE_FROM", 10**9)
    monkeypatch.setattr(keys, "WEIGHT_CACHE_FROM", 10**9)


@pytest.mark.usefixtures("one_count_remembered")
async def test_at_most_count_cache_max_counts_are_remembered_the_newest_kept(
    create, casa_agent, sessionmaker, clock: Clock, monkeypatch: pytest.MonkeyPatch
) -> None:  # type: ignore[no-untyped-def]
    for given in ("Fatou", "Awa"):
        await _register(create, casa_agent, given_names=given, family_name="Diop")
        await _register(create, casa_agent, given_names=given, family_name="Sow")
    counted = await _counts_remembering_from_two(sessionmaker, monkeypatch, [JOP, SOW])
    assert counted == {JOP: 2, SOW: 2}  # counted in the order given: Sow last
    await _register(create, casa_agent, given_names="Khady", family_name="Diop")
    await _register(create, casa_agent, given_names="Khady", family_name="Sow")
    counted = await _counts_remembering_from_two(sessionmaker, monkeypatch, [JOP, SOW])
    assert counted == {JOP: 3, SOW: 2}  # Sow's remembered, Diop's dropped to make room


@pytest.mark.usefixtures("one_count_remembered")
async def test_a_full_count_cache_still_remembers_new_counts_once_its_own_expire(
    create, casa_agent, sessionmaker, clock: Clock, monkeypatch: pytest.MonkeyPatch
) -> None:  # type: ignore[no-untyped-def]
    for given in ("Fatou", "Awa"):
        await _register(create, casa_agent, given_names=given, family_name="Diop")
    assert await _counts_remembering_from_two(sessionmaker, monkeypatch, [JOP]) == {JOP: 2}  # the cache is full
    clock.now += keys.SIZE_CACHE_SECONDS  # its one count has expired
    await _register(create, casa_agent, given_names="Khady", family_name="Diop")
    assert await _counts_remembering_from_two(sessionmaker, monkeypatch, [JOP]) == {JOP: 3}  # counted again
    await _register(create, casa_agent, given_names="Coumba", family_name="Diop")
    # and remembered: a full cache that kept only the counts taken before it filled says 4
    assert await _counts_remembering_from_two(sessionmaker, monkeypatch, [JOP]) == {JOP: 3}


async def test_the_registry_size_is_remembered_for_five_minutes_from_size_cache_from(
    create, casa_agent, sessionmaker, clock: Clock, monkeypatch: pytest.MonkeyPatch
) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setattr(keys, "SIZE_CACHE_FROM", 3)
    async with sessionmaker() as session:
        assert await keys.registry_size(session) == 0
    for given in ("Fatou", "Awa"):
        await _register(create, casa_agent, given_names=given, family_name="Diop")
    async with sessionmaker() as session:
        assert await keys.registry_size(session) == 2  # below SIZE_CACHE_FROM: counted every time
    await _register(create, casa_agent, given_names="Khady", family_name="Diop")
    async with sessionmaker() as session:
        assert await keys.registry_size(session) == 3
    await _register(create, casa_agent, given_names="Moussa", family_name="Diop")
    clock.now = 1299.9
    async with sessionmaker() as session:
        assert await keys.registry_size(session) == 3  # remembered
    clock.now = 1300.0
    async with sessionmaker() as session:
        assert await keys.registry_size(session) == 4
    await _register(create, casa_agent, given_names="Coumba", family_name="Diop")
    clock.now = 1599.9
    async with sessionmaker() as session:
        assert await keys.registry_size(session) == 4  # remembered from the count at 1300


async def test_the_size_the_worker_stored_stands_for_the_registry_from_size_stored_from_only(
    create, casa_agent, sessionmaker, clock: Clock, monkeypatch: pytest.MonkeyPatch
) -> None:  # type: ignore[no-untyped-def]
    """Below ``SIZE_STORED_FROM`` the registry is counted, whatever the worker stored (an hour old,
    or never refreshed when its job is off), even where a count is remembered."""
    monkeypatch.setattr(keys, "SIZE_CACHE_FROM", 1)
    monkeypatch.setattr(keys, "SIZE_STORED_FROM", 5)
    for given in ("Fatou", "Awa", "Khady"):
        await _register(create, casa_agent, given_names=given, family_name="Diop")
    keys.forget_size()  # what the registrations' duplicate checks remembered
    async with sessionmaker() as session:
        await session.execute(delete(TermFrequency).where(TermFrequency.kind == "*"))
        session.add(TermFrequency(kind="*", value="", registrants=4))
        await session.commit()
        assert await keys.registry_size(session) == 3  # the stored 4 is below SIZE_STORED_FROM
        await session.execute(update(TermFrequency).where(TermFrequency.kind == "*").values(registrants=6))
        await session.commit()
    clock.now += keys.SIZE_CACHE_SECONDS
    async with sessionmaker() as session:
        assert await keys.registry_size(session) == 6


async def test_each_database_has_its_own_counts_and_size(
    create, casa_agent, sessionmaker, databases, monkeypatch: pytest.MonkeyPatch
) -> None:  # type: ignore[no-untyped-def]
    from app.core.db import create_engine, create_sessionmaker

    monkeypatch.setattr(keys, "SIZE_CACHE_FROM", 1)
    monkeypatch.setattr(keys, "COUNT_CACHE_FROM", 1)
    monkeypatch.setattr(keys, "WEIGHT_CACHE_FROM", 1)
    await _register(create, casa_agent, given_names="Fatou", family_name="Diop")
    async with sessionmaker() as session:
        assert await keys.registry_size(session) == 1
        assert await keys.counts(session, [JOP]) == {JOP: 1}
    name = await databases.clone()
    engine = create_engine(databases.url_for(name))
    try:
        async with create_sessionmaker(engine)() as other:
            assert await keys.registry_size(other) == 0
            assert await keys.counts(other, [JOP]) == {}
    finally:
        await engine.dispose()
        await databases.drop(name)


# --- block (a real database) ---------------------------------------------------------------------


WHO = PersonKeys.of(
    given_names="Fatou", family_name="Diop", date_of_birth="1990-05-04", phones=[PHONE], documents=["A01234567"]
)
PASSPORT = [{"doc_type": "passport", "number": "A01234567"}]


async def _blocked(sessionmaker: async_sessionmaker[AsyncSession], who: PersonKeys, **options: Any) -> list[Registrant]:
    options.setdefault("desk_ids", None)
    async with sessionmaker() as session:
        return await keys.block(session, who, **options)


async def _block(sessionmaker: async_sessionmaker[AsyncSession], who: PersonKeys, **options: Any) -> list[uuid.UUID]:
    return [r.id for r in await _blocked(sessionmaker, who, **options)]


async def _merge(sessionmaker: async_sessionmaker[AsyncSession], merged: uuid.UUID, into: uuid.UUID) -> None:
    async with sessionmaker() as session:
        await session.execute(update(Registrant).where(Registrant.id == merged).values(merged_into_id=into))
        await session.commit()


async def test_a_block_is_scoped_by_desk_merges_and_the_excluded_file(
    create, casa_agent, dakar_agent, sessionmaker, desk_ids
) -> None:  # type: ignore[no-untyped-def]
    casa, dakar = desk_ids["CASA-BASE"], desk_ids["DKR-MOB"]
    same = {"given_names": "Fatou", "family_name": "Diop", "date_of_birth": "1990-05-04"}
    a = await _register(create, casa_agent, **same)
    b = await _register(create, dakar_agent, **same)
    merged = await _register(create, casa_agent, **same)
    doc = await _register(create, dakar_agent, given_names="Awa", family_name="Sow", documents=PASSPORT)
    merged_doc = await _register(create, casa_agent, given_names="Khady", family_name="Badji", documents=PASSPORT)
    await _merge(sessionmaker, merged, a)
    await _merge(sessionmaker, merged_doc, a)
    assert set(await _block(sessionmaker, WHO)) == {a, b, doc}
    assert set(await _block(sessionmaker, WHO, desk_ids=[casa])) == {a}
    assert set(await _block(sessionmaker, WHO, desk_ids=[dakar])) == {b, doc}
    assert set(await _block(sessionmaker, WHO, desk_ids=[casa, dakar], exclude_id=a)) == {b, doc}
    assert set(await _block(sessionmaker, WHO, exclude_id=doc)) == {a, b}
    assert await _block(sessionmaker, WHO, desk_ids=[]) == []
    nobody = PersonKeys.of(given_names="Moussa", family_name="Sow", documents=["B7654321"])
    assert await _block(sessionmaker, nobody) == []


async def test_a_block_comes_documents_first_then_by_the_rarest_shared_key(
    create, casa_agent, sessionmaker, monkeypatch: pytest.MonkeyPatch
) -> None:  # type: ignore[no-untyped-def]
    doc = await _register(
        create, casa_agent, given_names="Awa", family_name="Sow", date_of_birth="1990-05-04", documents=PASSPORT
    )
    phone = await _register(create, casa_agent, given_names="Coumba", family_name="Badji", phones=[{"number": PHONE}])
    year = await _register(create, casa_agent, given_names="Fatou", family_name="Diop", date_of_birth="1990")
    dates = sorted(
        [
            await _register(create, casa_agent, given_names="Moussa", family_name="Sow", date_of_birth="1990-05-04"),
            await _register(create, casa_agent, given_names="Khady", family_name="Fall", date_of_birth="1990-05-04"),
        ],
        key=str,
    )
    # counts: gfx "fatu jop" 1, gfy "fatu jop 1990" 1, t 1, d 3 → the year's file, the phone's, the dates'
    found = await _blocked(sessionmaker, WHO)
    assert [r.id for r in found] == [doc, year, phone, *dates]
    # with their matching keys (verified phones and documents), for the caller to compare
    assert [sorted(r.keys.documents) for r in found] == [["A01234567"], [], [], [], []]
    assert [sorted(r.keys.phones) for r in found] == [[], [], [PHONE], [], []]
    assert [r.keys.date_of_birth for r in found] == ["1990-05-04", "1990", None, "1990-05-04", "1990-05-04"]
    monkeypatch.setattr(keys, "BLOCK_LIMIT", 3)
    assert await _block(sessionmaker, WHO) == [doc, year, phone]


async def test_a_block_uses_the_counts_given(create, casa_agent, sessionmaker) -> None:  # type: ignore[no-untyped-def]
    name = await _register(create, casa_agent, given_names="Fatou", family_name="Sow", date_of_birth="1990-05-04")
    date = await _register(create, casa_agent, given_names="Moussa", family_name="Sow", date_of_birth="1990-05-04")
    who = PersonKeys.of(given_names="Fatou", family_name="Diop", date_of_birth="1990-05-04")
    assert set(await _block(sessionmaker, who)) == {name, date}
    # told the date is common: only its combination with a name token ("1990-05-04 fatu") blocks
    common = {("d", "1990-05-04"): 26, ("dn", "1990-05-04 fatu"): 1}
    assert await _block(sessionmaker, who, counted=common) == [name]


# --- prefix_ids, equal_ids (a real database) -----------------------------------------------------


async def test_prefix_and_equal_ids_find_the_keys_of_one_kind_by_range(create, casa_agent, sessionmaker) -> None:  # type: ignore[no-untyped-def]
    awa = await _register(create, casa_agent, given_names="Awa", family_name="Sow")
    values = ["fa", "fat", "fatou", "fatz", "fau", "z", "zz", "zz9", "zzz", "9", "a"]
    async with sessionmaker() as session:
        await keys.insert_rows(session, [{"registrant_id": awa, "kind": "x", "value": v} for v in values])
        await keys.insert_rows(session, [{"registrant_id": awa, "kind": "y", "value": "fatou"}])
        await session.commit()

        async def found(stmt: Any) -> list[str]:
            query = stmt.with_only_columns(RegistrantKey.value).order_by(RegistrantKey.value)
            return list((await session.execute(query)).scalars())

        assert await found(keys.prefix_ids("x", "fat")) == ["fat", "fatou", "fatz"]
        assert await found(keys.prefix_ids("x", "zz")) == ["zz", "zz9", "zzz"]
        assert await found(keys.prefix_ids("x", "9")) == ["9"]
        assert await found(keys.prefix_ids("y", "fa")) == ["fatou"]
        assert await found(keys.equal_ids("x", "fat")) == ["fat"]
        assert await found(keys.equal_ids("y", "fat")) == []
        ids = select(RegistrantKey.registrant_id).where(RegistrantKey.kind == "w")
        assert set((await session.execute(ids)).scalars()) == {awa}
        assert list((await session.execute(keys.prefix_ids("x", "fatz"))).scalars()) == [awa]
        assert list((await session.execute(keys.equal_ids("y", "fatou"))).scalars()) == [awa]


# --- replace, insert_keys (a real database) ------------------------------------------------------


async def _stored(session: AsyncSession, registrant_id: uuid.UUID) -> set[tuple[str, str]]:
    rows = await session.execute(
        select(RegistrantKey.kind, RegistrantKey.value).where(RegistrantKey.registrant_id == registrant_id)
    )
    return {(kind, value) for kind, value in rows}


AWA_DIOP = {("f", "jop"), ("g", "awa"), ("gf", "awa jop"), ("gfx", "awa jop"), ("n", "awa"), ("n", "jop")}
AWA_DIOP |= {("w", "awa"), ("w", "diop"), ("s", "0awa"), ("s", "jb0diop"), ("s", "db0diop")}


async def test_replacing_the_keys_of_a_registrant_drops_the_old_ones(create, casa_agent, sessionmaker) -> None:  # type: ignore[no-untyped-def]
    awa = await _register(create, casa_agent, given_names="Awa", family_name="Sow")
    async with sessionmaker() as session:
        loaded = select(Registrant).where(Registrant.id == awa)
        loaded = loaded.options(selectinload(Registrant.phones), selectinload(Registrant.documents))
        registrant = (await session.execute(loaded)).scalar_one()
        registrant.family_name = "Diop"
        await keys.replace(session, registrant)
        assert await _stored(session, awa) == AWA_DIOP
        await session.rollback()


async def test_the_keys_of_a_new_registrant_are_inserted_without_a_delete(create, casa_agent, sessionmaker) -> None:  # type: ignore[no-untyped-def]
    awa = await _register(create, casa_agent, given_names="Awa", family_name="Sow")
    async with sessionmaker() as session:
        await session.execute(delete(RegistrantKey).where(RegistrantKey.registrant_id == awa))
        await keys.insert_keys(session, awa, PersonKeys.of(given_names="Awa", family_name="Diop"), extra=[("t", "98")])
        assert await _stored(session, awa) == AWA_DIOP | {("t", "98")}
        loaded = select(Registrant).where(Registrant.id == awa)
        loaded = loaded.options(selectinload(Registrant.phones), selectinload(Registrant.documents))
        registrant = (await session.execute(loaded)).scalar_one()
        registrant.given_names = "Khady"
        await keys.replace(session, registrant, new=True)  # the old rows stay: a new file has none
        assert await _stored(session, awa) == AWA_DIOP | {("t", "98")} | {
            ("f", "sow"), ("g", "kadi"), ("gf", "kadi sow"), ("gfx", "kadi sow"), ("n", "kadi"), ("n", "sow"),
            ("w", "khady"), ("w", "sow"), ("s", "xd0khady"), ("s", "kd0khady"), ("s", "s0sow"),
        }  # fmt: skip
        await keys.insert_rows(session, [])  # nothing to insert: no statement
        await session.rollback()


async def test_the_candidates_with_their_spellings_are_one_statement_and_what_the_two_reads_give(
    create, casa_agent, sessionmaker
) -> None:  # type: ignore[no-untyped-def]
    """:func:`pool.ranked_with_spellings` (a registration's candidates) gives what :func:`pool.ranked`
    then :func:`pool.with_spellings` give — the best ranked, their phones and documents, the files
    merged into them as spellings, no merged file itself — in one statement on PostgreSQL."""
    from app.registrants import pool

    same = {"given_names": "Fatou", "family_name": "Diop", "date_of_birth": "1990-05-04"}
    a = await _register(create, casa_agent, **same, phones=[{"number": "+212661234567"}], documents=PASSPORT)
    b = await _register(create, casa_agent, **same)
    spelt = await _register(create, casa_agent, given_names="Fatu", family_name="Jop", date_of_birth="1990-05-04")
    erased_spelling = await _register(create, casa_agent, given_names="Fatoumata", family_name="Diop")
    c = await _register(create, casa_agent, given_names="Awa", family_name="Sow")
    await _merge(sessionmaker, spelt, a)
    await _merge(sessionmaker, erased_spelling, a)
    async with sessionmaker() as session:
        await session.execute(
            update(Registrant).where(Registrant.id == erased_spelling).values(anonymised_at=dt.datetime.now(dt.UTC))
        )
        await session.commit()
    rank = {a: 2, b: 3, spelt: 1, c: 9}  # the merged file ranked first is no candidate itself (and takes a place)
    async with sessionmaker() as session:
        expected = await pool.with_spellings(session, await pool.ranked(session, rank, limit=3))
    statements: list[str] = []
    async with sessionmaker() as session:
        if session.get_bind().dialect.name == "postgresql":
            driver = await transaction_driver(session)
            driver.add_query_logger(lambda record: statements.append(record.query))
        found = await pool.ranked_with_spellings(session, rank, limit=3)
        await asyncio.sleep(0)  # asyncpg calls its query loggers soon, not at once
        sent = list(statements)  # before the session's closing ROLLBACK
    assert [k.id for k in found] == [a, b]
    assert found == expected
    assert [s.registration_number for s in found[0].spellings] == [s.registration_number for s in expected[0].spellings]
    assert len(found[0].spellings) == 1 and found[0].spellings[0].keys.phones == found[0].keys.phones
    assert found[0].keys.documents and found[1].spellings == ()
    if statements:
        assert len(sent) == 1, sent
    async with sessionmaker() as session:
        assert await pool.ranked_with_spellings(session, {}, limit=2) == []
