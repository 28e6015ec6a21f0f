"""An erasure changes what reads of the person's case, referral and appointment show (texts
cleared, the case's moves narrowed to winding down): their ETags move with it, so a write sent with
an ETag read before the erasure is refused (412) instead of applied to what was erased."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

import httpx
from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.appointments.models import Appointment
from tests.appointments.conftest import insert_appointment
from tests.cases.conftest import etag, open_case, refer
from tests.conftest import Staff

TOMORROW_TEN = (dt.datetime.now(dt.UTC) + dt.timedelta(days=1)).replace(hour=10, minute=0, second=0, microsecond=0)


async def _erase(client: httpx.AsyncClient, staff: Staff, registrant_id: uuid.UUID) -> None:
    request = await client.post(
        "/api/v1/privacy/subject-requests",
        headers=staff.headers,
        json={"registrant_id": str(registrant_id), "kind": "erasure"},
    )
    assert request.status_code == 201, request.text
    erased = await client.post(f"/api/v1/privacy/subject-requests/{request.json()['id']}/erase", headers=staff.headers)
    assert erased.status_code == 200, erased.text


async def test_closing_a_case_with_an_etag_read_before_the_erasure_is_refused(
    client: httpx.AsyncClient, agent: Staff, supervisor: Staff, make_registrant, partner: dict[str, Any]
) -> None:
    person = await make_registrant(given="Aminata", family="Sow")
    case = await open_case(client, agent, person, description="Perte du passeport")
    before = await etag(client, supervisor, case["id"])
    await _erase(client, supervisor, person)
    response = await client.post(
        f"/api/v1/cases/{case['id']}/transitions",
        headers={**supervisor.headers, "If-Match": before},
        json={"to": "resolved", "outcome_category": "administrative"},
    )
    assert response.status_code == 412, response.text
    after = await client.get(f"/api/v1/cases/{case['id']}", headers=supervisor.headers)
    assert (after.json()["status"], after.json()["description"]) == ("received", "")


async def test_the_referral_and_appointment_etags_move_with_the_erasure(
    client: httpx.AsyncClient,
    agent: Staff,
    supervisor: Staff,
    make_registrant,  # type: ignore[no-untyped-def]
    partner: dict[str, Any],
    sessionmaker: async_sessionmaker[AsyncSession],
    desk_ids: dict[str, uuid.UUID],
) -> None:
    person = await make_registrant(given="Aminata", family="Sow")
    case = await open_case(client, agent, person)
    referral = await refer(client, agent, case["id"], partner["id"], partner_reference="OIM-2026-9")
    appointment = await insert_appointment(
        sessionmaker, desk_id=desk_ids["CASA-BASE"], agent_id=agent.id, registrant_id=person, starts_at=TOMORROW_TEN
    )
    async with sessionmaker() as session:
        await session.execute(
            update(Appointment).where(Appointment.id == appointment).values(purpose="Passeport perdu")
        )
        await session.commit()
    urls = (f"/api/v1/cases/{case['id']}/referrals/{referral['id']}", f"/api/v1/appointments/{appointment}")
    before = [(await client.get(url, headers=supervisor.headers)).headers["etag"] for url in urls]
    await _erase(client, supervisor, person)
    after = [(await client.get(url, headers=supervisor.headers)).headers["etag"] for url in urls]
    assert [a != b for a, b in zip(after, before, strict=True)] == [True, True]
