"""An integer beyond what the database stores (INTEGER: ±2,147,483,647; BIGINT:
±9,223,372,036,854,775,807) answers 422 ``validation-failed`` naming the field, the same on SQLite
and PostgreSQL — never a 500, never "a date or time is out of range".

Before: ``consent_id`` of a referral or a transfer was unbounded; 2147483648 passed SQLite and
failed PostgreSQL's INTEGER, 99999999999999999999 overflowed SQLite's driver, and the answer
spoke of a date.
"""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.cases.conftest import etag, open_case
from tests.conftest import Staff

BEYOND = [
    pytest.param(2_147_483_648, id="int32-max-plus-1"),
    pytest.param(-2_147_483_649, id="int32-min-minus-1"),
    pytest.param(9_223_372_036_854_775_808, id="int64-max-plus-1"),
    pytest.param(99_999_999_999_999_999_999, id="twenty-digits"),
]


def _field_errors(response: httpx.Response) -> list[list[str]]:
    assert (response.status_code, response.json()["type"]) == (422, "/problems/validation-failed"), response.text
    return [error["loc"] for error in response.json()["errors"]]


@pytest.mark.parametrize("consent_id", BEYOND)
async def test_a_referral_with_a_consent_id_beyond_integer_is_refused(
    client: httpx.AsyncClient, agent: Staff, make_registrant: Any, partner: dict[str, Any], consent_id: int
) -> None:
    case = await open_case(client, agent, await make_registrant())
    response = await client.post(
        f"/api/v1/cases/{case['id']}/referrals",
        headers=agent.headers,
        json={"partner_id": partner["id"], "consent_id": consent_id},
    )
    assert _field_errors(response) == [["body", "consent_id"]]


@pytest.mark.parametrize("consent_id", BEYOND)
async def test_a_transfer_with_a_consent_id_beyond_integer_is_refused(
    client: httpx.AsyncClient, agent: Staff, make_registrant: Any, consent_id: int
) -> None:
    case = await open_case(client, agent, await make_registrant())
    response = await client.post(
        f"/api/v1/cases/{case['id']}/transitions",
        headers={**agent.headers, "If-Match": await etag(client, agent, case["id"])},
        json={"to": "transferred", "to_desk": "DKR-MOB", "consent_id": consent_id},
    )
    assert _field_errors(response) == [["body", "consent_id"]]


async def test_the_largest_integer_consent_id_is_a_consent_not_on_file(
    client: httpx.AsyncClient, agent: Staff, make_registrant: Any, partner: dict[str, Any]
) -> None:
    case = await open_case(client, agent, await make_registrant())
    response = await client.post(
        f"/api/v1/cases/{case['id']}/referrals",
        headers=agent.headers,
        json={"partner_id": partner["id"], "consent_id": 2_147_483_647},
    )
    assert (response.status_code, response.json()["type"]) == (409, "/problems/consent-required")


@pytest.mark.parametrize("consent_id", BEYOND)
async def test_a_consent_withdrawal_beyond_integer_is_refused(
    client: httpx.AsyncClient, agent: Staff, make_registrant: Any, consent_id: int
) -> None:
    registrant_id = await make_registrant()
    response = await client.post(
        f"/api/v1/registrants/{registrant_id}/consents/{consent_id}/withdraw", headers=agent.headers
    )
    assert _field_errors(response) == [["path", "consent_id"]]


async def test_a_consent_withdrawal_of_an_unknown_id_in_range_is_not_found(
    client: httpx.AsyncClient, agent: Staff, make_registrant: Any
) -> None:
    registrant_id = await make_registrant()
    response = await client.post(
        f"/api/v1/registrants/{registrant_id}/consents/2147483647/withdraw", headers=agent.headers
    )
    assert response.status_code == 404
