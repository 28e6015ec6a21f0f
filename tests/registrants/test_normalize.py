"""Normalisation of phones, document numbers, partial dates, names and e-mail addresses."""

import datetime as dt
import uuid

import pytest

from app.registrants.normalize import (
    LIKELY_SENEGALESE,
    ParsedPhone,
    clean_name,
    name_keys,
    normalise_document_number,
    normalise_email,
    parse_partial_date,
    parse_phone,
    validate_document_number,
)


@pytest.mark.parametrize(
    ("raw", "region", "expected"),
    [
        ("06 12 34 56 78", "MA", "+212612345678"),
        ("0612345678", "MA", "+212612345678"),
        ("07 01 23 45 67", "MA", "+212701234567"),
        ("00212612345678", "MA", "+212612345678"),
        ("00212 6 12 34 56 78", "SN", "+212612345678"),
        ("212612345678", "MA", "+212612345678"),
        ("212612345678", "SN", "+212612345678"),
        ("221771234567", "MA", "+221771234567"),
        ("+221 77 123 45 67", "MA", "+221771234567"),
        ("+221 77 123 45 67", "SN", "+221771234567"),
        ("(+221)77 123 45 67", "MA", "+221771234567"),
        ("(+221)771234567", "SN", "+221771234567"),
        ("77-123-45-67", "SN", "+221771234567"),
        ("76.123.45.67", "SN", "+221761234567"),
        ("+225 07 12 34 56 78", "MA", "+2250712345678"),
        ("+223 76 12 34 56", "SN", "+22376123456"),
    ],
)
def test_phone_forms_parse_to_e164(raw: str, region: str, expected: str) -> None:
    assert parse_phone(raw, default_region=region) == ParsedPhone(expected, None)


@pytest.mark.parametrize("raw", ["77-123-45-67", "771234567", "70 123 45 67", "75 123 45 67", "78 123 45 67"])
def test_bare_senegalese_mobile_at_moroccan_desk_is_senegalese_and_flagged(raw: str) -> None:
    parsed = parse_phone(raw, default_region="MA")
    assert parsed.e164 == "+221" + "".join(c for c in raw if c.isdigit())
    assert parsed.flag == LIKELY_SENEGALESE == "likely_senegalese_without_prefix"


def test_moroccan_mobile_with_trunk_zero_stays_moroccan() -> None:
    assert parse_phone("0771234567", default_region="MA") == ParsedPhone("+212771234567", None)


def test_senegalese_number_at_senegalese_desk_is_not_flagged() -> None:
    assert parse_phone("771234567", default_region="SN").flag is None


@pytest.mark.parametrize(
    "raw", ["", "   ", "abc", "12", "06 12", "+221 77 12", "0771234567x", "=HYPERLINK(1)", "+999 1234 5678", "1" * 20]
)
def test_junk_phones_raise_value_error(raw: str) -> None:
    with pytest.raises(ValueError, match="phone number"):
        parse_phone(raw, default_region="MA")


def test_trunk_zero_is_not_senegalese() -> None:
    with pytest.raises(ValueError):
        parse_phone("0771234567", default_region="SN")


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("1994", "1994"), ("1994-03", "1994-03"), ("1994-03-12", "1994-03-12"), (" 2000-02-29 ", "2000-02-29")],
)
def test_partial_dates_are_canonical(raw: str, expected: str) -> None:
    assert parse_partial_date(raw) == expected


@pytest.mark.parametrize(
    "raw", ["2023-02-30", "1994-13", "1994-00", "1994-13-01", "2023-02-29", "12/03/1994", "94", "1994-3-1", "1850"]
)
def test_impossible_dates_raise(raw: str) -> None:
    with pytest.raises(ValueError):
        parse_partial_date(raw)


def test_future_dates_raise_at_every_precision() -> None:
    today = dt.date(2026, 11, 29)
    assert parse_partial_date("2026-11-29", today=today) == "2026-11-29"
    for raw in ("2026-11-30", "2026-12", "2027"):
        with pytest.raises(ValueError, match="future"):
            parse_partial_date(raw, today=today)


def test_document_numbers_are_normalised() -> None:
    assert normalise_document_number(" a0 123-456.7 ") == "A01234567"


def test_document_number_validated_by_type_pattern() -> None:
    assert validate_document_number("passport", "a0 1234567") == "A01234567"
    with pytest.raises(ValueError, match="does not look like a passport"):
        validate_document_number("passport", "A1")
    with pytest.raises(ValueError, match="unknown document type"):
        validate_document_number("driving_licence", "A01234567")


def test_document_patterns_come_from_configuration() -> None:
    patterns = {"passport": r"^[A-Z]\d{8}$"}
    assert validate_document_number("passport", "A-12345678", patterns=patterns) == "A12345678"
    with pytest.raises(ValueError):
        validate_document_number("passport", "AB1234567", patterns=patterns)


def test_clean_name_keeps_spelling_nfc_and_collapses_spaces() -> None:
    decomposed = "Ndie\u0300ye"  # è as e + combining grave
    assert clean_name(f"  {decomposed}   Fatou ") == "Nd\u00e8ye Fatou".replace("Nd\u00e8ye", "Ndi\u00e8ye")
    with pytest.raises(ValueError):
        clean_name("   ")


def test_email_domain_is_lower_cased() -> None:
    assert normalise_email(" Awa.Diop@Example.SN ") == "Awa.Diop@example.sn"
    with pytest.raises(ValueError):
        normalise_email("awa.diop@")


def test_an_address_read_again_is_not_validated_again(monkeypatch: pytest.MonkeyPatch) -> None:
    """A register import reads each address twice (the cell, then the row's body as the registry
    validates it): an address written in its normal form (most are) is checked by email-validator
    once. A refused address is checked each time."""
    from app.registrants import normalize
    from app.registrants.schemas import RegistrantCreate

    calls: list[str] = []
    validate = normalize.validate_email
    monkeypatch.setattr(normalize, "validate_email", lambda text, **kw: calls.append(text) or validate(text, **kw))
    address = f"awa.{uuid.uuid4().hex}@example.sn"
    body = {"given_names": "Awa", "family_name": "Diop", "email": normalise_email(address)}
    assert RegistrantCreate.model_validate(body).email == address
    assert calls == [address]
    refused = f"awa.{uuid.uuid4().hex}@"
    for _ in range(2):
        with pytest.raises(ValueError):
            normalise_email(refused)
    assert calls == [address, refused, refused]


def test_name_keys_fold_and_phonetise() -> None:
    keys = name_keys("Ndèye Fatou", "N'Diaye")
    assert (keys.given_names_key, keys.family_name_key) == ("ndeye fatou", "ndiaye")
    assert (keys.given_names_phonetic, keys.family_name_phonetic) == ("ndei fatu", "njai")
