"""``diaspora-desk migrate`` and the PostgreSQL roles: it warns on stderr when one role is both the
owner and the application, grants a second role quietly, and exits 1 naming the power of an
application role that could rewrite the audit log anyway.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import Iterator
from pathlib import Path

import asyncpg
import pytest
from sqlalchemy.engine import make_url
from typer.testing import CliRunner

from app.cli import cli
from tests.db import postgres_url

needs_postgres = pytest.mark.skipif(postgres_url() is None, reason="roles are PostgreSQL's")


def one_role_warning(why: str) -> str:
    """What ``migrate`` says on stderr when DATABASE_URL's role owns the audit tables, ``why``."""
    return (
        f"warning: DATABASE_URL's role postgres owns the audit log's tables ({why}): the application can ALTER "
        "them, disable their append-only triggers, UPDATE, DELETE and TRUNCATE audit events, and only the signed "
        "checkpoints would show it (no least privilege). Fix: set DATABASE_OWNER_URL to this owner role and "
        "DATABASE_URL to another login role, then run migrate again: it creates that role if missing and grants "
        'it only what the application needs (README, "Running on PostgreSQL").\n'
    )


@pytest.fixture
def runner(database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    """The CLI pointed at this test's database, as its owner (one role), in the test environment."""
    monkeypatch.setenv("DATABASE_URL", database_url)
    monkeypatch.delenv("DATABASE_OWNER_URL", raising=False)
    monkeypatch.setenv("DATA_DIR", str(tmp_path / "var"))
    monkeypatch.setenv("ENVIRONMENT", "test")
    return CliRunner()


async def _on_database(database_url: str, *statements: str) -> None:
    conn = await asyncpg.connect(make_url(database_url).set(drivername="postgresql").render_as_string(False))
    try:
        for statement in statements:
            await conn.execute(statement)
    finally:
        await conn.close()


@pytest.fixture
def app_role(database_url: str) -> Iterator[str]:
    """The name of a login role for this test, dropped (with what it was granted) at its end, what it
    owns handed back first (schema number_series holds the owner's function)."""
    role = f"dd_test_migrate_{os.getpid()}"
    yield role
    asyncio.run(
        _on_database(
            database_url,
            f"DO $$ BEGIN IF EXISTS (SELECT FROM pg_roles WHERE rolname = '{role}') THEN "
            f'REASSIGN OWNED BY "{role}" TO CURRENT_USER; DROP OWNED BY "{role}"; DROP ROLE "{role}"; END IF; END $$',
        )
    )


@pytest.fixture
def plain_owner(database_url: str) -> Iterator[str]:
    """The URL of an owner that is no superuser, as in the README (``desk_owner``): it owns this
    test's database, schemas public (as its database's owner) and number_series, and what they hold
    (the function that creates the series' sequences included).
    Dropped at the test's end, what it owns handed back first."""
    role = f"dd_test_owner_{os.getpid()}"
    database = make_url(database_url).database
    asyncio.run(
        _on_database(
            database_url,
            f'CREATE ROLE "{role}" LOGIN CREATEROLE',
            f'ALTER DATABASE "{database}" OWNER TO "{role}"',
            f'ALTER SCHEMA number_series OWNER TO "{role}"',
            "DO $$ DECLARE s text; BEGIN FOR s IN "
            f"SELECT format('ALTER TABLE %s OWNER TO %I', c.oid::regclass, '{role}') FROM pg_class c "
            "WHERE c.relnamespace = 'public'::regnamespace AND c.relkind IN ('r', 'p', 'v', 'm') UNION ALL "
            f"SELECT format('ALTER ROUTINE %s OWNER TO %I', p.oid::regprocedure, '{role}') FROM pg_proc p "
            "WHERE p.pronamespace IN ('public'::regnamespace, 'number_series'::regnamespace) LOOP EXECUTE s; "
            "END LOOP; END $$",
        )
    )
    yield make_url(database_url).set(username=role).render_as_string(False)
    asyncio.run(
        _on_database(
            database_url,
            f'REASSIGN OWNED BY "{role}" TO CURRENT_USER',
            f'DROP OWNED BY "{role}"',
            f'DROP ROLE "{role}"',
        )
    )


@needs_postgres
def test_migrate_warns_on_stderr_when_one_role_owns_the_audit_tables(runner: CliRunner) -> None:
    """Only DATABASE_URL set: the warning says so, not that two settings name one role."""
    result = runner.invoke(cli, ["migrate"])
    warning = one_role_warning("DATABASE_OWNER_URL is unset: it ran the migrations")
    assert (result.exit_code, result.stdout, result.stderr) == (0, "database is up to date\n", warning)


@needs_postgres
def test_migrate_warns_when_both_urls_name_the_same_role(
    runner: CliRunner, database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DATABASE_OWNER_URL", database_url)
    result = runner.invoke(cli, ["migrate"])
    warning = one_role_warning("DATABASE_OWNER_URL names the same role")
    assert (result.exit_code, result.stdout, result.stderr) == (0, "database is up to date\n", warning)


@needs_postgres
def test_migrate_with_two_roles_grants_the_app_role_without_warning(
    runner: CliRunner, database_url: str, app_role: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DATABASE_OWNER_URL", database_url)
    monkeypatch.setenv("DATABASE_URL", make_url(database_url).set(username=app_role).render_as_string(False))
    result = runner.invoke(cli, ["migrate"])
    assert (result.exit_code, result.stdout, result.stderr) == (
        0,
        f"database is up to date\napplication role {app_role}: granted (audit tables: SELECT and INSERT only)\n",
        "",
    )
    # Run again as that role alone (a server whose migrations the owner ran): nothing to warn of.
    monkeypatch.delenv("DATABASE_OWNER_URL")
    again = runner.invoke(cli, ["migrate"])
    assert (again.exit_code, again.stdout, again.stderr) == (0, "database is up to date\n", "")


@needs_postgres
def test_migrate_exits_1_naming_the_power_of_an_app_role_that_could_rewrite_the_audit_log(
    runner: CliRunner, database_url: str, app_role: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    asyncio.run(_on_database(database_url, f'CREATE ROLE "{app_role}" LOGIN CREATEROLE'))
    monkeypatch.setenv("DATABASE_OWNER_URL", database_url)
    monkeypatch.setenv("DATABASE_URL", make_url(database_url).set(username=app_role).render_as_string(False))
    result = runner.invoke(cli, ["migrate"])
    assert (result.exit_code, result.stderr) == (
        1,
        f"error: the application's role {app_role} could rewrite the audit log whatever it is granted, so migrate "
        f"grants it nothing: it has CREATEROLE, so it could grant itself membership of the owner role "
        f"(remove: ALTER ROLE {app_role} NOCREATEROLE)\n",
    )


def test_migrate_on_sqlite_does_not_warn(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """SQLite has no roles: nothing to warn of (the README says what protects its audit log). On an
    empty database it says how many migrations it applied (it said "up to date"), then, run again,
    that the database is up to date."""
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    monkeypatch.setenv("DATABASE_URL", f"sqlite+aiosqlite:///{tmp_path / 'desk.sqlite3'}")
    monkeypatch.delenv("DATABASE_OWNER_URL", raising=False)
    monkeypatch.setenv("DATA_DIR", str(tmp_path / "var"))
    monkeypatch.setenv("ENVIRONMENT", "test")
    script = ScriptDirectory.from_config(Config(str(Path(__file__).resolve().parents[2] / "alembic.ini")))
    head = script.get_current_head()
    migrations = len(list(script.walk_revisions()))
    result = CliRunner().invoke(cli, ["migrate"])
    assert (result.exit_code, result.stdout, result.stderr) == (
        0,
        f"database migrated: {migrations} migrations applied, now at revision {head}\n",
        "",
    )
    again = CliRunner().invoke(cli, ["migrate"])
    assert (again.exit_code, again.stdout, again.stderr) == (0, "database is up to date\n", "")


@needs_postgres
def test_migrate_with_an_owner_that_is_no_superuser_grants_the_app_role(
    runner: CliRunner, app_role: str, plain_owner: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DATABASE_OWNER_URL", plain_owner)
    monkeypatch.setenv("DATABASE_URL", make_url(plain_owner).set(username=app_role).render_as_string(False))
    result = runner.invoke(cli, ["migrate"])
    assert (result.exit_code, result.stdout, result.stderr) == (
        0,
        f"database is up to date\napplication role {app_role}: granted (audit tables: SELECT and INSERT only)\n",
        "",
    )


@needs_postgres
def test_migrate_exits_1_naming_an_audit_table_the_app_role_owns_when_the_owner_is_no_superuser(
    runner: CliRunner, database_url: str, app_role: str, plain_owner: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The owner may not GRANT or REVOKE on what the application's role owns: refused before any grant,
    not a traceback from the first GRANT."""
    asyncio.run(
        _on_database(
            database_url,
            f'CREATE ROLE "{app_role}" LOGIN',
            f'ALTER TABLE audit_witnessed_checkpoints OWNER TO "{app_role}"',
        )
    )
    monkeypatch.setenv("DATABASE_OWNER_URL", plain_owner)
    monkeypatch.setenv("DATABASE_URL", make_url(plain_owner).set(username=app_role).render_as_string(False))
    owner = make_url(plain_owner).username
    result = runner.invoke(cli, ["migrate"])
    assert (result.exit_code, result.stderr) == (
        1,
        f"error: the application's role {app_role} could rewrite the audit log whatever it is granted, so migrate "
        f"grants it nothing: it owns, in the audit tables' schema public, table public.audit_witnessed_checkpoints, "
        f"so it could alter or drop them, and with DROP … CASCADE the audit tables' triggers, defaults or the "
        f"tables themselves (remove: ALTER TABLE public.audit_witnessed_checkpoints OWNER TO {owner})\n",
    )


@needs_postgres
def test_migrate_exits_1_when_the_app_role_owns_schema_number_series(
    runner: CliRunner, database_url: str, app_role: str, plain_owner: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    asyncio.run(
        _on_database(
            database_url, f'CREATE ROLE "{app_role}" LOGIN', f'ALTER SCHEMA number_series OWNER TO "{app_role}"'
        )
    )
    monkeypatch.setenv("DATABASE_OWNER_URL", plain_owner)
    monkeypatch.setenv("DATABASE_URL", make_url(plain_owner).set(username=app_role).render_as_string(False))
    owner = make_url(plain_owner).username
    result = runner.invoke(cli, ["migrate"])
    assert (result.exit_code, result.stderr) == (
        1,
        f"error: the application's role {app_role} owns schema number_series, which the owner role must own "
        f"(migrate grants on it, the migrations create and drop it), so migrate grants it nothing "
        f"(remove: ALTER SCHEMA number_series OWNER TO {owner})\n",
    )


@needs_postgres
def test_migrate_exits_1_naming_the_grant_refused_when_another_role_owns_an_audit_table(
    runner: CliRunner, database_url: str, app_role: str, plain_owner: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A table the owner does not own (nor may grant on): the refused statement is named, nothing granted."""
    asyncio.run(
        _on_database(
            database_url, f'CREATE ROLE "{app_role}" LOGIN', "ALTER TABLE audit_payloads OWNER TO CURRENT_USER"
        )
    )
    monkeypatch.setenv("DATABASE_OWNER_URL", plain_owner)
    monkeypatch.setenv("DATABASE_URL", make_url(plain_owner).set(username=app_role).render_as_string(False))
    owner = make_url(plain_owner).username
    result = runner.invoke(cli, ["migrate"])
    assert (result.exit_code, result.stderr) == (
        1,
        f"error: migrate could not grant the application's role {app_role} what it needs, so it grants it "
        f"nothing: GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {app_role} was refused "
        f"(permission denied for table audit_payloads); the owner role {owner} must own the database, its "
        f"schemas public and number_series and what they hold (remove: ALTER … OWNER TO {owner}, for the "
        f"object named)\n",
    )


@needs_postgres
def test_migrate_refuses_a_superuser_application_role_before_migrating(
    runner: CliRunner, database_url: str, plain_owner: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """DATABASE_URL connecting as the cluster's superuser: refused before any migration (nothing
    said migrated), telling to connect the application as another role, not to demote that one."""
    monkeypatch.setenv("DATABASE_OWNER_URL", plain_owner)
    monkeypatch.setenv("DATABASE_URL", database_url)
    role = make_url(database_url).username
    result = runner.invoke(cli, ["migrate"])
    assert (result.exit_code, result.stdout, result.stderr) == (
        1,
        "",
        f"error: DATABASE_URL connects the application as {role}, a superuser, which no grant restrains: it could "
        f"rewrite the audit log, so migrate applied no migration and granted nothing (fix: set DATABASE_URL to "
        f"another login role, one that is no superuser; migrate creates it if missing and grants it only what "
        f"the application needs)\n",
    )
    assert "NOSUPERUSER" not in result.stderr


@needs_postgres
def test_migrate_as_the_application_role_alone_says_to_run_it_as_the_owner(
    runner: CliRunner, database_url: str, app_role: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A database behind this version's migrations, migrate run with DATABASE_URL only (the
    application's role, which may create nothing): it said the database could not be reached."""
    monkeypatch.setenv("DATABASE_OWNER_URL", database_url)
    monkeypatch.setenv("DATABASE_URL", make_url(database_url).set(username=app_role).render_as_string(False))
    assert runner.invoke(cli, ["migrate"]).exit_code == 0  # the role made and granted
    asyncio.run(
        _on_database(database_url, "DROP TABLE import_leases", "UPDATE alembic_version SET version_num = '3901'")
    )
    monkeypatch.delenv("DATABASE_OWNER_URL")
    result = runner.invoke(cli, ["migrate"])
    assert (result.exit_code, result.stderr) == (
        1,
        f"error: the role {app_role} may not change the database's schema (permission denied for schema public): "
        'run migrate as the owner role, with DATABASE_OWNER_URL set to it (README, "Running on PostgreSQL")\n',
    )
