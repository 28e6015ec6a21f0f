"""Every one-line field of every resource (a desk's name and city, a partner's name, city and
contact, a service type's labels, a staff member's name) takes white space pasted with it (TAB,
line breaks, no-break spaces) as one ordinary space, its ends trimmed; blank, it is "required"
(type ``missing``, as an empty one). The registrants' own fields: tests/registrants/test_pasted_white_space.py."""

from __future__ import annotations

import httpx
import pytest

PASTED = "Bureau\tde\u00a0Casablanca\r\n"
CLEANED = "Bureau de Casablanca"


async def test_a_desk_name_and_city_are_stored_with_single_spaces(client: httpx.AsyncClient, make_staff) -> None:
    admin = await make_staff("admin", [])
    body = {"code": "ABJ-1", "name": PASTED, "country": "CI", "city": " Abidjan\n", "time_zone": "Africa/Abidjan"}
    response = await client.post("/api/v1/desks", json=body, headers=admin.headers)
    assert response.status_code == 201, response.text
    assert (response.json()["name"], response.json()["city"]) == (CLEANED, "Abidjan")


async def test_a_partner_is_stored_with_single_spaces(client: httpx.AsyncClient, make_staff) -> None:
    admin = await make_staff("admin", [])
    body = {"name": "OIM\tMaroc", "kind": "ngo", "country": "MA", "city": "Rabat\u202f", "contact_name": "Awa\nDiop"}
    response = await client.post("/api/v1/partners", json=body, headers=admin.headers)
    assert response.status_code == 201, response.text
    assert [response.json()[f] for f in ("name", "city", "contact_name")] == ["OIM Maroc", "Rabat", "Awa Diop"]


async def test_service_type_labels_are_stored_with_single_spaces(client: httpx.AsyncClient, make_staff) -> None:
    admin = await make_staff("admin", [])
    body = {"code": "SEASONAL_WORK", "label_fr": "Travail\tsaisonnier", "label_en": "Seasonal\u00a0 work ",
            "category": "mobility", "default_sla_days": 7}  # fmt: skip
    response = await client.post("/api/v1/service-types", json=body, headers=admin.headers)
    assert response.status_code == 201, response.text
    assert (response.json()["label_fr"], response.json()["label_en"]) == ("Travail saisonnier", "Seasonal work")


async def test_a_staff_name_is_stored_with_single_spaces(client: httpx.AsyncClient, make_staff) -> None:
    admin = await make_staff("admin", [])
    body = {
        "email": "awa@desk.example",
        "full_name": "Awa\tDiop\n",
        "role": "agent",
        "password": "a long enough one",
        "desk_codes": ["CASA-BASE"],
    }
    response = await client.post("/api/v1/users", json=body, headers=admin.headers)
    assert response.status_code == 201, response.text
    assert response.json()["full_name"] == "Awa Diop"


@pytest.mark.parametrize("blank", ["", "  ", "\t\n", "\u00a0"])
async def test_a_blank_one_line_field_is_required_like_an_empty_one(
    client: httpx.AsyncClient, make_staff, blank: str
) -> None:
    admin = await make_staff("admin", [])
    desk = {"code": "ABJ-1", "name": blank, "country": "CI", "city": "Abidjan", "time_zone": "Africa/Abidjan"}
    partner = {"name": blank, "kind": "ngo", "country": "MA"}
    user = {"email": "awa@desk.example", "full_name": blank, "role": "agent", "password": "a long enough one"}
    for url, body, field in (("desks", desk, "name"), ("partners", partner, "name"), ("users", user, "full_name")):
        response = await client.post(f"/api/v1/{url}", json=body, headers=admin.headers)
        assert response.status_code == 422, response.text
        assert [(e["loc"], e["type"]) for e in response.json()["errors"]] == [(["body", field], "missing")], url
