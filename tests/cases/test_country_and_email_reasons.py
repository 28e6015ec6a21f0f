"""Every refusal of a country code or an e-mail address says why, in French and in English
(``errors[].reason``), wherever a request body takes one: a partner's country and contact, a staff
account's e-mail, a desk's country, a person's nationality, documents and e-mail, the country a
self-service phone is read in.

Before: a country code and, but for a person's, an e-mail address were refused with a
``value_error`` carrying only Pydantic's English ``msg`` ("'XX' is not an ISO 3166-1 alpha-2 country
code", "… It should have a period"): the web client said « Pays : valeur non valide »."""

from __future__ import annotations

import re
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from pydantic import ValidationError

from app.core import reasons
from tests.conftest import Staff
from tests.core.request_bodies import field_validators, request_models

COUNTRY = re.compile(r"(^|_)(country|nationality)$")
EMAIL = re.compile(r"(^|_)email$")
BAD_COUNTRIES = ("XX", "xx", "ZZ", "S", "SEN", "12")
BAD_EMAILS = ("a@b", "a@", "@b.sn", "ab.sn", "a b@c.sn", "a@b..sn", "a@b_c.sn", "a@b.invalid")
LOOKED_UP = frozenset({("ClientCreate", "service_user_email")})
"""Fields that name a staff account by its e-mail (an unknown one is refused as such), not an address."""


def _refusals(app: FastAPI) -> tuple[set[str], list[tuple[str, Any, dict[str, Any]]]]:
    """The country and e-mail fields of every request body, and ``(model.field, value, errors
    member)`` for every refusal of a bad value by one of them."""
    fields, found = set(), []
    for model in request_models(app):
        for name, validator in field_validators(model).items():
            if (model.__name__, name) in LOOKED_UP:
                continue
            bad = BAD_COUNTRIES if COUNTRY.search(name) else BAD_EMAILS if EMAIL.search(name) else ()
            if bad:
                fields.add(f"{model.__name__}.{name}")
            for value in bad:
                try:
                    validator.validate_python(value)
                except ValidationError as exc:
                    found += [(f"{model.__name__}.{name}", value, reasons.entry(e, e["loc"])) for e in exc.errors()]
                else:
                    found.append((f"{model.__name__}.{name}", value, {"type": "taken"}))
    return fields, found


def test_every_refusal_of_a_country_or_an_e_mail_says_why_in_french_and_english(app: FastAPI) -> None:
    fields, refusals = _refusals(app)
    assert {
        "PartnerCreate.country",
        "PartnerUpdate.contact_email",
        "UserCreate.email",
        "UserUpdate.email",
        "DeskCreate.country",
        "RegistrantCreate.nationality",
        "DocumentIn.issuing_country",
        "RegistrantCreate.email",
        "CodeRequest.country",
    } <= fields
    unsaid = [
        (where, value, error["type"])
        for where, value, error in refusals
        if not reasons.with_reason(error, "fr").get("reason") or not reasons.with_reason(error, "en").get("reason")
    ]
    assert unsaid == []


async def test_a_partner_s_country_and_e_mail_refused_say_why(client: httpx.AsyncClient, admin: Staff) -> None:
    body = {"name": "Fondation Hassan II", "kind": "ngo", "country": "XX", "contact_email": "a@b"}
    said = {}
    for language in ("fr", "en"):
        response = await client.post(
            "/api/v1/partners", headers={**admin.headers, "Accept-Language": language}, json=body
        )
        assert response.status_code == 422, response.text
        said[language] = {e["loc"][-1]: e["reason"] for e in response.json()["errors"]}
    assert said == {
        "fr": {
            "country": "« XX » n'est pas un code de pays connu : deux lettres sont attendues (SN, MA, FR…)",
            "contact_email": "adresse non valide (il manque un point dans la partie après le @, comme dans exemple.sn)",
        },
        "en": {
            "country": "'XX' is not an ISO 3166-1 alpha-2 country code: two letters are expected (SN, MA, FR…)",
            "contact_email": "The part after the @-sign is not valid. It should have a period.",
        },
    }


@pytest.mark.parametrize(("typed", "stored"), [(" Awa.Ndiaye@Example.SN ", "Awa.Ndiaye@example.sn")])
async def test_a_staff_account_s_e_mail_is_still_stored_case_folded(
    client: httpx.AsyncClient, admin: Staff, typed: str, stored: str
) -> None:
    body = {"email": typed, "full_name": "Awa Ndiaye", "role": "auditor", "password": "correct horse battery"}
    response = await client.post("/api/v1/users", headers=admin.headers, json=body)
    assert (response.status_code, response.json()["email"]) == (201, stored.casefold()), response.text
