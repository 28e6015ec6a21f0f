"""PostgreSQL: ``migrate`` refuses an application role that could rewrite the audit log whatever it
is granted (``app.core.roles.grant_app_role``), naming the power and the statement that removes it,
and grants it nothing.

Real roles are made on the test's server for each test and dropped at its end (what they own or
were granted in the test's database is handed back to the owner first).
"""

from __future__ import annotations

import itertools
import os
from collections.abc import AsyncIterator, Callable

import asyncpg
import pytest
from sqlalchemy.engine import make_url

from app.core.roles import AUDIT_TABLES, grant_app_role
from tests.db import postgres_url

pytestmark = pytest.mark.skipif(postgres_url() is None, reason="roles and grants are PostgreSQL's")

_names = itertools.count(1)


def _dsn(url: str) -> str:
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


@pytest.fixture
async def owner(database_url: str) -> AsyncIterator[asyncpg.Connection]:
    """The owner's connection to the test's database (the test URL's role owns every table)."""
    conn = await asyncpg.connect(_dsn(database_url))
    yield conn
    await conn.close()


@pytest.fixture
async def new_role(owner: asyncpg.Connection) -> AsyncIterator[Callable[[str], str]]:
    """``new_role("app")`` → the name of a role made for this test, dropped at its end."""
    made: list[str] = []

    def name(label: str) -> str:
        made.append(f"dd_test_{label}_{os.getpid()}_{next(_names)}")
        return made[-1]

    yield name
    for role in reversed(made):
        if await owner.fetchval("SELECT 1 FROM pg_roles WHERE rolname = $1", role):
            await owner.execute(f'REASSIGN OWNED BY "{role}" TO CURRENT_USER')
            await owner.execute(f'DROP OWNED BY "{role}"')
            await owner.execute(f'DROP ROLE "{role}"')


def _app_url(database_url: str, role: str) -> str:
    return make_url(database_url).set(username=role, password="not-used-with-trust-auth").render_as_string(False)


async def _granted_anything(owner: asyncpg.Connection, role: str) -> bool:
    """Whether ``role`` was granted a privilege on a table or on the database (by name, not
    through a role it belongs to)."""
    return bool(
        await owner.fetchval(
            "SELECT EXISTS (SELECT FROM pg_class c, aclexplode(c.relacl) a WHERE a.grantee = $1::regrole) "
            "OR EXISTS (SELECT FROM pg_database d, aclexplode(d.datacl) a WHERE a.grantee = $1::regrole "
            "AND d.datname = current_database())",
            f'"{role}"',
        )
    )


async def _refused(owner: asyncpg.Connection, database_url: str, app: str) -> str:
    """What ``migrate`` names when it refuses ``app`` (after its common start), having granted it nothing."""
    with pytest.raises(ValueError) as refused:
        await grant_app_role(database_url, _app_url(database_url, app))
    start = (
        f"the application's role {app} could rewrite the audit log whatever it is granted, so migrate grants it "
        "nothing: "
    )
    assert str(refused.value).startswith(start)
    assert not await _granted_anything(owner, app)
    return str(refused.value).removeprefix(start)


async def test_an_app_role_member_of_the_owner_through_another_role_is_refused(
    owner: asyncpg.Connection, new_role: Callable[[str], str], database_url: str
) -> None:
    """Membership is inherited: a member of a group the owner belongs to could SET ROLE to it."""
    app, group = new_role("app"), new_role("group")
    await owner.execute(f'CREATE ROLE "{group}" NOLOGIN')
    await owner.execute(f'GRANT "{await owner.fetchval("SELECT current_user")}" TO "{group}"')
    await owner.execute(f'CREATE ROLE "{app}" LOGIN IN ROLE "{group}"')
    assert await _refused(owner, database_url, app) == (
        f"it is a member of postgres (through {group}), which owns the audit tables or runs the "
        f"migrations: it could SET ROLE postgres and alter, disable the triggers of, update or drop them "
        f"(remove: REVOKE {group} FROM {app})"
    )


