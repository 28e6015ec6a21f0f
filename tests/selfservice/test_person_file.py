"""What a linked person does with their own file over HTTP: contact details, requests,
documents, appointments in free slots, the subject-access archive — each audited with the person
as actor, bad input answered with problems and nothing half-written."""

from __future__ import annotations

import asyncio
import datetime as dt
import io
import json
import uuid
import zipfile
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import event, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.appointments.models import Appointment
from app.audit import payloads
from app.audit.models import AuditEvent
from app.cases.models import Case
from app.core.config import Settings
from app.documents.models import Document
from app.privacy.models import SubjectRequest
from tests.appointments.helpers import CASA_TZ, iso, local, next_weekday
from tests.selfservice.conftest import SELF, World, count

SPECIMENS = Path(__file__).resolve().parents[1] / "fixtures" / "documents"


def at(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text)


async def _events(sessionmaker: async_sessionmaker[AsyncSession], action: str) -> list[AuditEvent]:
    async with sessionmaker() as session:
        return list((await session.execute(select(AuditEvent).where(AuditEvent.action == action))).scalars())


async def test_contact_details_read_and_corrected_with_old_and_new_values_audited(
    client: httpx.AsyncClient, sessionmaker: async_sessionmaker[AsyncSession], world: World
) -> None:
    read = await client.get(f"{SELF}/contact", headers=world.a.headers)
    assert read.status_code == 200
    assert read.json()["phones"] == [] and read.json()["email"] is None
    etag = read.headers["ETag"]
    body = {"phones": [{"number": "0612345678", "whatsapp": True}], "email": "Awa@Example.org", "host_city": "Fès"}
    assert (await client.patch(f"{SELF}/contact", json=body, headers=world.a.headers)).status_code == 428
    stale = await client.patch(f"{SELF}/contact", json=body, headers={**world.a.headers, "If-Match": '"v999"'})
    assert stale.status_code == 412
    r = await client.patch(f"{SELF}/contact", json=body, headers={**world.a.headers, "If-Match": etag})
    assert r.status_code == 200, r.text
    out = r.json()
    # The desk's country (Morocco) is the default region of a number typed without a prefix.
    assert [(p["e164"], p["whatsapp"]) for p in out["phones"]] == [("+212612345678", True)]
    assert out["email"] == "Awa@example.org" and out["host_city"] == "Fès"
    assert r.headers["ETag"] != etag
    [update] = [e for e in await _events(sessionmaker, "registrant.update") if e.actor_role == "person"]
    assert update.details["changes"]["email"] == {"before": None, "after": "***"}  # the chain keeps no value
    async with sessionmaker() as session:  # the values are in the event's erasable payload
        [personal] = (await payloads.resolve(session, [update.details["personal"]])).values()
    assert personal["changes"]["email"] == {"before": None, "after": "Awa@example.org"}
    assert personal["changes"]["phones"] == {"before": [], "after": ["+212612345678"]}
    assert update.entity_id == str(world.a.registrant_id)
    reads = [e for e in await _events(sessionmaker, "registrant.read") if e.actor_role == "person"]
    assert len(reads) == 1 and reads[0].actor_id is not None


async def test_contact_corrections_cannot_touch_other_fields(client: httpx.AsyncClient, world: World) -> None:
    etag = (await client.get(f"{SELF}/contact", headers=world.a.headers)).headers["ETag"]
    for body in ({"given_names": "X"}, {"residence_status": "x"}, {"phones": [{"number": ""}]}, {"email": "no"}):
        r = await client.patch(f"{SELF}/contact", json=body, headers={**world.a.headers, "If-Match": etag})
        assert r.status_code == 422, body
        assert r.headers["content-type"] == "application/problem+json"
    after = await client.get(f"{SELF}/contact", headers=world.a.headers)
    assert after.headers["ETag"] == etag


