"""The evidence each field brings to a possible duplicate's score, as the agent sees it.

Fellegi–Sunter with term-frequency adjustments (``app.registrants.linkage``): a field's weight is
``log2(m / u)`` bits, shown rounded to 2 decimals. Every expected weight below is computed here by
hand from the m and u probabilities the module documents (written out as numbers, not read from
the module) and from shares smoothed ``(n + 100·typical) / (N + 100)``: in a registry of N = 900
people the denominator is 1,000, e.g. a family name carried by 150 → ``(150 + 100·0.03) / 1000``.

Each test builds its own :class:`Frequencies` (the registry it talks about), never a shared one.
"""

from __future__ import annotations

import math
import uuid

import pytest

from app.registrants.linkage import Frequencies, Match, candidate, compare, reasons, shares_identifier
from app.registrants.matching import PersonKeys, phonetic_key
from app.registrants.pool import Known

N = 900  # smoothed shares are (n + 100·typical) / 1000


def bits(m: float, u: float) -> float:
    """The weight of an agreement level, by hand: log2(m / u), 2 decimals."""
    return round(math.log2(m / u), 2)


def person(given: str, family: str, dob: str | None = None, sex: str | None = "female", **kw: object) -> PersonKeys:
    return PersonKeys.of(given_names=given, family_name=family, date_of_birth=dob, sex=sex, **kw)  # type: ignore[arg-type]


def fields(match: Match) -> dict[str, tuple[str, float]]:
    return {c.field: (c.level, c.weight) for c in match.comparisons}


def birth(match: Match) -> tuple[str, str, float, float, float]:
    """The one birth-date comparison: field, level, weight, m, u."""
    (c,) = [c for c in match.comparisons if c.field in ("date_of_birth", "approximate_year")]
    return c.field, c.level, c.weight, c.m, c.u


# Documented levels of the birth date: (m, u) of each.
EXACT = ("date_of_birth", "exact", 0.90, 1 / 18_000)
MONTH = ("date_of_birth", "month", 0.90, 1 / 600)
SAME_YEAR = ("date_of_birth", "year", 0.05, 11 / 600)  # a mis-keyed month; 11 other months of 50 years
CLOSE = ("date_of_birth", "close", 0.05, 1 / 400)
NEAR_YEAR = ("date_of_birth", "near_year", 0.03, 2 / 50)
DIFFERENT = ("date_of_birth", "different", 0.02, 0.95)
YEAR = ("approximate_year", "year", 0.75, 1 / 50)
OTHER_YEAR = ("approximate_year", "different", 0.25, 0.98)


@pytest.mark.parametrize(
    ("new", "old", "expected", "reason"),
    [
        ("1990-05-04", "1990-05-04", EXACT, "same_birth_date"),
        ("1990-05-04", "1990-05-14", CLOSE, "close_birth_date"),  # the day mis-keyed
        ("1990-05-04", "1990-08-04", CLOSE, "close_birth_date"),  # the month mis-keyed
        ("1990-05-04", "1990-04-05", CLOSE, "close_birth_date"),  # day and month swapped
        ("1990-05-04", "1991-05-04", CLOSE, "close_birth_date"),  # one digit of the year off
        ("1985-05-04", "1958-05-04", CLOSE, "close_birth_date"),  # two digits of the year swapped
        ("1990-05-04", "1971-05-04", DIFFERENT, "different_birth_date"),  # same day, another year
        ("1990-05-04", "1991-11-23", DIFFERENT, "different_birth_date"),  # year one digit off, not the day
        ("1990-05-04", "1971-05-23", DIFFERENT, "different_birth_date"),  # same month only
        ("1990-05-04", "1990-11-23", DIFFERENT, "different_birth_date"),  # same year only
        ("1990-05", "1990-05-17", MONTH, "same_birth_month"),
        ("1990-05-17", "1990-05", MONTH, "same_birth_month"),
        ("1990-05", "1990-05", MONTH, "same_birth_month"),
        # known to the month: another month of the same year is a mis-keyed month (slightly for,
        # +1.45 bits), never weighed as far against as another year (−5.57 bits)
        ("1990-05", "1990-08-17", SAME_YEAR, "same_birth_year"),
        ("1990-08-17", "1990-05", SAME_YEAR, "same_birth_year"),
        ("1990-05", "1990-11", SAME_YEAR, "same_birth_year"),
        ("1990-05", "1991-05-17", NEAR_YEAR, "different_birth_year"),
        ("1991-05-17", "1990-05", NEAR_YEAR, "different_birth_year"),
        ("1990-05", "1992-05-17", DIFFERENT, "different_birth_date"),
        ("1988", "1988-02-01", YEAR, "same_birth_year"),
        ("1988-02-01", "1988", YEAR, "same_birth_year"),
        ("1985", "1990-05-04", OTHER_YEAR, "different_birth_year"),
        ("1990-05-04", "1985", OTHER_YEAR, "different_birth_year"),
    ],
)
def test_each_birth_date_agreement_level_adds_its_documented_weight(
    new: str, old: str, expected: tuple[str, str, float, float], reason: str
) -> None:
    freq = Frequencies({}, N)
    match = compare(person("Aïssatou", "Fall", new), person("Aïssatou", "Fall", old), freq)
    field, level, m, u = expected
    assert birth(match) == (field, level, bits(m, u), m, pytest.approx(u, abs=1e-9))
    assert reason in reasons(match)


