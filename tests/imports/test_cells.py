"""Cell parsers of the legacy register: every date, sex, name, phone-list and status form."""

import datetime as dt

import pytest

from app.imports.cells import (
    LegacyDate,
    expand_year,
    parse_legacy_date,
    parse_sex,
    parse_status,
    partial_date_span,
    read_legacy_date,
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
        ("14 mai 1990", "1990-05-14"),
        ("1er janvier 1985", "1985-01-01"),
        ("1ER JANVIER 1985", "1985-01-01"),
        ("mai 1990", "1990-05"),
        ("Mai 1990", "1990-05"),
        ("fevrier 1990", "1990-02"),
        ("Février 1990", "1990-02"),
        ("14 aout 1990", "1990-08-14"),
        ("14 août 1990", "1990-08-14"),
        ("3 décembre 1970", "1970-12-03"),
        ("3 DECEMBRE 1970", "1970-12-03"),
        ("janv. 1985", "1985-01"),
        ("févr. 1985", "1985-02"),
        ("7 juil. 1985", "1985-07-07"),
        ("sept. 1990", "1990-09"),
        ("déc 1990", "1990-12"),
        ("fév. 1985", "1985-02"),  # as a Moroccan (fr_MA) spreadsheet abbreviates
        ("14-mai-1990", "1990-05-14"),
        ("14/mai/1990", "1990-05-14"),
        ("14 May 1990", "1990-05-14"),
        ("May 14, 1990", "1990-05-14"),
        ("May 14th, 1990", "1990-05-14"),
        ("January 1985", "1985-01"),
        ("Aug 1990", "1990-08"),
    ],
)
def test_dates_written_out_with_a_french_or_english_month_name(raw: str, expected: str) -> None:
    assert parse_legacy_date(raw, reference_year=2019) == expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("05/90", "1990-05"),
        ("mai 90", "1990-05"),
        ("14-mai-90", "1990-05-14"),  # Excel's j-mmm-aa
        ("05/00", "2000-05"),
    ],
)
def test_a_month_and_a_two_digit_year(raw: str, expected: str) -> None:
    assert parse_legacy_date(raw, reference_year=2019) == expected


@pytest.mark.parametrize(
    ("raw", "message", "message_fr"),
    [
        (
            "12/05",
            "'12/05' may be a day and a month without a year: write the year with four digits",
            "« 12/05 » peut être un jour et un mois sans année : écrivez l'année sur quatre chiffres",
        ),
        (
            "mai 14",
            "'mai 14' may be a day and a month without a year: write the year with four digits",
            "« mai 14 » peut être un jour et un mois sans année : écrivez l'année sur quatre chiffres",
        ),
        ("14 mai", "unrecognised date '14 mai'", "date non reconnue « 14 mai »"),
        ("jui. 1990", "unrecognised date 'jui. 1990'", "date non reconnue « jui. 1990 »"),  # juin or juillet?
        ("lundi 14 mai 1990", "unrecognised date 'lundi 14 mai 1990'", "date non reconnue « lundi 14 mai 1990 »"),
        ("14 mai 1990 à Dakar", "unrecognised date '14 mai 1990 à Dakar'", "date non reconnue « 14 mai 1990 à Dakar »"),
        ("30 février 1990", "impossible date '30 février 1990'", "date impossible « 30 février 1990 »"),
        ("14 mai 1850", "impossible year in '14 mai 1850'", "année impossible dans « 14 mai 1850 »"),
    ],
)
def test_a_date_read_two_ways_or_not_a_date_is_refused_saying_why(raw: str, message: str, message_fr: str) -> None:
    with pytest.raises(ValueError) as refused:
        parse_legacy_date(raw, reference_year=2019)
    assert (str(refused.value), getattr(refused.value, "fr", None)) == (message, message_fr)


def test_a_two_digit_year_keeps_the_year_of_the_other_century() -> None:
    assert read_legacy_date("12/05/90", reference_year=2019) == LegacyDate("1990-05-12", "12/05/90", 2090)
    assert read_legacy_date("03/10/03", reference_year=2019) == LegacyDate("2003-10-03", "03/10/03", 1903)
    assert read_legacy_date(" 14 mai 1990 ", reference_year=2019) == LegacyDate("1990-05-14", "14 mai 1990", None)


def test_the_other_century_of_a_day_it_lacks_is_none() -> None:
    assert read_legacy_date("03/10/03", reference_year=2019).in_other_century() == "1903-10-03"  # type: ignore[union-attr]
    assert read_legacy_date("29/02/00", reference_year=2019).in_other_century() is None  # type: ignore[union-attr]
    assert read_legacy_date("1990", reference_year=2019).in_other_century() is None  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("partial", "first", "last"),
    [
        ("1985", dt.date(1985, 1, 1), dt.date(1985, 12, 31)),
        ("1988-02", dt.date(1988, 2, 1), dt.date(1988, 2, 29)),
        ("1985-12", dt.date(1985, 12, 1), dt.date(1985, 12, 31)),
        ("1985-05-14", dt.date(1985, 5, 14), dt.date(1985, 5, 14)),
    ],
)
def test_partial_date_span(partial: str, first: dt.date, last: dt.date) -> None:
    assert partial_date_span(partial) == (first, last)


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
