"""Booking an appointment: what is stored, how it is shown, who may book and see it."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from app.appointments.models import Appointment
from app.audit.models import AuditEvent
from tests.appointments.conftest import World, add_case, book, count_appointments, count_audit
from tests.appointments.helpers import DAKAR_TZ, iso, local, next_weekday, utc_z


async def test_booking_at_casablanca_stores_utc_and_shows_local_time(client, world: World, sessionmaker) -> None:
    day = next_weekday(2)
    response = await book(
        client,
        world.agent,
        desk_id=world.casa,
        agent_id=world.agent.id,
        registrant_id=world.registrant,
        starts_at=iso(day, "10:00"),
        ends_at=iso(day, "10:30"),
        purpose="Renouvellement carte de séjour",
    )
    assert response.status_code == 201, response.text
    body = response.json()
    start = local(day, "10:00")
    assert body["starts_at"] == utc_z(start)
    assert body["ends_at"] == utc_z(local(day, "10:30"))
    assert body["start_local"] == start.isoformat()
    assert body["end_local"] == local(day, "10:30").isoformat()
    assert body["local_date"] == day.isoformat()
    assert body["time_zone"] == "Africa/Casablanca"
    assert body["status"] == "booked"
    assert body["registrant_id"] == str(world.registrant)
    assert body["case_id"] is None
    assert body["purpose"] == "Renouvellement carte de séjour"
    assert response.headers["etag"] == '"v1"'
    assert response.headers["location"] == f"/api/v1/appointments/{body['id']}"
    async with sessionmaker() as session:
        stored = (await session.execute(select(Appointment))).scalar_one()
    assert stored.starts_at == start.astimezone(dt.UTC)
    assert stored.starts_at.tzinfo == dt.UTC


async def test_booking_given_in_utc_is_rendered_in_the_desk_zone(client, world: World) -> None:
    day = next_weekday(3)
    start = local(day, "11:00")
    response = await book(
        client,
        world.agent,
        desk_id=world.casa,
        agent_id=world.agent.id,
        registrant_id=world.registrant,
        starts_at=utc_z(start),
        ends_at=utc_z(local(day, "11:20")),
    )
    assert response.status_code == 201, response.text
    assert response.json()["start_local"] == start.isoformat()


async def test_booking_at_dakar_is_utc_plus_zero(client, world: World) -> None:
    day = next_weekday(1, tz=DAKAR_TZ)
    response = await book(
        client,
        world.dakar_agent,
        desk_id=world.dakar,
        agent_id=world.dakar_agent.id,
        registrant_id=world.dakar_registrant,
        starts_at=f"{day.isoformat()}T10:00:00+00:00",
        ends_at=f"{day.isoformat()}T10:45:00Z",
    )
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["starts_at"] == f"{day.isoformat()}T10:00:00Z"
    assert body["start_local"] == f"{day.isoformat()}T10:00:00+00:00"
    assert body["end_local"] == f"{day.isoformat()}T10:45:00+00:00"
    assert body["time_zone"] == "Africa/Dakar"
    assert local(day, "10:00", DAKAR_TZ).utcoffset() == dt.timedelta(0)


async def test_booking_for_a_case_takes_the_case_registrant(client, world: World, sessionmaker) -> None:
    case_id = await add_case(sessionmaker, world.casa, world.registrant, "CASA-2026-C-000001")
    day = next_weekday(4)
    response = await book(
        client,
        world.agent,
        desk_id=world.casa,
        agent_id=world.colleague.id,
        case_id=case_id,
        starts_at=iso(day, "09:00"),
        ends_at=iso(day, "09:30"),
    )
    assert response.status_code == 201, response.text
    assert response.json()["case_id"] == str(case_id)
    assert response.json()["registrant_id"] == str(world.registrant)
    assert response.json()["agent_id"] == str(world.colleague.id)


async def test_booking_is_audited(client, world: World, sessionmaker) -> None:
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
    async with sessionmaker() as session:
        event = (
            await session.execute(select(AuditEvent).where(AuditEvent.action == "appointment.create"))
        ).scalar_one()
    assert event.entity_id == response.json()["id"]
    assert event.actor_id == world.agent.id
    assert event.desk_id == world.casa
    assert event.details["starts_at"] == local(day, "10:00").astimezone(dt.UTC).isoformat()


async def test_retry_with_the_same_idempotency_key_returns_the_first_booking(
    client, world: World, sessionmaker
) -> None:
    day = next_weekday(2)
    body = {
        "desk_id": str(world.casa),
        "agent_id": str(world.agent.id),
        "registrant_id": str(world.registrant),
        "starts_at": iso(day, "10:00"),
        "ends_at": iso(day, "10:30"),
    }
    headers = {**world.agent.headers, "Idempotency-Key": "book-1"}
    first = await client.post("/api/v1/appointments", json=body, headers=headers)
    second = await client.post("/api/v1/appointments", json=body, headers=headers)
    assert first.status_code == second.status_code == 201
    assert second.json() == first.json()
    assert second.headers["idempotent-replayed"] == "true"
    assert await count_appointments(sessionmaker) == 1


async def test_same_idempotency_key_with_another_body_is_422(client, world: World, sessionmaker) -> None:
    day = next_weekday(2)
    body = {
        "desk_id": str(world.casa),
        "agent_id": str(world.agent.id),
        "registrant_id": str(world.registrant),
        "starts_at": iso(day, "10:00"),
        "ends_at": iso(day, "10:30"),
    }
    headers = {**world.agent.headers, "Idempotency-Key": "book-2"}
    assert (await client.post("/api/v1/appointments", json=body, headers=headers)).status_code == 201
    body["ends_at"] = iso(day, "10:45")
    response = await client.post("/api/v1/appointments", json=body, headers=headers)
    assert response.status_code == 422
    assert response.json()["type"] == "/problems/idempotency-key-reused"
    assert await count_appointments(sessionmaker) == 1


async def test_auditor_cannot_book(client, world: World, make_staff, sessionmaker) -> None:
    auditor = await make_staff("auditor", ["CASA-BASE"])
    day = next_weekday(2)
    response = await book(
        client,
        auditor,
        desk_id=world.casa,
        agent_id=world.agent.id,
        registrant_id=world.registrant,
        starts_at=iso(day, "10:00"),
        ends_at=iso(day, "10:30"),
    )
    assert response.status_code == 403
    assert response.json()["type"] == "/problems/forbidden"
    assert await count_appointments(sessionmaker) == 0


async def test_booking_at_a_desk_of_another_team_is_404(client, world: World, sessionmaker) -> None:
    day = next_weekday(2, tz=DAKAR_TZ)
    response = await book(
        client,
        world.agent,
        desk_id=world.dakar,
        agent_id=world.dakar_agent.id,
        registrant_id=world.dakar_registrant,
        starts_at=iso(day, "10:00", DAKAR_TZ),
        ends_at=iso(day, "10:30", DAKAR_TZ),
    )
    assert response.status_code == 404
    assert response.json()["type"] == "/problems/not-found"
    assert await count_appointments(sessionmaker) == 0


async def test_appointment_of_another_desk_is_404_and_reading_is_audited(client, world: World, sessionmaker) -> None:
    day = next_weekday(2, tz=DAKAR_TZ)
    created = await book(
        client,
        world.dakar_agent,
        desk_id=world.dakar,
        agent_id=world.dakar_agent.id,
        registrant_id=world.dakar_registrant,
        starts_at=iso(day, "10:00", DAKAR_TZ),
        ends_at=iso(day, "10:30", DAKAR_TZ),
    )
    url = f"/api/v1/appointments/{created.json()['id']}"
    assert (await client.get(url, headers=world.agent.headers)).status_code == 404
    own = await client.get(url, headers=world.dakar_agent.headers)
    assert own.status_code == 200
    assert own.json() == created.json()
    assert own.headers["etag"] == '"v1"'
    assert await count_audit(sessionmaker, "appointment.read") == 1
