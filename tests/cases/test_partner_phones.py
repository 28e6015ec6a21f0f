"""A partner's phone is read as a person's is: a local number with the partner's country as the
default region (``05 22 12 34 56`` at a Moroccan partner is +212522123456), international ones as
written; a refusal says why in words.

Before: only an international number was taken; a local one was 422 ``value_error`` without a
reason (« Téléphone : valeur non valide » on the screen)."""

from __future__ import annotations

import httpx
import pytest

from tests.conftest import Staff

URL = "/api/v1/partners"


def _partner(**extra: object) -> dict[str, object]:
    return {"name": "Fondation Hassan II", "kind": "ngo", "country": "MA", "service_types": ["EMERGENCY"], **extra}


@pytest.mark.parametrize(
    ("country", "typed", "stored"),
    [
        ("MA", "05 22 12 34 56", "+212522123456"),
        ("SN", "33 889 12 34", "+221338891234"),
        ("MA", "+221 77 123 45 67", "+221771234567"),
        ("MA", "00212 6 12 34 56 78", "+212612345678"),
    ],
)
async def test_a_partner_s_phone_is_read_with_its_country_as_default(
    client: httpx.AsyncClient, admin: Staff, country: str, typed: str, stored: str
) -> None:
    response = await client.post(URL, headers=admin.headers, json=_partner(country=country, contact_phone=typed))
    assert (response.status_code, response.json()["contact_phone"]) == (201, stored), response.text


async def test_a_partner_s_phone_changed_is_read_with_its_stored_country(
    client: httpx.AsyncClient, admin: Staff
) -> None:
    created = (await client.post(URL, headers=admin.headers, json=_partner())).json()
    changed = await client.patch(
        f"{URL}/{created['id']}",
        headers={**admin.headers, "If-Match": '"v1"'},
        json={"contact_phone": "05 37 65 28 81"},
    )
    assert (changed.status_code, changed.json()["contact_phone"]) == (200, "+212537652881"), changed.text


@pytest.mark.parametrize(
    ("typed", "reason"),
    [
        (
            "05 22 12 34 5a",
            "« 05 22 12 34 5a » n'est pas un numéro de téléphone : un numéro ne contient que des chiffres, "
            "des espaces et les signes + ( ) . - /",
        ),
        (
            "05 00 00 00 00",
            "« 05 00 00 00 00 » n'est pas un numéro de téléphone valide : aucun numéro en service ne s'écrit "
            "ainsi (vérifiez les chiffres et l'indicatif)",
        ),
    ],
)
async def test_a_partner_s_phone_refused_says_why(
    client: httpx.AsyncClient, admin: Staff, typed: str, reason: str
) -> None:
    response = await client.post(
        URL, headers={**admin.headers, "Accept-Language": "fr"}, json=_partner(contact_phone=typed)
    )
    assert response.status_code == 422, response.text
    assert [(e["loc"], e["reason"]) for e in response.json()["errors"]] == [(["body", "contact_phone"], reason)]
    listed = (await client.get(URL, headers=admin.headers)).json()
    assert "Fondation Hassan II" not in str(listed)
