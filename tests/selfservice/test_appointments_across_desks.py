"""The person's appointments in self-service: those every desk holding their file books — their
own desk's, and the desk's a transfer gave a record of them to — and nobody else's; each named by
what it is for in words meant for the person (the request's service type), never the agent's
free-text ``purpose``."""

from __future__ import annotations

import datetime as dt
from typing import Any

import httpx

from tests.appointments.conftest import book
from tests.appointments.helpers import DAKAR_TZ, iso, next_weekday
from tests.conftest import Staff
from tests.selfservice.conftest import SELF, Person
from tests.selfservice.test_transferred_requests import _open, _person_sent_to_dakar

CONSENT = {"granted": True, "channel": "in_person", "notice_version": "2026-01", "language": "fr"}
REMARK = "Agressif au guichet la dernière fois — prévoir un collègue"


async def _sent_to_dakar(  # type: ignore[no-untyped-def]
    client: httpx.AsyncClient, make_staff, register, sign_in, link
) -> tuple[Person, Staff, Staff, dict[str, Any]]:
    """A linked person of CASA-BASE whose request went to DKR-MOB: the Dakar case (on Dakar's copy)."""
    person, agent, dakar, _case, target_id = await _person_sent_to_dakar(client, make_staff, register, sign_in, link)
    r = await client.get(f"/api/v1/cases/{target_id}", headers=dakar.headers)
    assert r.status_code == 200, r.text
    return person, agent, dakar, r.json()


async def test_appointments_the_receiving_desk_books_on_its_record_are_the_persons(  # type: ignore[no-untyped-def]
    client: httpx.AsyncClient, make_staff, register, sign_in, link, desk_ids
) -> None:
    person, _agent, dakar, dakar_case = await _sent_to_dakar(client, make_staff, register, sign_in, link)
    copy_id = dakar_case["registrant_id"]
    assert copy_id != str(person.registrant_id)  # Dakar's own record of the person
    day = next_weekday(2, tz=DAKAR_TZ)
    about_case = await book(
        client, dakar, desk_id=desk_ids["DKR-MOB"], agent_id=dakar.id, case_id=dakar_case["id"],
        starts_at=iso(day, "10:00", DAKAR_TZ), ends_at=iso(day, "10:30", DAKAR_TZ), purpose=REMARK,
    )  # fmt: skip
    on_record = await book(
        client, dakar, desk_id=desk_ids["DKR-MOB"], agent_id=dakar.id, registrant_id=copy_id,
        starts_at=iso(day, "11:00", DAKAR_TZ), ends_at=iso(day, "11:30", DAKAR_TZ), purpose=REMARK,
    )  # fmt: skip
    assert about_case.status_code == 201 and on_record.status_code == 201, (about_case.text, on_record.text)

    r = await client.get(f"{SELF}/appointments", headers=person.headers)
    assert r.status_code == 200, r.text
    assert [(a["id"], a["desk_code"], a["case_id"]) for a in r.json()] == [
        (about_case.json()["id"], "DKR-MOB", dakar_case["id"]),
        (on_record.json()["id"], "DKR-MOB", None),
    ]


async def test_another_persons_appointments_at_the_receiving_desk_are_not_listed(  # type: ignore[no-untyped-def]
    client: httpx.AsyncClient, make_staff, register, sign_in, link, desk_ids
) -> None:
    person, _agent, dakar, _case = await _sent_to_dakar(client, make_staff, register, sign_in, link)
    stranger = await register(dakar, given_names="Coumba", family_name="Fall")
    day = next_weekday(2, tz=DAKAR_TZ)
    r = await book(
        client, dakar, desk_id=desk_ids["DKR-MOB"], agent_id=dakar.id, registrant_id=stranger,
        starts_at=iso(day, "10:00", DAKAR_TZ), ends_at=iso(day, "10:30", DAKAR_TZ),
    )  # fmt: skip
    assert r.status_code == 201, r.text

    assert (await client.get(f"{SELF}/appointments", headers=person.headers)).json() == []