@pytest.mark.parametrize(("new", "old"), [("1990-05-04", None), (None, "1990-05-04"), ("1988", None)])
def test_a_birth_date_known_on_one_side_only_weighs_nothing(new: str | None, old: str | None) -> None:
    match = compare(person("Fatou", "Sow", new), person("Fatou", "Sow", old), Frequencies({}, N))
    assert [c.field for c in match.comparisons] == ["given_names", "family_name", "sex"]


def test_a_name_carried_once_weighs_more_than_a_common_one() -> None:
    """The record itself counts: a given name no one else carries has ``n = 1``."""
    freq = Frequencies({("g", phonetic_key("Mamadou")): 120}, N)
    rare = compare(person("Khadidiatou", "Ndiaye"), person("Khadidiatou", "Ndiaye"), freq)
    unseen = compare(person("Seynabou", "Ndiaye"), person("Seynabou", "Ndiaye"), freq)
    once = Frequencies({("g", phonetic_key("Seynabou")): 1}, N)
    counted_once = compare(person("Seynabou", "Ndiaye"), person("Seynabou", "Ndiaye"), once)
    common = compare(person("Mamadou", "Ndiaye", sex="male"), person("Mamadou", "Ndiaye", sex="male"), freq)
    assert fields(rare)["given_names"] == ("exact", bits(0.70, (1 + 2) / 1000))
    assert fields(unseen)["given_names"] == ("exact", bits(0.70, (1 + 2) / 1000))
    assert fields(counted_once)["given_names"] == ("exact", bits(0.70, (1 + 2) / 1000))
    assert fields(common)["given_names"] == ("exact", bits(0.70, (120 + 2) / 1000))


def test_a_double_given_name_is_weighed_by_the_frequency_of_the_whole_name() -> None:
    freq = Frequencies({("g", phonetic_key("Ndèye Fatou")): 40}, N)
    match = compare(person("Ndèye Fatou", "Diop"), person("Ndey Fatu", "Diop"), freq)
    assert fields(match)["given_names"] == ("variant", bits(0.17, (40 + 2) / 1000))
    exact = compare(person("Ndèye Fatou", "Diop"), person("Ndèye Fatou", "Diop"), freq)
    assert fields(exact)["given_names"] == ("exact", bits(0.70, (40 + 2) / 1000))