async def test_requests_submitted_listed_and_read_without_internal_notes(
    client: httpx.AsyncClient, sessionmaker: async_sessionmaker[AsyncSession], world: World
) -> None:
    types = await client.get(f"{SELF}/service-types", headers=world.a.headers)
    codes = [t["code"] for t in types.json()]
    assert "STUDENT" in codes and "EMERGENCY" not in codes
    r = await client.post(
        f"{SELF}/requests",
        json={"service_type": "student", "description": "Inscription à l'université de Fès"},
        headers={**world.a.headers, "Idempotency-Key": "k1"},
    )
    assert r.status_code == 201, r.text
    created = r.json()
    assert created["status"] == "received" and created["channel"] == "mobile_app"
    assert created["case_number"].startswith("CASA-") and created["service_type"]["code"] == "STUDENT"
    replay = await client.post(
        f"{SELF}/requests",
        json={"service_type": "student", "description": "Inscription à l'université de Fès"},
        headers={**world.a.headers, "Idempotency-Key": "k1"},
    )
    assert replay.json()["id"] == created["id"] and replay.headers["Idempotent-Replayed"] == "true"
    async with sessionmaker() as session:
        case = await session.get(Case, uuid.UUID(created["id"]))
        assert case is not None and case.registrant_id == world.a.registrant_id
    # The desk works on it: a qualified status and a confidential, internal note.
    note = await client.post(
        f"/api/v1/cases/{created['id']}/notes",
        json={"text": "Fragile, voir psychologue", "confidential": True, "internal_assessment": True},
        headers=world.agent.headers,
    )
    assert note.status_code == 201, note.text
    etag = (await client.get(f"/api/v1/cases/{created['id']}", headers=world.agent.headers)).headers["ETag"]
    moved = await client.post(
        f"/api/v1/cases/{created['id']}/transitions",
        json={"to": "qualified"},
        headers={**world.agent.headers, "If-Match": etag},
    )
    assert moved.status_code == 200, moved.text

    listed = await client.get(f"{SELF}/requests", headers=world.a.headers)
    assert [(c["id"], c["status"]) for c in listed.json()] == [(created["id"], "qualified")]
    one = await client.get(f"{SELF}/requests/{created['id']}", headers=world.a.headers)
    assert [h["status"] for h in one.json()["status_history"]] == ["received", "qualified"]
    text = one.text + listed.text
    for hidden in ("Fragile", "assignee", "description", "notes", "Test agent", str(world.agent.id)):
        assert hidden not in text
    assert [e.actor_role for e in await _events(sessionmaker, "case.create")] == ["person"]
    assert len(await _events(sessionmaker, "self_service.requests_read")) == 1


async def test_requests_of_types_not_offered_are_refused(
    client: httpx.AsyncClient, sessionmaker: async_sessionmaker[AsyncSession], world: World
) -> None:
    for code, problem in (("EMERGENCY", "service-type-not-offered"), ("NOPE", "service-type-not-offered")):
        r = await client.post(f"{SELF}/requests", json={"service_type": code}, headers=world.a.headers)
        assert r.status_code == 422 and r.json()["type"] == f"/problems/{problem}"
    r = await client.post(
        f"{SELF}/requests", json={"service_type": "STUDENT", "channel": "web"}, headers=world.a.headers
    )
    assert r.status_code == 422
    assert await count(sessionmaker, Case) == 0


async def test_documents_uploaded_to_the_file_and_to_a_request(
    client: httpx.AsyncClient, sessionmaker: async_sessionmaker[AsyncSession], settings: Settings, world: World
) -> None:
    png = (SPECIMENS / "specimen_residence_card.png").read_bytes()
    r = await client.post(
        f"{SELF}/documents",
        files={"file": ("carte.png", png, "image/png")},
        data={"kind": "residence_card"},
        headers=world.a.headers,
    )
    assert r.status_code == 201, r.text
    assert r.json()["owner_type"] == "registrant" and r.json()["owner_id"] == str(world.a.registrant_id)
    assert r.json()["media_type"] == "image/png"
    case = (
        await client.post(f"{SELF}/requests", json={"service_type": "RESIDENCE_MA"}, headers=world.a.headers)
    ).json()
    pdf = (SPECIMENS / "specimen_passport.pdf").read_bytes()
    r = await client.post(
        f"{SELF}/requests/{case['id']}/documents",
        files={"file": ("passeport.pdf", pdf, "application/pdf")},
        data={"kind": "passport"},
        headers=world.a.headers,
    )
    assert r.status_code == 201, r.text
    assert r.json()["owner_type"] == "case"
    uploads = await _events(sessionmaker, "document.upload")
    assert [e.actor_role for e in uploads] == ["person", "person"]


