"""A subject request recorded at a desk that holds the person's file through a transfer: the day
it was received may go back to the person's first registration (the original file's date at the
sending desk), not only to the day the copy was made; before that it is refused, naming that date
and desk in French and English."""

from __future__ import annotations

import datetime as dt
import uuid

import httpx
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.cases.models import CaseTransfer
from app.registrants.models import Registrant
from tests.cases.conftest import move, open_case
from tests.conftest import Staff

URL = "/api/v1/privacy/subject-requests"
FIRST = dt.date(2026, 11, 2)


async def _dakar_copy(  # type: ignore[no-untyped-def]
    client: httpx.AsyncClient, agent: Staff, make_registrant, sessionmaker: async_sessionmaker[AsyncSession]
) -> uuid.UUID:
    """A person registered at CASA-BASE on :data:`FIRST`, whose request went to DKR-MOB today."""
    person = await make_registrant(consents=("transfer_to_senegal",), registered_on=FIRST)
    case = await open_case(client, agent, person)
    r = await move(client, agent, case["id"], "transferred", to_desk="DKR-MOB")
    assert r.status_code == 200, r.text
    async with sessionmaker() as session:
        stmt = select(CaseTransfer.target_registrant_id).where(CaseTransfer.source_case_id == uuid.UUID(case["id"]))
        copy = (await session.execute(stmt)).scalar_one()
        assert (await session.get_one(Registrant, copy)).registered_on > FIRST  # the copy: made today
    return copy


async def test_a_request_received_after_the_first_registration_is_taken_at_the_receiving_desk(  # type: ignore[no-untyped-def]
    client: httpx.AsyncClient, agent: Staff, dakar_supervisor: Staff, make_registrant, sessionmaker
) -> None:
    copy = await _dakar_copy(client, agent, make_registrant, sessionmaker)
    body = {"registrant_id": str(copy), "kind": "access", "received_on": "2026-11-10"}

    taken = await client.post(URL, headers=dakar_supervisor.headers, json=body)

    assert (taken.status_code, taken.json()["received_on"]) == (201, "2026-11-10"), taken.text


async def test_a_request_received_before_the_first_registration_is_refused_naming_it(  # type: ignore[no-untyped-def]
    client: httpx.AsyncClient, agent: Staff, dakar_supervisor: Staff, make_registrant, sessionmaker
) -> None:
    copy = await _dakar_copy(client, agent, make_registrant, sessionmaker)
    body = {"registrant_id": str(copy), "kind": "access", "received_on": "2026-11-01"}
    fr = await client.post(URL, headers={**dakar_supervisor.headers, "Accept-Language": "fr"}, json=body)
    en = await client.post(URL, headers={**dakar_supervisor.headers, "Accept-Language": "en"}, json=body)

    assert (fr.status_code, en.status_code) == (422, 422)
    assert [(e["loc"], e["type"]) for e in fr.json()["errors"]] == [
        (["body", "received_on"], "date_before_registration")
    ]
    assert fr.json()["detail"] == (
        "Le jour de réception de la demande ne peut pas précéder le premier enregistrement de la personne "
        "(2\u00a0novembre 2026, au guichet CASA-BASE)."
    )
    assert en.json()["detail"] == (
        "The day the request was received (received_on) cannot be before the person's first registration "
        "(2026-11-02, at desk CASA-BASE)."
    )