def test_a_spelling_variant_is_weighed_by_the_frequency_of_the_name() -> None:
    """Ndiaye/Njaay and Mamadou/Mouhamadou (DOMAIN.md): a variant of a name half the registry
    carries is hardly evidence at all, here even slightly against."""
    freq = Frequencies({("f", phonetic_key("Ndiaye")): 150, ("g", phonetic_key("Mamadou")): 60}, N)
    match = compare(person("Mamadou", "Ndiaye", sex="male"), person("Mouhamadou", "Njaay", sex="male"), freq)
    assert fields(match)["given_names"] == ("variant", bits(0.17, (60 + 2) / 1000))
    assert fields(match)["family_name"] == ("variant", bits(0.15, (150 + 3) / 1000))
    assert fields(match)["family_name"][1] < 0
    assert not match.agreeing("family_name")
    assert match.agreeing("given_names")
    assert reasons(match) == ["name_variant"]


def test_a_field_agrees_only_when_it_adds_bits() -> None:
    """A variant of Ndiaye, carried by 147 of 900, has u = (147 + 3) / 1000 = 0.15 = m: 0 bits,
    not agreement; the same sex adds 0.93 bits, less than one but agreement."""
    freq = Frequencies({("f", phonetic_key("Ndiaye")): 147}, N)
    match = compare(person("Cheikh", "Ndiaye", sex="male"), person("Cheikh", "Njaay", sex="male"), freq)
    assert fields(match)["family_name"] == ("variant", bits(0.15, 0.15)) == ("variant", 0.0)
    assert not match.agreeing("family_name")
    assert fields(match)["sex"] == ("exact", bits(0.95, 0.5))
    assert match.agreeing("sex")


def test_names_typed_in_each_others_column_are_swapped_weighed_as_a_variant() -> None:
    """ "DIOP Pape", the family name said first and typed as the given name: each name agrees with
    the other's column at the weight of another spelling (m 0.17 and 0.15), its u the share of the
    name in the column it belongs to (Pape as a given name, Diop as a family name)."""
    freq = Frequencies({("g", phonetic_key("Pape")): 40, ("f", phonetic_key("Diop")): 120}, N)
    match = compare(person("Diop", "Pape", "1981-07-10", "male"), person("Pape", "Diop", "1981-07-10", "male"), freq)
    assert fields(match)["given_names"] == ("swapped", bits(0.17, (40 + 2) / 1000))
    assert fields(match)["family_name"] == ("swapped", bits(0.15, (120 + 3) / 1000))
    assert reasons(match)[0] == "names_swapped"
    assert match.probability >= 0.5
    one_swapped = compare(person("Serigne", "Cheikh Sy"), person("Cheikh", "Serigne"), freq)
    assert fields(one_swapped)["family_name"][0] == "swapped"
    assert fields(one_swapped)["given_names"][0] == "partial"  # Cheikh Sy written Cheikh


def test_names_in_their_own_columns_are_never_read_swapped() -> None:
    """Reading the names across the columns is an alternative, not an extra: the same names in
    their own columns stay ``exact``, and one name agreeing across the columns while the other
    differs is no swap."""
    freq = Frequencies({}, N)
    same = compare(person("Sall", "Sall"), person("Sall", "Sall"), freq)
    assert fields(same)["given_names"][0] == fields(same)["family_name"][0] == "exact"
    others = compare(person("Awa", "Ndiaye", "1990-01-02"), person("Ndiaye", "Fall", "1990-01-02"), freq)
    assert {fields(others)["given_names"][0], fields(others)["family_name"][0]} <= {"different", "similar"}
    assert others.probability < 0.5


@pytest.mark.parametrize(("new", "old"), [("El Hadji", "Elhadji"), ("Elhadji", "El Hadji")])
def test_a_compound_name_written_in_one_word_is_a_variant(new: str, old: str) -> None:
    match = compare(person(new, "Sow", sex="male"), person(old, "Sow", sex="male"), Frequencies({}, N))
    assert fields(match)["given_names"] == ("variant", bits(0.17, (1 + 2) / 1000))


