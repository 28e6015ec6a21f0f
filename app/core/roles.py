"""PostgreSQL roles: the owner runs the migrations, the application gets only what it needs.

``diaspora-desk migrate`` connects with ``DATABASE_OWNER_URL`` (the owner of every table) and then
calls :func:`grant_app_role` for the role of ``DATABASE_URL``: it may read and write the domain
tables, but the audit log's tables (events, links, checkpoints) only SELECT and INSERT, and the
erasable ``audit_payloads`` only SELECT, INSERT and DELETE. As it owns nothing, it cannot ALTER
them, disable their triggers, UPDATE, DELETE or TRUNCATE them
(https://www.postgresql.org/docs/current/ddl-priv.html).
"""

from __future__ import annotations

import asyncpg  # type: ignore[import-untyped]
from sqlalchemy.engine import make_url

AUDIT_TABLES = ("audit_events", "audit_links", "audit_checkpoints", "audit_witnessed_checkpoints")


def _dsn(url: str) -> str:
    # ``pgbouncer=true`` is the app's own option (``app.core.db.create_engine``), not the server's.
    parsed = make_url(url).set(drivername="postgresql").difference_update_query(["pgbouncer"])
    return parsed.render_as_string(hide_password=False)


class AppRoleRefused(ValueError):
    """The application's role could rewrite the audit log whatever it is granted; the message
    names each power and the statement that removes it."""


async def grant_app_role(owner_url: str, app_url: str) -> str | None:
    """Create (if missing, with ``app_url``'s password) and grant the application's role.

    Returns the role's name, or None when there is nothing to do (SQLite, or both URLs name the
    same role). Re-run after every migration: grants cover the tables that exist. Raises
    :class:`AppRoleRefused` (a ``ValueError``; nothing granted) when the application's role holds a power that lets it
    rewrite the audit tables whatever is granted, naming each power and the statement that removes
    it (:func:`rewriting_powers`); ``asyncpg.PostgresError`` when the owner may not create roles or
    grant.
    """
    owner, app = make_url(owner_url), make_url(app_url)
    if not owner.drivername.startswith("postgresql") or not app.username or app.username == owner.username:
        return None
    role, database = app.username, app.database or owner.database or "postgres"
    conn = await asyncpg.connect(_dsn(owner_url))
    try:
        if not await conn.fetchval("SELECT 1 FROM pg_roles WHERE rolname = $1", role):
            create = await conn.fetchval(
                "SELECT format('CREATE ROLE %I LOGIN' || CASE WHEN $2::text IS NULL THEN '' "
                "ELSE format(' PASSWORD %L', $2::text) END, $1::text)",
                role,
                app.password,
            )
            await conn.execute(create)
        r = await conn.fetchval("SELECT quote_ident($1)", role)
        db = await conn.fetchval("SELECT quote_ident($1)", database)
        audit = ", ".join(AUDIT_TABLES)
        async with conn.transaction():
            for statement in (
                f"GRANT CONNECT ON DATABASE {db} TO {r}",
                f"REVOKE CREATE ON SCHEMA public FROM {r}",
                f"GRANT USAGE ON SCHEMA public TO {r}",
                # Human-number series draw from sequences created on a series' first number.
                f"GRANT USAGE, CREATE ON SCHEMA number_series TO {r}",
                f"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {r}",
                f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO {r}",
                f"REVOKE UPDATE, DELETE, TRUNCATE, REFERENCES, TRIGGER ON {audit} FROM {r}",
                # Erasure deletes payloads; nothing rewrites one (docs/audit.md: SELECT, INSERT, DELETE).
                f"REVOKE UPDATE, TRUNCATE, REFERENCES, TRIGGER ON audit_payloads FROM {r}",
                f"REVOKE INSERT, UPDATE, DELETE, TRUNCATE ON alembic_version FROM {r}",
            ):
                await conn.execute(statement)
            # Checked after the grants, in their transaction: a refusal grants nothing, and what
            # the role still holds through PUBLIC or another role is seen as it will be.
            powers = await rewriting_powers(conn, role)
            if powers:
                raise AppRoleRefused(
                    f"the application's role {role} could rewrite the audit log whatever it is granted, "
                    f"so migrate grants it nothing: {'; '.join(powers)}"
                )
    finally:
        await conn.close()
    return role


