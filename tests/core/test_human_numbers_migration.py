"""Revision 0301 on a database numbered the old way: unique prefixes, counters per printed series."""

from __future__ import annotations

import asyncio
import datetime as dt
import zoneinfo

from alembic import command
from alembic.script import ScriptDirectory
from sqlalchemy import text

from tests.alembic_config import alembic_config
from tests.core.test_human_numbers import ANFA, _open_case, _register


async def test_upgrade_gives_each_desk_a_unique_prefix_and_counts_every_series(
    app, client, make_staff, settings, sessionmaker
) -> None:
    year = dt.datetime.now(zoneinfo.ZoneInfo("Africa/Casablanca")).year
    admin = await make_staff("admin", [])
    created = await client.post("/api/v1/desks", json={**ANFA, "number_prefix": "ANFA"}, headers=admin.headers)
    assert created.status_code == 201
    staff = await make_staff("agent", ["CASA-BASE", "CASA-ANFA"])
    for given in ("Awa", "Binta"):
        await _register(client, staff, "CASA-BASE", given)
    anfa = await _register(client, staff, "CASA-ANFA", "Coumba")
    assert (await _open_case(client, staff, anfa["id"])).status_code == 201
    await app.state.engine.dispose()

    config = alembic_config(settings.effective_database_url)
    before_series = ScriptDirectory.from_config(config).get_revision("0301").down_revision
    await asyncio.to_thread(command.downgrade, config, before_series)
    async with sessionmaker() as session:
        # What the old numbering printed for CASA-ANFA: the first segment of its code.
        await session.execute(
            text("UPDATE registrants SET registration_number = :n WHERE id = :i"),
            {"n": f"CASA-{year}-000003", "i": anfa["id"].replace("-", "") if _sqlite(session) else anfa["id"]},
        )
        await session.execute(text("UPDATE cases SET case_number = :n"), {"n": f"CASA-{year}-C-000007"})
        await session.commit()
    await app.state.engine.dispose()
    await asyncio.to_thread(command.upgrade, config, "head")
    await app.state.engine.dispose()

    async with sessionmaker() as session:
        prefixes = dict((await session.execute(text("SELECT code, number_prefix FROM desks"))).all())
        counters = sorted((await session.execute(text("SELECT scope, year, last_value FROM number_counters"))).all())
    assert prefixes == {"CASA-BASE": "CASA", "DKR-MOB": "DKR", "CASA-ANFA": "CASAANFA"}
    assert [tuple(c) for c in counters] == [("CASA", year, 3), ("CASA-C", year, 7)]
    assert (await _register(client, staff, "CASA-BASE", "Dieynaba"))["registration_number"] == f"CASA-{year}-000004"
    again = await _register(client, staff, "CASA-ANFA", "Maty")
    assert again["registration_number"] == f"CASAANFA-{year}-000001"
    case = await _open_case(client, staff, again["id"])
    assert case.json()["case_number"] == f"CASAANFA-{year}-C-000001"


def _sqlite(session) -> bool:  # type: ignore[no-untyped-def]
    return bool(session.bind.dialect.name == "sqlite")