def test_a_shortened_given_name_counts_its_rarest_shared_name() -> None:
    """ "Ndèye Fatou" and "Fatou Ndèye Coumba" share Ndèye and Fatou: Fatou, the rarer, is the
    evidence (u is the share of its name token, ``n`` keys)."""
    freq = Frequencies({("n", phonetic_key("Ndèye")): 80, ("n", phonetic_key("Fatou")): 30}, N)
    match = compare(person("Ndèye Fatou", "Gueye"), person("Fatou Ndèye Coumba", "Gueye"), freq)
    assert fields(match)["given_names"] == ("partial", bits(0.08, (30 + 2) / 1000))
    assert reasons(match)[0] == "given_name_overlap"


def test_a_shared_part_of_a_family_name_counts_a_fixed_chance() -> None:
    """A family name overlap is ``u = 0.01`` whatever the frequency of the shared token."""
    freq = Frequencies({("n", phonetic_key("Diop")): 100}, N)
    match = compare(person("Moussa", "Diop Fall", sex="male"), person("Moussa", "Diop", sex="male"), freq)
    assert fields(match)["family_name"] == ("partial", bits(0.02, 0.01))
    assert "family_name_overlap" in reasons(match)


@pytest.mark.parametrize(
    ("new", "old"),
    [
        ("Aminata", "Aminta"),  # a letter dropped
        ("Lamine", "Lemine"),  # the Mauritanian spelling: Jaro–Winkler exactly 0.9, the bar
    ],
)
def test_a_misspelt_given_name_is_similar(new: str, old: str) -> None:
    match = compare(person(new, "Faye"), person(old, "Faye"), Frequencies({}, N))
    (c,) = [c for c in match.comparisons if c.field == "given_names"]
    assert (c.level, c.weight, c.m, c.u) == ("similar", bits(0.04, 0.01), 0.04, 0.01)
    assert reasons(match)[0] == "similar_name"


@pytest.mark.parametrize(("new", "old"), [("Pape Moussa", "Pamoussa"), ("Pamoussa", "Pape Moussa")])
def test_a_double_given_name_run_together_as_it_is_said_is_a_variant(new: str, old: str) -> None:
    # Pa is Pape (the Gambian Pa Moussa), written as one word: a compound joined, not a misspelling
    match = compare(person(new, "Faye"), person(old, "Faye"), Frequencies({}, N))
    (c,) = [c for c in match.comparisons if c.field == "given_names"]
    assert c.level == "variant"
    assert reasons(match)[0] == "name_variant"


def test_a_given_name_missing_on_one_side_weighs_nothing() -> None:
    for new, old in (("", "Fatou"), ("Fatou", "")):
        match = compare(person(new, "Diallo"), person(old, "Diallo"), Frequencies({}, N))
        assert [c.field for c in match.comparisons] == ["family_name", "sex"]


def test_sex_is_compared_only_when_known_on_both_sides() -> None:
    freq = Frequencies({}, N)
    men = compare(person("Cheikh", "Mbaye", sex="male"), person("Cheikh", "Mbaye", sex="male"), freq)
    assert fields(men)["sex"] == ("exact", bits(0.95, 0.5))
    for new, old in (("female", None), (None, "female"), ("male", "unknown"), ("unknown", "male")):
        match = compare(person("Awa", "Mbaye", sex=new), person("Awa", "Mbaye", sex=old), freq)
        assert "sex" not in fields(match)


def test_the_same_document_number_is_strong_evidence_and_an_identifier() -> None:
    freq = Frequencies({}, N)
    match = compare(
        person("Ousmane", "Sarr", sex="male", typed_documents=[("passport", "A01234567")]),
        person("Ousmane", "Sarr", sex="male", typed_documents=[("passport", "A01234567")]),
        freq,
    )
    (c,) = [c for c in match.comparisons if c.field == "document"]
    assert (c.level, c.weight, c.m, c.u) == ("exact", bits(0.98, 1e-7), 0.98, pytest.approx(1e-7))
    assert reasons(match)[-1] == "same_document"
    assert shares_identifier(match)


def test_documents_of_different_types_are_not_compared() -> None:
    """A passport number and an ID card number say nothing about each other."""
    match = compare(
        person("Ousmane", "Sarr", sex="male", typed_documents=[("passport", "A01234567")]),
        person("Ousmane", "Sarr", sex="male", typed_documents=[("national_id", "1751199001234")]),
        Frequencies({}, N),
    )
    assert "document" not in fields(match)
    assert not shares_identifier(match)


