"""PostgreSQL: the application's role cannot rewrite, truncate or unprotect the audit log.

The role is created and granted by ``app.core.roles.grant_app_role`` (what ``diaspora-desk
migrate`` does with DATABASE_OWNER_URL), then used over a real connection. PostgreSQL's error
texts are from its documentation of privileges (https://www.postgresql.org/docs/current/ddl-priv.html).
"""

from __future__ import annotations

import json
from pathlib import Path

import asyncpg
import pytest
from sqlalchemy import text

from app.audit.sequencer import Sequencer
from tests.audit.conftest import write_events

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize(
    "statement",
    [
        "ALTER TABLE audit_events DISABLE TRIGGER audit_events_append_only",
        "ALTER TABLE audit_links DISABLE TRIGGER USER",
        "DROP TRIGGER audit_checkpoints_append_only ON audit_checkpoints",
    ],
)
async def test_the_app_role_cannot_disable_the_audit_triggers(app_role_connection, statement: str) -> None:
    with pytest.raises(asyncpg.InsufficientPrivilegeError, match="must be owner of"):
        await app_role_connection.execute(statement)


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE audit_events SET entity_id = 'forged'",
        "DELETE FROM audit_events",
        "TRUNCATE audit_events CASCADE",
        "UPDATE audit_links SET hash = repeat('0', 64)",
        "DELETE FROM audit_links WHERE seq > 1",
        "UPDATE audit_checkpoints SET seq = 1",
        "DELETE FROM audit_checkpoints",
        "UPDATE audit_payloads SET value = '{}'",
        "TRUNCATE audit_payloads",
    ],
)
async def test_the_app_role_cannot_rewrite_or_truncate_the_audit_log(
    app_role_connection, sessionmaker, audit_log, statement: str
) -> None:
    await write_events(sessionmaker, 3)
    await audit_log.seal()
    with pytest.raises(asyncpg.InsufficientPrivilegeError, match="permission denied for table"):
        await app_role_connection.execute(statement)
    assert (await audit_log.verify()).ok


async def test_the_app_role_appends_seals_and_reads_the_audit_log(app_role_connection, app, audit_log) -> None:
    await app_role_connection.execute(
        "INSERT INTO audit_events (occurred_at, actor_label, actor_role, action, entity_type, details, txid) "
        "VALUES (now(), 'system', 'system', 'test.as_app_role', 'test', '{}', 1)"
    )
    txid = await app_role_connection.fetchval("SELECT txid FROM audit_events WHERE action = 'test.as_app_role'")
    assert txid > 1  # the trigger stamps the real transaction id, whatever the client sends
    assert await audit_log.seal() == 1
    assert await app_role_connection.fetchval("SELECT count(*) FROM audit_checkpoints") == 1
    assert await app_role_connection.fetchval("SELECT count(*) FROM registrants") == 0


async def _grant_create_on_number_series(sessionmaker, app_role: str) -> None:
    """What ``migrate`` granted the application's role before revision 3801 (it now refuses it)."""
    async with sessionmaker() as session:
        await session.execute(text(f'GRANT CREATE ON SCHEMA number_series TO "{app_role}"'))
        await session.commit()


async def test_the_app_role_cannot_choose_the_txid_of_its_events_by_shadowing_the_function(
    app_role, app_role_connection, sessionmaker, audit_log
) -> None:
    """A role that may create objects in ``number_series`` (as ``migrate`` granted before revision
    3801; it now refuses such a role): a function of its own there, found first along its
    ``search_path``, is not the one the trigger calls (revision 2401)."""
    await _grant_create_on_number_series(sessionmaker, app_role)
    async with app_role_connection.transaction():
        await app_role_connection.execute(
            "CREATE FUNCTION number_series.pg_current_xact_id() RETURNS xid8 LANGUAGE sql AS $$ SELECT '5'::xid8 $$"
        )
        await app_role_connection.execute("SET LOCAL search_path = number_series, pg_catalog, public")
        txid = await app_role_connection.fetchval(
            "INSERT INTO audit_events (occurred_at, actor_label, actor_role, action, entity_type, details) "
            "VALUES (now(), 'system', 'system', 'test.shadowed', 'test', '{}') RETURNING txid"
        )
        assert txid == await app_role_connection.fetchval("SELECT pg_catalog.pg_current_xact_id()::text::bigint")
        await app_role_connection.execute("DROP FUNCTION number_series.pg_current_xact_id()")
    assert await audit_log.seal() == 1
    assert (await audit_log.verify()).ok


