"""Search by the serial part of a registration number, a number written short, Arabic-name variants
typed in Latin letters, and the city each result line shows."""

from __future__ import annotations

import uuid

from sqlalchemy import select

from app.cases import transfer_copy
from app.core.context import Actor
from app.desks.models import Desk
from app.registrants.models import Registrant
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


async def test_a_transfer_copy_is_found_by_its_number_as_typed(
    casa_agent, dakar_agent, create, client, sessionmaker
) -> None:  # type: ignore[no-untyped-def]
    """A file copied to a desk by a transfer carries a number of series ``T``
    (``DKR-2026-T-000001``): it is found by that number like a registration's, in any case,
    with its serial unpadded, and by its serial alone."""
    created = (await create(casa_agent, person(given_names="Moussa", family_name="Sow"))).json()
    async with sessionmaker() as session:
        dakar = (await session.execute(select(Desk).where(Desk.code == "DKR-MOB"))).scalar_one()
        sent = await session.get(Registrant, uuid.UUID(created["id"]))
        actor = Actor(user_id=dakar_agent.id, email=dakar_agent.email, role="agent")
        copy, copied = await transfer_copy.registrant_at(session, actor=actor, registrant=sent, desk=dakar)
        number = copy.registration_number
        await session.commit()
    assert copied
    prefix, year, kind, serial = number.split("-")
    assert (kind, serial) == ("T", "000001"), number
    for q in (number, number.lower(), f"{prefix}-{year}-t-1", f"{prefix}-{year}-T-01", "1"):
        assert await _names(client, dakar_agent, q=q) == ["Moussa Sow"], q
    assert await _names(client, dakar_agent, q=f"{prefix}-{year}-T-9") == []
    assert await _names(client, dakar_agent, q=f"{prefix}-{year}-C-1") == []
