"""``null`` for a restricted field (``residence_status``) from an agent: no value, not refused
where it changes nothing (README: "`null` is no value and is not refused"), so a form that sends
every field works for agents; a PATCH null that would clear a value they may not write is 403."""

from __future__ import annotations

from tests.registrants.conftest import URL, person


async def test_an_agent_registering_with_residence_status_null_is_201(casa_agent, create) -> None:
    response = await create(casa_agent, person(residence_status=None))
    assert (response.status_code, response.json()["residence_status"]) == (201, None)


async def test_an_agent_patching_null_where_there_is_no_residence_status_edits_the_rest(
    casa_agent, create, client
) -> None:
    created = (await create(casa_agent, person())).json()
    response = await client.patch(
        f"{URL}/{created['id']}",
        json={"residence_status": None, "occupation": "maçon"},
        headers={**casa_agent.headers, "If-Match": '"v1"'},
    )
    assert (response.status_code, response.json()["occupation"]) == (200, "maçon")


async def test_an_agent_patching_null_over_a_residence_status_is_403_and_it_stays(
    casa_agent, casa_supervisor, create, client
) -> None:
    created = (await create(casa_supervisor, person(residence_status="carte de résidence 10 ans"))).json()
    response = await client.patch(
        f"{URL}/{created['id']}",
        json={"residence_status": None, "occupation": "maçon"},
        headers={**casa_agent.headers, "If-Match": '"v1"'},
    )
    assert (response.status_code, response.json()["type"]) == (403, "/problems/restricted-field")
    kept = (await client.get(f"{URL}/{created['id']}", headers=casa_supervisor.headers)).json()
    assert (kept["residence_status"], kept["occupation"]) == ("carte de résidence 10 ans", None)