async def _pass_over_an_event(app_role_connection, sessionmaker, audit_log) -> tuple[int, int]:
    """As the app role: a link for a new event of its own, after an event still waiting, and the
    sequencer's next round signing that head; the ids of the event passed over and of its own."""
    from app.audit import chain

    await write_events(sessionmaker, 1, action="test.sealed")
    await audit_log.seal()
    await write_events(sessionmaker, 1, action="test.passed_over")
    forged = await app_role_connection.fetchval(
        "INSERT INTO audit_events (occurred_at, actor_label, actor_role, action, entity_type, details) "
        "VALUES (now(), 'system', 'system', 'test.forged', 'test', '{}') RETURNING id"
    )
    seq, prev = await app_role_connection.fetchrow("SELECT seq, hash FROM audit_links ORDER BY seq DESC LIMIT 1")
    row = await app_role_connection.fetchrow("SELECT * FROM audit_events WHERE id = $1", forged)
    content = [json.loads(row[name]) if name == "details" else row[name] for name in chain.CONTENT_FIELDS]
    await app_role_connection.execute(
        "INSERT INTO audit_links (seq, event_id, prev_hash, hash, link_version, sealed_at) "
        "VALUES ($1, $2, $3, $4, 2, now())",
        seq + 1,
        forged,
        prev,
        chain.row_hash(2, prev, seq + 1, *content),
    )
    assert await audit_log.seal() == 0  # it signed the forged head; now it refuses to (test_unsigned_links.py)
    passed_over: int = await app_role_connection.fetchval(
        "SELECT id FROM audit_events WHERE action = 'test.passed_over'"
    )
    return passed_over, forged


async def test_a_link_inserted_by_the_app_role_past_a_waiting_event_is_named(
    app_role_connection, app, sessionmaker, audit_log
) -> None:
    """The role may INSERT links (its server's sequencer does); one written for a later event, with
    the right hash, would make the sequencer resume past an earlier event: the verifier names the
    link, unsigned, its event and the event passed over."""
    passed_over, forged = await _pass_over_an_event(app_role_connection, sessionmaker, audit_log)
    result = await audit_log.verify()
    assert (result.ok, result.pending.count) == (False, 0)
    assert result.faults == (
        (2, None, "the last link 2 is not signed by a checkpoint"),
        (
            2,
            forged,
            f"event {passed_over} is in no link, yet link 2 seals event {forged}, which comes after it in the "
            f"sealing order: event {forged}'s txid or id was edited, or link 2 was not written by the sequencer",
        ),
    )


async def test_verify_as_the_app_role_ignores_the_operators_it_put_on_its_own_search_path(
    app_role, app_role_connection, app, database_url, sessionmaker, audit_log
) -> None:
    """A role that may create an operator in ``number_series`` (``migrate`` granted it CREATE
    there before revision 3801) and put that schema before ``pg_catalog`` in its own default
    ``search_path``: an ``=`` calling the passed-over event linked made verify-audit, run as that
    role (``DATABASE_URL``), say valid. The verifier pins its transaction's ``search_path``: behind
    PgBouncer (as here) no connection is started with the application's own
    (``app.core.db.APP_SEARCH_PATH``)."""
    from sqlalchemy.engine import make_url

    from app.audit.service import verify_chain
    from app.core.db import create_engine, create_sessionmaker

    await _grant_create_on_number_series(sessionmaker, app_role)
    passed_over, forged = await _pass_over_an_event(app_role_connection, sessionmaker, audit_log)
    database = make_url(database_url).database
    await app_role_connection.execute(
        "CREATE FUNCTION number_series.eq(a bigint, b bigint) RETURNS boolean LANGUAGE sql IMMUTABLE "
        f"AS 'SELECT a OPERATOR(pg_catalog.=) b OR b OPERATOR(pg_catalog.=) {passed_over}'"
    )
    await app_role_connection.execute(
        "CREATE OPERATOR number_series.= (LEFTARG = bigint, RIGHTARG = bigint, FUNCTION = number_series.eq)"
    )
    await app_role_connection.execute(
        f'ALTER ROLE "{app_role}" IN DATABASE "{database}" SET search_path = number_series, pg_catalog, public'
    )
    app_url = make_url(database_url).set(username=app_role).render_as_string(hide_password=False)
    engine = create_engine(app_url, pgbouncer=True)
    try:
        async with create_sessionmaker(engine)() as session:
            assert (await session.execute(text("SHOW search_path"))).scalar_one().startswith("number_series")
        async with create_sessionmaker(engine)() as session:
            result = await verify_chain(session, app.state.audit_sequencer.signer)
        assert not result.ok
        assert [(event, reason.split(",")[0]) for _, event, reason in result.faults if event is not None] == [
            (forged, f"event {passed_over} is in no link")
        ]
        assert await Sequencer(engine, app.state.audit_sequencer.signer).seal_all() == 0
    finally:
        await engine.dispose()
        await app_role_connection.execute(f'ALTER ROLE "{app_role}" IN DATABASE "{database}" RESET search_path')
        await app_role_connection.execute("DROP OPERATOR number_series.= (bigint, bigint)")
        await app_role_connection.execute("DROP FUNCTION number_series.eq(bigint, bigint)")