_FILE_ROLES = ("pg_execute_server_program", "pg_write_server_files")
"""Predefined roles that run programs or write files as the server's operating-system user: they
can rewrite the data files, or connect as a superuser."""

_REWRITE_PRIVILEGES = ("UPDATE", "DELETE", "TRUNCATE", "TRIGGER")


async def rewriting_powers(conn: asyncpg.Connection, role: str) -> list[str]:
    """What lets ``role`` rewrite the audit tables despite its grants, each naming the power and
    the statement that removes it; ``[]`` when it holds none. ``conn``: the owner's connection.

    Checks, in PostgreSQL's terms (https://www.postgresql.org/docs/current/role-membership.html):
    SUPERUSER; CREATEROLE (it could grant itself membership of the owner, up to PostgreSQL 15, or
    make roles that can); membership, direct or inherited (``pg_has_role(…, 'MEMBER')``), of the
    role connected as (the owner, who runs the migrations) or of an audit table's owner: it could
    ``SET ROLE`` to it, or uses its rights; ownership of the audit tables' schema (PostgreSQL 15
    gives ``public`` to the database's owner), whose owner may DROP them and create forged ones;
    membership of a predefined role that runs programs or writes files as the server; UPDATE,
    DELETE, TRUNCATE or TRIGGER on an audit table still held through PUBLIC or another role
    (``pg_write_all_data``).
    """
    attributes = await conn.fetchrow(
        "SELECT rolsuper, rolcreaterole, quote_ident(rolname) AS r FROM pg_roles WHERE rolname = $1", role
    )
    r = attributes["r"]
    if attributes["rolsuper"]:
        return [f"it is a superuser (remove: ALTER ROLE {r} NOSUPERUSER)"]
    powers = []
    if attributes["rolcreaterole"]:
        powers.append(
            f"it has CREATEROLE, so it could grant itself membership of the owner role "
            f"(remove: ALTER ROLE {r} NOCREATEROLE)"
        )
    owners = await conn.fetch(
        "SELECT DISTINCT o.rolname, quote_ident(o.rolname) AS quoted FROM pg_roles o WHERE o.rolname = current_user "
        "OR o.oid IN (SELECT c.relowner FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
        "WHERE n.nspname = 'public' AND c.relname = ANY($1::text[])) ORDER BY 1",
        list(AUDIT_TABLES),
    )
    for owner, quoted in owners:
        if owner == role:
            owned = await conn.fetch(
                "SELECT tablename FROM pg_tables WHERE schemaname = 'public' AND tableowner = $1 "
                "AND tablename = ANY($2::text[]) ORDER BY 1",
                role,
                list(AUDIT_TABLES),
            )
            tables = ", ".join(row[0] for row in owned)
            powers.append(f"it owns {tables} (remove: ALTER TABLE … OWNER TO the owner role, for each)")
            continue
        if not await conn.fetchval("SELECT pg_has_role($1, $2, 'MEMBER')", role, owner):
            continue
        # The grants to revoke: the roles it belongs to directly that are, or belong to, the owner.
        through = await conn.fetch(
            "SELECT quote_ident(g.rolname) FROM pg_auth_members m JOIN pg_roles g ON g.oid = m.roleid "
            "WHERE m.member = (SELECT oid FROM pg_roles WHERE rolname = $1) AND pg_has_role(g.oid, $2, 'MEMBER') "
            "ORDER BY 1",
            role,
            owner,
        )
        revokes = ", ".join(f"REVOKE {row[0]} FROM {r}" for row in through)
        via = "" if [row[0] for row in through] == [quoted] else f" (through {', '.join(row[0] for row in through)})"
        powers.append(
            f"it is a member of {quoted}{via}, which owns the audit tables or runs the migrations: it could "
            f"SET ROLE {quoted} and alter, disable the triggers of, update or drop them (remove: {revokes})"
        )
    if any(power.startswith(("it owns ", "it is a member of ")) for power in powers):
        return powers  # it has an owner's powers: the rest follows from them
    schema_owner = await conn.fetchval(
        "SELECT n.nspowner::regrole::text FROM pg_namespace n WHERE n.nspname = 'public' "
        "AND pg_has_role($1, n.nspowner, 'MEMBER')",
        role,
    )
    if schema_owner == "pg_database_owner":
        powers.append(
            "it owns the database, hence its schema public (PostgreSQL 15), so it could DROP the audit tables "
            "and create forged ones (remove: ALTER DATABASE … OWNER TO the owner role)"
        )
    elif schema_owner is not None:
        powers.append(
            f"it owns schema public (as {schema_owner}), so it could DROP the audit tables and create forged "
            f"ones (remove: ALTER SCHEMA public OWNER TO the owner role)"
        )
    for file_role in _FILE_ROLES:
        if await conn.fetchval("SELECT pg_has_role($1, $2, 'MEMBER')", role, file_role):
            powers.append(
                f"it is a member of {file_role}, which acts as the server's operating-system user "
                f"(remove: REVOKE {file_role} FROM {r}, or from the role it inherits it through)"
            )
    held = await conn.fetch(
        "SELECT t, p FROM unnest($2::text[]) t, unnest($3::text[]) p "
        "WHERE has_table_privilege($1, 'public.' || quote_ident(t), p) ORDER BY t, p",
        role,
        list(AUDIT_TABLES),
        list(_REWRITE_PRIVILEGES),
    )
    if held:
        granted = ", ".join(f"{p} on {t}" for t, p in held)
        powers.append(
            f"it still holds {granted} through PUBLIC or a role it belongs to, pg_write_all_data included "
            f"(remove: REVOKE those privileges from PUBLIC or from that role)"
        )
    return powers


