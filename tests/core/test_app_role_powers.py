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
    assert await _refused(owner, database_url, app) == (
        "it is a superuser, which no grant restrains (remove: connect the application as another login role, "
        "one that is no superuser: set DATABASE_URL to it, migrate creates it if missing)"
    )


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
    """Before revision 3801 the application created a series' sequence in schema number_series on
    its first number, and owns those: they are left to it (a sequence holds no view nor trigger)."""
    app = new_role("app")
    assert await grant_app_role(database_url, _app_url(database_url, app)) == app
    await owner.execute("CREATE SEQUENCE number_series.human_number_probe_r_2020")
    await owner.execute(f'ALTER SEQUENCE number_series.human_number_probe_r_2020 OWNER TO "{app}"')
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


@pytest.mark.parametrize(
    "statement",
    [
        "CREATE VIEW number_series.audit_events AS SELECT * FROM public.audit_events",
        "CREATE FUNCTION number_series.f() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NULL; END $$",
        "CREATE TABLE number_series.t (i int)",
        "CREATE SEQUENCE number_series.human_number_probe",
        "CREATE VIEW public.v AS SELECT 1",
        "CREATE FUNCTION public.f() RETURNS int LANGUAGE sql AS 'SELECT 1'",
        "CREATE SCHEMA elsewhere",
        # behind PgBouncer (no pinned search_path) a temporary view is found before public's table
        "CREATE TEMPORARY VIEW audit_events AS SELECT * FROM public.audit_events",
        "CREATE TEMPORARY TABLE audit_events (LIKE public.audit_events INCLUDING DEFAULTS)",
    ],
)
async def test_the_granted_app_role_may_create_nothing_in_any_schema(
    new_role: Callable[[str], str], database_url: str, statement: str
) -> None:
    """A view of its own in ``number_series`` (an ``INSTEAD OF INSERT`` trigger dropping the reads'
    events), found first along a ``search_path`` it gives itself, would hide and forge events."""
    app = new_role("app")
    assert await grant_app_role(database_url, _app_url(database_url, app)) == app
    conn = await asyncpg.connect(_dsn(_app_url(database_url, app)))
    try:
        with pytest.raises(asyncpg.InsufficientPrivilegeError, match="permission denied"):
            await conn.execute(statement)
    finally:
        await conn.close()


async def test_the_app_role_draws_the_first_number_of_a_new_series(
    new_role: Callable[[str], str], database_url: str
) -> None:
    """A series never seen (its sequence created by the owner's function, on the first number) is
    drawn from as the application's role, which owns nothing there; then the next numbers follow."""
    from app.cases.models import Case
    from app.core import numbering
    from app.core.db import create_engine, create_sessionmaker

    app = new_role("app")
    assert await grant_app_role(database_url, _app_url(database_url, app)) == app
    engine = create_engine(_app_url(database_url, app))
    try:
        for expected in ("ZQ9-2031-C-000001", "ZQ9-2031-C-000002"):
            async with create_sessionmaker(engine)() as session:
                number = await numbering.allocate(session, prefix="ZQ9", kind="C", year=2031, column=Case.case_number)
                await session.commit()
            assert number == expected
    finally:
        await engine.dispose()
    conn = await asyncpg.connect(_dsn(database_url))
    try:
        assert await conn.fetchval(
            "SELECT pg_get_userbyid(relowner) = current_user FROM pg_class "
            "WHERE oid = 'number_series.human_number_zq9_c_2031'::regclass"
        )
    finally:
        await conn.close()


@pytest.mark.parametrize(
    "name",
    [
        "number_series.human_number_zq9_c_2031; DROP TABLE audit_events",
        "public.human_number_zq9_c_2031",
        "number_series.audit_events",
        'number_series."human_number_zq9_c_2031"',
        "number_series.human_number_ZQ9_c_2031",
    ],
)
async def test_the_sequence_function_refuses_what_sequence_name_never_produces(
    new_role: Callable[[str], str], database_url: str, name: str
) -> None:
    app = new_role("app")
    assert await grant_app_role(database_url, _app_url(database_url, app)) == app
    conn = await asyncpg.connect(_dsn(_app_url(database_url, app)))
    try:
        with pytest.raises(asyncpg.InvalidParameterValueError, match="not a human-number series sequence"):
            await conn.execute("SELECT number_series.create_series_sequence($1, 1)", name)
    finally:
        await conn.close()


async def test_the_app_ignores_the_search_path_its_role_gives_itself(
    owner: asyncpg.Connection, new_role: Callable[[str], str], database_url: str
) -> None:
    """``ALTER ROLE … SET search_path`` leading elsewhere: every application connection (direct,
    not behind PgBouncer) pins its own at its start, and still reads and writes public's tables."""
    from sqlalchemy import text

    from app.core.db import APP_SEARCH_PATH, create_engine, create_sessionmaker

    app = new_role("app")
    assert await grant_app_role(database_url, _app_url(database_url, app)) == app
    database = make_url(database_url).database
    await owner.execute("CREATE SCHEMA elsewhere CREATE TABLE audit_events (id int)")
    await owner.execute(f'ALTER ROLE "{app}" IN DATABASE "{database}" SET search_path = elsewhere, number_series')
    engine = create_engine(_app_url(database_url, app))
    try:
        async with create_sessionmaker(engine)() as session:
            assert (await session.execute(text("SHOW search_path"))).scalar_one() == APP_SEARCH_PATH
            await session.execute(
                text(
                    "INSERT INTO audit_events (occurred_at, actor_label, actor_role, action, entity_type, details) "
                    "VALUES (now(), 'system', 'system', 'test.pinned', 'test', '{}')"
                )
            )
            await session.commit()
    finally:
        await engine.dispose()
        await owner.execute(f'ALTER ROLE "{app}" IN DATABASE "{database}" RESET search_path')
    assert await owner.fetchval("SELECT count(*) FROM public.audit_events WHERE action = 'test.pinned'") == 1
    assert await owner.fetchval("SELECT count(*) FROM elsewhere.audit_events") == 0


