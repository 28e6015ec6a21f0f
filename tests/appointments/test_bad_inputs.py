"""Refused bookings: each answers its own problem type and writes nothing (no row, no audit event)."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest

from app.calendars.models import DeskHoliday
from tests.appointments.conftest import World, add_case, book, count_appointments, count_audit
from tests.appointments.helpers import DAKAR_TZ, iso, next_weekday, utc_z


async def _refused(client, sessionmaker, staff, expected_status: int, expected_type: str, **body: object) -> dict:
    response = await book(client, staff, **body)
    assert response.status_code == expected_status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    problem = response.json()
    assert problem["type"] == expected_type
    assert await count_appointments(sessionmaker) == 0
    assert await count_audit(sessionmaker, "appointment.create") == 0
    return problem


async def test_start_in_the_past_is_refused(client, world: World, sessionmaker) -> None:
    start = dt.datetime.now(dt.UTC).replace(second=0, microsecond=0) - dt.timedelta(hours=1)
    problem = await _refused(
        client,
        sessionmaker,
        world.agent,
        422,
        "/problems/appointment-in-past",
        desk_id=world.casa,
        agent_id=world.agent.id,
        registrant_id=world.registrant,
        starts_at=utc_z(start),
        ends_at=utc_z(start + dt.timedelta(minutes=30)),
    )
    assert problem["title"] == "Rendez-vous dans le passé"


async def test_naive_datetime_is_refused(client, world: World, sessionmaker) -> None:
    day = next_weekday(2)
    problem = await _refused(
        client,
        sessionmaker,
        world.agent,
        422,
        "/problems/validation-failed",
        desk_id=world.casa,
        agent_id=world.agent.id,
        registrant_id=world.registrant,
        starts_at=f"{day.isoformat()}T10:00:00",
        ends_at=iso(day, "10:30"),
    )
    assert [(e["loc"], e["type"]) for e in problem["errors"]] == [(["body", "starts_at"], "timezone_aware")]


@pytest.mark.parametrize("end", ["09:30", "10:00"])
async def test_end_not_after_start_is_refused(client, world: World, sessionmaker, end: str) -> None:
    day = next_weekday(2)
    await _refused(
        client,
        sessionmaker,
        world.agent,
        422,
        "/problems/appointment-ends-before-start",
        desk_id=world.casa,
        agent_id=world.agent.id,
        registrant_id=world.registrant,
        starts_at=iso(day, "10:00"),
        ends_at=iso(day, end),
    )


@pytest.mark.parametrize(
    ("weekday", "start", "end"),
    [
        (2, "08:30", "09:00"),  # before opening (09:00)
        (2, "16:15", "16:45"),  # runs past closing (16:30)
        (2, "16:30", "17:00"),  # starts at closing
        (6, "10:00", "10:30"),  # Saturday: closed
        (7, "10:00", "10:30"),  # Sunday: closed
    ],
)
async def test_outside_opening_hours_is_refused(
    client, world: World, sessionmaker, weekday: int, start: str, end: str
) -> None:
    day = next_weekday(weekday)
    problem = await _refused(
        client,
        sessionmaker,
        world.agent,
        422,
        "/problems/outside-opening-hours",
        desk_id=world.casa,
        agent_id=world.agent.id,
        registrant_id=world.registrant,
        starts_at=iso(day, start),
        ends_at=iso(day, end),
    )
    assert problem["opening_hours"] == ([["09:00", "16:30"]] if weekday <= 5 else [])


async def test_opening_hours_are_checked_in_the_desk_zone(client, world: World, sessionmaker) -> None:
    """09:30+01:00 is 08:30 at Dakar (UTC+0): before the desk opens at 09:00."""
    day = next_weekday(2, tz=DAKAR_TZ)
    await _refused(
        client,
        sessionmaker,
        world.dakar_agent,
        422,
        "/problems/outside-opening-hours",
        desk_id=world.dakar,
        agent_id=world.dakar_agent.id,
        registrant_id=world.dakar_registrant,
        # 09:30 in Casablanca when it is +01 is 08:30 at Dakar.
        starts_at=f"{day.isoformat()}T09:30:00+01:00",
        ends_at=f"{day.isoformat()}T10:00:00+01:00",
    )


async def test_on_a_desk_holiday_is_refused(client, world: World, sessionmaker) -> None:
    day = next_weekday(3)
    async with sessionmaker() as session:
        session.add(DeskHoliday(desk_id=world.casa, day=day, name="Aïd al-Fitr"))
        await session.commit()
    problem = await _refused(
        client,
        sessionmaker,
        world.agent,
        422,
        "/problems/desk-holiday",
        desk_id=world.casa,
        agent_id=world.agent.id,
        registrant_id=world.registrant,
        starts_at=iso(day, "10:00"),
        ends_at=iso(day, "10:30"),
    )
    assert problem["day"] == day.isoformat()


async def test_a_holiday_of_another_desk_does_not_close_this_one(client, world: World, sessionmaker) -> None:
    day = next_weekday(3)
    async with sessionmaker() as session:
        session.add(DeskHoliday(desk_id=world.dakar, day=day, name="Tamkharit"))
        await session.commit()
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


@pytest.mark.parametrize(
    ("start", "end"), [("10:00", "10:30"), ("09:45", "10:15"), ("10:15", "10:20"), ("09:00", "11:00")]
)
async def test_overlapping_the_agent_s_booking_is_refused(
    client, world: World, sessionmaker, start: str, end: str
) -> None:
    day = next_weekday(2)
    first = await book(
        client,
        world.agent,
        desk_id=world.casa,
        agent_id=world.agent.id,
        registrant_id=world.registrant,
        starts_at=iso(day, "10:00"),
        ends_at=iso(day, "10:30"),
    )
    assert first.status_code == 201
    response = await book(
        client,
        world.colleague,
        desk_id=world.casa,
        agent_id=world.agent.id,
        registrant_id=world.registrant,
        starts_at=iso(day, start),
        ends_at=iso(day, end),
    )
    assert response.status_code == 409
    assert response.json()["type"] == "/problems/agent-double-booked"
    assert response.json()["conflicting_appointment_id"] == first.json()["id"]
    # the clash said on the desk's clock (Casablanca, UTC+1 in winter), never in UTC
    detail = response.json()["detail"]
    assert "de 10:00 à 10:30 (heure du guichet)" in detail.replace("\u00a0", " ") and "UTC" not in detail, detail
    assert await count_appointments(sessionmaker) == 1
    assert await count_audit(sessionmaker, "appointment.create") == 1


async def test_back_to_back_and_other_agents_are_not_overlaps(client, world: World, sessionmaker) -> None:
    day = next_weekday(2)
    slots = [
        (world.agent, world.registrant, "10:00", "10:30"),
        (world.agent, world.registrant, "10:30", "11:00"),  # starts when the first ends
        (world.agent, world.registrant, "09:30", "10:00"),  # ends when the first starts
        (world.colleague, world.neighbour, "10:00", "10:30"),  # another agent, another person
    ]
    for agent, registrant, start, end in slots:
        response = await book(
            client,
            world.agent,
            desk_id=world.casa,
            agent_id=agent.id,
            registrant_id=registrant,
            starts_at=iso(day, start),
            ends_at=iso(day, end),
        )
        assert response.status_code == 201, response.text
    assert await count_appointments(sessionmaker) == 4


async def test_agent_of_another_desk_is_refused(client, world: World, sessionmaker) -> None:
    day = next_weekday(2)
    await _refused(
        client,
        sessionmaker,
        world.admin,
        422,
        "/problems/agent-not-at-desk",
        desk_id=world.casa,
        agent_id=world.dakar_agent.id,
        registrant_id=world.registrant,
        starts_at=iso(day, "10:00"),
        ends_at=iso(day, "10:30"),
    )


async def test_unknown_or_inactive_or_auditor_agent_is_refused(client, world: World, sessionmaker, make_staff) -> None:
    from app.auth.models import StaffUser

    auditor = await make_staff("auditor", ["CASA-BASE"])
    inactive = await make_staff("agent", ["CASA-BASE"])
    async with sessionmaker() as session:
        user = await session.get(StaffUser, inactive.id)
        user.is_active = False
        await session.commit()
    day = next_weekday(2)
    for agent_id in (uuid.uuid4(), auditor.id, inactive.id):
        await _refused(
            client,
            sessionmaker,
            world.agent,
            422,
            "/problems/agent-not-at-desk",
            desk_id=world.casa,
            agent_id=agent_id,
            registrant_id=world.registrant,
            starts_at=iso(day, "10:00"),
            ends_at=iso(day, "10:30"),
        )


async def test_unknown_registrant_is_refused(client, world: World, sessionmaker) -> None:
    day = next_weekday(2)
    await _refused(
        client,
        sessionmaker,
        world.agent,
        404,
        "/problems/unknown-registrant",
        desk_id=world.casa,
        agent_id=world.agent.id,
        registrant_id=uuid.uuid4(),
        starts_at=iso(day, "10:00"),
        ends_at=iso(day, "10:30"),
    )


async def test_registrant_of_a_desk_the_user_cannot_see_is_unknown(client, world: World, sessionmaker) -> None:
    day = next_weekday(2)
    await _refused(
        client,
        sessionmaker,
        world.agent,
        404,
        "/problems/unknown-registrant",
        desk_id=world.casa,
        agent_id=world.agent.id,
        registrant_id=world.dakar_registrant,
        starts_at=iso(day, "10:00"),
        ends_at=iso(day, "10:30"),
    )


async def test_unknown_case_is_refused(client, world: World, sessionmaker) -> None:
    day = next_weekday(2)
    await _refused(
        client,
        sessionmaker,
        world.agent,
        422,
        "/problems/unknown-case",
        desk_id=world.casa,
        agent_id=world.agent.id,
        case_id=uuid.uuid4(),
        starts_at=iso(day, "10:00"),
        ends_at=iso(day, "10:30"),
    )


async def test_case_of_a_desk_the_user_cannot_see_is_unknown(client, world: World, sessionmaker) -> None:
    case_id = await add_case(sessionmaker, world.dakar, world.dakar_registrant, "DKR-2026-C-000001")
    day = next_weekday(2)
    await _refused(
        client,
        sessionmaker,
        world.agent,
        422,
        "/problems/unknown-case",
        desk_id=world.casa,
        agent_id=world.agent.id,
        case_id=case_id,
        starts_at=iso(day, "10:00"),
        ends_at=iso(day, "10:30"),
    )


async def test_case_of_another_desk_is_refused_even_for_an_admin(client, world: World, sessionmaker) -> None:
    case_id = await add_case(sessionmaker, world.dakar, world.dakar_registrant, "DKR-2026-C-000002")
    day = next_weekday(2)
    await _refused(
        client,
        sessionmaker,
        world.admin,
        422,
        "/problems/case-at-other-desk",
        desk_id=world.casa,
        agent_id=world.agent.id,
        case_id=case_id,
        starts_at=iso(day, "10:00"),
        ends_at=iso(day, "10:30"),
    )


async def test_registrant_other_than_the_case_s_is_refused(client, world: World, sessionmaker) -> None:
    case_id = await add_case(sessionmaker, world.casa, world.registrant, "CASA-2026-C-000009")
    from tests.appointments.conftest import add_registrant

    other = await add_registrant(sessionmaker, world.casa, "CASA-2026-000099")
    day = next_weekday(2)
    problem = await _refused(
        client,
        sessionmaker,
        world.agent,
        422,
        "/problems/validation-failed",
        desk_id=world.casa,
        agent_id=world.agent.id,
        case_id=case_id,
        registrant_id=other,
        starts_at=iso(day, "10:00"),
        ends_at=iso(day, "10:30"),
    )
    assert problem["detail"] == "La personne indiquée n'est pas celle du dossier."


async def test_neither_case_nor_registrant_is_refused(client, world: World, sessionmaker) -> None:
    day = next_weekday(2)
    problem = await _refused(
        client,
        sessionmaker,
        world.agent,
        422,
        "/problems/validation-failed",
        desk_id=world.casa,
        agent_id=world.agent.id,
        starts_at=iso(day, "10:00"),
        ends_at=iso(day, "10:30"),
    )
    assert problem["errors"][0]["msg"] == "Value error, give case_id or registrant_id"


async def test_unknown_field_is_refused(client, world: World, sessionmaker) -> None:
    day = next_weekday(2)
    problem = await _refused(
        client,
        sessionmaker,
        world.agent,
        422,
        "/problems/field-not-applicable",
        desk_id=world.casa,
        agent_id=world.agent.id,
        registrant_id=world.registrant,
        starts_at=iso(day, "10:00"),
        ends_at=iso(day, "10:30"),
        status="kept",
    )
    assert (problem["field"], problem["errors"][0]["type"]) == ("status", "not_applicable")


@pytest.mark.parametrize(("status", "problem"), [("resolved", "case-not-open"), ("transferred", "case-read-only")])
async def test_case_no_longer_worked_on_is_refused(
    client, world: World, sessionmaker, status: str, problem: str
) -> None:
    from sqlalchemy import update

    from app.cases.models import Case

    case_id = await add_case(sessionmaker, world.casa, world.registrant, "CASA-2026-C-000010")
    async with sessionmaker() as session:
        await session.execute(update(Case).where(Case.id == case_id).values(status=status))
        await session.commit()
    day = next_weekday(2)
    await _refused(
        client,
        sessionmaker,
        world.agent,
        409,
        f"/problems/{problem}",
        desk_id=world.casa,
        agent_id=world.agent.id,
        case_id=case_id,
        starts_at=iso(day, "10:00"),
        ends_at=iso(day, "10:30"),
    )


@pytest.mark.parametrize(
    ("starts_at", "ends_at", "error"),
    [
        ("9999-12-31T10:00:00Z", "9999-12-31T10:30:00Z", "date_range"),  # was booked; no day listed it
        ("{day}T10:00:00.123456789Z", "{day}T10:30:00Z", "whole_minute"),  # was cut to .123456
        ("{day}T10:00:30Z", "{day}T10:30:00Z", "whole_minute"),
    ],
    ids=["year-9999", "nanoseconds", "seconds"],
)
async def test_a_time_off_the_calendar_or_the_minute_is_refused(
    client, world: World, sessionmaker, starts_at: str, ends_at: str, error: str
) -> None:
    day = next_weekday(2).isoformat()
    problem = await _refused(
        client,
        sessionmaker,
        world.agent,
        422,
        "/problems/validation-failed",
        desk_id=world.casa,
        agent_id=world.agent.id,
        registrant_id=world.registrant,
        starts_at=starts_at.format(day=day),
        ends_at=ends_at.format(day=day),
    )
    assert (["body", "starts_at"], error) in [(e["loc"], e["type"]) for e in problem["errors"]]
