"""What a transfer does besides opening the case at the receiving desk: the case fields it sends
(and records in the registers), the due date it keeps, the appointments it cancels at the sending
desk and what the person is told."""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import replace
from typing import Any

import httpx
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.appointments.models import Appointment
from app.cases.models import Case
from app.desks.models import Desk
from app.notifications.models import Notification
from app.notifications.rendering import claimed_from, render
from tests.appointments.helpers import iso, next_weekday
from tests.cases.conftest import etag, move, open_case
from tests.conftest import Staff

CONTACT = ("transfer_to_senegal", "contact_sms_whatsapp")


async def _transfer(client: httpx.AsyncClient, staff: Staff, case_id: str, **body: Any) -> httpx.Response:
    response = await move(client, staff, case_id, "transferred", to_desk="DKR-MOB", **body)
    assert response.status_code == 200, response.text
    return response


async def _register(client: httpx.AsyncClient, admin: Staff, **params: str) -> list[dict[str, Any]]:
    response = await client.get(
        "/api/v1/privacy/disclosures", headers=admin.headers, params={"kind": "transfer", **params}
    )
    assert response.status_code == 200, response.text
    return response.json()["items"]  # type: ignore[no-any-return]


async def _messages(sessionmaker: async_sessionmaker[AsyncSession], registrant_id: uuid.UUID) -> list[Notification]:
    async with sessionmaker() as session:
        stmt = select(Notification).where(Notification.registrant_id == registrant_id).order_by(Notification.created_at)
        return list((await session.execute(stmt)).scalars())


async def test_the_register_names_the_case_fields_sent_and_no_search_key(
    client: httpx.AsyncClient, agent: Staff, admin: Staff, dakar_agent: Staff, make_registrant
) -> None:
    """On the consent basis the description and the vulnerability flags (detention, pregnancy)
    stay at the sending desk, named in ``fields_withheld``; the register lists what did go."""
    registrant = await make_registrant(consents=("transfer_to_senegal",))
    case = await open_case(
        client, agent, registrant, priority="high", vulnerability_flags=["detained", "pregnant"], description="Retenue"
    )
    target_id = (await _transfer(client, agent, case["id"])).json()["transferred_to_case_id"]
    (entry,) = await _register(client, admin)
    assert [f for f in entry["fields"] if f.startswith("case.")] == [
        "case.service_type",
        "case.channel",
        "case.priority",
        "case.language",
        "case.interpreter_used",
    ]
    assert not [f for f in entry["fields"] if f.endswith(("_key", "_phonetic")) or f == "birth_year"]
    assert {"given_names", "phones", "consents"} <= set(entry["fields"])
    target = (await client.get(f"/api/v1/cases/{target_id}", headers=dakar_agent.headers)).json()
    assert (target["priority"], target["vulnerability_flags"], target["description"]) == ("high", [], "")
    timeline = await client.get(f"/api/v1/cases/{target_id}/timeline", headers=dakar_agent.headers)
    (event,) = timeline.json()["items"]
    assert event["details"]["fields_withheld"] == ["residence_status", "case.description", "case.vulnerability_flags"]
    # the sending desk's timeline names what it kept too (its case screen says so)
    timeline = await client.get(f"/api/v1/cases/{case['id']}/timeline", headers=agent.headers)
    (sent,) = [e for e in timeline.json()["items"] if e["kind"] == "transferred_out"]
    assert sent["details"]["fields_withheld"] == ["residence_status", "case.description", "case.vulnerability_flags"]


async def test_on_vital_interest_the_sensitive_case_fields_go_and_are_registered(
    client: httpx.AsyncClient, agent: Staff, supervisor: Staff, admin: Staff, dakar_agent: Staff, make_registrant
) -> None:
    registrant = await make_registrant(consents=())
    case = await open_case(client, agent, registrant, vulnerability_flags=["detained"], description="Retenu à Tanger")
    note = "Personne retenue, rapatriement urgent demandé par la famille"
    moved = await _transfer(client, supervisor, case["id"], legal_basis="vital_interest", legal_basis_note=note)
    target_id = moved.json()["transferred_to_case_id"]
    (entry,) = await _register(client, admin)
    assert {"case.description", "case.vulnerability_flags"} <= set(entry["fields"])
    target = (await client.get(f"/api/v1/cases/{target_id}", headers=dakar_agent.headers)).json()
    assert (target["vulnerability_flags"], target["description"]) == (["detained"], "Retenu à Tanger")