async def test_the_same_file_sent_again_answers_200_as_the_openapi_declares(
    client: httpx.AsyncClient, sessionmaker: async_sessionmaker[AsyncSession], world: World
) -> None:
    """A file already on the file (or the request) answers 200 with the stored document, stored
    once, as at the desk; the OpenAPI document declares that 200 beside the 201."""
    paths = (await client.get("/openapi.json")).json()["paths"]
    case = (
        await client.post(f"{SELF}/requests", json={"service_type": "RESIDENCE_MA"}, headers=world.a.headers)
    ).json()
    png = (SPECIMENS / "specimen_residence_card.png").read_bytes()
    for url, path in (
        (f"{SELF}/documents", f"{SELF}/documents"),
        (f"{SELF}/requests/{case['id']}/documents", f"{SELF}/requests/{{case_id}}/documents"),
    ):
        sent = [
            await client.post(
                url, files={"file": ("carte.png", png, "image/png")}, data={"kind": "photo"}, headers=world.a.headers
            )
            for _ in range(2)
        ]
        assert [r.status_code for r in sent] == [201, 200], path
        assert sent[1].json()["id"] == sent[0].json()["id"]
        assert {"200", "201"} <= set(paths[path]["post"]["responses"]), path
    assert await count(sessionmaker, Document) == 2


async def test_a_refused_upload_leaves_no_row_and_no_file(
    client: httpx.AsyncClient, sessionmaker: async_sessionmaker[AsyncSession], settings: Settings, world: World
) -> None:
    r = await client.post(
        f"{SELF}/documents",
        files={"file": ("virus.exe", b"MZ\x90\x00" + b"\x00" * 200, "image/png")},
        data={"kind": "photo"},
        headers=world.a.headers,
    )
    assert r.status_code == 415 and r.headers["content-type"] == "application/problem+json"
    png = (SPECIMENS / "specimen_residence_card.png").read_bytes()
    r = await client.post(
        f"{SELF}/documents",
        files={"file": ("carte.png", png, "image/png")},
        data={"kind": "tax_return"},
        headers=world.a.headers,
    )
    assert r.status_code == 422
    assert await count(sessionmaker, Document) == 0
    stored = settings.effective_documents_dir
    assert not stored.exists() or [p for p in stored.rglob("*") if p.is_file()] == []


async def test_free_slots_booking_rescheduling_and_cancelling(
    client: httpx.AsyncClient, sessionmaker: async_sessionmaker[AsyncSession], world: World
) -> None:
    day = next_weekday(2)  # a Tuesday two weeks ahead: 09:00-16:30 at CASA-BASE
    r = await client.get(f"{SELF}/slots", params={"from": day.isoformat(), "days": 1}, headers=world.a.headers)
    assert r.status_code == 200, r.text
    slots = r.json()["slots"]
    assert r.json()["time_zone"] == "Africa/Casablanca" and r.json()["slot_minutes"] == 30
    assert len(slots) == 15
    assert at(slots[0]["starts_at"]) == local(day, "09:00") and at(slots[-1]["ends_at"]) == local(day, "16:30")

    booked = await client.post(f"{SELF}/appointments", json={"starts_at": iso(day, "10:00")}, headers=world.a.headers)
    assert booked.status_code == 201, booked.text
    assert at(booked.json()["starts_at"]) == local(day, "10:00") and "agent_id" not in booked.json()
    # The desk has one agent: the slot is gone for everyone.
    r = await client.get(f"{SELF}/slots", params={"from": day.isoformat(), "days": 1}, headers=world.b.headers)
    assert local(day, "10:00") not in [at(s["starts_at"]) for s in r.json()["slots"]] and len(r.json()["slots"]) == 14
    taken = await client.post(f"{SELF}/appointments", json={"starts_at": iso(day, "10:00")}, headers=world.b.headers)
    assert taken.status_code == 409 and taken.json()["type"] == "/problems/slot-taken"

    appointment = booked.json()
    url = f"{SELF}/appointments/{appointment['id']}"
    moved = await client.patch(
        url, json={"starts_at": iso(day, "14:30")}, headers={**world.a.headers, "If-Match": booked.headers["ETag"]}
    )
    assert moved.status_code == 200, moved.text
    assert at(moved.json()["starts_at"]) == local(day, "14:30")
    stale = await client.post(f"{url}/cancel", headers={**world.a.headers, "If-Match": booked.headers["ETag"]})
    assert stale.status_code == 412
    cancelled = await client.post(f"{url}/cancel", headers={**world.a.headers, "If-Match": moved.headers["ETag"]})
    assert cancelled.status_code == 200 and cancelled.json()["status"] == "cancelled"
    again = await client.post(f"{url}/cancel", headers={**world.a.headers, "If-Match": cancelled.headers["ETag"]})
    assert again.status_code == 409
    listed = await client.get(f"{SELF}/appointments", headers=world.a.headers)
    assert [a["status"] for a in listed.json()] == ["cancelled"]
    async with sessionmaker() as session:
        actions = (
            await session.execute(
                select(AuditEvent.action).where(
                    AuditEvent.entity_type == "appointment", AuditEvent.actor_role == "person"
                )
            )
        ).scalars()
        assert sorted(actions) == ["appointment.cancelled", "appointment.create", "appointment.reschedule"]


