"""Duplicate scoring on the spelling variants of DOMAIN.md (pure functions, no database)."""

import pytest

from app.registrants import matching
from app.registrants.matching import PersonKeys, score


@pytest.mark.parametrize(
    "group",
    [
        ("Ndiaye", "N'Diaye", "Njaay", "NDIAYE", "ndiaye"),
        ("Diop", "Joob"),
        ("Ndao", "Ndaw"),
        ("Diouf", "Juuf"),
        ("Thiam", "Caam"),
        ("Seck", "Sek"),
        ("Mbaye", "M'Baye", "Mbay"),
        ("Fall", "Faal"),
        ("Sarr", "Saar"),
        ("Ba", "Bah"),
        ("Diallo", "Jallo"),
        ("Gueye", "Guèye", "GUEYE"),
        ("Mouhamadou", "Mamadou", "Mohamadou", "Modou", "Muhammad"),
        ("Amadou", "Ahmadou"),
        ("Aïssatou", "Aissatou", "Astou"),
        ("Ndèye", "Ndeye"),
        ("Cissé", "Cisse"),
    ],
)
def test_variant_spellings_share_one_phonetic_key(group: tuple[str, ...]) -> None:
    keys = {matching.phonetic_key(name) for name in group}
    assert len(keys) == 1, keys


def test_sy_and_sylla_are_different_names() -> None:
    assert matching.phonetic_key("Sy") == "si"
    assert matching.phonetic_key("Sylla") == "sila"


def test_distinct_common_names_stay_distinct() -> None:
    keys = [matching.phonetic_key(n) for n in ("Ndiaye", "Diop", "Diallo", "Faye", "Fall", "Sy", "Sall", "Seck")]
    assert len(set(keys)) == len(keys)


def _p(given: str, family: str, dob: str | None = None, sex: str = "male", **kw: object) -> PersonKeys:
    return PersonKeys.of(given_names=given, family_name=family, date_of_birth=dob, sex=sex, **kw)  # type: ignore[arg-type]


def test_mouhamadou_and_mamadou_ndiaye_same_birth_date_is_a_strong_candidate() -> None:
    value, reasons = score(_p("Mouhamadou", "Ndiaye", "1990-05-04"), _p("Mamadou", "N'Diaye", "1990-05-04"))
    assert value == 0.6
    assert reasons == ["same_family_name", "name_variant", "same_birth_date"]
    assert matching.strength(value) == "strong"


def test_njaay_and_ndiaye_are_a_name_variant() -> None:
    value, reasons = score(_p("Awa", "Njaay", "1988", "female"), _p("Awa", "Ndiaye", "1988-02-01", "female"))
    assert reasons == ["name_variant", "same_given_names", "same_birth_year"]
    assert value == 0.45


def test_sy_versus_sylla_is_at_most_possible_and_never_the_same_name() -> None:
    value, reasons = score(_p("Ousmane", "Sy", "1985-01-01"), _p("Ousmane", "Sylla", "1985-01-01"))
    assert value == 0.45
    assert reasons == ["same_given_names", "same_birth_date"]
    assert matching.strength(value) == "possible"


def test_same_phone_and_document_dominate() -> None:
    value, reasons = score(
        _p("Awa", "Diop", phones=["+221771234567"], documents=["A01234567"]),
        _p("Aminata", "Faye", phones=["+221771234567"], documents=["A01234567"]),
    )
    assert reasons == ["same_document", "same_phone"]
    assert value == 0.9


def test_different_birth_year_and_sex_lower_the_score() -> None:
    value, reasons = score(_p("Awa", "Diop", "1990", "female"), _p("Awa", "Diop", "1970", "male"))
    assert reasons == ["same_family_name", "same_given_names", "different_birth_year", "different_sex"]
    assert value == 0.0