async def test_a_due_date_set_by_a_supervisor_is_kept_and_on_the_new_timeline(
    client: httpx.AsyncClient, agent: Staff, supervisor: Staff, dakar_agent: Staff, make_registrant
) -> None:
    case = await open_case(client, agent, await make_registrant(consents=("transfer_to_senegal",)))
    later = (dt.date.fromisoformat(case["due_date"]) + dt.timedelta(days=30)).isoformat()
    changed = await client.patch(
        f"/api/v1/cases/{case['id']}",
        headers={**supervisor.headers, "If-Match": await etag(client, supervisor, case["id"])},
        json={"due_date": later, "due_date_reason": "Attente du jugement"},
    )
    assert changed.status_code == 200, changed.text
    target_id = (await _transfer(client, agent, case["id"])).json()["transferred_to_case_id"]
    target = (await client.get(f"/api/v1/cases/{target_id}", headers=dakar_agent.headers)).json()
    assert target["due_date"] == later
    timeline = (await client.get(f"/api/v1/cases/{target_id}/timeline", headers=dakar_agent.headers)).json()
    assert [e["kind"] for e in timeline["items"]] == ["transferred_in", "due_date_changed"]
    kept = timeline["items"][1]["details"]
    assert (kept["to"], kept["kept_from"], kept["reason"]) == (later, case["case_number"], None)
    assert kept["from"] != later and timeline["items"][0]["details"]["due_date"] == later


async def test_a_due_date_nobody_changed_is_the_receiving_desk_s_and_recorded(
    client: httpx.AsyncClient, agent: Staff, dakar_agent: Staff, make_registrant
) -> None:
    case = await open_case(client, agent, await make_registrant(consents=("transfer_to_senegal",)))
    target_id = (await _transfer(client, agent, case["id"])).json()["transferred_to_case_id"]
    target = (await client.get(f"/api/v1/cases/{target_id}", headers=dakar_agent.headers)).json()
    timeline = (await client.get(f"/api/v1/cases/{target_id}/timeline", headers=dakar_agent.headers)).json()
    assert [e["kind"] for e in timeline["items"]] == ["transferred_in"]
    assert timeline["items"][0]["details"]["due_date"] == target["due_date"]


async def test_the_case_s_appointments_to_come_are_cancelled_and_the_person_told_why(
    client: httpx.AsyncClient,
    agent: Staff,
    make_registrant,
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    registrant = await make_registrant(consents=CONTACT)
    case = await open_case(client, agent, registrant)
    day = next_weekday(2)
    booked = await client.post(
        "/api/v1/appointments",
        headers=agent.headers,
        json={
            "desk_id": case["desk_id"],
            "agent_id": str(agent.id),
            "case_id": case["id"],
            "starts_at": iso(day, "10:00"),
            "ends_at": iso(day, "10:30"),
        },
    )
    assert booked.status_code == 201, booked.text
    target_id = (await _transfer(client, agent, case["id"])).json()["transferred_to_case_id"]
    target = await client.get(f"/api/v1/cases/{target_id}", headers=agent.headers)
    assert target.status_code == 404  # another desk's case now
    shown = await client.get(f"/api/v1/appointments/{booked.json()['id']}", headers=agent.headers)
    assert shown.json()["status"] == "cancelled"
    async with sessionmaker() as session:
        appointment = await session.get(Appointment, uuid.UUID(booked.json()["id"]))
        assert appointment is not None and appointment.status_reason is not None
        assert appointment.status_reason.startswith("Dossier transféré au guichet DKR-MOB (DKR-")
    timeline = await client.get(f"/api/v1/cases/{case['id']}/timeline", headers=agent.headers)
    assert "appointment_cancelled" in [e["kind"] for e in timeline.json()["items"]]
    messages = {m.event: m for m in await _messages(sessionmaker, registrant)}
    cancelled = messages["appointment_cancelled_transfer"]
    assert cancelled.status == "queued"
    text = render(claimed_from(cancelled), None).body
    assert "annulé" in text and "DKR-" in text and "-C-000001" in text


async def test_the_person_is_told_the_receiving_desk_and_the_new_number(
    client: httpx.AsyncClient, agent: Staff, make_registrant, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    registrant = await make_registrant(consents=CONTACT)
    case = await open_case(client, agent, registrant)
    target_id = (await _transfer(client, agent, case["id"])).json()["transferred_to_case_id"]
    async with sessionmaker() as session:
        target = await session.get_one(Case, uuid.UUID(target_id))
        desk = await session.get_one(Desk, target.desk_id)
    messages = [m for m in await _messages(sessionmaker, registrant) if m.event != "case_received"]
    assert [m.event for m in messages] == ["case_transferred"]
    for language in ("fr", "en"):
        text = render(replace(claimed_from(messages[0]), language=language), None).body
        assert case["case_number"] in text and target.case_number in text and desk.name in text, (language, text)
