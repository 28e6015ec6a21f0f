"""What ``PersonKeys.of`` keeps of a person for duplicate scoring (pure, no database).

Every field it takes lands in the keys: names as folded tokens (a lone letter joined to the next
one), place of birth, host city and occupation folded to space-separated tokens, the e-mail
case-folded, typed documents' numbers added to the plain document numbers, the rest as given.
"""

from app.registrants.matching import PersonKeys


def _awa(**fields: object) -> PersonKeys:
    return PersonKeys.of(given_names="Ndèye Awa", family_name="N'Diaye", **fields)  # type: ignore[arg-type]


def test_names_are_kept_as_folded_tokens() -> None:
    keys = _awa()
    assert keys.given == ("ndeye", "awa")
    assert keys.family == ("ndiaye",)


def test_date_of_birth_sex_and_arrival_date_are_kept_as_given() -> None:
    keys = _awa(date_of_birth="1990-05-04", sex="female", arrival_date="2019-09-01")
    assert keys.date_of_birth == "1990-05-04"
    assert keys.sex == "female"
    assert keys.arrival_date == "2019-09-01"


def test_origin_region_code_is_kept_as_given() -> None:
    assert _awa(origin_region="SN-DK").origin_region == "SN-DK"


def test_phones_are_kept_as_a_set() -> None:
    keys = _awa(phones=["+221771234567", "+33612345678", "+221771234567"])
    assert keys.phones == frozenset({"+221771234567", "+33612345678"})


def test_typed_documents_numbers_join_the_plain_document_numbers() -> None:
    keys = _awa(documents=["A0012345"], typed_documents=[("passport", "B9876543"), ("national_id", "1 234 5678")])
    assert keys.typed_documents == frozenset({("passport", "B9876543"), ("national_id", "1 234 5678")})
    assert keys.documents == frozenset({"A0012345", "B9876543", "1 234 5678"})


def test_typed_documents_alone_give_the_document_numbers() -> None:
    keys = _awa(typed_documents=[("passport", "B9876543")])
    assert keys.documents == frozenset({"B9876543"})


def test_place_of_birth_is_folded_to_space_separated_tokens() -> None:
    assert _awa(place_of_birth="Saint-Louis").place_of_birth == "saint louis"
    assert _awa(place_of_birth="Thiès").place_of_birth == "thies"


def test_host_city_is_folded_to_space_separated_tokens() -> None:
    assert _awa(host_city="Clermont-Ferrand").host_city == "clermont ferrand"


def test_occupation_is_folded_to_space_separated_tokens() -> None:
    assert _awa(occupation="Aide-Soignante").occupation == "aide soignante"


def test_email_is_case_folded() -> None:
    assert _awa(email="Awa.NDIAYE@Example.SN").email == "awa.ndiaye@example.sn"


def test_a_place_city_or_occupation_without_letters_is_no_value() -> None:
    keys = _awa(place_of_birth="-", host_city="' ", occupation="--")
    assert (keys.place_of_birth, keys.host_city, keys.occupation) == (None, None, None)


def test_fields_not_given_are_empty() -> None:
    keys = _awa()
    assert (keys.date_of_birth, keys.sex, keys.arrival_date, keys.origin_region, keys.email) == (None,) * 5
    assert (keys.place_of_birth, keys.host_city, keys.occupation) == (None, None, None)
    assert keys.phones == keys.documents == keys.typed_documents == frozenset()
