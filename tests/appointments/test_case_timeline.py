"""An appointment about a case tells the case's timeline when it is booked, moved, kept, missed or
cancelled; an appointment of a registrant alone touches no case."""

from __future__ import annotations

import datetime as dt
import uuid

from sqlalchemy import func, select, update

from app.appointments.models import Appointment
from app.cases.models import CaseEvent
from tests.appointments.conftest import World, add_case, book
from tests.appointments.helpers import iso, local, next_weekday


async def _events(sessionmaker, case_id: uuid.UUID) -> list[tuple[str, dict]]:
    async with sessionmaker() as session:
        rows = await session.execute(
            select(CaseEvent.kind, CaseEvent.details).where(CaseEvent.case_id == case_id).order_by(CaseEvent.id)
        )
        return [(kind, details) for kind, details in rows]


async def _book_for_case(client, world: World, case_id: uuid.UUID, day: dt.date):
    response = await book(
        client,
        world.agent,
        desk_id=world.casa,
        agent_id=world.agent.id,
        case_id=case_id,
        starts_at=iso(day, "10:00"),
        ends_at=iso(day, "10:30"),
        purpose="Suivi — certificat médical",
    )
    assert response.status_code == 201, response.text
    return response.json()


async def test_booking_for_a_case_adds_appointment_booked(client, world: World, sessionmaker) -> None:
    case_id = await add_case(sessionmaker, world.casa, world.registrant, "CASA-2026-C-000020")
    day = next_weekday(2)
    appointment = await _book_for_case(client, world, case_id, day)
    assert await _events(sessionmaker, case_id) == [
        (
            "appointment_booked",
            {
                "appointment_id": appointment["id"],
                "agent_id": str(world.agent.id),
                "starts_at": local(day, "10:00").astimezone(dt.UTC).isoformat(),
                "ends_at": local(day, "10:30").astimezone(dt.UTC).isoformat(),
                "status": "booked",
            },
        )
    ]


async def test_reschedule_then_cancel_are_on_the_timeline(client, world: World, sessionmaker) -> None:
    case_id = await add_case(sessionmaker, world.casa, world.registrant, "CASA-2026-C-000021")
    day = next_weekday(2)
    appointment = await _book_for_case(client, world, case_id, day)
    url = f"/api/v1/appointments/{appointment['id']}"
    moved = await client.patch(
        url,
        json={"starts_at": iso(day, "11:00"), "ends_at": iso(day, "11:30")},
        headers={**world.agent.headers, "If-Match": '"v1"'},
    )
    assert moved.status_code == 200
    cancelled = await client.post(
        f"{url}/transitions",
        json={"status": "cancelled", "reason": "Hospitalisée"},
        headers={**world.agent.headers, "If-Match": '"v2"'},
    )
    assert cancelled.status_code == 200
    events = await _events(sessionmaker, case_id)
    assert [kind for kind, _ in events] == ["appointment_booked", "appointment_rescheduled", "appointment_cancelled"]
    assert events[1][1]["starts_at"] == local(day, "11:00").astimezone(dt.UTC).isoformat()
    assert "Hospitalisée" not in str(events) and "certificat" not in str(events)


async def test_kept_is_on_the_timeline(client, world: World, sessionmaker) -> None:
    case_id = await add_case(sessionmaker, world.casa, world.registrant, "CASA-2026-C-000022")
    appointment = await _book_for_case(client, world, case_id, next_weekday(2))
    start = dt.datetime.now(dt.UTC) - dt.timedelta(minutes=5)
    async with sessionmaker() as session:
        await session.execute(
            update(Appointment)
            .where(Appointment.id == uuid.UUID(appointment["id"]))
            .values(starts_at=start, ends_at=start + dt.timedelta(minutes=30))
        )
        await session.commit()
    kept = await client.post(
        f"/api/v1/appointments/{appointment['id']}/transitions",
        json={"status": "kept"},
        headers={**world.agent.headers, "If-Match": '"v1"'},
    )
    assert kept.status_code == 200
    assert [kind for kind, _ in await _events(sessionmaker, case_id)] == ["appointment_booked", "appointment_kept"]


async def test_a_registrant_only_appointment_adds_no_case_event(client, world: World, sessionmaker) -> None:
    day = next_weekday(2)
    response = await book(
        client,
        world.agent,
        desk_id=world.casa,
        agent_id=world.agent.id,
        registrant_id=world.registrant,
        starts_at=iso(day, "10:00"),
        ends_at=iso(day, "10:30"),
    )
    assert response.status_code == 201
    async with sessionmaker() as session:
        assert (await session.execute(select(func.count()).select_from(CaseEvent))).scalar_one() == 0


async def test_a_refused_booking_adds_no_case_event(client, world: World, sessionmaker) -> None:
    case_id = await add_case(sessionmaker, world.casa, world.registrant, "CASA-2026-C-000023")
    day = next_weekday(6)  # Saturday: closed
    response = await book(
        client,
        world.agent,
        desk_id=world.casa,
        agent_id=world.agent.id,
        case_id=case_id,
        starts_at=iso(day, "10:00"),
        ends_at=iso(day, "10:30"),
    )
    assert response.status_code == 422
    assert await _events(sessionmaker, case_id) == []
