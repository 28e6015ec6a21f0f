"""Human numbers (registration, case, transfer copy) are unique across desks by construction.

The expected numbers are written by hand from the documented format
``{number_prefix}-{year}[-C|-T]-{6 digits}``; the year is the desk's local year today.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import re
import zoneinfo
from typing import Any

import httpx
import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import IntegrityError

from app.desks.models import Desk
from tests.conftest import Staff

ANFA = {
    "code": "CASA-ANFA",
    "name": "Casablanca Anfa",
    "country": "MA",
    "city": "Casablanca",
    "time_zone": "Africa/Casablanca",
}


def _year() -> int:
    return dt.datetime.now(zoneinfo.ZoneInfo("Africa/Casablanca")).year


async def _register(client: httpx.AsyncClient, staff: Staff, desk: str, given: str) -> dict[str, Any]:
    body = {"given_names": given, "family_name": "Sarr", "sex": "female", "date_of_birth": "1990-01-01"}
    response = await client.post(
        "/api/v1/registrants",
        json={**body, "desk_code": desk},
        params={"confirm_duplicates": "true"},
        headers=staff.headers,
    )
    assert response.status_code == 201, response.text
    return response.json()  # type: ignore[no-any-return]


async def _open_case(client: httpx.AsyncClient, staff: Staff, registrant_id: str) -> httpx.Response:
    body = {"registrant_id": registrant_id, "service_type": "SOCIAL", "channel": "walk_in"}
    return await client.post("/api/v1/cases", json=body, headers=staff.headers)


async def test_a_desk_sharing_the_first_code_segment_numbers_its_own_series(client, make_staff) -> None:
    admin = await make_staff("admin", [])
    taken = await client.post("/api/v1/desks", json=ANFA, headers=admin.headers)
    assert taken.status_code == 409
    assert taken.json()["type"] == "/problems/number-prefix-taken"
    assert taken.json()["number_prefix"] == "CASA"
    created = await client.post("/api/v1/desks", json={**ANFA, "number_prefix": "ANFA"}, headers=admin.headers)
    assert created.status_code == 201, created.text
    assert created.json()["number_prefix"] == "ANFA"

    staff = await make_staff("agent", ["CASA-BASE", "CASA-ANFA"])
    year = _year()
    base = await _register(client, staff, "CASA-BASE", "Awa")
    anfa = await _register(client, staff, "CASA-ANFA", "Khady")
    assert (base["registration_number"], anfa["registration_number"]) == (f"CASA-{year}-000001", f"ANFA-{year}-000001")
    base_case = await _open_case(client, staff, base["id"])
    anfa_case = await _open_case(client, staff, anfa["id"])
    assert (base_case.status_code, anfa_case.status_code) == (201, 201), anfa_case.text
    assert base_case.json()["case_number"] == f"CASA-{year}-C-000001"
    assert anfa_case.json()["case_number"] == f"ANFA-{year}-C-000001"


async def test_number_prefix_must_be_letters_and_digits(client, make_staff) -> None:
    admin = await make_staff("admin", [])
    response = await client.post("/api/v1/desks", json={**ANFA, "number_prefix": "CA-SA"}, headers=admin.headers)
    assert response.status_code == 422
    assert response.json()["errors"][0]["loc"] == ["body", "number_prefix"]


async def test_the_database_refuses_a_second_desk_with_the_same_prefix(sessionmaker) -> None:
    async with sessionmaker() as session:
        session.add(Desk(**ANFA, number_prefix="CASA", opening_hours={}))
        with pytest.raises(IntegrityError):
            await session.flush()


async def test_two_desks_created_at_once_with_one_prefix_give_201_and_409(client, make_staff) -> None:
    admin = await make_staff("admin", [])
    bodies = [{**ANFA, "code": code, "number_prefix": "RABAT"} for code in ("RBA-1", "RBA-2")]
    responses = await asyncio.gather(*(client.post("/api/v1/desks", json=b, headers=admin.headers) for b in bodies))
    assert sorted(r.status_code for r in responses) == [201, 409]
    refused = next(r for r in responses if r.status_code == 409)
    assert refused.headers["content-type"] == "application/problem+json"


async def test_a_counter_behind_its_column_skips_numbers_already_taken(client, make_staff, sessionmaker) -> None:
    staff = await make_staff("agent", ["CASA-BASE"])
    year = _year()
    first = await _register(client, staff, "CASA-BASE", "Awa")
    assert first["registration_number"] == f"CASA-{year}-000001"
    async with sessionmaker() as session:  # the series restarts, as after a restore of an older counter
        await session.execute(text("DELETE FROM number_counters"))
        if session.bind.dialect.name == "postgresql":
            await session.execute(text(f"DROP SEQUENCE number_series.human_number_casa_r_{year}"))
        await session.commit()
    second = await _register(client, staff, "CASA-BASE", "Fatou")
    assert second["registration_number"] == f"CASA-{year}-000002"


async def test_human_number_columns_are_unique(sessionmaker) -> None:
    async with sessionmaker() as session:
        dialect = session.bind.dialect.name
        if dialect == "postgresql":
            query = (
                "SELECT a.attname FROM pg_index i JOIN pg_attribute a ON a.attrelid = i.indrelid "
                "AND a.attnum = ANY(i.indkey) WHERE i.indisunique AND i.indnatts = 1 AND "
                "i.indrelid = CAST(:t AS regclass)"
            )
            unique = {
                table: set((await session.execute(text(query), {"t": table})).scalars())
                for table in ("registrants", "cases", "desks")
            }
        else:
            unique = {}
            for table in ("registrants", "cases", "desks"):
                names = set()
                for row in (await session.execute(text(f"PRAGMA index_list('{table}')"))).all():
                    if row[2]:  # unique
                        cols = (await session.execute(text(f"PRAGMA index_info('{row[1]}')"))).all()
                        if len(cols) == 1:
                            names.add(cols[0][2])
                unique[table] = names
    assert "registration_number" in unique["registrants"]
    assert "case_number" in unique["cases"]
    assert {"code", "number_prefix"} <= unique["desks"]


async def test_numbers_follow_the_documented_format(client, make_staff) -> None:
    staff = await make_staff("agent", ["CASA-BASE"])
    registrant = await _register(client, staff, "CASA-BASE", "Awa")
    case = await _open_case(client, staff, registrant["id"])
    assert re.fullmatch(r"CASA-\d{4}-\d{6}", registrant["registration_number"])
    assert re.fullmatch(r"CASA-\d{4}-C-\d{6}", case.json()["case_number"])


async def test_seeded_desks_have_their_code_prefix(sessionmaker) -> None:
    async with sessionmaker() as session:
        rows = dict((await session.execute(select(Desk.code, Desk.number_prefix))).all())
    assert rows == {"CASA-BASE": "CASA", "DKR-MOB": "DKR"}