async def test_slots_outside_the_grid_holidays_and_the_past_are_refused(
    client: httpx.AsyncClient, sessionmaker: async_sessionmaker[AsyncSession], world: World, make_staff
) -> None:  # type: ignore[no-untyped-def]
    day = next_weekday(3)
    admin = await make_staff("admin", ["CASA-BASE"])
    desk = (await client.get("/api/v1/desks", headers=admin.headers)).json()
    casa = next(d for d in (desk["items"] if isinstance(desk, dict) else desk) if d["code"] == "CASA-BASE")
    holiday = await client.post(
        f"/api/v1/desks/{casa['id']}/holidays", json={"day": day.isoformat(), "name": "Aïd"}, headers=admin.headers
    )
    assert holiday.status_code == 201, holiday.text
    r = await client.get(f"{SELF}/slots", params={"from": day.isoformat(), "days": 1}, headers=world.a.headers)
    assert r.json()["slots"] == []
    for starts_at in (
        iso(day, "10:00"),  # holiday
        iso(next_weekday(4), "10:10"),  # off the grid
        iso(next_weekday(4), "16:30"),  # closing time
        iso(next_weekday(6), "10:00"),  # Saturday
        (dt.datetime.now(CASA_TZ) - dt.timedelta(days=1)).replace(minute=0, second=0, microsecond=0).isoformat(),
    ):
        r = await client.post(f"{SELF}/appointments", json={"starts_at": starts_at}, headers=world.a.headers)
        assert r.status_code == 422 and r.json()["type"] == "/problems/slot-not-offered", starts_at
    r = await client.post(f"{SELF}/appointments", json={"starts_at": "2026-12-01T10:00:00"}, headers=world.a.headers)
    assert r.status_code == 422  # no offset
    for params in ({"days": 0}, {"days": 32}, {"from": "demain"}):
        assert (await client.get(f"{SELF}/slots", params=params, headers=world.a.headers)).status_code == 422
    assert await count(sessionmaker, Appointment) == 0


async def test_subject_access_archive_is_recorded_and_audited(
    client: httpx.AsyncClient, sessionmaker: async_sessionmaker[AsyncSession], world: World
) -> None:
    png = (SPECIMENS / "specimen_residence_card.png").read_bytes()
    await client.post(
        f"{SELF}/documents",
        files={"file": ("carte.png", png, "image/png")},
        data={"kind": "residence_card"},
        headers=world.a.headers,
    )
    r = await client.get(f"{SELF}/archive", headers=world.a.headers)
    assert r.status_code == 200 and r.headers["content-type"] == "application/zip"
    with zipfile.ZipFile(io.BytesIO(r.content)) as archive:
        names = archive.namelist()
        data = json.loads(archive.read("data.json"))
    assert {"data.json", "manifest.json", "resume.html"} <= set(names)
    assert any(n.startswith("documents/") for n in names)
    assert data["registrant"]["id"] == str(world.a.registrant_id)
    async with sessionmaker() as session:
        request = (await session.execute(select(SubjectRequest))).scalar_one()
    assert request.channel == "self_service" and request.fulfilled_at is not None
    [event] = await _events(sessionmaker, "privacy.subject_access")
    assert event.actor_role == "person" and event.entity_id == str(world.a.registrant_id)


async def test_concurrent_bookings_of_one_slot_fill_each_agent_once(
    client: httpx.AsyncClient,
    sessionmaker: async_sessionmaker[AsyncSession],
    world: World,
    make_staff,
    register,
    sign_in,
    link,
) -> None:  # type: ignore[no-untyped-def]
    await make_staff("agent", ["CASA-BASE"])  # the desk now has two agents
    d = await sign_in(email="dior.sarr@example.org")
    await link(d, world.agent, await register(world.agent, given_names="Dior", family_name="Sarr"))
    day = next_weekday(4)
    answers = await asyncio.gather(
        *(
            client.post(f"{SELF}/appointments", json={"starts_at": iso(day, "11:30")}, headers=p.headers)
            for p in (world.a, world.b, d)
        )
    )
    assert sorted(r.status_code for r in answers) == [201, 201, 409]
    async with sessionmaker() as session:
        agents = (await session.execute(select(Appointment.agent_id))).scalars().all()
    assert len(agents) == 2 and len(set(agents)) == 2


