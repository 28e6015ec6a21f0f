"""An Idempotency-Key is scoped to the staff user who sent it: another user sending the same key
with the same body never receives the first user's stored response (it could be another desk's
registrant). draft-ietf-httpapi-idempotency-key-header: keys are unique per client."""

from __future__ import annotations

import httpx
import pytest

from tests.conftest import Staff
from tests.registrants.conftest import URL as REGISTRANTS
from tests.registrants.conftest import person

KEY = {"Idempotency-Key": "same-key-1"}


async def test_registration_with_another_users_key_is_not_a_replay(client: httpx.AsyncClient, make_staff) -> None:
    first, second = await make_staff("agent"), await make_staff("agent")
    created = await client.post(REGISTRANTS, json=person(), headers={**first.headers, **KEY})
    other = await client.post(REGISTRANTS, json=person(), headers={**second.headers, **KEY})
    assert created.status_code == 201
    # The second agent's request is a first request of theirs: the duplicate check runs and answers.
    assert other.status_code == 409
    assert "idempotent-replayed" not in other.headers


async def test_case_with_another_users_key_opens_a_case_of_theirs(
    client: httpx.AsyncClient, agent: Staff, make_staff, make_registrant
) -> None:
    colleague = await make_staff("agent")
    body = {"registrant_id": str(await make_registrant()), "service_type": "SOCIAL", "channel": "walk_in"}
    mine = await client.post("/api/v1/cases", headers={**agent.headers, **KEY}, json=body)
    theirs = await client.post("/api/v1/cases", headers={**colleague.headers, **KEY}, json=body)
    assert (mine.status_code, theirs.status_code) == (201, 201)
    assert "idempotent-replayed" not in theirs.headers
    assert theirs.json()["id"] != mine.json()["id"]
    # …while the first user's own retry is a replay.
    again = await client.post("/api/v1/cases", headers={**agent.headers, **KEY}, json=body)
    assert (again.headers["idempotent-replayed"], again.json()["id"]) == ("true", mine.json()["id"])


async def test_note_with_another_users_key_adds_a_note_of_theirs(
    client: httpx.AsyncClient, agent: Staff, make_staff, make_registrant
) -> None:
    colleague = await make_staff("agent")
    body = {"registrant_id": str(await make_registrant()), "service_type": "SOCIAL", "channel": "walk_in"}
    case_id = (await client.post("/api/v1/cases", headers=agent.headers, json=body)).json()["id"]
    note = {"text": "Rappeler lundi"}
    mine = await client.post(f"/api/v1/cases/{case_id}/notes", headers={**agent.headers, **KEY}, json=note)
    theirs = await client.post(f"/api/v1/cases/{case_id}/notes", headers={**colleague.headers, **KEY}, json=note)
    assert (mine.status_code, theirs.status_code) == (201, 201)
    assert "idempotent-replayed" not in theirs.headers
    assert theirs.json()["id"] != mine.json()["id"]


async def test_desk_with_another_admins_key_is_their_own_request(client: httpx.AsyncClient, make_staff) -> None:
    first, second = await make_staff("admin", []), await make_staff("admin", [])
    body = {"code": "ABJ-1", "name": "Abidjan", "country": "CI", "city": "Abidjan", "time_zone": "Africa/Abidjan"}
    created = await client.post("/api/v1/desks", json=body, headers={**first.headers, **KEY})
    other = await client.post("/api/v1/desks", json=body, headers={**second.headers, **KEY})
    assert created.status_code == 201
    assert (other.status_code, other.json()["type"]) == (409, "/problems/desk-code-taken")


DESK = {"code": "ABJ-1", "name": "Abidjan", "country": "CI", "city": "Abidjan", "time_zone": "Africa/Abidjan"}


