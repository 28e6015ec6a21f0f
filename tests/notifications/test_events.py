"""Each change a person is told about queues its message in the change's own transaction, and the
worker delivers them to the SMTP server in the person's language at the desk's local time; staff
read the delivery statuses of their desk's people only."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from pydantic import SecretStr
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.audit.models import AuditEvent
from app.core.config import Settings
from app.desks.models import Desk
from app.notifications import templates
from app.notifications.models import Notification
from app.notifications.scheduler import run_due_jobs
from app.notifications.worker import deliver_due
from tests.appointments.helpers import CASA_TZ, iso, local, next_weekday
from tests.notifications.servers import FakeTwilio, SmtpSink, smtp_server, twilio_server


@pytest.fixture
def smtp() -> Iterator[SmtpSink]:
    yield from smtp_server()


@pytest.fixture
def mail_settings(settings: Settings, smtp: SmtpSink) -> Settings:
    return settings.model_copy(update={"smtp_port": smtp.port})


def _english(day: dt.date, hhmm: str) -> str:
    return f"{day:%A} {day.day} {day:%B} {day.year} {hhmm}"


async def _register(client, agent, *, consents: tuple[str, ...] = ("contact_email",)) -> str:
    body = {
        "given_names": "Aïssatou",
        "family_name": "Diallo",
        "sex": "female",
        "email": "aissatou.diallo@example.org",
        "languages": ["en", "fr"],
        "consents": [
            {"purpose": p, "granted": True, "channel": "in_person", "notice_version": "2026-01", "language": "en"}
            for p in consents
        ],
    }
    response = await client.post("/api/v1/registrants", json=body, headers=agent.headers)
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


async def _make_due(sessionmaker: async_sessionmaker[AsyncSession]) -> None:
    async with sessionmaker() as session:
        await session.execute(update(Notification).values(next_attempt_at=dt.datetime.now(dt.UTC)))
        await session.commit()


async def test_every_change_reaches_the_person_in_their_language_and_the_desks_time(
    client, make_staff, sessionmaker, mail_settings, smtp
) -> None:
    agent = await make_staff("agent", ["CASA-BASE"])
    registrant_id = await _register(client, agent)
    case = await client.post(
        "/api/v1/cases",
        json={"registrant_id": registrant_id, "service_type": "CONSULAR_ADMIN", "channel": "walk_in"},
        headers=agent.headers,
    )
    number = case.json()["case_number"]
    moved = await client.post(
        f"/api/v1/cases/{case.json()['id']}/transitions",
        json={"to": "qualified"},
        headers={**agent.headers, "If-Match": case.headers["ETag"]},
    )
    asked = await client.post(f"/api/v1/cases/{case.json()['id']}/documents-missing", json={}, headers=agent.headers)
    day = next_weekday(3)
    booking = {"desk_id": None, "agent_id": str(agent.id), "registrant_id": registrant_id}
    desks = (await client.get("/api/v1/desks", headers=agent.headers)).json()
    booking["desk_id"] = next(d["id"] for d in desks if d["code"] == "CASA-BASE")
    booked = await client.post(
        "/api/v1/appointments",
        json={**booking, "starts_at": iso(day, "10:00"), "ends_at": iso(day, "10:30")},
        headers=agent.headers,
    )
    rescheduled = await client.patch(
        f"/api/v1/appointments/{booked.json()['id']}",
        json={"starts_at": iso(day, "11:00"), "ends_at": iso(day, "11:30")},
        headers={**agent.headers, "If-Match": booked.headers["ETag"]},
    )
    cancelled = await client.post(
        f"/api/v1/appointments/{booked.json()['id']}/transitions",
        json={"status": "cancelled"},
        headers={**agent.headers, "If-Match": rescheduled.headers["ETag"]},
    )
    assert [r.status_code for r in (case, moved, asked, booked, rescheduled, cancelled)] == [
        201,
        200,
        201,
        201,
        200,
        200,
    ]
    assert asked.json()["documents"] == ["identity_document", "birth_extract", "photo"]
    assert asked.json()["notification_status"] == "queued"

    assert await deliver_due(sessionmaker, mail_settings) == 7

    subjects = [str(m["Subject"]) for m in smtp.messages]
    assert subjects == [
        "Your registration: Bureau d'accueil des Sénégalais de l'extérieur — Casablanca",
        f"Request {number} received",
        f"Request {number}: qualified",
        f"Request {number}: documents missing",
        f"Appointment on {_english(day, '10:00')}",
        f"Appointment moved to {_english(day, '11:00')}",
        f"Appointment of {_english(day, '11:00')} cancelled",
    ]
    assert {str(m["To"]) for m in smtp.messages} == {"aissatou.diallo@example.org"}
    # the catalogue's document codes read as their labels in the message's language
    assert "needs: Identity document, Birth certificate extract, Photo." in smtp.messages[3].get_content()

    listed = await client.get(f"/api/v1/registrants/{registrant_id}/notifications", headers=agent.headers)
    items = listed.json()["items"]
    assert [(i["event"], i["status"], i["attempts"]) for i in items] == [
        ("appointment_cancelled", "sent", 1),
        ("appointment_changed", "sent", 1),
        ("appointment_booked", "sent", 1),
        ("documents_missing", "sent", 1),
        ("case_status_changed", "sent", 1),
        ("case_received", "sent", 1),
        ("registration_receipt", "sent", 1),
    ]
    assert "context" not in items[0]
    dakar = await make_staff("agent", ["DKR-MOB"])
    other_desk = await client.get(f"/api/v1/registrants/{registrant_id}/notifications", headers=dakar.headers)
    assert other_desk.status_code == 404
    async with sessionmaker() as session:
        reads = (
            await session.execute(select(AuditEvent.actor_id).where(AuditEvent.action == "notification.list"))
        ).scalars()
        assert list(reads) == [agent.id]


async def test_a_change_that_fails_queues_nothing(client, make_staff, sessionmaker) -> None:
    agent = await make_staff("agent", ["CASA-BASE"])
    registrant_id = await _register(client, agent)
    refused = await client.post(
        "/api/v1/cases",
        json={"registrant_id": registrant_id, "service_type": "NO_SUCH_TYPE", "channel": "walk_in"},
        headers=agent.headers,
    )
    assert refused.status_code == 422
    async with sessionmaker() as session:
        events = list((await session.execute(select(Notification.event))).scalars())
    assert events == ["registration_receipt"]


async def test_without_consent_the_person_gets_nothing_and_staff_see_why(
    client, make_staff, sessionmaker, mail_settings, smtp
) -> None:
    agent = await make_staff("agent", ["CASA-BASE"])
    registrant_id = await _register(client, agent, consents=("service_delivery",))
    assert await deliver_due(sessionmaker, mail_settings) == 0
    listed = await client.get(f"/api/v1/registrants/{registrant_id}/notifications", headers=agent.headers)
    assert [(i["event"], i["status"], i["reason"]) for i in listed.json()["items"]] == [
        ("registration_receipt", "skipped", "no_consent")
    ]
    assert smtp.messages == []


async def test_the_day_before_reminder_is_queued_once_and_held_until_nine_local(
    client, make_staff, sessionmaker, mail_settings, smtp
) -> None:
    agent = await make_staff("agent", ["CASA-BASE"])
    registrant_id = await _register(client, agent)
    desks = (await client.get("/api/v1/desks", headers=agent.headers)).json()
    casa = next(d["id"] for d in desks if d["code"] == "CASA-BASE")
    day = next_weekday(3)
    for hhmm, status in (("10:00", None), ("14:00", "cancelled")):
        booked = await client.post(
            "/api/v1/appointments",
            json={
                "desk_id": casa,
                "agent_id": str(agent.id),
                "registrant_id": registrant_id,
                "starts_at": iso(day, hhmm),
                "ends_at": iso(day, hhmm.replace(":00", ":30")),
            },
            headers=agent.headers,
        )
        if status:
            await client.post(
                f"/api/v1/appointments/{booked.json()['id']}/transitions",
                json={"status": status},
                headers={**agent.headers, "If-Match": booked.headers["ETag"]},
            )
    eve = local(day - dt.timedelta(days=1), "07:00")
    assert sorted(await run_due_jobs(sessionmaker, mail_settings, now=eve)) == [
        "appointment_reminders",
        "retention",
        "term_frequencies",
    ]
    assert await run_due_jobs(sessionmaker, mail_settings, now=eve + dt.timedelta(minutes=5)) == []  # not due
    an_hour_later = await run_due_jobs(sessionmaker, mail_settings, now=eve + dt.timedelta(hours=1))
    assert sorted(an_hour_later) == ["appointment_reminders", "term_frequencies"]  # retention: daily
    async with sessionmaker() as session:
        reminders = (
            (await session.execute(select(Notification).where(Notification.event == "appointment_reminder")))
            .scalars()
            .all()
        )
    assert [r.next_attempt_at for r in reminders] == [local(day - dt.timedelta(days=1), "09:00").astimezone(dt.UTC)]

    await _make_due(sessionmaker)
    await deliver_due(sessionmaker, mail_settings)
    assert [str(m["Subject"]) for m in smtp.messages if "Reminder" in str(m["Subject"])] == [
        f"Reminder: appointment tomorrow, {_english(day, '10:00')}"
    ]
    assert CASA_TZ.key == "Africa/Casablanca"


@pytest.fixture
def twilio() -> Iterator[FakeTwilio]:
    yield from twilio_server("AC" + "2" * 32, "secret-token")


@pytest.fixture
def wolof_templates() -> Iterator[None]:
    templates.configure(Path(__file__).resolve().parents[1] / "fixtures" / "notifications")
    yield
    templates.configure(None)


async def test_every_event_reaches_the_provider_in_french_or_wolof_at_the_desks_local_time(
    client, make_staff, sessionmaker, settings, twilio, wolof_templates
) -> None:
    agent = await make_staff("agent", ["CASA-BASE"])
    body = {
        "given_names": "Aïssatou",
        "family_name": "Diallo",
        "sex": "female",
        "phones": [{"number": "+212612345678", "whatsapp": True}],
        "languages": ["wo", "fr"],
        "consents": [
            {
                "purpose": "contact_sms_whatsapp",
                "granted": True,
                "channel": "in_person",
                "notice_version": "2026-01",
                "language": "wo",
            }
        ],
    }
    registered = await client.post("/api/v1/registrants", json=body, headers=agent.headers)
    assert registered.status_code == 201, registered.text
    registrant_id = registered.json()["id"]
    case = await client.post(
        "/api/v1/cases",
        json={"registrant_id": registrant_id, "service_type": "CONSULAR_ADMIN", "channel": "walk_in"},
        headers=agent.headers,
    )
    number = case.json()["case_number"]
    await client.post(
        f"/api/v1/cases/{case.json()['id']}/transitions",
        json={"to": "qualified"},
        headers={**agent.headers, "If-Match": case.headers["ETag"]},
    )
    await client.post(f"/api/v1/cases/{case.json()['id']}/documents-missing", json={}, headers=agent.headers)
    day = next_weekday(3)
    desks = (await client.get("/api/v1/desks", headers=agent.headers)).json()
    booking = {
        "desk_id": next(d["id"] for d in desks if d["code"] == "CASA-BASE"),
        "agent_id": str(agent.id),
        "registrant_id": registrant_id,
    }
    booked = await client.post(
        "/api/v1/appointments",
        json={**booking, "starts_at": iso(day, "10:00"), "ends_at": iso(day, "10:30")},
        headers=agent.headers,
    )
    moved = await client.patch(
        f"/api/v1/appointments/{booked.json()['id']}",
        json={"starts_at": iso(day, "11:00"), "ends_at": iso(day, "11:30")},
        headers={**agent.headers, "If-Match": booked.headers["ETag"]},
    )
    cancelled = await client.post(
        f"/api/v1/appointments/{booked.json()['id']}/transitions",
        json={"status": "cancelled"},
        headers={**agent.headers, "If-Match": moved.headers["ETag"]},
    )
    kept = await client.post(
        "/api/v1/appointments",
        json={**booking, "starts_at": iso(day, "14:00"), "ends_at": iso(day, "14:30")},
        headers=agent.headers,
    )
    assert [r.status_code for r in (case, booked, moved, cancelled, kept)] == [201, 201, 200, 200, 201]
    eve = local(day - dt.timedelta(days=1), "10:00")
    assert "appointment_reminders" in await run_due_jobs(sessionmaker, settings, now=eve)
    await _make_due(sessionmaker)
    # Casablanca is UTC+00 all year: for the desk's local time to differ from UTC, the desk keeps
    # Paris time (UTC+01 in winter, UTC+02 in summer) from here on; messages are rendered at sending.
    async with sessionmaker() as session:
        await session.execute(update(Desk).where(Desk.code == "CASA-BASE").values(time_zone="Europe/Paris"))
        await session.commit()
    paris = ZoneInfo("Europe/Paris")

    def at_desk(hhmm: str) -> str:
        return local(day, hhmm).astimezone(paris).strftime("%H:%M")

    via_twilio = settings.model_copy(
        update={
            "whatsapp_provider": "twilio",
            "twilio_api_base": twilio.base_url,
            "twilio_account_sid": twilio.account_sid,
            "twilio_auth_token": SecretStr(twilio.auth_token),
            "twilio_whatsapp_from": "+14155238886",
        }
    )
    assert await deliver_due(sessionmaker, via_twilio) == 9
    assert {(r["To"], r["From"]) for r in twilio.requests} == {("whatsapp:+212612345678", "whatsapp:+14155238886")}
    async with sessionmaker() as session:
        rows = (
            await session.execute(
                select(Notification.event, Notification.provider_message_id).order_by(Notification.created_at)
            )
        ).all()
    by_sid = {f"SM{n:032x}": r["Body"] for n, r in enumerate(twilio.requests, start=1)}
    bodies: dict[str, list[str]] = {}
    for event, sid in rows:
        bodies.setdefault(event, []).append(by_sid[sid])
    assert sorted((event, len(found)) for event, found in bodies.items()) == [
        ("appointment_booked", 2),
        ("appointment_cancelled", 1),
        ("appointment_changed", 1),
        ("appointment_reminder", 1),
        ("case_received", 1),
        ("case_status_changed", 1),
        ("documents_missing", 1),
        ("registration_receipt", 1),
    ]
    # French where the desk supplies no Wolof; Wolof for the booking, whose template it supplies.
    assert bodies["registration_receipt"][0].startswith("Bonjour Aïssatou, Bureau d'accueil")
    assert all(number in bodies[e][0] for e in ("case_received", "case_status_changed", "documents_missing"))
    assert "qualifi" in bodies["case_status_changed"][0]
    assert [
        b.endswith(f"{at_desk(h)} (waxtu guichet bi).")
        for b, h in zip(bodies["appointment_booked"], ("10:00", "14:00"))
    ] == [True, True]
    assert at_desk("11:00") in bodies["appointment_changed"][0] and "déplacé" in bodies["appointment_changed"][0]
    assert at_desk("11:00") in bodies["appointment_cancelled"][0] and "annulé" in bodies["appointment_cancelled"][0]
    reminder = bodies["appointment_reminder"][0]
    assert "rappel, vous avez rendez-vous" in reminder and f"{at_desk('14:00')} (heure locale" in reminder
    assert at_desk("10:00") != "10:00"  # the desk's time, not UTC's nor Casablanca's


async def test_a_move_to_another_agent_at_the_same_time_tells_the_person_nothing(
    client, make_staff, sessionmaker
) -> None:
    agent, colleague = await make_staff("agent", ["CASA-BASE"]), await make_staff("agent", ["CASA-BASE"])
    registrant_id = await _register(client, agent)
    desks = (await client.get("/api/v1/desks", headers=agent.headers)).json()
    day = next_weekday(3)
    booked = await client.post(
        "/api/v1/appointments",
        json={
            "desk_id": next(d["id"] for d in desks if d["code"] == "CASA-BASE"),
            "agent_id": str(agent.id),
            "registrant_id": registrant_id,
            "starts_at": iso(day, "10:00"),
            "ends_at": iso(day, "10:30"),
        },
        headers=agent.headers,
    )
    other_agent = await client.patch(
        f"/api/v1/appointments/{booked.json()['id']}",
        json={"starts_at": iso(day, "10:00"), "ends_at": iso(day, "10:30"), "agent_id": str(colleague.id)},
        headers={**agent.headers, "If-Match": booked.headers["ETag"]},
    )
    moved = await client.patch(
        f"/api/v1/appointments/{booked.json()['id']}",
        json={"starts_at": iso(day, "11:00"), "ends_at": iso(day, "11:30")},
        headers={**agent.headers, "If-Match": other_agent.headers["ETag"]},
    )
    assert [booked.status_code, other_agent.status_code, moved.status_code] == [201, 200, 200]
    async with sessionmaker() as session:
        events = (await session.execute(select(Notification.event).order_by(Notification.created_at))).scalars()
        assert [e for e in events if e.startswith("appointment")] == ["appointment_booked", "appointment_changed"]
