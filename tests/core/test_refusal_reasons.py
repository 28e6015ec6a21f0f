"""Every refusal of a date says why, in French and in English (``errors[].reason``): a date before
1900 or outside the desk's calendar, a date not written as one, a time without its offset.

Before: a ``date_range`` (``PydanticCustomError`` without French), Pydantic's ``date_parsing`` and
the like had no ``reason``; the web client said « Date de naissance : valeur non valide »."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from pydantic import ValidationError

from app.core import reasons
from tests.core.request_bodies import date_fields

BAD = {
    "date": ("1899-12-31", "9999-12-31", "2023-02-30", "hier", "2026-03-02T10:00:00Z", 0),
    "datetime": ("1899-12-31T10:00:00Z", "9999-12-31T00:00:00Z", "2026-03-02T10:00:00", "demain", 0),
}
"""What a date field must refuse with a reason: far, impossible, not a date, a date and time, a number."""


def _refusals(app: FastAPI) -> list[tuple[str, Any, dict[str, Any]]]:
    """``(model.field, value, errors member)`` for every refusal of :data:`BAD` by a date field."""
    found = []
    for date in date_fields(app):
        for value in BAD.get(date.kind, ()):
            if date.as_text and not isinstance(value, str):
                continue  # a partial date is text: a number is refused as text is (string_type)
            try:
                date.validator.validate_python(value)
            except ValidationError as exc:
                found += [
                    (date.where, value, reasons.entry(e, e["loc"]))
                    for e in exc.errors()
                    if e["type"] != "list_type"  # a list of documents: its dates are walked in DocumentIn
                ]
    return found


def test_every_refusal_of_a_date_says_why_in_french_and_english(app: FastAPI) -> None:
    refusals = _refusals(app)
    assert len(refusals) > 80  # the walk reached the date fields
    unsaid = [
        (where, value, error["type"])
        for where, value, error in refusals
        if not reasons.with_reason(error, "fr").get("reason") or not reasons.with_reason(error, "en").get("reason")
    ]
    assert unsaid == []


def test_a_date_before_1900_says_the_first_year_expected() -> None:
    from app.registrants.schemas import DocumentIn

    try:
        DocumentIn.model_validate({"doc_type": "passport", "number": "A01234567", "expires_on": "1899-12-31"})
    except ValidationError as exc:
        [error] = [reasons.entry(e, e["loc"]) for e in exc.errors()]
    assert (reasons.with_reason(error, "fr")["reason"], reasons.with_reason(error, "en")["reason"]) == (
        "avant 1900 : une date à partir de 1900 est attendue",
        "before 1900: a date from 1900 on is expected",
    )
