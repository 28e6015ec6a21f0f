"""Fellegi–Sunter weights with term-frequency adjustments (pure functions, no database).

Expected weights are computed by hand from the module's documented m probabilities and the
smoothed term frequency ``(n + 100·typical) / (N + 100)``: with ``N = 900`` the denominator is
1,000, e.g. 10 people named Awa → ``u = (10 + 2) / 1000``, weight ``log2(0.70 / 0.012) = 5.87``.
"""

from __future__ import annotations

from app.registrants.linkage import Frequencies, compare, reasons
from app.registrants.matching import PersonKeys, phonetic

N = 900  # registry size: smoothed shares are (n + 100·typical) / 1000


def _p(given: str, family: str, dob: str | None = None, sex: str = "female", **kw: object) -> PersonKeys:
    return PersonKeys.of(given_names=given, family_name=family, date_of_birth=dob, sex=sex, **kw)  # type: ignore[arg-type]


FREQ = Frequencies({("g", "awa"): 10, ("f", phonetic("diop")): 100, ("f", phonetic("badji")): 2}, N)


def _levels(match: object) -> dict[str, tuple[str, float]]:
    return {c.field: (c.level, c.weight) for c in match.comparisons}  # type: ignore[attr-defined]


def test_weights_are_log2_of_m_over_u_and_the_prior_follows_the_registry_size() -> None:
    match = compare(_p("Awa", "Diop", "1990-05-04"), _p("Awa", "Diop", "1990-05-04"), FREQ)
    assert _levels(match) == {
        "given_names": ("exact", 5.87),  # log2(0.70 / ((10 + 2) / 1000))
        "family_name": ("exact", 2.96),  # log2(0.80 / ((100 + 3) / 1000))
        "date_of_birth": ("exact", 13.98),  # log2(0.90 / (1 / 18000))
        "sex": ("exact", 0.93),  # log2(0.95 / 0.5)
    }
    assert match.prior == -14.14  # log2(λ / (1 - λ)), λ = 0.05 / 900
    assert match.weight == round(-14.14 + 5.87 + 2.96 + 13.98 + 0.93, 2)
    assert reasons(match) == ["same_given_names", "same_family_name", "same_birth_date"]


def test_a_rare_family_name_weighs_more_than_a_common_one() -> None:
    rare = compare(_p("Awa", "Badji"), _p("Awa", "Badji"), FREQ)
    common = compare(_p("Awa", "Diop"), _p("Awa", "Diop"), FREQ)
    assert _levels(rare)["family_name"] == ("exact", 7.32)  # log2(0.80 / ((2 + 3) / 1000))
    assert _levels(common)["family_name"] == ("exact", 2.96)


def test_different_birth_date_sex_and_document_are_evidence_against() -> None:
    match = compare(
        _p("Awa", "Diop", "1990-05-04", "female", typed_documents=[("passport", "A01234567")]),
        _p("Awa", "Diop", "1971-11-23", "male", typed_documents=[("passport", "A07654321")]),
        FREQ,
    )
    levels = _levels(match)
    assert levels["date_of_birth"] == ("different", -5.57)  # log2(0.02 / 0.95)
    assert levels["sex"] == ("different", -3.32)  # log2(0.05 / 0.5)
    assert levels["document"] == ("different", -5.64)  # log2(0.02 / 1)
    assert match.probability < 0.001


def test_a_year_alone_is_compared_as_an_approximate_year() -> None:
    match = compare(_p("Awa", "Njaay", "1988"), _p("Awa", "Ndiaye", "1988-02-01"), FREQ)
    levels = _levels(match)
    assert levels["approximate_year"] == ("year", 5.23)  # log2(0.75 / (1 / 50))
    assert levels["family_name"][0] == "variant"


def test_reordered_and_shortened_given_names() -> None:
    reordered = compare(_p("Fatou Ndèye", "Sow"), _p("Ndeye Fatou", "Sow"), FREQ)
    shortened = compare(_p("Ndèye Fatou", "Sow"), _p("Ndeye", "Sow"), FREQ)
    assert _levels(reordered)["given_names"][0] == "variant"
    assert _levels(shortened)["given_names"][0] == "partial"


def test_sy_and_sylla_are_different_family_names() -> None:
    match = compare(_p("Ousmane", "Sy", "1985-01-01"), _p("Ousmane", "Sylla", "1985-01-01"), FREQ)
    assert _levels(match)["family_name"] == ("different", -7.49)  # log2(0.005 / 0.9)


def test_same_phone_counts_and_missing_values_weigh_nothing() -> None:
    match = compare(_p("Awa", "Diop", phones=["+221771234567"]), _p("Aminata", "Faye", phones=["+221771234567"]), FREQ)
    fields = [c.field for c in match.comparisons]
    assert fields == ["given_names", "family_name", "sex", "phone"]  # no birth date: not compared
    assert reasons(match)[-1] == "same_phone"
