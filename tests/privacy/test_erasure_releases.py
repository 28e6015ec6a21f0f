"""An erasure releases what the person holds from now on: their booked appointments still to come
are cancelled (the slots free again, audited like any cancellation, no message to the person), their
reminders not sent yet are withheld, and the erasure's answer says how many appointments it cancelled."""

from __future__ import annotations

import datetime as dt
import uuid

import httpx
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.appointments.models import Appointment
from app.audit.models import AuditEvent
from app.core.config import Settings
from app.notifications.models import Notification
from app.notifications.reminders import queue_reminders
from tests.appointments.conftest import book, insert_appointment
from tests.appointments.helpers import iso, local, next_weekday
from tests.conftest import Staff


async def test_erasure_cancels_the_persons_upcoming_appointments_and_withholds_their_reminders(
    client: httpx.AsyncClient,
    supervisor: Staff,
    make_staff,  # type: ignore[no-untyped-def]
    make_registrant,  # type: ignore[no-untyped-def]
    sessionmaker: async_sessionmaker[AsyncSession],
    settings: Settings,
    desk_ids: dict[str, uuid.UUID],
) -> None:
    desk = desk_ids["CASA-BASE"]
    agent = await make_staff("agent", ["CASA-BASE"])
    person = await make_registrant(consents=("contact_sms_whatsapp",))
    neighbour = await make_registrant(given="Fatou", family="Sow", consents=())
    day = next_weekday(2)
    times = (("10:00", "10:30"), ("10:30", "11:00"), ("11:00", "11:30"))
    for start, end in times:
        booked = await book(
            client, agent, desk_id=desk, agent_id=agent.id, registrant_id=person,
            starts_at=iso(day, start), ends_at=iso(day, end),
        )  # fmt: skip
        assert booked.status_code == 201, booked.text
    # one that has started stays booked: the desk records whether the person came
    started = await insert_appointment(
        sessionmaker, desk_id=desk, agent_id=agent.id, registrant_id=person,
        starts_at=dt.datetime.now(dt.UTC) - dt.timedelta(minutes=5),
    )  # fmt: skip
    async with sessionmaker() as session:  # the day before, the reminders are queued
        await queue_reminders(session, settings, local(day - dt.timedelta(days=1), "08:00").astimezone(dt.UTC))
        await session.commit()
        reminders = select(Notification).where(
            Notification.registrant_id == person, Notification.event == "appointment_reminder"
        )
        assert [n.status for n in (await session.execute(reminders)).scalars()] == ["queued"] * 3

    request = await client.post(
        "/api/v1/privacy/subject-requests",
        headers=supervisor.headers,
        json={"registrant_id": str(person), "kind": "erasure"},
    )
    erase = f"/api/v1/privacy/subject-requests/{request.json()['id']}/erase"
    erased = await client.post(erase, headers=supervisor.headers)
    assert erased.status_code == 200, erased.text
    assert erased.json()["counts"]["appointments_cancelled"] == 3
    assert erased.json()["files_erased"][0]["counts"]["appointments_cancelled"] == 3

    listed = await client.get(f"/api/v1/appointments?desk_id={desk}&day={day}", headers=agent.headers)
    assert [a["status"] for a in listed.json()["items"]] == ["cancelled"] * 3
    async with sessionmaker() as session:
        assert (await session.get_one(Appointment, started)).status == "booked"
        cancellations = (
            (await session.execute(select(AuditEvent).where(AuditEvent.action == "appointment.cancelled")))
            .scalars()
            .all()
        )
        assert len(cancellations) == 3
        assert {e.details["erasure"]["trigger"] for e in cancellations} == {"request"}
        assert {e.desk_id for e in cancellations} == {desk}
        messages = (await session.execute(select(Notification).where(Notification.registrant_id == person))).scalars()
        # the reminders (and bookings' messages) queued are withheld, and no cancellation is sent to
        # an address being erased
        assert sorted({(n.event, n.status) for n in messages}) == [
            ("appointment_booked", "withheld"),
            ("appointment_reminder", "withheld"),
        ]
        # the next day's run queues no reminder for them any more
        await queue_reminders(session, settings, local(day - dt.timedelta(days=1), "08:30").astimezone(dt.UTC))
        await session.commit()
        assert len((await session.execute(reminders)).scalars().all()) == 3

    # the slots are free again: another person is booked there
    for start, end in times:
        again = await book(
            client, agent, desk_id=desk, agent_id=agent.id, registrant_id=neighbour,
            starts_at=iso(day, start), ends_at=iso(day, end),
        )  # fmt: skip
        assert again.status_code == 201, again.text