async def test_an_app_role_member_of_an_audit_tables_owner_is_refused(
    owner: asyncpg.Connection, new_role: Callable[[str], str], database_url: str
) -> None:
    app, keeper = new_role("app"), new_role("keeper")
    await owner.execute(f'CREATE ROLE "{keeper}" NOLOGIN')
    await owner.execute(f'ALTER TABLE audit_checkpoints OWNER TO "{keeper}"')
    await owner.execute(f'CREATE ROLE "{app}" LOGIN IN ROLE "{keeper}"')
    assert await _refused(owner, database_url, app) == (
        f"it is a member of {keeper}, which owns the audit tables or runs the migrations: it could "
        f"SET ROLE {keeper} and alter, disable the triggers of, update or drop them "
        f"(remove: REVOKE {keeper} FROM {app})"
    )


async def test_an_app_role_with_createrole_is_refused(
    owner: asyncpg.Connection, new_role: Callable[[str], str], database_url: str
) -> None:
    app = new_role("app")
    await owner.execute(f'CREATE ROLE "{app}" LOGIN CREATEROLE')
    assert await _refused(owner, database_url, app) == (
        f"it has CREATEROLE, so it could grant itself membership of the owner role "
        f"(remove: ALTER ROLE {app} NOCREATEROLE)"
    )


async def test_an_app_role_owning_the_database_is_refused(
    owner: asyncpg.Connection, new_role: Callable[[str], str], database_url: str
) -> None:
    """PostgreSQL 15 gives schema ``public`` to the database's owner, who may then DROP the audit
    tables (a schema's owner may drop what it holds) and create forged ones."""
    if await owner.fetchval("SELECT current_setting('server_version_num')::int < 150000"):
        pytest.skip("before PostgreSQL 15, schema public belongs to the bootstrap superuser")
    app = new_role("app")
    await owner.execute(f'CREATE ROLE "{app}" LOGIN')
    await owner.execute(f'ALTER DATABASE "{make_url(database_url).database}" OWNER TO "{app}"')
    assert await _refused(owner, database_url, app) == (
        "it owns the database, hence its schema public (PostgreSQL 15), so it could DROP the audit "
        "tables and create forged ones (remove: ALTER DATABASE … OWNER TO the owner role)"
    )


async def test_an_app_role_writing_the_server_files_is_refused(
    owner: asyncpg.Connection, new_role: Callable[[str], str], database_url: str
) -> None:
    app = new_role("app")
    await owner.execute(f'CREATE ROLE "{app}" LOGIN IN ROLE pg_write_server_files')
    assert await _refused(owner, database_url, app) == (
        f"it is a member of pg_write_server_files, which acts as the server's operating-system user "
        f"(remove: REVOKE pg_write_server_files FROM {app}, or from the role it inherits it through)"
    )


async def test_an_app_role_still_updating_the_audit_tables_through_pg_write_all_data_is_refused(
    owner: asyncpg.Connection, new_role: Callable[[str], str], database_url: str
) -> None:
    """pg_write_all_data bypasses the REVOKEs (the append-only triggers still stand, but the role
    would hold what the README says it does not), audit_payloads' UPDATE included."""
    app = new_role("app")
    await owner.execute(f'CREATE ROLE "{app}" LOGIN IN ROLE pg_write_all_data')
    held = ", ".join(
        f"{privilege} on {table}"
        for table in sorted((*AUDIT_TABLES, "audit_payloads"))
        for privilege in ("DELETE", "UPDATE")
        if (table, privilege) != ("audit_payloads", "DELETE")  # erasure deletes payloads
    )
    assert await _refused(owner, database_url, app) == (
        f"it still holds {held} through PUBLIC or a role it belongs to, pg_write_all_data included "
        f"(remove: REVOKE those privileges from PUBLIC or from that role)"
    )