async def test_migrate_with_an_owner_url_grants_the_application_role(app_role, database_url, tmp_path) -> None:
    import asyncio
    import os
    import subprocess
    import sys

    from sqlalchemy.engine import make_url

    app_url = make_url(database_url).set(username=app_role).render_as_string(hide_password=False)
    env = {**os.environ, "DATABASE_OWNER_URL": database_url, "DATABASE_URL": app_url, "DATA_DIR": str(tmp_path)}
    done = await asyncio.to_thread(
        subprocess.run,
        [sys.executable, "-m", "app.cli", "migrate"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert f"application role {app_role}: granted (audit tables: SELECT and INSERT only)" in done.stdout
    conn = await asyncpg.connect(make_url(app_url).set(drivername="postgresql").render_as_string(hide_password=False))
    try:
        with pytest.raises(asyncpg.InsufficientPrivilegeError):
            await conn.execute("DELETE FROM audit_links")
        with pytest.raises(asyncpg.InsufficientPrivilegeError):
            await conn.execute("UPDATE alembic_version SET version_num = '0001'")
    finally:
        await conn.close()


async def test_verify_as_the_app_role_names_its_insert_on_the_witnesses_revoked(
    app_role, app_role_connection, app, database_url, sessionmaker, audit_log
) -> None:
    """The owner revokes the application's INSERT on ``audit_witnessed_checkpoints`` (a running
    sequencer then cannot store the evidence of a rewrite): verify-audit, run as that role, tries
    and names it."""
    from sqlalchemy.engine import make_url

    from app.audit.service import verify_chain
    from app.core.db import create_engine, create_sessionmaker

    await write_events(sessionmaker, 3)
    await audit_log.seal()
    app_url = make_url(database_url).set(username=app_role).render_as_string(hide_password=False)
    engine = create_engine(app_url)
    try:
        async with create_sessionmaker(engine)() as session:
            assert (await verify_chain(session, app.state.audit_sequencer.signer)).ok
        async with sessionmaker() as session:
            await session.execute(text(f'REVOKE INSERT ON audit_witnessed_checkpoints FROM "{app_role}"'))
            await session.commit()
        async with create_sessionmaker(engine)() as session:
            result = await verify_chain(session, app.state.audit_sequencer.signer)
        assert not result.ok
        assert result.reason is not None
        assert result.reason.startswith("the database refuses to store a checkpoint a running sequencer witnessed (")
        assert "permission denied for table audit_witnessed_checkpoints" in result.reason
    finally:
        await engine.dispose()


async def test_the_app_role_cannot_take_the_ids_of_events_not_written_yet(
    app_role_connection, sessionmaker, audit_log
) -> None:
    """Ids beyond the sequence's last value, taken ahead by the application's role, made every
    later audited request fail (409, then 500): such an event is refused; the next events keep
    their ids drawn from the sequence, and the log verifies."""
    await write_events(sessionmaker, 2)
    last = await app_role_connection.fetchval("SELECT last_value FROM audit_events_id_seq")
    with pytest.raises(asyncpg.CheckViolationError, match=f"audit event refused: id {last + 1} was not drawn"):
        await app_role_connection.execute(
            "INSERT INTO audit_events (id, occurred_at, actor_label, actor_role, action, entity_type, details) "
            "SELECT g, now(), 'system', 'system', 'test.ahead', 'test', '{}' FROM generate_series($1::bigint, $2) g",
            last + 1,
            last + 5,
        )
    drawn = await app_role_connection.fetchval(
        "INSERT INTO audit_events (occurred_at, actor_label, actor_role, action, entity_type, details) "
        "VALUES (now(), 'system', 'system', 'test.drawn', 'test', '{}') RETURNING id"
    )
    assert drawn == last + 1
    await write_events(sessionmaker, 2)
    assert await audit_log.seal() == 5
    assert (await audit_log.verify()).ok
