"""Fixtures of the app-client tests."""

from __future__ import annotations

import uuid
from typing import Any

import httpx
import pytest

from tests.conftest import Staff


@pytest.fixture
async def admin(make_staff):  # type: ignore[no-untyped-def]
    """An administrator (registers app clients)."""
    return await make_staff("admin", [])


@pytest.fixture
async def agent(make_staff):  # type: ignore[no-untyped-def]
    """An agent of CASA-BASE (signs in through the apps)."""
    return await make_staff("agent", ["CASA-BASE"])


@pytest.fixture
def make_registrant_via_api(client: httpx.AsyncClient):  # type: ignore[no-untyped-def]
    """``await make_registrant_via_api(staff)`` → the id of a person registered through the API."""

    async def make(staff: Staff, **fields: Any) -> str:
        body = {
            "given_names": fields.pop("given_names", "Awa"),
            "family_name": fields.pop("family_name", f"Diop{uuid.uuid4().hex[:6]}"),
            "sex": "female",
            "date_of_birth": "1994-03-12",
            **fields,
        }
        response = await client.post(
            "/api/v1/registrants", json=body, headers=staff.headers, params={"confirm_duplicates": "true"}
        )
        assert response.status_code == 201, response.text
        registrant_id: str = response.json()["id"]
        return registrant_id

    return make