async def test_a_superuser_app_role_is_refused(
    owner: asyncpg.Connection, new_role: Callable[[str], str], database_url: str
) -> None:
    app = new_role("app")
    await owner.execute(f'CREATE ROLE "{app}" LOGIN SUPERUSER')
    assert await _refused(owner, database_url, app) == (f"it is a superuser (remove: ALTER ROLE {app} NOSUPERUSER)")


async def test_a_plain_app_role_is_granted(
    owner: asyncpg.Connection, new_role: Callable[[str], str], database_url: str
) -> None:
    app = new_role("app")
    assert await grant_app_role(database_url, _app_url(database_url, app)) == app
    assert await _granted_anything(owner, app)


async def test_an_app_role_owning_a_trigger_function_of_the_audit_tables_is_refused(
    owner: asyncpg.Connection, new_role: Callable[[str], str], database_url: str
) -> None:
    """The owner of a trigger's function may ``DROP FUNCTION … CASCADE``: the append-only triggers go with it."""
    app = new_role("app")
    await owner.execute(f'CREATE ROLE "{app}" LOGIN')
    await owner.execute(f'ALTER FUNCTION public.audit_events_refuse_change() OWNER TO "{app}"')
    assert await _refused(owner, database_url, app) == (
        "it owns, in the audit tables' schema public, function public.audit_events_refuse_change(), "
        "so it could alter or drop them, and with DROP … CASCADE the audit tables' triggers, defaults or the "
        "tables themselves (remove: ALTER FUNCTION public.audit_events_refuse_change() OWNER TO postgres)"
    )


async def test_an_app_role_owning_audit_payloads_and_a_type_in_public_is_refused_naming_each(
    owner: asyncpg.Connection, new_role: Callable[[str], str], database_url: str
) -> None:
    """Nothing in schema public is the application's: a type of its own could be renamed or dropped
    from under a column, a table of its own altered."""
    app = new_role("app")
    await owner.execute(f'CREATE ROLE "{app}" LOGIN')
    await owner.execute(f"CREATE TYPE public.mood AS ENUM ('calm'); ALTER TYPE public.mood OWNER TO \"{app}\"")
    await owner.execute(f'ALTER TABLE public.audit_payloads OWNER TO "{app}"')
    assert await _refused(owner, database_url, app) == (
        "it owns, in the audit tables' schema public, table public.audit_payloads, type public.mood, "
        "so it could alter or drop them, and with DROP … CASCADE the audit tables' triggers, defaults or the "
        "tables themselves (remove: ALTER TABLE public.audit_payloads OWNER TO postgres; "
        "ALTER TYPE public.mood OWNER TO postgres)"
    )


async def test_an_app_role_owning_its_number_series_sequences_is_granted(
    owner: asyncpg.Connection, new_role: Callable[[str], str], database_url: str
) -> None:
    """The application creates a series' sequence in schema number_series on its first number: it owns those."""
    app = new_role("app")
    assert await grant_app_role(database_url, _app_url(database_url, app)) == app
    conn = await asyncpg.connect(_dsn(_app_url(database_url, app)))
    try:
        await conn.execute("CREATE SEQUENCE number_series.human_number_probe")
    finally:
        await conn.close()
    assert await grant_app_role(database_url, _app_url(database_url, app)) == app


async def test_an_app_role_updating_an_audit_column_through_public_is_refused(
    owner: asyncpg.Connection, new_role: Callable[[str], str], database_url: str
) -> None:
    """A column's UPDATE is not a table's: ``has_table_privilege`` does not see it."""
    app = new_role("app")
    await owner.execute(f'CREATE ROLE "{app}" LOGIN')
    await owner.execute("GRANT UPDATE (details) ON audit_events TO PUBLIC")
    assert await _refused(owner, database_url, app) == (
        "it still holds UPDATE (details) on audit_events through PUBLIC or a role it belongs to, "
        "pg_write_all_data included (remove: REVOKE those privileges from PUBLIC or from that role)"
    )