def test_a_household_phone_counts_less_than_a_personal_one() -> None:
    """Phone keys are the digits reversed (``+221771234567`` → ``765432177122``); a phone shared
    by 50 registrants is ``u = (50 + 100·0.0001) / 1000``. The new record's other phone, not
    shared, does not enter the evidence."""
    freq = Frequencies({("t", "765432177122"): 50}, N)
    household = compare(
        person("Astou", "Cissé", phones=["+221771234567", "+221770345678"]),
        person("Aïssatou", "Cisse", phones=["+221771234567"]),
        freq,
    )
    (c,) = [c for c in household.comparisons if c.field == "phone"]
    assert (c.level, c.weight) == ("exact", bits(0.5, (50 + 0.01) / 1000))
    assert shares_identifier(household)
    own = compare(
        person("Astou", "Cissé", phones=["+221770345678"]), person("Astou", "Cisse", phones=["+221770345678"]), freq
    )
    assert fields(own)["phone"] == ("exact", bits(0.5, (1 + 0.01) / 1000))


@pytest.mark.parametrize(
    ("new", "old"),
    [
        ({"unverified_phones": ["00771234567"]}, {"phones": ["+221771234567"]}),  # 0077 123 45 67 typed
        ({"phones": ["+221771234567"]}, {"unverified_phones": ["00771234567"]}),
        ({"unverified_phones": ["0771234567"]}, {"unverified_phones": ["00771234567"]}),
        ({"unverified_phones": ["771234567"]}, {"phones": ["+212771234567"]}),  # Morocco's ends alike
    ],
)
def test_an_unverified_phone_agrees_with_any_phone_by_its_last_9_digits_at_half_the_m(
    new: dict[str, list[str]], old: dict[str, list[str]]
) -> None:
    """A number the desk could not verify: its last 9 digits (the ``p`` key ``771234567``), carried
    by 50 registrants here (a household), u ``(50 + 100·0.0001) / 1000``, m 0.25 (exact: 0.5)."""
    freq = Frequencies({("p", "771234567"): 50, ("t", "765432177122"): 50}, N)
    match = compare(person("Astou", "Cissé", **new), person("Aïssatou", "Cisse", **old), freq)  # type: ignore[arg-type]
    assert [(c.level, c.weight, c.m) for c in match.comparisons if c.field == "phone"] == [
        ("last_digits", bits(0.25, (50 + 0.01) / 1000), 0.25)
    ]
    assert reasons(match)[-1] == "same_phone_last_digits"
    assert shares_identifier(match)


def test_two_verified_phones_agree_in_full_only_an_unverified_one_by_its_end() -> None:
    """``+221 77 123 45 67`` and ``+212 7 71 23 45 67`` end alike but are two phones; the same end
    typed unverified may be either."""
    senegal, morocco = {"phones": ["+221771234567"]}, {"phones": ["+212771234567"]}
    both = compare(person("Astou", "Cissé", **senegal), person("Astou", "Cissé", **morocco), Frequencies({}, N))  # type: ignore[arg-type]
    assert "phone" not in fields(both)
    typed = {"phones": ["+221771234567"], "unverified_phones": ["771234567"]}
    either = compare(person("Astou", "Cissé", **typed), person("Astou", "Cissé", **morocco), Frequencies({}, N))  # type: ignore[arg-type]
    assert fields(either)["phone"] == ("last_digits", bits(0.25, (1 + 0.01) / 1000))


def test_different_phones_are_not_evidence_against() -> None:
    """People change phones (m of ``different`` = u): two different numbers are not compared."""
    match = compare(
        person("Astou", "Cissé", phones=["+221771234567"]),
        person("Astou", "Cissé", phones=["+221781234567"]),
        Frequencies({}, N),
    )
    assert "phone" not in fields(match)
    assert not shares_identifier(match)


