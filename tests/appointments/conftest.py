"""Fixtures of the appointment tests: staff of both desks, registrants and cases (written directly:
the registrant and case APIs are built on other branches)."""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass

import httpx
import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.appointments.models import Appointment
from app.audit.models import AuditEvent
from app.cases.models import Case, ServiceType
from app.registrants.models import Registrant
from tests.conftest import Staff


@dataclass
class World:
    """Two desks, their agents and one registrant at each (two at CASA-BASE)."""

    casa: uuid.UUID
    dakar: uuid.UUID
    admin: Staff
    agent: Staff  # CASA-BASE
    colleague: Staff  # CASA-BASE
    dakar_agent: Staff  # DKR-MOB
    registrant: uuid.UUID  # CASA-BASE
    dakar_registrant: uuid.UUID  # DKR-MOB
    neighbour: uuid.UUID  # CASA-BASE: another person, booked at the same time as the first


async def add_registrant(sessionmaker: async_sessionmaker[AsyncSession], desk_id: uuid.UUID, number: str) -> uuid.UUID:
    async with sessionmaker() as session:
        person = Registrant(
            desk_id=desk_id,
            registration_number=number,
            given_names="Aïssatou",
            family_name="Ndiaye",
            given_names_key="aissatou",
            family_name_key="ndiaye",
            given_names_phonetic="AST",
            family_name_phonetic="NT",
        )
        session.add(person)
        await session.commit()
        return person.id


async def add_case(
    sessionmaker: async_sessionmaker[AsyncSession], desk_id: uuid.UUID, registrant_id: uuid.UUID, number: str
) -> uuid.UUID:
    async with sessionmaker() as session:
        service_type = (
            await session.execute(select(ServiceType).where(ServiceType.code == "TEST_APPT"))
        ).scalar_one_or_none()
        if service_type is None:
            service_type = ServiceType(
                code="TEST_APPT", label_fr="Test", label_en="Test", category="info", default_sla_days=5
            )
            session.add(service_type)
            await session.flush()
        case = Case(
            case_number=number,
            desk_id=desk_id,
            registrant_id=registrant_id,
            service_type_id=service_type.id,
            channel="walk_in",
            opened_on=dt.date(2026, 11, 2),
            due_date=dt.date(2026, 11, 9),
        )
        session.add(case)
        await session.commit()
        return case.id


@pytest.fixture
async def world(make_staff, desk_ids, sessionmaker) -> World:  # type: ignore[no-untyped-def]
    return World(
        casa=desk_ids["CASA-BASE"],
        dakar=desk_ids["DKR-MOB"],
        admin=await make_staff("admin", ["CASA-BASE", "DKR-MOB"]),
        agent=await make_staff("agent", ["CASA-BASE"]),
        colleague=await make_staff("agent", ["CASA-BASE"]),
        dakar_agent=await make_staff("agent", ["DKR-MOB"]),
        registrant=await add_registrant(sessionmaker, desk_ids["CASA-BASE"], "CASA-2026-000001"),
        dakar_registrant=await add_registrant(sessionmaker, desk_ids["DKR-MOB"], "DKR-2026-000001"),
        neighbour=await add_registrant(sessionmaker, desk_ids["CASA-BASE"], "CASA-2026-000002"),
    )


async def count_appointments(sessionmaker: async_sessionmaker[AsyncSession]) -> int:
    async with sessionmaker() as session:
        return (await session.execute(select(func.count()).select_from(Appointment))).scalar_one()


async def count_audit(sessionmaker: async_sessionmaker[AsyncSession], action: str) -> int:
    async with sessionmaker() as session:
        stmt = select(func.count()).select_from(AuditEvent).where(AuditEvent.action == action)
        return (await session.execute(stmt)).scalar_one()


async def book(client: httpx.AsyncClient, staff: Staff, **body: object) -> httpx.Response:
    payload = {k: str(v) if isinstance(v, uuid.UUID) else v for k, v in body.items()}
    return await client.post("/api/v1/appointments", json=payload, headers=staff.headers)


async def insert_appointment(
    sessionmaker: async_sessionmaker[AsyncSession],
    *,
    desk_id: uuid.UUID,
    agent_id: uuid.UUID,
    registrant_id: uuid.UUID,
    starts_at: dt.datetime,
    minutes: int = 30,
    status: str = "booked",
) -> uuid.UUID:
    """Write an appointment directly, bypassing the booking rules (past dates, night hours)."""
    async with sessionmaker() as session:
        appointment = Appointment(
            desk_id=desk_id,
            agent_id=agent_id,
            registrant_id=registrant_id,
            starts_at=starts_at,
            ends_at=starts_at + dt.timedelta(minutes=minutes),
            status=status,
        )
        session.add(appointment)
        await session.commit()
        return appointment.id
