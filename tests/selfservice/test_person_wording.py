"""On ``/api/v1/self/…`` a refusal is worded for the person: statuses in words, and what THEY can
do — never a raw status code, a list of allowed transitions or an instruction to an agent. The
problem's ``type``, status and extension members stay those of the desk's API."""

from __future__ import annotations

import re

import httpx

from tests.appointments.helpers import iso, next_weekday
from tests.selfservice.conftest import SELF, World

# Raw status codes, a list of allowed moves, an instruction to an agent.
STAFF_WORDING = {
    "fr": re.compile(r"cancelled|booked|kept|missed|closed_|resolved|autorisé|rouvrez|fiche|la personne|\[\]"),
    "en": re.compile(r"closed_|allowed|reopen|record it|the person|\[\]|\bis (booked|kept|missed)\b"),
}


async def _both(
    client: httpx.AsyncClient, method: str, url: str, headers: dict[str, str], **kw
) -> list[httpx.Response]:  # type: ignore[no-untyped-def]
    return [
        await client.request(method, url, headers={**headers, "Accept-Language": lang}, **kw) for lang in ("fr", "en")
    ]


def _words(responses: list[httpx.Response], status: int, slug: str) -> list[str]:
    details = []
    for r, lang in zip(responses, ("fr", "en"), strict=True):
        assert r.status_code == status, r.text
        assert r.json()["type"] == f"/problems/{slug}"
        details.append(r.json()["detail"])
        assert not STAFF_WORDING[lang].search(r.json()["detail"]), r.json()["detail"]
    return details


async def test_cancelling_twice_and_moving_a_cancelled_appointment_say_it_in_words(
    client: httpx.AsyncClient, world: World
) -> None:
    day = next_weekday(2)
    booked = await client.post(f"{SELF}/appointments", json={"starts_at": iso(day, "10:00")}, headers=world.a.headers)
    url = f"{SELF}/appointments/{booked.json()['id']}"
    cancelled = await client.post(f"{url}/cancel", headers={**world.a.headers, "If-Match": booked.headers["ETag"]})
    assert cancelled.status_code == 200, cancelled.text
    headers = {**world.a.headers, "If-Match": cancelled.headers["ETag"]}
    fr, en = _words(await _both(client, "POST", f"{url}/cancel", headers), 409, "appointment-transition-not-allowed")
    assert fr == "Ce rendez-vous est déjà annulé. Pour venir au guichet, réservez un nouveau créneau."
    assert en == "This appointment is already cancelled. To come to the desk, book a new slot."
    moved = await _both(client, "PATCH", url, headers, json={"starts_at": iso(day, "11:00")})
    fr, en = _words(moved, 409, "appointment-transition-not-allowed")
    assert fr == "Ce rendez-vous est annulé : il ne peut plus être déplacé. Réservez plutôt un nouveau créneau."
    assert moved[0].json()["current_status"] == "cancelled"  # the members the desk's API gives


async def test_booking_about_a_closed_request_says_what_the_person_can_do(
    client: httpx.AsyncClient, world: World
) -> None:
    case = (
        await client.post(f"{SELF}/requests", json={"service_type": "RESIDENCE_MA"}, headers=world.a.headers)
    ).json()
    closed = await client.post(
        f"/api/v1/cases/{case['id']}/transitions",
        headers={**world.agent.headers, "If-Match": '"v1"'},
        json={"to": "closed_withdrawn", "outcome_category": "no_outcome"},
    )
    assert closed.status_code == 200, closed.text
    day = next_weekday(2)
    responses = await _both(
        client,
        "POST",
        f"{SELF}/appointments",
        world.a.headers,
        json={"starts_at": iso(day, "10:00"), "case_id": case["id"]},
    )
    fr, en = _words(responses, 409, "case-not-open")
    assert fr == (
        f"Votre demande {case['case_number']} est close (retirée) : on ne prend plus de rendez-vous à son sujet. "
        "Réservez un rendez-vous sans la choisir, ou déposez une nouvelle demande."
    )
    assert en.startswith(f"Your request {case['case_number']} is closed (withdrawn): ")


async def test_a_request_after_the_consent_to_be_served_was_withdrawn_says_to_see_the_desk(
    client: httpx.AsyncClient, world: World
) -> None:
    rid = world.a.registrant_id
    given = await client.post(
        f"/api/v1/registrants/{rid}/consents",
        headers=world.agent.headers,
        json={
            "purpose": "service_delivery",
            "granted": True,
            "channel": "in_person",
            "notice_version": "2026-01",
            "language": "fr",
        },
    )
    assert given.status_code == 201, given.text
    withdrawn = await client.post(
        f"/api/v1/registrants/{rid}/consents/{given.json()['id']}/withdraw", headers=world.agent.headers
    )
    assert withdrawn.status_code == 200, withdrawn.text
    responses = await _both(client, "POST", f"{SELF}/requests", world.a.headers, json={"service_type": "RESIDENCE_MA"})
    fr, en = _words(responses, 409, "consent-required")
    assert fr.startswith("Vous avez retiré votre accord ")
    assert fr.endswith("Si vous souhaitez de nouveau être servi, dites-le au guichet (sur place ou par téléphone).")
    assert en.startswith("You withdrew your consent to be served at the desk: so no request can be opened.")
    assert responses[0].json()["purpose"] == "service_delivery"
