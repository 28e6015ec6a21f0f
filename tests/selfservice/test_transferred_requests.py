"""A request transferred to another desk, followed by the person in self-service: the transferred
request names the one it continues as (number, status, desk) and that one is listed and read
like the person's others, transfer after transfer — and by no one else."""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

import httpx

from tests.cases.conftest import move
from tests.conftest import Staff
from tests.selfservice.conftest import SELF, Person

SPECIMENS = Path(__file__).resolve().parents[1] / "fixtures" / "documents"
CONSENT = {"granted": True, "channel": "in_person", "notice_version": "2026-01", "language": "fr"}


async def _transfer(client: httpx.AsyncClient, staff: Staff, case_id: str, to_desk: str) -> str:
    r = await move(client, staff, case_id, "transferred", to_desk=to_desk)
    assert r.status_code == 200, r.text
    return str(r.json()["transferred_to_case_id"])


async def _open(client: httpx.AsyncClient, staff: Staff, registrant_id: uuid.UUID | str) -> dict[str, Any]:
    r = await client.post(
        "/api/v1/cases",
        json={"registrant_id": str(registrant_id), "service_type": "STUDENT", "channel": "walk_in"},
        headers=staff.headers,
    )
    assert r.status_code == 201, r.text
    return r.json()  # type: ignore[no-any-return]


async def _person_sent_to_dakar(  # type: ignore[no-untyped-def]
    client: httpx.AsyncClient, make_staff, register, sign_in, link
) -> tuple[Person, Staff, Staff, dict[str, Any], str]:
    agent = await make_staff("agent", ["CASA-BASE"])
    dakar = await make_staff("agent", ["DKR-MOB"])
    person = await sign_in(phone="+221771234567")
    registrant_id = await register(
        agent, given_names="Awa", consents=[{"purpose": p, **CONSENT} for p in ("transfer_to_senegal", "desk_transfer")]
    )
    await link(person, agent, registrant_id)
    case = await _open(client, agent, registrant_id)
    target_id = await _transfer(client, agent, case["id"], "DKR-MOB")
    return person, agent, dakar, case, target_id


async def test_a_transferred_request_names_the_request_it_continues_as_which_the_person_reads(  # type: ignore[no-untyped-def]
    client: httpx.AsyncClient, make_staff, register, sign_in, link
) -> None:
    person, agent, dakar, case, target_id = await _person_sent_to_dakar(client, make_staff, register, sign_in, link)

    listed = await client.get(f"{SELF}/requests", headers=person.headers)
    assert listed.status_code == 200, listed.text
    by_id = {r["id"]: r for r in listed.json()}
    assert set(by_id) == {case["id"], target_id}
    sent, live = by_id[case["id"]], by_id[target_id]
    assert sent["status"] == "transferred" and sent["closed_at"] is not None
    assert live["case_number"].startswith("DKR-2026-C-") and live["desk_code"] == "DKR-MOB"
    assert sent["continued_as"] == {
        "id": target_id,
        "case_number": live["case_number"],
        "status": "received",
        "desk_code": "DKR-MOB",
        "desk_name": live["desk_name"],
    }
    assert live["continues"]["id"] == case["id"] and live["continued_as"] is None
    assert sent["continues"] is None

    # The receiving desk works on it: the person reads the new status, from either request.
    assert (await move(client, dakar, target_id, "qualified")).status_code == 200
    one = await client.get(f"{SELF}/requests/{target_id}", headers=person.headers)
    assert one.status_code == 200, one.text
    assert one.json()["status"] == "qualified"
    assert [h["status"] for h in one.json()["status_history"]] == ["received", "qualified"]
    old = await client.get(f"{SELF}/requests/{case['id']}", headers=person.headers)
    assert old.json()["continued_as"]["status"] == "qualified"
    assert [h["status"] for h in old.json()["status_history"]] == ["received", "transferred"]

    # A document for the request as the receiving desk follows it.
    png = (SPECIMENS / "specimen_residence_card.png").read_bytes()
    r = await client.post(
        f"{SELF}/requests/{target_id}/documents",
        files={"file": ("carte.png", png, "image/png")},
        data={"kind": "residence_card"},
        headers=person.headers,
    )
    assert r.status_code == 201, r.text
    assert r.json()["owner_id"] == target_id

    # No one else reads it.
    other = await sign_in(email="binta.diop@example.org")
    await link(other, agent, await register(agent, given_names="Binta", family_name="Diop"))
    assert (await client.get(f"{SELF}/requests/{target_id}", headers=other.headers)).status_code == 404
    assert (await client.get(f"{SELF}/requests", headers=other.headers)).json() == []


async def test_a_request_transferred_twice_is_followed_to_its_last_desk(  # type: ignore[no-untyped-def]
    client: httpx.AsyncClient, make_staff, register, sign_in, link
) -> None:
    person, _agent, dakar, case, target_id = await _person_sent_to_dakar(client, make_staff, register, sign_in, link)
    back_id = await _transfer(client, dakar, target_id, "CASA-BASE")  # the consent travelled with the copy

    listed = (await client.get(f"{SELF}/requests", headers=person.headers)).json()
    assert [r["id"] for r in listed] == [back_id, target_id, case["id"]]  # newest first
    chain = {r["id"]: tuple(r[k] and r[k]["id"] for k in ("continues", "continued_as")) for r in listed}
    assert chain == {case["id"]: (None, target_id), target_id: (case["id"], back_id), back_id: (target_id, None)}


async def test_an_appointment_about_the_continuing_request_is_refused_in_words(  # type: ignore[no-untyped-def]
    client: httpx.AsyncClient, make_staff, register, sign_in, link
) -> None:
    """Appointments are booked at the person's own desk: one about the request another desk now
    follows is a 422 naming that request and ``case_id``, not an unknown case."""
    person, _agent, _dakar, _case, target_id = await _person_sent_to_dakar(client, make_staff, register, sign_in, link)
    [slot, *_] = (await client.get(f"{SELF}/slots?days=14", headers=person.headers)).json()["slots"]
    r = await client.post(
        f"{SELF}/appointments", json={"starts_at": slot["starts_at"], "case_id": target_id}, headers=person.headers
    )
    assert r.status_code == 422 and r.headers["content-type"] == "application/problem+json"
    assert r.json()["type"] == "/problems/case-at-other-desk"
    assert r.json()["errors"][0]["loc"] == ["body", "case_id"] and "DKR-2026-C-" in r.json()["detail"]
