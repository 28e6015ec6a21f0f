"""Status changes (booked → kept | missed | cancelled) and rescheduling, both under If-Match."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest
from sqlalchemy import select, update

from app.appointments.models import Appointment
from app.audit.models import AuditEvent
from app.cases.models import Case
from tests.appointments.conftest import World, add_case, book, count_audit
from tests.appointments.helpers import CASA_TZ, iso, local, next_weekday, utc_z


async def _booked(client, world: World, day: dt.date | None = None, start: str = "10:00", end: str = "10:30"):
    day = day or next_weekday(2)
    response = await book(
        client,
        world.agent,
        desk_id=world.casa,
        agent_id=world.agent.id,
        registrant_id=world.registrant,
        starts_at=iso(day, start),
        ends_at=iso(day, end),
    )
    assert response.status_code == 201, response.text
    return response.json()


async def _move_to_past(sessionmaker, appointment_id: str) -> None:
    start = dt.datetime.now(dt.UTC) - dt.timedelta(minutes=10)
    async with sessionmaker() as session:
        await session.execute(
            update(Appointment)
            .where(Appointment.id == uuid.UUID(appointment_id))
            .values(starts_at=start, ends_at=start + dt.timedelta(minutes=30))
            .execution_options(synchronize_session=False)
        )
        await session.commit()


async def _transition(client, staff, appointment_id: str, etag: str | None, **body: object):
    headers = dict(staff.headers)
    if etag is not None:
        headers["If-Match"] = etag
    return await client.post(f"/api/v1/appointments/{appointment_id}/transitions", json=body, headers=headers)


async def test_cancel_a_booked_appointment(client, world: World, sessionmaker) -> None:
    appointment = await _booked(client, world)
    response = await _transition(client, world.agent, appointment["id"], '"v1"', status="cancelled", reason="Malade")
    assert response.status_code == 200, response.text
    assert response.json()["status"] == "cancelled"
    assert response.json()["status_reason"] == "Malade"
    assert response.headers["etag"] == '"v2"'
    async with sessionmaker() as session:
        event = (
            await session.execute(select(AuditEvent).where(AuditEvent.action == "appointment.cancelled"))
        ).scalar_one()
    assert event.details["changes"]["status"] == {"before": "booked", "after": "cancelled"}


async def test_a_cancelled_slot_can_be_booked_again(client, world: World) -> None:
    day = next_weekday(2)
    appointment = await _booked(client, world, day)
    await _transition(client, world.agent, appointment["id"], '"v1"', status="cancelled")
    again = await _booked(client, world, day)
    assert again["status"] == "booked"


@pytest.mark.parametrize("status", ["kept", "missed"])
async def test_kept_or_missed_once_started(client, world: World, sessionmaker, status: str) -> None:
    appointment = await _booked(client, world)
    await _move_to_past(sessionmaker, appointment["id"])
    response = await _transition(client, world.agent, appointment["id"], '"v1"', status=status)
    assert response.status_code == 200, response.text
    assert response.json()["status"] == status
    assert await count_audit(sessionmaker, f"appointment.{status}") == 1


@pytest.mark.parametrize("status", ["kept", "missed"])
async def test_kept_or_missed_before_the_start_is_409(client, world: World, sessionmaker, status: str) -> None:
    appointment = await _booked(client, world)
    response = await _transition(client, world.agent, appointment["id"], '"v1"', status=status)
    assert response.status_code == 409
    assert response.json()["type"] == "/problems/appointment-not-started"
    assert (await client.get(f"/api/v1/appointments/{appointment['id']}", headers=world.agent.headers)).json()[
        "status"
    ] == "booked"


@pytest.mark.parametrize(("first", "then"), [("cancelled", "kept"), ("cancelled", "cancelled"), ("kept", "missed")])
async def test_no_transition_out_of_a_final_status(client, world: World, sessionmaker, first: str, then: str) -> None:
    appointment = await _booked(client, world)
    await _move_to_past(sessionmaker, appointment["id"])
    assert (await _transition(client, world.agent, appointment["id"], '"v1"', status=first)).status_code == 200
    response = await _transition(client, world.agent, appointment["id"], '"v2"', status=then)
    assert response.status_code == 409
    body = response.json()
    assert body["type"] == "/problems/appointment-transition-not-allowed"
    assert (body["current_status"], body["allowed"]) == (first, [])


async def test_unknown_status_is_422(client, world: World) -> None:
    appointment = await _booked(client, world)
    response = await _transition(client, world.agent, appointment["id"], '"v1"', status="booked")
    assert response.status_code == 422
    assert response.json()["type"] == "/problems/validation-failed"


async def test_transition_without_if_match_is_428_and_stale_is_412(client, world: World) -> None:
    appointment = await _booked(client, world)
    missing = await _transition(client, world.agent, appointment["id"], None, status="cancelled")
    stale = await _transition(client, world.agent, appointment["id"], '"v0"', status="cancelled")
    assert (missing.status_code, missing.json()["type"]) == (428, "/problems/precondition-required")
    assert (stale.status_code, stale.json()["type"]) == (412, "/problems/precondition-failed")


async def _reschedule(client, staff, appointment_id: str, etag: str | None, **body: object):
    headers = dict(staff.headers)
    if etag is not None:
        headers["If-Match"] = etag
    return await client.patch(f"/api/v1/appointments/{appointment_id}", json=body, headers=headers)


async def test_reschedule_moves_the_appointment(client, world: World, sessionmaker) -> None:
    day = next_weekday(2)
    appointment = await _booked(client, world, day)
    later = day + dt.timedelta(days=1)
    response = await _reschedule(
        client,
        world.agent,
        appointment["id"],
        '"v1"',
        starts_at=iso(later, "15:00"),
        ends_at=iso(later, "15:45"),
        agent_id=str(world.colleague.id),
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert (body["starts_at"], body["start_local"]) == (utc_z(local(later, "15:00")), local(later, "15:00").isoformat())
    assert body["agent_id"] == str(world.colleague.id)
    assert response.headers["etag"] == '"v2"'
    async with sessionmaker() as session:
        event = (
            await session.execute(select(AuditEvent).where(AuditEvent.action == "appointment.reschedule"))
        ).scalar_one()
    assert set(event.details["changes"]) == {"agent_id", "ends_at", "starts_at"}


async def test_reschedule_within_its_own_slot_is_not_an_overlap(client, world: World) -> None:
    day = next_weekday(2)
    appointment = await _booked(client, world, day)
    response = await _reschedule(
        client, world.agent, appointment["id"], '"v1"', starts_at=iso(day, "10:15"), ends_at=iso(day, "10:45")
    )
    assert response.status_code == 200, response.text


async def test_reschedule_onto_another_booking_is_409_and_changes_nothing(client, world: World) -> None:
    day = next_weekday(2)
    appointment = await _booked(client, world, day)
    await _booked(client, world, day, "11:00", "11:30")
    response = await _reschedule(
        client, world.agent, appointment["id"], '"v1"', starts_at=iso(day, "11:15"), ends_at=iso(day, "11:45")
    )
    assert response.status_code == 409
    assert response.json()["type"] == "/problems/agent-double-booked"
    current = await client.get(f"/api/v1/appointments/{appointment['id']}", headers=world.agent.headers)
    assert current.json()["starts_at"] == appointment["starts_at"]
    assert current.headers["etag"] == '"v1"'


@pytest.mark.parametrize(
    ("start", "end", "problem"),
    [
        ("08:00", "08:30", "/problems/outside-opening-hours"),
        ("10:00", "09:00", "/problems/appointment-ends-before-start"),
    ],
)
async def test_reschedule_is_checked_like_a_booking(client, world: World, start: str, end: str, problem: str) -> None:
    day = next_weekday(2)
    appointment = await _booked(client, world, day)
    response = await _reschedule(
        client, world.agent, appointment["id"], '"v1"', starts_at=iso(day, start), ends_at=iso(day, end)
    )
    assert (response.status_code, response.json()["type"]) == (422, problem)


async def test_reschedule_into_the_past_is_refused(client, world: World) -> None:
    appointment = await _booked(client, world)
    start = dt.datetime.now(dt.UTC).replace(second=0, microsecond=0) - dt.timedelta(days=1)
    response = await _reschedule(
        client,
        world.agent,
        appointment["id"],
        '"v1"',
        starts_at=utc_z(start),
        ends_at=utc_z(start + dt.timedelta(minutes=30)),
    )
    assert (response.status_code, response.json()["type"]) == (422, "/problems/appointment-in-past")


async def test_reschedule_needs_if_match_and_a_current_etag(client, world: World) -> None:
    day = next_weekday(2)
    appointment = await _booked(client, world, day)
    body = {"starts_at": iso(day, "11:00"), "ends_at": iso(day, "11:30")}
    missing = await _reschedule(client, world.agent, appointment["id"], None, **body)
    assert (missing.status_code, missing.json()["type"]) == (428, "/problems/precondition-required")
    assert (await _reschedule(client, world.agent, appointment["id"], '"v1"', **body)).status_code == 200
    stale = await _reschedule(client, world.agent, appointment["id"], '"v1"', **body)
    assert (stale.status_code, stale.json()["type"]) == (412, "/problems/precondition-failed")


async def test_a_cancelled_appointment_cannot_be_rescheduled(client, world: World) -> None:
    day = next_weekday(2)
    appointment = await _booked(client, world, day)
    await _transition(client, world.agent, appointment["id"], '"v1"', status="cancelled")
    response = await _reschedule(
        client, world.agent, appointment["id"], '"v2"', starts_at=iso(day, "11:00"), ends_at=iso(day, "11:30")
    )
    assert response.status_code == 409
    assert response.json()["type"] == "/problems/appointment-transition-not-allowed"


async def test_another_desk_s_appointment_cannot_be_changed(client, world: World) -> None:
    appointment = await _booked(client, world)
    response = await _transition(client, world.dakar_agent, appointment["id"], '"v1"', status="cancelled")
    assert response.status_code == 404


async def _move_to(sessionmaker, appointment_id: str, start: dt.datetime) -> None:
    async with sessionmaker() as session:
        await session.execute(
            update(Appointment)
            .where(Appointment.id == uuid.UUID(appointment_id))
            .values(starts_at=start, ends_at=start + dt.timedelta(minutes=30))
            .execution_options(synchronize_session=False)
        )
        await session.commit()


async def test_a_person_who_comes_early_can_be_marked_arrived(client, world: World, sessionmaker) -> None:
    start = (dt.datetime.now(dt.UTC) + dt.timedelta(minutes=8)).replace(second=0, microsecond=0)
    if start.astimezone(CASA_TZ).date() != dt.datetime.now(CASA_TZ).date():
        pytest.skip("the start falls on the next local day (a run around midnight at the desk)")
    appointment = await _booked(client, world)
    await _move_to(sessionmaker, appointment["id"], start)
    missed = await _transition(client, world.agent, appointment["id"], '"v1"', status="missed")
    assert (missed.status_code, missed.json()["type"]) == (409, "/problems/appointment-not-started")
    kept = await _transition(client, world.agent, appointment["id"], '"v1"', status="kept")
    assert kept.status_code == 200, kept.text
    assert kept.json()["status"] == "kept"


async def test_too_early_an_arrival_says_the_desk_time_in_words(client, world: World, sessionmaker) -> None:
    day = next_weekday(2)
    appointment = await _booked(client, world, day, "10:00", "10:30")
    french = await _transition(client, world.agent, appointment["id"], '"v1"', status="kept")
    assert french.status_code == 409
    assert french.json()["detail"] == (
        "Le rendez-vous commence à 10\u00a0h\u00a000 (heure du guichet) ; l'arrivée de la personne peut être "
        "enregistrée à partir de 9\u00a0h\u00a000 ce jour-là."
    )
    headers = {**world.agent.headers, "Accept-Language": "en"}
    english = await client.post(
        f"/api/v1/appointments/{appointment['id']}/transitions",
        json={"status": "missed"},
        headers={**headers, "If-Match": '"v1"'},
    )
    assert english.json()["detail"] == (
        "The appointment starts at 10:00 (desk time); it cannot be marked as a no-show before it has started."
    )


async def test_an_early_appointment_is_not_checked_in_the_evening_before(client, world: World, sessionmaker) -> None:
    day = next_weekday(2)
    appointment = await _booked(client, world, day, "09:00", "09:30")
    await _move_to(sessionmaker, appointment["id"], local(day, "00:20").astimezone(dt.UTC))
    response = await _transition(client, world.agent, appointment["id"], '"v1"', status="kept")
    assert response.status_code == 409
    assert "à partir de 0\u00a0h\u00a000" in response.json()["detail"]


async def test_one_person_is_not_booked_twice_at_once_whoever_books(client, world: World, sessionmaker) -> None:
    day = next_weekday(2)
    first = await _booked(client, world, day)
    with_colleague = await book(
        client,
        world.colleague,
        desk_id=world.casa,
        agent_id=world.colleague.id,
        registrant_id=world.registrant,
        starts_at=iso(day, "10:15"),
        ends_at=iso(day, "10:45"),
    )
    assert (with_colleague.status_code, with_colleague.json()["type"]) == (409, "/problems/registrant-double-booked")
    assert with_colleague.json()["conflicting_appointment_id"] == first["id"]
    said = with_colleague.json()["detail"].replace("\u00a0", " ")
    assert "(heure du guichet)" in said and "UTC" not in said, said
    later = await book(
        client,
        world.colleague,
        desk_id=world.casa,
        agent_id=world.colleague.id,
        registrant_id=world.registrant,
        starts_at=iso(day, "11:00"),
        ends_at=iso(day, "11:30"),
    )
    assert later.status_code == 201, later.text
    onto_the_first = await _reschedule(
        client, world.colleague, later.json()["id"], '"v1"', starts_at=iso(day, "10:00"), ends_at=iso(day, "10:30")
    )
    assert (onto_the_first.status_code, onto_the_first.json()["type"]) == (409, "/problems/registrant-double-booked")
    assert await count_audit(sessionmaker, "appointment.create") == 2
    assert await count_audit(sessionmaker, "appointment.reschedule") == 0


@pytest.mark.parametrize(("status", "problem"), [("resolved", "case-not-open"), ("transferred", "case-read-only")])
async def test_an_appointment_of_a_case_closed_or_transferred_since_cannot_be_moved(
    client, world: World, sessionmaker, status: str, problem: str
) -> None:
    case_id = await add_case(sessionmaker, world.casa, world.registrant, "CASA-2026-C-000010")
    day = next_weekday(2)
    booked = await book(
        client,
        world.agent,
        desk_id=world.casa,
        agent_id=world.agent.id,
        case_id=case_id,
        starts_at=iso(day, "10:00"),
        ends_at=iso(day, "10:30"),
    )
    assert booked.status_code == 201, booked.text
    async with sessionmaker() as session:
        await session.execute(update(Case).where(Case.id == case_id).values(status=status))
        await session.commit()
    moved = await _reschedule(
        client, world.agent, booked.json()["id"], '"v1"', starts_at=iso(day, "11:00"), ends_at=iso(day, "11:30")
    )
    assert (moved.status_code, moved.json()["type"]) == (409, f"/problems/{problem}")
    current = await client.get(f"/api/v1/appointments/{booked.json()['id']}", headers=world.agent.headers)
    assert (current.json()["starts_at"], current.headers["etag"]) == (booked.json()["starts_at"], '"v1"')
    cancelled = await _transition(client, world.agent, booked.json()["id"], '"v1"', status="cancelled")
    assert cancelled.status_code == 200, cancelled.text  # a closed case's appointment can still be called off
