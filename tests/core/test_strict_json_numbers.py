"""A JSON body's numbers are JSON numbers, as its flags are JSON booleans: ``"30"`` (or ``30.0``
for an integer) is a client's bug, told with 422 ``int_type`` at the field, never read as a value.
Query parameters, being text, still read ``?limit=5``.

Before: ``default_sla_days``, ``rate_limit_per_minute``, a holiday import's ``year`` and a bulk
resolution's ``line`` took ``"30"`` and ``30.0`` (pydantic's lax mode); only ``consent_id`` and
the flags were strict.
"""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from tests.core.request_bodies import request_models

SCALARS = frozenset({"int", "float", "decimal", "bool"})


def _lax_scalars(schema: Any, where: str) -> list[str]:
    """Where ``schema`` (a pydantic core schema, walked whole) validates a number or a flag
    without ``strict``: those read ``"30"`` as 30 and ``"true"`` as true. ``where`` names the
    model and the fields on the way."""
    found: list[str] = []
    if isinstance(schema, dict):
        kind = schema.get("type")
        if isinstance(kind, str) and kind in SCALARS and not schema.get("strict"):
            found.append(f"{where}: {kind}")
        for key, value in schema.items():
            if key == "fields" and isinstance(value, dict):  # a model's fields, by name
                for name, field in value.items():
                    found += _lax_scalars(field, f"{where}.{name}")
            else:
                found += _lax_scalars(value, where)
    elif isinstance(schema, list):
        for value in schema:
            found += _lax_scalars(value, where)
    return found


def test_every_number_and_flag_of_a_json_body_is_strict(app: FastAPI) -> None:
    """Every request body model, nested ones included: a new ``int``, ``float`` or ``bool`` field
    fails here until it is ``StrictInt``, ``StrictFloat`` or ``StrictBool``."""
    lax = []
    models = request_models(app)
    assert len(models) > 40
    for model in models:
        lax += _lax_scalars(model.__pydantic_core_schema__, model.__name__)
    assert sorted(set(lax)) == []


NEW_TYPE = {"code": "SEASONAL_WORK", "label_fr": "Travail saisonnier", "label_en": "Seasonal work",
            "category": "mobility", "default_sla_days": 7, "documents_required": []}  # fmt: skip


@pytest.mark.parametrize("value", ["30", 30.0, True])
async def test_a_service_type_s_delay_not_an_integer_is_refused(
    value: Any, client: httpx.AsyncClient, make_staff: Any
) -> None:
    admin = await make_staff("admin", [])
    created = await client.post(
        "/api/v1/service-types", json={**NEW_TYPE, "default_sla_days": value}, headers=admin.headers
    )
    assert (created.status_code, [(e["loc"], e["type"]) for e in created.json()["errors"]]) == (
        422,
        [(["body", "default_sla_days"], "int_type")],
    )
    changed = await client.patch(
        "/api/v1/service-types/SOCIAL", json={"default_sla_days": value}, headers={**admin.headers, "If-Match": "*"}
    )
    assert (changed.status_code, changed.json()["errors"][0]["type"]) == (422, "int_type")
    listed = (await client.get("/api/v1/service-types", headers=admin.headers)).json()
    assert "SEASONAL_WORK" not in [t["code"] for t in (listed["items"] if isinstance(listed, dict) else listed)]


async def test_a_holiday_import_s_year_as_text_is_refused(client: httpx.AsyncClient, make_staff: Any) -> None:
    admin = await make_staff("admin", [])
    desk = (await client.get("/api/v1/desks", headers=admin.headers)).json()[0]
    url = f"/api/v1/desks/{desk['id']}/holidays/import"
    response = await client.post(url, json={"year": "2027"}, headers=admin.headers)
    assert (response.status_code, response.json()["errors"][0]["loc"]) == (422, ["body", "year"])


async def test_json_integers_are_taken_and_query_parameters_stay_text(
    client: httpx.AsyncClient, make_staff: Any
) -> None:
    admin = await make_staff("admin", [])
    created = await client.post("/api/v1/service-types", json=NEW_TYPE, headers=admin.headers)
    assert (created.status_code, created.json()["default_sla_days"]) == (201, 7)
    listed = await client.get("/api/v1/audit/events", params={"limit": "5"}, headers=admin.headers)
    assert listed.status_code == 200, listed.text