async def one_role_warning(app_url: str) -> str | None:
    """The warning ``migrate`` prints when, on PostgreSQL, ``app_url``'s role (``DATABASE_URL``)
    owns the audit log's tables or belongs to their owner: ``DATABASE_OWNER_URL`` is unset or names
    the same role, so the application itself could rewrite the log. None on SQLite, or when the
    role is not the owner (a server whose migrations another role ran). Raises
    ``asyncpg.PostgresError``/``OSError`` when the database cannot be reached.
    """
    if not make_url(app_url).drivername.startswith("postgresql"):
        return None
    # No statement cache: the URL may lead to PgBouncer (transaction pooling).
    conn = await asyncpg.connect(_dsn(app_url), statement_cache_size=0)
    try:
        row = await conn.fetchrow(
            "SELECT current_user AS role, pg_has_role(current_user, c.relowner, 'MEMBER') AS owner "
            "FROM pg_class c WHERE c.oid = to_regclass('public.audit_events')"
        )
    finally:
        await conn.close()
    if row is None or not row["owner"]:
        return None
    return (
        f"warning: DATABASE_URL's role {row['role']} owns the audit log's tables (one role for both "
        "DATABASE_OWNER_URL and DATABASE_URL): the application can ALTER them, disable their append-only "
        "triggers, UPDATE, DELETE and TRUNCATE audit events, and only the signed checkpoints would show it "
        "(no least privilege). Fix: set DATABASE_OWNER_URL to this owner role and DATABASE_URL to another "
        "login role, then run migrate again: it creates that role if missing and grants it only what the "
        'application needs (README, "Running on PostgreSQL").'
    )