async def test_an_app_role_creating_in_schema_number_series_through_public_is_refused(
    owner: asyncpg.Connection, new_role: Callable[[str], str], database_url: str
) -> None:
    """``migrate`` revokes CREATE on number_series from the role itself; PUBLIC's grant would still be its."""
    app = new_role("app")
    await owner.execute(f'CREATE ROLE "{app}" LOGIN')
    await owner.execute("GRANT CREATE ON SCHEMA number_series TO PUBLIC")
    assert await _refused(owner, database_url, app) == (
        "it may CREATE in schema number_series (through PUBLIC), so it could put there views, functions or "
        "operators that a search_path it gives itself would find before the application's tables and "
        "pg_catalog's functions (remove: REVOKE CREATE ON SCHEMA number_series FROM PUBLIC)"
    )


async def test_an_app_role_owning_a_schema_of_its_own_is_refused(
    owner: asyncpg.Connection, new_role: Callable[[str], str], database_url: str
) -> None:
    app = new_role("app")
    await owner.execute(f'CREATE ROLE "{app}" LOGIN')
    await owner.execute(f'CREATE SCHEMA mine AUTHORIZATION "{app}"')
    assert await _refused(owner, database_url, app) == (
        "it may CREATE in schema mine (as its owner), so it could put there views, functions or "
        "operators that a search_path it gives itself would find before the application's tables and "
        "pg_catalog's functions (remove: ALTER SCHEMA mine OWNER TO postgres)"
    )


async def test_an_app_role_that_may_create_schemas_is_refused(
    owner: asyncpg.Connection, new_role: Callable[[str], str], database_url: str
) -> None:
    app = new_role("app")
    database = make_url(database_url).database
    await owner.execute(f'CREATE ROLE "{app}" LOGIN')
    await owner.execute(f'GRANT CREATE ON DATABASE "{database}" TO PUBLIC')
    assert await _refused(owner, database_url, app) == (
        f"it may CREATE schemas in database {database} (through PUBLIC), so it could own one and put there "
        f"views, functions or operators that a search_path it gives itself would find first "
        f"(remove: REVOKE CREATE ON DATABASE {database} FROM PUBLIC)"
    )


async def test_an_app_role_that_may_create_temporary_tables_through_another_role_is_refused(
    owner: asyncpg.Connection, new_role: Callable[[str], str], database_url: str
) -> None:
    """Behind PgBouncer the application's search_path is not pinned, and a temporary relation is
    found first: a temporary view ``audit_events`` whose ``INSTEAD OF`` trigger drops the reads'
    events would hide them (until the pooled connection ends: no trace)."""
    app, group = new_role("app"), new_role("group")
    database = make_url(database_url).database
    await owner.execute(f'CREATE ROLE "{group}" NOLOGIN')
    await owner.execute(f'GRANT TEMPORARY ON DATABASE "{database}" TO "{group}"')
    await owner.execute(f'CREATE ROLE "{app}" LOGIN IN ROLE "{group}"')
    assert await _refused(owner, database_url, app) == (
        f"it may create temporary tables and views in database {database} (through {group}): behind PgBouncer, "
        f"where the application's search_path is not pinned, one named as an audit table would take its place "
        f"(remove: REVOKE TEMPORARY ON DATABASE {database} FROM {group})"
    )


async def test_an_app_role_that_could_set_role_to_a_role_writing_the_audit_tables_is_refused(
    owner: asyncpg.Connection, new_role: Callable[[str], str], database_url: str
) -> None:
    """NOINHERIT: the role does not use the other role's privileges, yet may SET ROLE to it."""
    app, writer = new_role("app"), new_role("writer")
    await owner.execute(f'CREATE ROLE "{writer}" NOLOGIN')
    await owner.execute(f'GRANT UPDATE, DELETE, TRUNCATE, TRIGGER ON audit_events TO "{writer}"')
    await owner.execute(f'CREATE ROLE "{app}" LOGIN NOINHERIT IN ROLE "{writer}"')
    assert await _refused(owner, database_url, app) == (
        f"it may SET ROLE {writer} (a member without inheriting its privileges), which could rewrite the audit "
        f"log: it still holds DELETE on audit_events, TRIGGER on audit_events, TRUNCATE on audit_events, UPDATE on "
        f"audit_events through PUBLIC or a role it belongs to, pg_write_all_data included (remove: REVOKE those "
        f"privileges from PUBLIC or from that role) (remove: REVOKE {writer} FROM {app})"
    )


async def test_an_app_role_that_could_set_role_to_a_schemas_owner_is_refused(
    owner: asyncpg.Connection, new_role: Callable[[str], str], database_url: str
) -> None:
    app, builder = new_role("app"), new_role("builder")
    await owner.execute(f'CREATE ROLE "{builder}" NOLOGIN')
    await owner.execute(f'CREATE SCHEMA "{builder}_s" AUTHORIZATION "{builder}"')
    await owner.execute(f'CREATE ROLE "{app}" LOGIN NOINHERIT IN ROLE "{builder}"')
    refusal = await _refused(owner, database_url, app)
    assert refusal.startswith(
        f"it may SET ROLE {builder} (a member without inheriting its privileges), which could rewrite the audit "
        f"log: it may CREATE in schema {builder}_s (as its owner)"
    ), refusal
    assert refusal.endswith(f"(remove: REVOKE {builder} FROM {app})"), refusal