async def test_a_person_holds_one_appointment_at_a_time_even_sent_at_once(
    client: httpx.AsyncClient, sessionmaker: async_sessionmaker[AsyncSession], world: World, make_staff
) -> None:  # type: ignore[no-untyped-def]
    for _ in range(2):
        await make_staff("agent", ["CASA-BASE"])  # three agents free at 11:30: one person takes one
    day = next_weekday(4)
    answers = await asyncio.gather(
        *(client.post(f"{SELF}/appointments", json={"starts_at": iso(day, "11:30")}, headers=world.a.headers)
          for _ in range(6))
    )  # fmt: skip
    assert sorted(r.status_code for r in answers) == [201] + [409] * 5
    assert {r.json()["type"] for r in answers if r.status_code == 409} == {"/problems/registrant-double-booked"}
    again = await client.post(f"{SELF}/appointments", json={"starts_at": iso(day, "11:30")}, headers=world.a.headers)
    assert (again.status_code, again.json()["type"]) == (409, "/problems/registrant-double-booked")
    mine = await client.get(f"{SELF}/slots", params={"from": day.isoformat(), "days": 1}, headers=world.a.headers)
    theirs = await client.get(f"{SELF}/slots", params={"from": day.isoformat(), "days": 1}, headers=world.b.headers)
    assert local(day, "11:30") not in [at(s["starts_at"]) for s in mine.json()["slots"]]  # not offered to them again
    assert local(day, "11:30") in [at(s["starts_at"]) for s in theirs.json()["slots"]]  # two agents still free
    other = await client.post(f"{SELF}/appointments", json={"starts_at": iso(day, "11:30")}, headers=world.b.headers)
    assert other.status_code == 201, other.text  # another person still finds an agent free
    async with sessionmaker() as session:
        assert len((await session.execute(select(Appointment.id))).scalars().all()) == 2


async def test_a_closed_desk_offers_no_slot(client: httpx.AsyncClient, world: World, make_staff, desk_ids) -> None:  # type: ignore[no-untyped-def]
    admin = await make_staff("admin", [])
    url = f"/api/v1/desks/{desk_ids['CASA-BASE']}"
    day = next_weekday(2)

    async def slots() -> list[object]:
        r = await client.get(f"{SELF}/slots", params={"from": day.isoformat(), "days": 1}, headers=world.a.headers)
        assert r.status_code == 200, r.text
        return list(r.json()["slots"])

    assert len(await slots()) == 15
    for active, offered in ((False, 0), (True, 15)):
        etag = (await client.get(url, headers=admin.headers)).headers["etag"]
        changed = await client.patch(url, json={"is_active": active}, headers={**admin.headers, "If-Match": etag})
        assert changed.status_code == 200, changed.text
        assert len(await slots()) == offered  # closed: booking would be 409 desk-inactive


