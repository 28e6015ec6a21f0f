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

AUDIT_TABLES = ("audit_events", "audit_links", "audit_checkpoints")


def _dsn(url: str) -> str:
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


async def grant_app_role(owner_url: str, app_url: str) -> str | None:
    """Create (if missing, with ``app_url``'s password) and grant the application's role.

    Returns the role's name, or None when there is nothing to do (SQLite, or both URLs name the
    same role). Re-run after every migration: grants cover the tables that exist. Raises
    ``ValueError`` when the application's role is a superuser or owns the audit tables (it could
    then rewrite them whatever is granted), ``asyncpg.PostgresError`` when the owner may not
    create roles or grant.
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
        if await conn.fetchval("SELECT rolsuper FROM pg_roles WHERE rolname = $1", role):
            raise ValueError(f"the application's role {role} is a superuser: it could rewrite the audit log")
        owned = await conn.fetch(
            "SELECT tablename FROM pg_tables WHERE schemaname = 'public' AND tableowner = $1 "
            "AND tablename = ANY($2::text[])",
            role,
            list(AUDIT_TABLES),
        )
        if owned:
            raise ValueError(f"the application's role {role} owns {', '.join(r[0] for r in owned)}")
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
    finally:
        await conn.close()
    return role
