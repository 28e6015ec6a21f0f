"""409 ``id-taken`` names the record holding the id (``location``) only to a caller who may read
it: to staff of another desk it says that the id cannot be used, not where a record has it.

Before: an agent of Dakar sending a registrant, case or note with the id of one at Casablanca got
its ``location`` (``/api/v1/registrants/<id>``): the 409 told them the record existed and what
it was. A note's ``location`` also named the case of the request, not the case the note is on.
"""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.conftest import Staff
from tests.registrants.conftest import URL, person

TAKEN = "/problems/id-taken"
CONFIRMED = {"confirm_duplicates": "true"}


@pytest.fixture
async def casa(make_staff: Any) -> Staff:
    return await make_staff("agent", ["CASA-BASE"])  # type: ignore[no-any-return]


@pytest.fixture
async def dakar(make_staff: Any) -> Staff:
    return await make_staff("agent", ["DKR-MOB"])  # type: ignore[no-any-return]


async def _case(client: httpx.AsyncClient, staff: Staff, **extra: Any) -> dict[str, Any]:
    registrant = await client.post(URL, json=person(), headers=staff.headers, params=CONFIRMED)
    assert registrant.status_code == 201, registrant.text
    body = {"registrant_id": registrant.json()["id"], "service_type": "SOCIAL", "channel": "walk_in", **extra}
    case = await client.post("/api/v1/cases", json=body, headers=staff.headers)
    assert case.status_code == 201, case.text
    return case.json()  # type: ignore[no-any-return]


def _taken(response: httpx.Response) -> dict[str, Any]:
    assert (response.status_code, response.json()["type"]) == (409, TAKEN), response.text
    return response.json()  # type: ignore[no-any-return]


async def test_a_registrant_s_id_taken_at_another_desk_is_not_located(
    client: httpx.AsyncClient, casa: Staff, dakar: Staff, make_staff: Any
) -> None:
    held = (await client.post(URL, json=person(), headers=casa.headers)).json()
    other = person(id=held["id"], given_names="Awa", family_name="Sow", desk_code="DKR-MOB")
    assert "location" not in _taken(await client.post(URL, json=other, headers=dakar.headers))
    colleague = await make_staff("agent", ["CASA-BASE"])
    same_desk = person(id=held["id"], given_names="Awa", family_name="Sow")
    assert _taken(await client.post(URL, json=same_desk, headers=colleague.headers))["location"] == (
        f"{URL}/{held['id']}"
    )


async def test_a_case_s_id_taken_at_another_desk_is_not_located(
    client: httpx.AsyncClient, casa: Staff, dakar: Staff, make_staff: Any
) -> None:
    held = await _case(client, casa)
    registrant = await client.post(URL, json=person(), headers=dakar.headers, params=CONFIRMED)
    body = {"id": held["id"], "registrant_id": registrant.json()["id"], "service_type": "SOCIAL", "channel": "phone"}
    assert "location" not in _taken(await client.post("/api/v1/cases", json=body, headers=dakar.headers))
    admin = await make_staff("admin", [])
    mine = await client.post(URL, json=person(desk_code="CASA-BASE"), headers=admin.headers, params=CONFIRMED)
    body["registrant_id"] = mine.json()["id"]
    located = _taken(await client.post("/api/v1/cases", json=body, headers=admin.headers))
    assert located["location"] == f"/api/v1/cases/{held['id']}"


async def test_a_note_s_id_taken_names_the_case_it_is_on_to_those_who_see_it(
    client: httpx.AsyncClient, casa: Staff, dakar: Staff
) -> None:
    first, second = await _case(client, casa), await _case(client, casa, channel="phone")
    note = await client.post(f"/api/v1/cases/{first['id']}/notes", json={"text": "Suivi"}, headers=casa.headers)
    again = {"id": note.json()["id"], "text": "Autre suivi"}
    located = _taken(await client.post(f"/api/v1/cases/{second['id']}/notes", json=again, headers=casa.headers))
    assert located["location"] == f"/api/v1/cases/{first['id']}/notes/{note.json()['id']}"
    elsewhere = await _case(client, dakar)
    hidden = _taken(await client.post(f"/api/v1/cases/{elsewhere['id']}/notes", json=again, headers=dakar.headers))
    assert "location" not in hidden
