"""Cancelling an appointment answers whether a message to the person was queued
(``person_notified``): the client says « la personne en sera prévenue » only then."""

from __future__ import annotations

import httpx

from tests.appointments.helpers import iso, next_weekday


async def _register(client: httpx.AsyncClient, agent, consents: tuple[str, ...]) -> str:  # type: ignore[no-untyped-def]
    body = {
        "given_names": "Aïssatou", "family_name": "Diallo", "sex": "female", "email": "aissatou.diallo@example.org",
        "consents": [
            {"purpose": p, "granted": True, "channel": "in_person", "notice_version": "2026-01", "language": "fr"}
            for p in consents
        ],
    }  # fmt: skip
    response = await client.post("/api/v1/registrants?confirm_duplicates=true", json=body, headers=agent.headers)
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


async def _book_and_cancel(client: httpx.AsyncClient, agent, registrant_id: str) -> httpx.Response:  # type: ignore[no-untyped-def]
    desks = (await client.get("/api/v1/desks", headers=agent.headers)).json()
    day = next_weekday(3)
    booked = await client.post(
        "/api/v1/appointments",
        json={
            "desk_id": next(d["id"] for d in desks if d["code"] == "CASA-BASE"), "agent_id": str(agent.id),
            "registrant_id": registrant_id, "starts_at": iso(day, "10:00"), "ends_at": iso(day, "10:30"),
        },
        headers=agent.headers,
    )  # fmt: skip
    assert booked.status_code == 201, booked.text
    return await client.post(
        f"/api/v1/appointments/{booked.json()['id']}/transitions",
        json={"status": "cancelled"},
        headers={**agent.headers, "If-Match": booked.headers["ETag"]},
    )


async def test_a_person_with_contact_consent_is_told(client: httpx.AsyncClient, make_staff) -> None:
    agent = await make_staff("agent", ["CASA-BASE"])
    cancelled = await _book_and_cancel(client, agent, await _register(client, agent, ("contact_email",)))
    assert (cancelled.status_code, cancelled.json()["person_notified"]) == (200, True)


async def test_a_person_without_contact_consent_is_not_said_to_be_told(client: httpx.AsyncClient, make_staff) -> None:
    agent = await make_staff("agent", ["CASA-BASE"])
    cancelled = await _book_and_cancel(client, agent, await _register(client, agent, ("service_delivery",)))
    assert (cancelled.status_code, cancelled.json()["person_notified"]) == (200, False)