async def test_one_users_two_keys_are_two_requests(client: httpx.AsyncClient, make_staff) -> None:
    admin = await make_staff("admin", [])
    first = await client.post("/api/v1/desks", json=DESK, headers={**admin.headers, "Idempotency-Key": "k-1"})
    second = await client.post(
        "/api/v1/desks",
        json={**DESK, "code": "BKE-1", "name": "Bouaké", "city": "Bouaké"},
        headers={**admin.headers, "Idempotency-Key": "k-2"},
    )
    assert (first.status_code, second.status_code) == (201, 201)
    assert "idempotent-replayed" not in second.headers
    assert (first.json()["code"], second.json()["code"]) == ("ABJ-1", "BKE-1")


async def test_the_same_body_in_another_key_order_and_spacing_is_a_replay(
    client: httpx.AsyncClient, make_staff
) -> None:
    admin = await make_staff("admin", [])
    headers = {**admin.headers, "Idempotency-Key": "k-order", "Content-Type": "application/json"}
    first = await client.post(
        "/api/v1/desks",
        content=b'{"code":"ABJ-1","name":"Abidjan","country":"CI","city":"Abidjan","time_zone":"Africa/Abidjan"}',
        headers=headers,
    )
    again = await client.post(
        "/api/v1/desks",
        content=b'{ "time_zone": "Africa/Abidjan", "city": "Abidjan",\n'
        b' "country": "CI", "name": "Abidjan", "code": "ABJ-1" }',
        headers=headers,
    )
    assert (first.status_code, again.status_code, again.headers["idempotent-replayed"]) == (201, 201, "true")
    assert again.json() == first.json()


@pytest.mark.parametrize(("key", "accepted"), [("k", True), ("k" * 255, True), ("k" * 256, False), ("a\tb", False)])
async def test_a_key_is_1_to_255_printable_characters(
    client: httpx.AsyncClient, make_staff, key: str, accepted: bool
) -> None:
    admin = await make_staff("admin", [])
    response = await client.post("/api/v1/desks", json=DESK, headers={**admin.headers, "Idempotency-Key": key})
    if accepted:
        assert response.status_code == 201
    else:
        assert (response.status_code, response.json()["type"]) == (400, "/problems/bad-request")
        assert response.json()["detail"] == "La clé d'idempotence doit compter de 1 à 255 caractères imprimables."
        english = await client.post(
            "/api/v1/desks", json=DESK, headers={**admin.headers, "Idempotency-Key": key, "Accept-Language": "en"}
        )
        assert english.json()["detail"] == "Idempotency-Key must be 1 to 255 printable characters."


async def test_two_keys_in_one_request_are_refused_and_nothing_created(client: httpx.AsyncClient, make_staff) -> None:
    """``Idempotency-Key`` holds one value: a request with two (which one would a retry match?)
    is a 400, as a query parameter sent twice is refused."""
    admin = await make_staff("admin", [])
    headers = [*admin.headers.items(), ("Idempotency-Key", "k-one"), ("Idempotency-Key", "k-two")]
    response = await client.post("/api/v1/desks", json=DESK, headers=headers)
    assert (response.status_code, response.json()["type"]) == (400, "/problems/bad-request")
    listing = await client.get("/api/v1/desks", headers=admin.headers)
    assert DESK["code"] not in [d["code"] for d in listing.json()]


async def test_a_key_reused_with_another_body_says_so(client: httpx.AsyncClient, make_staff) -> None:
    admin = await make_staff("admin", [])
    headers = {**admin.headers, "Idempotency-Key": "k-reused", "Accept-Language": "en"}
    assert (await client.post("/api/v1/desks", json=DESK, headers=headers)).status_code == 201
    other = await client.post("/api/v1/desks", json={**DESK, "city": "Bouaké"}, headers=headers)
    assert (other.status_code, other.json()["detail"]) == (
        422,
        "This Idempotency-Key was already used with a different request (query or body).",
    )
    french = await client.post(
        "/api/v1/desks", json={**DESK, "city": "Bouaké"}, headers={**headers, "Accept-Language": "fr"}
    )
    assert (french.status_code, french.json()["detail"]) == (
        422,
        "Cette clé d'idempotence a déjà servi pour une autre requête (paramètres ou corps).",
    )
