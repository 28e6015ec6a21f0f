"""PostgreSQL: the application's role cannot rewrite, truncate or unprotect the audit log.

The role is created and granted by ``app.core.roles.grant_app_role`` (what ``diaspora-desk
migrate`` does with DATABASE_OWNER_URL), then used over a real connection. PostgreSQL's error
texts are from its documentation of privileges (https://www.postgresql.org/docs/current/ddl-priv.html).
"""

from __future__ import annotations

import asyncpg
import pytest

from tests.audit.conftest import write_events


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