async def test_the_list_of_requests_gives_each_its_history_in_a_fixed_number_of_statements(
    client: httpx.AsyncClient, sessionmaker: async_sessionmaker[AsyncSession], world: World
) -> None:
    """The list gives every request the history its single read gives, not an empty one, and
    reads it with the list: one more request costs no statement more."""
    statements: list[str] = []

    def seen(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        statements.append(statement)

    async def listed() -> tuple[list[dict[str, Any]], int]:
        engine = sessionmaker.kw["bind"].sync_engine
        statements.clear()
        event.listen(engine, "before_cursor_execute", seen)
        try:
            r = await client.get(f"{SELF}/requests", headers=world.a.headers)
        finally:
            event.remove(engine, "before_cursor_execute", seen)
        assert r.status_code == 200, r.text
        return r.json(), len(statements)

    for _ in range(2):
        r = await client.post(f"{SELF}/requests", json={"service_type": "STUDENT"}, headers=world.a.headers)
        assert r.status_code == 201, r.text
    first = r.json()["id"]
    etag = (await client.get(f"/api/v1/cases/{first}", headers=world.agent.headers)).headers["ETag"]
    moved = await client.post(
        f"/api/v1/cases/{first}/transitions",
        json={"to": "qualified"},
        headers={**world.agent.headers, "If-Match": etag},
    )
    assert moved.status_code == 200, moved.text

    two, cost_of_two = await listed()
    for request in two:
        one = await client.get(f"{SELF}/requests/{request['id']}", headers=world.a.headers)
        assert request["status_history"] == one.json()["status_history"] != []
    assert [[h["status"] for h in r["status_history"]] for r in two] == [["received", "qualified"], ["received"]]
    assert (await client.post(f"{SELF}/requests", json={"service_type": "STUDENT"}, headers=world.a.headers)).is_success
    three, cost_of_three = await listed()
    assert len(three) == 3 and cost_of_three == cost_of_two
    schema = (await client.get("/openapi.json")).json()["components"]["schemas"]["RequestOut"]
    assert "status_history" in schema["required"]


async def test_a_file_the_desk_already_holds_answers_in_the_persons_words_without_staff_fields(
    client: httpx.AsyncClient, sessionmaker: async_sessionmaker[AsyncSession], world: World
) -> None:
    """An agent scanned the person's passport at the counter; the person sends the same file as a
    photo named otherwise: 200 saying it is already on file and was not recorded again, with what
    the person sent — never the agent's id, the earlier upload's checksum or its time."""
    png = (SPECIMENS / "specimen_residence_card.png").read_bytes()
    at_desk = await client.post(
        f"/api/v1/registrants/{world.a.registrant_id}/documents",
        files={"file": ("scan-agent-0042.png", png, "image/png")},
        data={"kind": "residence_card", "description": "Scanné au guichet"},
        headers=world.agent.headers,
    )
    assert at_desk.status_code == 201, at_desk.text
    r = await client.post(
        f"{SELF}/documents",
        files={"file": ("ma-carte.png", png, "image/png")},
        data={"kind": "photo", "description": "Ma carte"},
        headers=world.a.headers,
    )
    assert r.status_code == 200, r.text
    assert r.json() == {
        "id": at_desk.json()["id"],
        "owner_type": "registrant",
        "owner_id": str(world.a.registrant_id),
        "kind": "photo",
        "original_filename": "ma-carte.png",
        "description": "Ma carte",
        "media_type": "image/png",
        "size_bytes": at_desk.json()["size_bytes"],
        "sha256": at_desk.json()["sha256"],
        "already_on_file": True,
    }
    for staff in (str(world.agent.id), "scan-agent-0042", "Scanné", at_desk.json()["created_at"]):
        assert staff not in r.text
    async with sessionmaker() as session:  # nothing recorded again, the desk's document unchanged
        [kept] = (await session.execute(select(Document))).scalars().all()
    assert (kept.kind, kept.original_filename) == ("residence_card", "scan-agent-0042.png")
    new = await client.post(
        f"{SELF}/documents",
        files={"file": ("passeport.pdf", (SPECIMENS / "specimen_passport.pdf").read_bytes(), "application/pdf")},
        data={"kind": "passport"},
        headers=world.a.headers,
    )
    assert new.status_code == 201 and new.json()["already_on_file"] is False
    assert (new.json()["kind"], new.json()["original_filename"]) == ("passport", "passeport.pdf")


STAFF_FIELDS = {
    "uploaded_by", "created_by", "updated_by", "recorded_by", "transferred_by", "assignee_id", "assigned_to",
    "agent_id", "actor_id", "user_id", "received_sha256", "closure_requested_by", "fulfilled_by", "deleted_by",
}  # fmt: skip
"""Fields naming who at the desk did something (or what an earlier upload was): staff-only."""


async def test_no_self_service_answer_declares_a_staff_field(client: httpx.AsyncClient) -> None:
    """Every answer of ``/api/v1/self/…`` as the OpenAPI document declares it, followed through
    every schema it refers to: no field naming a staff member or an earlier upload."""
    document = (await client.get("/openapi.json")).json()
    schemas = document["components"]["schemas"]

    def fields(node: Any, seen: set[str]) -> set[str]:
        found: set[str] = set()
        if isinstance(node, dict):
            ref = node.get("$ref")
            if isinstance(ref, str) and (name := ref.rsplit("/", 1)[1]) not in seen:
                seen.add(name)
                found |= fields(schemas[name], seen)
            found |= set(node.get("properties", {}))
            for value in node.values():
                found |= fields(value, seen)
        elif isinstance(node, list):
            for value in node:
                found |= fields(value, seen)
        return found

    answered = {
        f"{method.upper()} {path}": fields(operation.get("responses", {}), set())
        for path, operations in document["paths"].items()
        if path.startswith(f"{SELF}/")
        for method, operation in operations.items()
    }
    assert len(answered) > 15
    assert {route: found & STAFF_FIELDS for route, found in answered.items() if found & STAFF_FIELDS} == {}
