"""Revision 3501 on a registry stored the old way: the match keys keep, by their natural key."""

from __future__ import annotations

import asyncio

import pytest
from alembic import command
from sqlalchemy import inspect, text
from sqlalchemy.exc import IntegrityError

from tests.alembic_config import alembic_config

PERSON = {"given_names": "Ndèye Fatou", "family_name": "Sarr", "sex": "female", "date_of_birth": "1990-05-04"}


async def _keys(sessionmaker) -> list[tuple[str, str, str]]:  # type: ignore[no-untyped-def]
    async with sessionmaker() as session:
        rows = (await session.execute(text("SELECT registrant_id, kind, value FROM registrant_keys"))).all()
    return sorted((str(r[0]).replace("-", ""), r[1], r[2]) for r in rows)


async def _columns(app) -> tuple[list[str], list[str]]:  # type: ignore[no-untyped-def]
    def read(connection):  # type: ignore[no-untyped-def]
        found = inspect(connection)
        columns = [c["name"] for c in found.get_columns("registrant_keys")]
        return columns, found.get_pk_constraint("registrant_keys")["constrained_columns"]

    async with app.state.engine.connect() as connection:
        return await connection.run_sync(read)  # type: ignore[no-any-return]


async def test_keys_survive_the_upgrade_and_the_downgrade_and_still_find_duplicates(
    app, client, make_staff, settings, sessionmaker
) -> None:
    staff = await make_staff("agent", ["CASA-BASE"])
    first = await client.post("/api/v1/registrants", json={**PERSON, "desk_code": "CASA-BASE"}, headers=staff.headers)
    assert first.status_code == 201, first.text
    stored = await _keys(sessionmaker)
    assert len(stored) > 5
    await app.state.engine.dispose()

    config = alembic_config(settings.effective_database_url)
    await asyncio.to_thread(command.downgrade, config, "3401")
    await app.state.engine.dispose()
    assert await _keys(sessionmaker) == stored
    columns, primary = await _columns(app)
    assert "id" in columns and primary == ["id"]
    async with sessionmaker() as session:
        numbered = (await session.execute(text("SELECT count(DISTINCT id) FROM registrant_keys"))).scalar_one()
        assert numbered == len(stored)
        # Revision 3401's code inserts keys without an id: the column numbers them itself again.
        await session.execute(
            text("INSERT INTO registrant_keys (registrant_id, kind, value) SELECT id, 'w', 'zz' FROM registrants")
        )
        ids = (await session.execute(text("SELECT count(DISTINCT id) FROM registrant_keys"))).scalar_one()
        assert ids == len(stored) + 1
        await session.execute(text("DELETE FROM registrant_keys WHERE kind = 'w' AND value = 'zz'"))
        await session.commit()
    await app.state.engine.dispose()

    await asyncio.to_thread(command.upgrade, config, "head")
    await app.state.engine.dispose()
    assert await _keys(sessionmaker) == stored
    columns, primary = await _columns(app)
    assert columns == ["registrant_id", "kind", "value"]
    assert primary == ["registrant_id", "kind", "value"]
    async with sessionmaker() as session:
        registrant_id, kind, value = (
            await session.execute(text("SELECT registrant_id, kind, value FROM registrant_keys"))
        ).first()  # type: ignore[misc]
        with pytest.raises(IntegrityError):
            await session.execute(
                text("INSERT INTO registrant_keys (registrant_id, kind, value) VALUES (:r, :k, :v)"),
                {"r": registrant_id, "k": kind, "v": value},
            )
        await session.rollback()

    again = await client.post("/api/v1/registrants", json={**PERSON, "desk_code": "CASA-BASE"}, headers=staff.headers)
    assert again.status_code == 409, again.text
    assert [c["id"] for c in again.json()["candidates"]] == [first.json()["id"]]
