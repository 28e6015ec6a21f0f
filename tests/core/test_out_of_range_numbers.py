"""Numbers beyond what the database stores never reach it, and the overflow problem names what was
out of range: a number is never called "a date or time".

Before: a cursor holding an id beyond BIGINT (``GET /api/v1/audit/events``, ``/api/v1/sync``)
went to the database and answered "A date or time is out of the supported range." (SQLite's
driver overflowed) or another answer on PostgreSQL; every overflow said "date or time".
"""

from __future__ import annotations

import base64
import json
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import select

from app.core.deps import SessionDep
from app.registrants.models import Consent
from tests.conftest import Staff


def _token(value: Any) -> str:
    return base64.urlsafe_b64encode(json.dumps(value).encode()).decode().rstrip("=")


@pytest.fixture
async def auditor(make_staff: Any) -> Staff:
    return await make_staff("auditor", [])  # type: ignore[no-any-return]


@pytest.mark.parametrize(
    "event_id", [2**63, -(2**63) - 1, 10**20], ids=["int64-max-plus-1", "int64-min-minus-1", "1e20"]
)
async def test_an_audit_cursor_beyond_bigint_is_not_valid(
    client: httpx.AsyncClient, auditor: Staff, event_id: int, seal_cursor: Any
) -> None:
    response = await client.get(
        "/api/v1/audit/events",
        params={"cursor": seal_cursor({"k": [event_id]}, "list:audit_events.id")},
        headers={**auditor.headers, "Accept-Language": "en"},
    )
    assert (response.status_code, response.json()["detail"]) == (400, "The cursor is not valid.")


async def test_an_audit_cursor_at_the_largest_bigint_is_an_empty_page(
    client: httpx.AsyncClient, auditor: Staff, seal_cursor: Any
) -> None:
    cursor = seal_cursor({"k": [2**63 - 1]}, "list:audit_events.id")
    response = await client.get("/api/v1/audit/events", params={"cursor": cursor}, headers=auditor.headers)
    assert response.status_code == 200


@pytest.mark.parametrize("seq", [2**63, 10**20], ids=["int64-max-plus-1", "1e20"])
@pytest.mark.parametrize("sealed", [True, False], ids=["sealed", "unsealed-v1"])
async def test_a_sync_cursor_beyond_bigint_is_not_valid(
    client: httpx.AsyncClient, make_staff: Any, seq: int, sealed: bool, seal_cursor: Any
) -> None:
    agent = await make_staff("agent", ["CASA-BASE"])
    fields = {"v": 2 if sealed else 1, "p": "changes", "s": seq, "f": "x", "k": 0, "a": None, "w": None}
    cursor = seal_cursor(fields, "sync") if sealed else _token(fields)
    response = await client.get(
        "/api/v1/sync", params={"cursor": cursor}, headers={**agent.headers, "Accept-Language": "en"}
    )
    assert (response.status_code, response.json()["detail"]) == (400, "The sync cursor is not valid.")


@pytest.fixture
def overflowing(app: FastAPI) -> None:
    """Endpoints that let a number, or a date, overflow (the API's own edges refuse them first)."""

    async def number(session: SessionDep) -> dict[str, Any]:
        await session.execute(select(Consent.id).where(Consent.id == 10**20))
        return {}

    async def date() -> dict[str, Any]:
        raise OverflowError("date value out of range")

    app.router.add_api_route("/test/number-overflow", number, methods=["GET"])
    app.router.add_api_route("/test/date-overflow", date, methods=["GET"])


async def test_a_number_overflowing_in_the_driver_is_called_a_number(
    client: httpx.AsyncClient, overflowing: None
) -> None:
    english = await client.get("/test/number-overflow", headers={"Accept-Language": "en"})
    french = await client.get("/test/number-overflow", headers={"Accept-Language": "fr"})
    assert (english.status_code, english.json()["detail"]) == (422, "A number is out of the supported range.")
    assert french.json()["detail"] == "Un nombre est hors de la plage acceptée."


async def test_a_date_overflowing_is_still_called_a_date(client: httpx.AsyncClient, overflowing: None) -> None:
    response = await client.get("/test/date-overflow", headers={"Accept-Language": "en"})
    assert (response.status_code, response.json()["detail"]) == (422, "A date or time is out of the supported range.")
