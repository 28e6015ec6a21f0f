"""Cell parsers of the legacy register: every date, sex, name, phone-list and status form."""

import pytest

from app.imports.cells import (
    expand_year,
    parse_legacy_date,
    parse_sex,
    parse_status,
    readable_name,
    split_phones,
)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("03/10/1980", "1980-10-03"),
        ("22.12.2002", "2002-12-22"),
        ("19-12-1967", "1967-12-19"),
        ("2019-06-02", "2019-06-02"),
        (" 03/06/2019 ", "2019-06-03"),
        ("3/6/2019", "2019-06-03"),
        ("vers 1985", "1985"),
        ("Vers 1985", "1985"),
        ("env. 1985", "1985"),
        ("~1985", "1985"),
        ("1985", "1985"),
        ("00/00/1979", "1979"),
        ("00/05/1979", "1979-05"),
        ("05/1979", "1979-05"),
        ("", None),
        ("   ", None),
    ],
)
def test_dates_in_every_written_form(raw: str, expected: str | None) -> None:
    assert parse_legacy_date(raw, reference_year=2019) == expected


@pytest.mark.parametrize(
    ("raw", "reference_year", "expected"),
    [
        ("03/10/68", 2019, "1968-10-03"),  # a birth in 1968, not 2068
        ("03/10/03", 2019, "2003-10-03"),  # a pupil born in 2003
        ("03/10/19", 2019, "2019-10-03"),  # the reference year itself is still 20yy
        ("03/10/20", 2019, "1920-10-03"),  # after the reference: the previous century
        ("16/11/21", 2026, "2021-11-16"),  # a registration date against the current year
        ("16.11.99", 2026, "1999-11-16"),
        ("16-11-00", 2026, "2000-11-16"),
    ],
)
def test_two_digit_years_pivot_on_the_reference_year(raw: str, reference_year: int, expected: str) -> None:
    assert parse_legacy_date(raw, reference_year=reference_year) == expected


def test_expand_year_boundaries() -> None:
    assert (expand_year(26, reference_year=2026), expand_year(27, reference_year=2026)) == (2026, 1927)


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ("31/02/1990", "impossible date '31/02/1990'"),
        ("12/13/1990", "impossible month in '12/13/1990'"),
        ("15/00/1990", "a day without a month in '15/00/1990'"),
        ("1850", "impossible year in '1850'"),
        ("hier", "unrecognised date 'hier'"),
        ("03/10-1980", "unrecognised date '03/10-1980'"),
    ],
)
def test_impossible_or_unknown_dates_raise(raw: str, message: str) -> None:
    with pytest.raises(ValueError, match="^" + message.replace("(", r"\(").replace(")", r"\)") + "$"):
        parse_legacy_date(raw, reference_year=2019)


def test_partial_dates_refused_where_a_full_date_is_needed() -> None:
    with pytest.raises(ValueError, match="incomplete date '1985'"):
        parse_legacy_date("1985", reference_year=2019, allow_partial=False)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("M", "male"),
        ("H", "male"),
        ("Homme", "male"),
        ("homme", "male"),
        (" m. ", "male"),
        ("F", "female"),
        ("f", "female"),
        ("Femme", "female"),
        ("Féminin", "female"),
        ("", "unknown"),
        ("  ", "unknown"),
    ],
)
def test_sex_in_every_written_form(raw: str, expected: str) -> None:
    assert parse_sex(raw) == expected


def test_unknown_sex_raises() -> None:
    with pytest.raises(ValueError, match="unrecognised sex 'X'"):
        parse_sex("X")


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("KANE", "Kane"),
        ("MANÉ", "Mané"),
        ("N'DIAYE", "N'Diaye"),
        ("  DIOP-SECK ", "Diop-Seck"),
        ("KA", "Ka"),
        ("Lô", "Lô"),
        ("N'Diaye", "N'Diaye"),
        ("McKane", "McKane"),
        ("  Aïssatou   Ndèye ", "Aïssatou Ndèye"),
        ("B", "B"),
    ],
)
def test_names_in_capitals_become_readable_spelling_kept(raw: str, expected: str) -> None:
    assert readable_name(raw) == expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("76-301-38-80", ["76-301-38-80"]),
        ("06 12 34 56 78 / 77 123 45 67", ["06 12 34 56 78", "77 123 45 67"]),
        ("0612345678;0712345678", ["0612345678", "0712345678"]),
        ("0612345678 ou +221771234567", ["0612345678", "+221771234567"]),
        ("pas de téléphone", []),
        ("Pas de tel", []),
        ("", []),
        ("inconnu", ["inconnu"]),
    ],
)
def test_phone_cells_split_into_numbers(raw: str, expected: list[str]) -> None:
    assert split_phones(raw) == expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("Étudiant", ("student", None)),
        ("Etudiant(e)", ("student", None)),
        ("Élève", ("student", None)),
        ("Stagiaire", ("trainee", None)),
        ("Salarié", ("worker", None)),
        ("Entrepreneur", ("entrepreneur", None)),
        ("Commerçant", ("entrepreneur", None)),
        ("Sans emploi", ("job_seeker", None)),
        ("Conjoint(e)", ("family_member", None)),
        ("Sans papiers", (None, "undocumented")),
        ("", (None, None)),
    ],
)
def test_register_status_maps_to_category_or_restricted_status(
    raw: str, expected: tuple[str | None, str | None]
) -> None:
    assert parse_status(raw) == expected


def test_unknown_status_raises() -> None:
    with pytest.raises(ValueError, match="unrecognised status 'Touriste'"):
        parse_status("Touriste")