async def test_an_app_role_creating_in_schema_public_through_public_is_refused(
    owner: asyncpg.Connection, new_role: Callable[[str], str], database_url: str
) -> None:
    """``migrate`` revokes CREATE on public from the role itself; PUBLIC's grant would still be its."""
    app = new_role("app")
    await owner.execute(f'CREATE ROLE "{app}" LOGIN')
    await owner.execute("GRANT CREATE ON SCHEMA public TO PUBLIC")
    assert await _refused(owner, database_url, app) == (
        "it may CREATE in schema public (through PUBLIC), so it could put there the tables, functions "
        "or operators that the migrations or the audit sequencer find by name "
        "(remove: REVOKE CREATE ON SCHEMA public FROM PUBLIC)"
    )


async def test_an_app_role_reading_the_server_files_is_refused(
    owner: asyncpg.Connection, new_role: Callable[[str], str], database_url: str
) -> None:
    app = new_role("app")
    await owner.execute(f'CREATE ROLE "{app}" LOGIN IN ROLE pg_read_server_files')
    assert await _refused(owner, database_url, app) == (
        f"it is a member of pg_read_server_files, which reads any file the server's operating-system "
        f"user may, the checkpoints' signing key included when it is on the same host "
        f"(remove: REVOKE pg_read_server_files FROM {app}, or from the role it inherits it through)"
    )


async def test_owner_default_privileges_giving_public_delete_on_new_tables_are_refused(
    owner: asyncpg.Connection, new_role: Callable[[str], str], database_url: str
) -> None:
    """A migration's new audit table would be born deletable by everyone."""
    app = new_role("app")
    await owner.execute(f'CREATE ROLE "{app}" LOGIN')
    await owner.execute("ALTER DEFAULT PRIVILEGES FOR ROLE postgres GRANT SELECT, UPDATE, DELETE ON TABLES TO PUBLIC")
    assert await _refused(owner, database_url, app) == (
        "the owner role's default privileges give PUBLIC DELETE, UPDATE on the tables it creates, so "
        "a migration's new audit table would be born writable (remove: ALTER DEFAULT PRIVILEGES FOR ROLE "
        "postgres REVOKE DELETE, UPDATE ON TABLES FROM PUBLIC)"
    )


async def test_owner_default_privileges_in_public_giving_the_app_role_truncate_are_refused(
    owner: asyncpg.Connection, new_role: Callable[[str], str], database_url: str
) -> None:
    app = new_role("app")
    await owner.execute(f'CREATE ROLE "{app}" LOGIN')
    await owner.execute(
        f'ALTER DEFAULT PRIVILEGES FOR ROLE postgres IN SCHEMA public GRANT TRUNCATE ON TABLES TO "{app}"'
    )
    assert await _refused(owner, database_url, app) == (
        f"the owner role's default privileges give {app} TRUNCATE on the tables it creates in schema "
        f"public, so a migration's new audit table would be born writable (remove: ALTER DEFAULT PRIVILEGES FOR "
        f"ROLE postgres IN SCHEMA public REVOKE TRUNCATE ON TABLES FROM {app})"
    )


async def test_an_app_role_that_may_set_session_replication_role_is_refused(
    owner: asyncpg.Connection, new_role: Callable[[str], str], database_url: str
) -> None:
    """``replica`` skips the audit tables' triggers: the append-only ones and the check of what
    an event may hold (PostgreSQL 15's ``GRANT SET ON PARAMETER``)."""
    app = new_role("app")
    await owner.execute(f'CREATE ROLE "{app}" LOGIN')
    await owner.execute(f'GRANT SET ON PARAMETER session_replication_role TO "{app}"')
    try:
        assert await _refused(owner, database_url, app) == (
            "it may SET session_replication_role, which turns the audit tables' triggers off for its session "
            f"(remove: REVOKE SET ON PARAMETER session_replication_role FROM {app}, or from the role it holds it "
            "through)"
        )
    finally:
        await owner.execute(f'REVOKE SET ON PARAMETER session_replication_role FROM "{app}"')
