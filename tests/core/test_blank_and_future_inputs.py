"""Values that say nothing or cannot be true yet are refused: a blank password, name or note, and
a referral answered after the desk's today."""

import httpx

from tests.registrants.conftest import URL, person


async def test_a_password_or_name_of_spaces_is_refused(client: httpx.AsyncClient, make_staff) -> None:
    admin = await make_staff("admin", [])
    body = {"email": "awa@desk.example", "full_name": "Awa", "role": "agent", "password": " " * 12}
    response = await client.post("/api/v1/users", json=body, headers=admin.headers)
    assert (response.status_code, [e["loc"][-1] for e in response.json()["errors"]]) == (422, ["password"])
    blank_name = await client.post(
        "/api/v1/users", json={**body, "password": "a b c d e f", "full_name": "  "}, headers=admin.headers
    )
    assert (blank_name.status_code, [e["loc"][-1] for e in blank_name.json()["errors"]]) == (422, ["full_name"])


async def test_a_blank_note_is_refused(client: httpx.AsyncClient, make_staff) -> None:
    agent = await make_staff("agent")
    registrant = (await client.post(URL, json=person(), headers=agent.headers)).json()
    case = await client.post(
        "/api/v1/cases",
        json={"registrant_id": registrant["id"], "service_type": "SOCIAL", "channel": "walk_in"},
        headers=agent.headers,
    )
    for blank in (" \n\t ", "\u200b\u3164", " \u200f "):  # white space, or invisible characters only
        note = await client.post(
            f"/api/v1/cases/{case.json()['id']}/notes", json={"text": blank}, headers=agent.headers
        )
        assert (note.status_code, note.json()["errors"][0]["loc"][-1]) == (422, "text"), blank
    notes = await client.get(f"/api/v1/cases/{case.json()['id']}/notes", headers=agent.headers)
    assert (notes.status_code, notes.json()["items"]) == (200, [])


async def test_a_desk_named_by_invisible_characters_is_refused(client: httpx.AsyncClient, make_staff) -> None:
    admin = await make_staff("admin", [])
    body = {"code": "ABJ-2", "name": "\u200b", "country": "CI", "city": "\u3164", "time_zone": "Africa/Abidjan"}
    response = await client.post("/api/v1/desks", json=body, headers=admin.headers)
    assert (response.status_code, sorted(e["loc"][-1] for e in response.json()["errors"])) == (422, ["city", "name"])
    listing = await client.get("/api/v1/desks", headers=admin.headers)
    assert "ABJ-2" not in [d["code"] for d in listing.json()]