def test_place_region_city_occupation_and_arrival_weigh_by_frequency() -> None:
    freq = Frequencies({("b", "dakar"): 300, ("r", "SN-DK"): 200, ("c", "casablanca"): 600, ("o", "commercant"): 90}, N)
    kw: dict[str, object] = {
        "place_of_birth": "Dakar",
        "origin_region": "SN-DK",
        "host_city": "Casablanca",
        "occupation": "Commerçant",
        "arrival_date": "2015-09-01",
    }
    match = compare(person("Moussa", "Ba", sex="male", **kw), person("Moussa", "Bah", sex="male", **kw), freq)
    assert [(c.field, c.level, c.weight) for c in match.comparisons][3:] == [
        ("place_of_birth", "exact", bits(0.85, (300 + 10) / 1000)),
        ("origin_region", "exact", bits(0.85, (200 + 8) / 1000)),
        ("host_city", "exact", bits(0.75, (600 + 10) / 1000)),
        ("occupation", "exact", bits(0.6, (90 + 10) / 1000)),
        ("arrival_date", "exact", bits(0.70, 1 / 7000)),
    ]
    assert reasons(match)[-5:] == [
        "same_place_of_birth",
        "same_origin_region",
        "same_host_city",
        "same_occupation",
        "same_arrival_date",
    ]


def test_different_place_region_city_occupation_and_arrival_are_evidence_against() -> None:
    new = person(
        "Moussa", "Ba", sex="male", place_of_birth="Dakar", origin_region="SN-DK", host_city="Casablanca",
        occupation="Commerçant", arrival_date="2015-09-01",
    )  # fmt: skip
    old = person(
        "Moussa", "Ba", sex="male", place_of_birth="Thiès", origin_region="SN-TH", host_city="Rabat",
        occupation="Étudiant", arrival_date="2019-10-01",
    )  # fmt: skip
    match = compare(new, old, Frequencies({}, N))
    assert [(c.field, c.level, c.weight) for c in match.comparisons][3:] == [
        ("place_of_birth", "different", bits(0.15, 0.8)),
        ("origin_region", "different", bits(0.15, 0.8)),
        ("host_city", "different", bits(0.25, 0.85)),
        ("occupation", "different", bits(0.4, 0.9)),
        ("arrival_date", "different", bits(0.30, 1.0)),
    ]


@pytest.mark.parametrize("field", ["place_of_birth", "origin_region", "host_city", "occupation", "arrival_date"])
def test_a_value_known_on_one_side_only_weighs_nothing(field: str) -> None:
    value = {"origin_region": "SN-DK", "arrival_date": "2015-09-01"}.get(field, "Dakar")
    for new, old in ((person("Moussa", "Ba", **{field: value}), person("Moussa", "Ba")),
                     (person("Moussa", "Ba"), person("Moussa", "Ba", **{field: value}))):  # fmt: skip
        assert field not in fields(compare(new, old, Frequencies({}, N)))


def test_the_prior_is_the_return_rate_over_the_registry_size() -> None:
    """λ = 0.05 / N: log2(λ / (1 - λ)); a registry of one (or an empty one) is λ = 0.05."""
    a, b = person("Fatou", "Diop"), person("Fatou", "Diop")
    for size, lam in ((0, 0.05), (1, 0.05), (2, 0.025), (900, 0.05 / 900)):
        assert compare(a, b, Frequencies({}, size)).prior == round(math.log2(lam / (1 - lam)), 2)


def test_the_probability_is_the_logistic_of_the_prior_plus_every_field() -> None:
    """P = 1 / (1 + 2^-W), W = log2(λ / (1 - λ)) + the fields' weights, in a registry of one."""
    match = compare(person("Fatou", "Diop", "1990-05-04"), person("Fatou", "Diop", "1990-05-14"), Frequencies({}, 1))
    field_weights = [
        bits(0.70, (1 + 2) / 101),  # given name, n = 1 in a registry of 1: (1 + 2) / (1 + 100)
        bits(0.80, (1 + 3) / 101),
        bits(0.05, 1 / 400),  # day mis-keyed
        bits(0.95, 0.5),
    ]
    assert [c.weight for c in match.comparisons] == field_weights
    w = math.log2(0.05 / 0.95) + sum(field_weights)
    assert match.weight == round(w, 2)
    assert match.probability == pytest.approx(1 / (1 + 2**-w), rel=1e-9)


