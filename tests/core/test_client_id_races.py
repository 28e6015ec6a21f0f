"""One client-generated id sent by several requests at once (different ``Idempotency-Key``s)
ends like the same requests sent one after another: one 201, then 409 ``id-taken`` with the
record's ``location``, never the database's ``unique-violation``.

Before: on PostgreSQL the requests all found the id free, then all but one broke the primary key
at commit and got 409 ``unique-violation`` without ``location``.
"""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

import httpx
import pytest

from tests.conftest import Staff
from tests.registrants.conftest import URL, person

CONFIRMED = {"confirm_duplicates": "true"}
PARALLEL = 3


@pytest.fixture
async def casa(make_staff: Any) -> Staff:
    return await make_staff("agent", ["CASA-BASE"])  # type: ignore[no-any-return]


async def _at_once(client: httpx.AsyncClient, staff: Staff, url: str, body: dict[str, Any]) -> list[httpx.Response]:
    return await asyncio.gather(
        *(
            client.post(
                url,
                json=body,
                params=CONFIRMED if url == URL else None,
                headers={**staff.headers, "Idempotency-Key": f"k-{url}-{n}"},
            )
            for n in range(PARALLEL)
        )
    )


def _one_created_the_others_told_where(responses: list[httpx.Response], location: str) -> None:
    answers = sorted((r.status_code, r.json()["type"] if r.status_code == 409 else "") for r in responses)
    assert answers == [(201, "")] + [(409, "/problems/id-taken")] * (PARALLEL - 1), [r.text for r in responses]
    assert [r.json()["location"] for r in responses if r.status_code == 409] == [location] * (PARALLEL - 1)


async def test_one_registrant_id_sent_at_once_is_created_once_and_then_id_taken(
    client: httpx.AsyncClient, casa: Staff
) -> None:
    registrant_id = str(uuid.uuid4())

    responses = await _at_once(client, casa, URL, person(id=registrant_id))

    _one_created_the_others_told_where(responses, f"{URL}/{registrant_id}")


async def test_one_case_id_and_one_note_id_sent_at_once_are_created_once_and_then_id_taken(
    client: httpx.AsyncClient, casa: Staff
) -> None:
    registrant = await client.post(URL, json=person(), headers=casa.headers, params=CONFIRMED)
    case_id, note_id = str(uuid.uuid4()), str(uuid.uuid4())
    case = {"id": case_id, "registrant_id": registrant.json()["id"], "service_type": "SOCIAL", "channel": "walk_in"}

    cases = await _at_once(client, casa, "/api/v1/cases", case)
    notes = await _at_once(client, casa, f"/api/v1/cases/{case_id}/notes", {"id": note_id, "text": "Suivi"})

    _one_created_the_others_told_where(cases, f"/api/v1/cases/{case_id}")
    _one_created_the_others_told_where(notes, f"/api/v1/cases/{case_id}/notes/{note_id}")
