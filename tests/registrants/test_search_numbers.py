"""Search by the serial part of a registration number, a number written short, Arabic-name variants
typed in Latin letters, and the city each result line shows."""

from __future__ import annotations

from tests.registrants.conftest import person
from tests.registrants.test_api import _names


async def test_serial_part_finds_the_person_with_or_without_leading_zeros(casa_agent, create, client) -> None:
    await create(casa_agent, person(given_names="Awa", family_name="Faye"))
    created = (await create(casa_agent, person(given_names="Khady", family_name="Sarr"))).json()
    number = created["registration_number"]  # CASA-2026-000002
    prefix, year, serial = number.rsplit("-", 2)
    assert serial == "000002"
    for q in ("000002", "2", number.lower(), f"{prefix.lower()}-{year}-2", f"{prefix}-{year}-02"):
        assert await _names(client, casa_agent, q=q) == ["Khady Sarr"], q
    assert await _names(client, casa_agent, q="000009") == []
    assert await _names(client, casa_agent, q=f"{prefix}-{year}-9") == []


async def test_latin_spellings_of_an_arabic_script_name_find_each_other(casa_agent, create, client) -> None:
    await create(casa_agent, person(given_names="محمد", family_name="ديوب", sex="male"))
    await create(casa_agent, person(given_names="Mohamed", family_name="Diop", sex="male"), confirm=True)
    found = await _names(client, casa_agent, q="Muhammad Dioub")
    assert sorted(found) == ["Mohamed Diop", "محمد ديوب"], found


async def test_result_lines_carry_the_city_of_residence(casa_agent, create, client) -> None:
    await create(casa_agent, person(given_names="Aminata", family_name="Diop", host_city="Rabat"))
    response = await client.get("/api/v1/registrants", params={"q": "diop"}, headers=casa_agent.headers)
    assert [r["host_city"] for r in response.json()["items"]] == ["Rabat"]