def test_the_probability_of_a_doubtful_pair_in_a_large_registry() -> None:
    """Fatou Diop, a common name, with a mis-keyed day in a registry of 900: W ≈ -2.4 bits, a
    probability of 0.156, neither flagged at import (0.5) nor shown at the counter (0.2)."""
    freq = Frequencies({("g", phonetic_key("Fatou")): 50, ("f", phonetic_key("Diop")): 120}, N)
    match = compare(person("Fatou", "Diop", "1990-05-04"), person("Fatou", "Diop", "1990-05-14"), freq)
    lam = 0.05 / N
    w = (
        math.log2(lam / (1 - lam))
        + bits(0.70, 52 / 1000)
        + bits(0.80, 123 / 1000)
        + bits(0.05, 1 / 400)
        + bits(0.95, 0.5)
    )
    assert match.probability == pytest.approx(1 / (1 + 2**-w), rel=1e-9)
    assert match.probability < 0.2
    shown = candidate(match, Known(
        id=uuid.uuid4(), registration_number="CAS-2020-000042", desk_id=uuid.uuid4(), given_names="Fatou",
        family_name="Diop", date_of_birth="1990-05-14", sex="female", keys=person("Fatou", "Diop", "1990-05-14"),
    ))  # fmt: skip
    assert (shown.score, shown.strength) == (round(1 / (1 + 2**-w), 3), "possible")
    assert shown.score == 0.156
    assert shown.reasons == ["same_given_names", "same_family_name", "close_birth_date"]


def test_a_candidate_shows_each_field_its_weight_and_the_score() -> None:
    freq = Frequencies({("g", phonetic_key("Fatou")): 50, ("f", phonetic_key("Diop")): 120}, N)
    match = compare(
        person("Fatou", "Diop", "1990-05-04", phones=["+221771234567"]),
        person("Fatou", "Joob", "1990-05-04", phones=["+221771234567"]),
        freq,
    )
    registrant, desk = uuid.uuid4(), uuid.uuid4()
    on_file = person("Fatou", "Joob", "1990-05-04", phones=["+221771234567"])
    shown = candidate(match, Known(
        id=registrant, registration_number="CAS-2021-000123", desk_id=desk, given_names="Fatou",
        family_name="Joob", date_of_birth="1990-05-04", sex="female", keys=on_file,
    ))  # fmt: skip
    lam = 0.05 / N
    prior = math.log2(lam / (1 - lam))
    rows = [
        ("given_names", "exact", 0.70, 52 / 1000),
        ("family_name", "variant", 0.15, 123 / 1000),
        ("date_of_birth", "exact", 0.90, 1 / 18_000),
        ("sex", "exact", 0.95, 0.5),
        ("phone", "exact", 0.5, (1 + 0.01) / 1000),
    ]
    w = prior + sum(bits(m, u) for _, _, m, u in rows)
    score = 0.999  # 1 / (1 + 2**-w) ≈ 0.99993: below 1, never rounded up to a certainty
    assert 0.999 < 1 / (1 + 2**-w) < 1
    assert shown.model_dump() == {
        "id": registrant,
        "registration_number": "CAS-2021-000123",
        "desk_id": desk,
        "given_names": "Fatou",
        "family_name": "Joob",
        "date_of_birth": "1990-05-04",
        "sex": "female",
        "score": score,
        "strength": "strong" if score >= 0.9 else "possible",
        "reasons": ["same_given_names", "name_variant", "same_birth_date", "same_phone"],
        "match_weight": round(w, 2),
        "prior_weight": round(prior, 2),
        "comparisons": [
            {"field": f, "level": level, "weight": bits(m, u), "m": m, "u": pytest.approx(u, abs=1e-9)}
            for f, level, m, u in rows
        ],
        "through": None,
    }
    assert shown.strength == "strong"