async def test_the_agents_purpose_is_never_shown_the_requests_service_type_is(  # type: ignore[no-untyped-def]
    client: httpx.AsyncClient, make_staff, register, sign_in, link, desk_ids
) -> None:
    agent = await make_staff("agent", ["CASA-BASE"])
    person = await sign_in(phone="+221771234567")
    registrant_id = await register(agent, given_names="Awa")
    await link(person, agent, registrant_id)
    case = await _open(client, agent, registrant_id)
    day = next_weekday(2)
    about_case = await book(
        client, agent, desk_id=desk_ids["CASA-BASE"], agent_id=agent.id, case_id=case["id"],
        starts_at=iso(day, "10:00"), ends_at=iso(day, "10:30"), purpose=REMARK,
    )  # fmt: skip
    plain = await book(
        client, agent, desk_id=desk_ids["CASA-BASE"], agent_id=agent.id, registrant_id=registrant_id,
        starts_at=iso(day, "11:00"), ends_at=iso(day, "11:30"), purpose=REMARK,
    )  # fmt: skip
    assert about_case.status_code == 201 and plain.status_code == 201

    [request] = (await client.get(f"{SELF}/requests", headers=person.headers)).json()
    listed = (await client.get(f"{SELF}/appointments", headers=person.headers)).json()
    assert REMARK not in str(listed)
    assert [a.get("purpose", "absent") for a in listed] == ["absent", "absent"]
    assert [a["service_type"] for a in listed] == [request["service_type"], None]
    assert request["service_type"]["code"] == "STUDENT" and request["service_type"]["label_fr"]


async def test_the_receiving_desks_appointment_is_moved_or_cancelled_by_that_desk(  # type: ignore[no-untyped-def]
    client: httpx.AsyncClient, make_staff, register, sign_in, link, desk_ids
) -> None:
    person, _agent, dakar, dakar_case = await _sent_to_dakar(client, make_staff, register, sign_in, link)
    day = next_weekday(2, tz=DAKAR_TZ)
    booked = await book(
        client, dakar, desk_id=desk_ids["DKR-MOB"], agent_id=dakar.id, case_id=dakar_case["id"],
        starts_at=iso(day, "10:00", DAKAR_TZ), ends_at=iso(day, "10:30", DAKAR_TZ),
    )  # fmt: skip
    assert booked.status_code == 201, booked.text

    r = await client.post(
        f"{SELF}/appointments/{booked.json()['id']}/cancel",
        headers={**person.headers, "If-Match": '"v1"', "Accept-Language": "fr"},
    )
    assert r.status_code == 422 and r.headers["content-type"] == "application/problem+json"
    assert r.json()["type"] == "/problems/appointment-at-other-desk"
    assert r.json()["detail"] == (
        "Ce rendez-vous a été pris par le guichet DKR-MOB : demandez-lui de le déplacer ou de l'annuler."
    )
    listed = (await client.get(f"{SELF}/appointments", headers=person.headers)).json()
    assert [a["status"] for a in listed] == ["booked"]


async def test_a_slot_at_the_time_of_the_receiving_desks_appointment_is_not_offered(  # type: ignore[no-untyped-def]
    client: httpx.AsyncClient, make_staff, register, sign_in, link, desk_ids
) -> None:
    person, _agent, dakar, _case = await _sent_to_dakar(client, make_staff, register, sign_in, link)
    day = next_weekday(2, tz=DAKAR_TZ)
    r = await book(
        client, dakar, desk_id=desk_ids["DKR-MOB"], agent_id=dakar.id, registrant_id=_case["registrant_id"],
        starts_at=iso(day, "10:00", DAKAR_TZ), ends_at=iso(day, "10:30", DAKAR_TZ),
    )  # fmt: skip
    assert r.status_code == 201, r.text
    start, end = dt.datetime.fromisoformat(r.json()["starts_at"]), dt.datetime.fromisoformat(r.json()["ends_at"])

    slots = (await client.get(f"{SELF}/slots?from={day}&days=1", headers=person.headers)).json()["slots"]
    assert slots  # the person's desk is open that day
    times = [(dt.datetime.fromisoformat(s["starts_at"]), dt.datetime.fromisoformat(s["ends_at"])) for s in slots]
    assert [(s, e) for s, e in times if s < end and e > start] == []


async def test_a_request_the_receiving_desk_opens_on_its_record_is_the_persons(  # type: ignore[no-untyped-def]
    client: httpx.AsyncClient, make_staff, register, sign_in, link
) -> None:
    person, _agent, dakar, dakar_case = await _sent_to_dakar(client, make_staff, register, sign_in, link)
    opened = await _open(client, dakar, dakar_case["registrant_id"])

    listed = await client.get(f"{SELF}/requests", headers=person.headers)
    assert [r["id"] for r in listed.json()][:2] == [opened["id"], dakar_case["id"]]  # newest first
    one = await client.get(f"{SELF}/requests/{opened['id']}", headers=person.headers)
    assert one.status_code == 200 and one.json()["desk_code"] == "DKR-MOB"
