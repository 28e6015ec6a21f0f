"""PostgreSQL roles: the owner runs the migrations, the application gets only what it needs.

``diaspora-desk migrate`` connects with ``DATABASE_OWNER_URL`` (the owner of every table) and then
calls :func:`grant_app_role` for the role of ``DATABASE_URL``: it may read and write the domain
tables, but the audit log's tables (events, links, checkpoints) only SELECT and INSERT, and the
erasable ``audit_payloads`` only SELECT, INSERT and DELETE. As it owns nothing, it cannot ALTER
them, disable their triggers, UPDATE, DELETE or TRUNCATE them
(https://www.postgresql.org/docs/current/ddl-priv.html). It may create nothing, in any schema: a
view of its own found first along a ``search_path`` it gives itself could hide or forge events.
The sequences of new human-number series are created for it by the owner's ``SECURITY DEFINER``
function ``number_series.create_series_sequence`` (revision 3801, ``app.core.numbering``).
"""

from __future__ import annotations

from typing import Any

import asyncpg  # type: ignore[import-untyped]
from sqlalchemy.engine import make_url

AUDIT_TABLES = ("audit_events", "audit_links", "audit_checkpoints", "audit_witnessed_checkpoints")
SEQUENCE_FUNCTION = "number_series.create_series_sequence(text, bigint)"
"""The owner's function that creates a human-number series' sequence (revision 3801)."""


def _dsn(url: str) -> str:
    # ``pgbouncer=true`` is the app's own option (``app.core.db.create_engine``), not the server's.
    parsed = make_url(url).set(drivername="postgresql").difference_update_query(["pgbouncer"])
    return parsed.render_as_string(hide_password=False)


class AppRoleRefused(ValueError):
    """The application's role could rewrite the audit log whatever it is granted, owns schema
    ``number_series``, or the owner may not grant it what it needs (another role owns an object the
    grants name); the message names each cause and the statement that removes it."""


class SuperuserAppRole(AppRoleRefused):
    """``DATABASE_URL`` connects as a superuser (the cluster's own ``postgres``, often): refused by
    :func:`refuse_superuser_app_role` before any migration is applied."""


async def refuse_superuser_app_role(owner_url: str, app_url: str) -> None:
    """Raise :class:`SuperuserAppRole` when ``app_url``'s role exists, differs from ``owner_url``'s
    and is a superuser: no grant restrains it, and the fix is another login role for the application,
    not taking SUPERUSER from this one (often the role the cluster is administered with). Nothing to
    do on SQLite, with one role, or when the role does not exist yet (``migrate`` creates it).
    ``asyncpg.PostgresError``/``OSError`` when the owner cannot connect."""
    owner, app = make_url(owner_url), make_url(app_url)
    if not owner.drivername.startswith("postgresql") or not app.username or app.username == owner.username:
        return
    conn = await asyncpg.connect(_dsn(owner_url))
    try:
        superuser = await conn.fetchval("SELECT rolsuper FROM pg_roles WHERE rolname = $1", app.username)
    finally:
        await conn.close()
    if superuser:
        raise SuperuserAppRole(
            f"DATABASE_URL connects the application as {app.username}, a superuser, which no grant restrains: "
            f"it could rewrite the audit log, so migrate applied no migration and granted nothing (fix: set "
            f"DATABASE_URL to another login role, one that is no superuser; migrate creates it if missing and "
            f"grants it only what the application needs)"
        )


async def grant_app_role(owner_url: str, app_url: str) -> str | None:
    """Create (if missing, with ``app_url``'s password) and grant the application's role.

    Returns the role's name, or None when there is nothing to do (SQLite, or both URLs name the
    same role). Re-run after every migration: grants cover the tables that exist. Raises
    :class:`AppRoleRefused` (a ``ValueError``; nothing granted) when the application's role holds a
    power that lets it rewrite the audit tables whatever is granted, naming each power and the
    statement that removes it (:func:`rewriting_powers`; what it owns, or may use as a member of an
    owner, is checked before any grant, the rest after; CREATE on any schema or on the database
    included), when it owns schema ``number_series``
    (which the owner grants on and the migrations manage), or when a GRANT or REVOKE is refused
    (``InsufficientPrivilegeError``: another role owns what it names); ``asyncpg.PostgresError``
    when the owner may not create roles.
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
        owner_role = await conn.fetchval("SELECT quote_ident(current_user)")
        audit = ", ".join(AUDIT_TABLES)
        # Series' sequences the owner created (one role before, or its function): the application
        # draws from them. Those the application's role created before revision 3801 stay its own.
        sequences = await conn.fetchval(
            "SELECT string_agg(format('number_series.%I', c.relname), ', ' ORDER BY c.relname) FROM pg_class c "
            "WHERE c.relnamespace = 'number_series'::regnamespace AND c.relkind = 'S' AND c.relowner = "
            "(SELECT oid FROM pg_roles WHERE rolname = current_user)"
        )
        async with conn.transaction():
            # What the role owns, or may use as a member of an owner, is refused before any grant: no
            # grant changes it, and an owner that is no superuser may not GRANT or REVOKE on it.
            powers, owns = await _owners_powers(conn, role)
            if not owns:
                if await conn.fetchval(
                    "SELECT n.nspowner = r.oid FROM pg_namespace n, pg_roles r "
                    "WHERE n.nspname = 'number_series' AND r.rolname = $1",
                    role,
                ):
                    raise AppRoleRefused(
                        f"the application's role {role} owns schema number_series, which the owner role must own "
                        f"(migrate grants on it, the migrations create and drop it), so migrate grants it nothing "
                        f"(remove: ALTER SCHEMA number_series OWNER TO {owner_role})"
                    )
                for statement in (
                    f"GRANT CONNECT ON DATABASE {db} TO {r}",
                    # Temporary relations come first on a search_path that does not name pg_temp, as
                    # behind PgBouncer (not pinned there): the application creates none.
                    f"REVOKE TEMPORARY ON DATABASE {db} FROM PUBLIC",
                    f"REVOKE TEMPORARY ON DATABASE {db} FROM {r}",
                    f"REVOKE CREATE ON SCHEMA public FROM {r}",
                    f"GRANT USAGE ON SCHEMA public TO {r}",
                    # Human-number series draw from sequences created on a series' first number, by
                    # the owner's function: the role creates nothing (CREATE granted before 3801).
                    f"REVOKE CREATE ON SCHEMA number_series FROM {r}",
                    f"GRANT USAGE ON SCHEMA number_series TO {r}",
                    f"GRANT EXECUTE ON FUNCTION {SEQUENCE_FUNCTION} TO {r}",
                    *([f"GRANT USAGE, SELECT, UPDATE ON SEQUENCE {sequences} TO {r}"] if sequences else []),
                    f"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {r}",
                    f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO {r}",
                    f"REVOKE UPDATE, DELETE, TRUNCATE, REFERENCES, TRIGGER ON {audit} FROM {r}",
                    # Erasure deletes payloads; nothing rewrites one (docs/audit.md: SELECT, INSERT, DELETE).
                    f"REVOKE UPDATE, TRUNCATE, REFERENCES, TRIGGER ON audit_payloads FROM {r}",
                    f"REVOKE INSERT, UPDATE, DELETE, TRUNCATE ON alembic_version FROM {r}",
                ):
                    try:
                        await conn.execute(statement)
                    except asyncpg.InsufficientPrivilegeError as exc:
                        # Another role owns something the grants name (the transaction is rolled back).
                        raise AppRoleRefused(
                            f"migrate could not grant the application's role {role} what it needs, so it grants it "
                            f"nothing: {statement} was refused ({exc}); the owner role {owner_role} must own the "
                            f"database, its schemas public and number_series and what they hold "
                            f"(remove: ALTER … OWNER TO {owner_role}, for the object named)"
                        ) from exc
                # Checked after the grants, in their transaction: a refusal grants nothing, and what
                # the role still holds through PUBLIC or another role is seen as it will be.
                powers += await _granted_powers(conn, role) + await _settable_powers(conn, role)
            if powers:
                raise AppRoleRefused(
                    f"the application's role {role} could rewrite the audit log whatever it is granted, "
                    f"so migrate grants it nothing: {'; '.join(powers)}"
                )
    finally:
        await conn.close()
    return role


_FILE_ROLES = {
    "pg_execute_server_program": "which acts as the server's operating-system user",
    "pg_write_server_files": "which acts as the server's operating-system user",
    "pg_read_server_files": (
        "which reads any file the server's operating-system user may, the checkpoints' signing key included "
        "when it is on the same host"
    ),
}
"""Predefined roles that run programs, or write or read files, as the server's operating-system
user: they can rewrite the data files, connect as a superuser, or read the key that signs checkpoints."""

_REWRITE_PRIVILEGES = ("UPDATE", "DELETE", "TRUNCATE", "TRIGGER")
_PAYLOAD_REWRITE_PRIVILEGES = ("UPDATE", "TRUNCATE", "TRIGGER")
"""``audit_payloads`` is erasable (DELETE), never rewritten."""

_OWNED_IN_PUBLIC = """
WITH ns AS (SELECT oid, nspname FROM pg_namespace WHERE nspname = 'public'),
     me AS (SELECT oid FROM pg_roles WHERE rolname = $1)
SELECT kind, name FROM (
    SELECT CASE c.relkind WHEN 'v' THEN 'VIEW' WHEN 'm' THEN 'MATERIALIZED VIEW' WHEN 'S' THEN 'SEQUENCE'
           WHEN 'f' THEN 'FOREIGN TABLE' ELSE 'TABLE' END, format('%I.%I', ns.nspname, c.relname)
    FROM pg_class c, ns, me WHERE c.relnamespace = ns.oid AND c.relowner = me.oid
    AND c.relkind IN ('r', 'p', 'v', 'm', 'S', 'f')
    -- a serial's or identity's sequence changes owner with its table
    AND NOT EXISTS (SELECT FROM pg_depend d JOIN pg_class t ON t.oid = d.refobjid
        WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid AND d.refclassid = 'pg_class'::regclass
        AND d.deptype IN ('a', 'i') AND t.relowner = c.relowner)
    UNION ALL
    SELECT CASE p.prokind WHEN 'p' THEN 'PROCEDURE' WHEN 'a' THEN 'AGGREGATE' ELSE 'FUNCTION' END,
           format('%I.%I(%s)', ns.nspname, p.proname, pg_get_function_identity_arguments(p.oid))
    FROM pg_proc p, ns, me WHERE p.pronamespace = ns.oid AND p.proowner = me.oid
    UNION ALL
    -- not a table's row type, an array type or a range's multirange: those follow their own
    SELECT CASE t.typtype WHEN 'd' THEN 'DOMAIN' ELSE 'TYPE' END, format('%I.%I', ns.nspname, t.typname)
    FROM pg_type t, ns, me WHERE t.typnamespace = ns.oid AND t.typowner = me.oid AND t.typtype <> 'm'
    AND (t.typrelid = 0 OR (SELECT c.relkind FROM pg_class c WHERE c.oid = t.typrelid) = 'c')
    AND NOT EXISTS (SELECT FROM pg_type e WHERE e.typarray = t.oid)
    UNION ALL
    SELECT 'OPERATOR', format('%I.%s (%s, %s)', ns.nspname, o.oprname,
           CASE WHEN o.oprleft = 0 THEN 'NONE' ELSE format_type(o.oprleft, NULL) END,
           CASE WHEN o.oprright = 0 THEN 'NONE' ELSE format_type(o.oprright, NULL) END)
    FROM pg_operator o, ns, me WHERE o.oprnamespace = ns.oid AND o.oprowner = me.oid
    UNION ALL
    SELECT 'OPERATOR CLASS', format('%I.%I USING %I', ns.nspname, c.opcname, a.amname)
    FROM pg_opclass c JOIN pg_am a ON a.oid = c.opcmethod, ns, me WHERE c.opcnamespace = ns.oid AND c.opcowner = me.oid
    UNION ALL
    SELECT 'OPERATOR FAMILY', format('%I.%I USING %I', ns.nspname, f.opfname, a.amname)
    FROM pg_opfamily f JOIN pg_am a ON a.oid = f.opfmethod, ns, me WHERE f.opfnamespace = ns.oid AND f.opfowner = me.oid
    UNION ALL
    SELECT 'COLLATION', format('%I.%I', ns.nspname, c.collname)
    FROM pg_collation c, ns, me WHERE c.collnamespace = ns.oid AND c.collowner = me.oid
    UNION ALL
    SELECT 'CONVERSION', format('%I.%I', ns.nspname, c.conname)
    FROM pg_conversion c, ns, me WHERE c.connamespace = ns.oid AND c.conowner = me.oid
    UNION ALL
    SELECT 'STATISTICS', format('%I.%I', ns.nspname, s.stxname)
    FROM pg_statistic_ext s, ns, me WHERE s.stxnamespace = ns.oid AND s.stxowner = me.oid
    UNION ALL
    SELECT 'TEXT SEARCH CONFIGURATION', format('%I.%I', ns.nspname, c.cfgname)
    FROM pg_ts_config c, ns, me WHERE c.cfgnamespace = ns.oid AND c.cfgowner = me.oid
    UNION ALL
    SELECT 'TEXT SEARCH DICTIONARY', format('%I.%I', ns.nspname, d.dictname)
    FROM pg_ts_dict d, ns, me WHERE d.dictnamespace = ns.oid AND d.dictowner = me.oid
) owned (kind, name) ORDER BY kind, name
"""
"""What ``$1`` owns in schema public, as ``(kind, name)`` for ``ALTER <kind> <name> OWNER TO``."""


async def rewriting_powers(conn: asyncpg.Connection, role: str) -> list[str]:
    """What lets ``role`` rewrite the audit tables despite its grants, each naming the power and
    the statement that removes it; ``[]`` when it holds none. ``conn``: the owner's connection.

    Checks, in PostgreSQL's terms (https://www.postgresql.org/docs/current/role-membership.html):
    SUPERUSER; CREATEROLE (it could grant itself membership of the owner, up to PostgreSQL 15, or
    make roles that can); ownership of anything in the audit tables' schema ``public`` (table, view,
    sequence, function, procedure, trigger function, type, operator…: it could alter or drop it, and
    ``DROP … CASCADE`` takes the triggers, defaults or tables depending on it; the sequences it
    created in schema ``number_series`` before revision 3801 are left to it); membership, direct or
    inherited (``pg_has_role(…, 'MEMBER')``), of the role connected as (the owner, who runs the
    migrations) or of an audit table's owner: it could ``SET ROLE`` to it, or uses its rights;
    ownership of the audit tables' schema (PostgreSQL 15 gives ``public`` to the database's owner),
    whose owner may DROP them and create forged ones; membership of a predefined role that runs
    programs, or writes or reads files, as the server; default privileges of the owner giving it or
    PUBLIC UPDATE, DELETE, TRUNCATE or TRIGGER on the tables the migrations will create; CREATE on
    schema ``public`` through PUBLIC or another role (objects the migrations or the sequencer would
    find by name); CREATE on any other schema (``number_series`` included: a view
    ``number_series.audit_events`` whose ``INSTEAD OF`` trigger drops events, found first along a
    ``search_path`` it gives itself), through PUBLIC, another role or ownership, or on the database
    (it could create a schema of its own); UPDATE (of the table or of a column), DELETE, TRUNCATE or
    TRIGGER on an audit table, or UPDATE, TRUNCATE or TRIGGER on ``audit_payloads``, still held
    through PUBLIC or another role (``pg_write_all_data``).
    """
    powers, owns = await _owners_powers(conn, role)
    return powers if owns else powers + await _granted_powers(conn, role) + await _settable_powers(conn, role)


async def _settable_powers(conn: asyncpg.Connection, role: str) -> list[str]:
    """The roles ``role`` belongs to without inheriting their privileges (``NOINHERIT``), yet may
    ``SET ROLE`` to (``pg_has_role(…, 'MEMBER')`` but not ``'USAGE'``), each that could rewrite the
    audit log (:func:`rewriting_powers` of that role), with the memberships to revoke. Membership of
    an owner is named by :func:`_owners_powers`, inherited or not."""
    r = await conn.fetchval("SELECT quote_ident($1)", role)
    others = await conn.fetch(
        "SELECT g.rolname, quote_ident(g.rolname) FROM pg_roles g WHERE g.rolname <> $1 "
        "AND pg_has_role($1, g.oid, 'MEMBER') AND NOT pg_has_role($1, g.oid, 'USAGE') ORDER BY 1",
        role,
    )
    powers = []
    for name, quoted in others:
        theirs = await rewriting_powers(conn, name)
        if not theirs:
            continue
        revokes = ", ".join(f"REVOKE {through} FROM {r}" for through in await _belonging_through(conn, role, name))
        powers.append(
            f"it may SET ROLE {quoted} (a member without inheriting its privileges), which could rewrite the audit "
            f"log: {'; '.join(theirs)} (remove: {revokes})"
        )
    return powers


async def _belonging_through(conn: asyncpg.Connection, role: str, other: str) -> list[str]:
    """The roles ``role`` belongs to directly that are, or belong to, ``other`` (quoted, sorted):
    the memberships to revoke so that it no longer belongs to ``other``."""
    rows = await conn.fetch(
        "SELECT quote_ident(g.rolname) FROM pg_auth_members m JOIN pg_roles g ON g.oid = m.roleid "
        "WHERE m.member = (SELECT oid FROM pg_roles WHERE rolname = $1) AND pg_has_role(g.oid, $2, 'MEMBER') "
        "ORDER BY 1",
        role,
        other,
    )
    return [row[0] for row in rows]


async def _owners_powers(conn: asyncpg.Connection, role: str) -> tuple[list[str], bool]:
    """SUPERUSER, CREATEROLE, what ``role`` owns in schema public and its membership of an owner;
    and whether it holds an owner's powers (then the rest follows from them)."""
    attributes = await conn.fetchrow(
        "SELECT rolsuper, rolcreaterole, quote_ident(rolname) AS r FROM pg_roles WHERE rolname = $1", role
    )
    r = attributes["r"]
    if attributes["rolsuper"]:
        # Not "ALTER ROLE … NOSUPERUSER": the role is often the cluster's own (postgres).
        return [
            "it is a superuser, which no grant restrains (remove: connect the application as another login role, "
            "one that is no superuser: set DATABASE_URL to it, migrate creates it if missing)"
        ], True
    powers = []
    if attributes["rolcreaterole"]:
        powers.append(
            f"it has CREATEROLE, so it could grant itself membership of the owner role "
            f"(remove: ALTER ROLE {r} NOCREATEROLE)"
        )
    owner_role = await conn.fetchval("SELECT quote_ident(current_user)")
    owned = await conn.fetch(_OWNED_IN_PUBLIC, role)
    if owned:
        things = ", ".join(f"{kind.lower()} {name}" for kind, name in owned)
        alters = "; ".join(f"ALTER {kind} {name} OWNER TO {owner_role}" for kind, name in owned)
        powers.append(
            f"it owns, in the audit tables' schema public, {things}, so it could alter or drop them, and with "
            f"DROP … CASCADE the audit tables' triggers, defaults or the tables themselves (remove: {alters})"
        )
    owners = await conn.fetch(
        "SELECT DISTINCT o.rolname, quote_ident(o.rolname) AS quoted FROM pg_roles o WHERE o.rolname = current_user "
        "OR o.oid IN (SELECT c.relowner FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
        "WHERE n.nspname = 'public' AND c.relname = ANY($1::text[])) ORDER BY 1",
        list(AUDIT_TABLES),
    )
    members = False
    for owner, quoted in owners:
        # Owning an audit table itself is named above, with everything else it owns in public.
        if owner == role or not await conn.fetchval("SELECT pg_has_role($1, $2, 'MEMBER')", role, owner):
            continue
        members = True
        # The grants to revoke: the roles it belongs to directly that are, or belong to, the owner.
        through = await _belonging_through(conn, role, owner)
        revokes = ", ".join(f"REVOKE {name} FROM {r}" for name in through)
        via = "" if through == [quoted] else f" (through {', '.join(through)})"
        powers.append(
            f"it is a member of {quoted}{via}, which owns the audit tables or runs the migrations: it could "
            f"SET ROLE {quoted} and alter, disable the triggers of, update or drop them (remove: {revokes})"
        )
    return powers, bool(owned) or members


async def _granted_powers(conn: asyncpg.Connection, role: str) -> list[str]:
    """The powers of :func:`rewriting_powers` other than an owner's: what the schema, the server's
    predefined roles, the owner's default privileges and the grants through PUBLIC or another role
    give ``role``. Checked after ``migrate``'s grants and revokes."""
    r = await conn.fetchval("SELECT quote_ident($1)", role)
    powers = []
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
    elif await conn.fetchval("SELECT has_schema_privilege($1, 'public', 'CREATE')", role):
        # Who gives it CREATE: PUBLIC, or the roles whose privileges it inherits (itself, when
        # another grantor than the owner granted it, which the owner's REVOKE leaves).
        holders = await conn.fetch(
            "SELECT CASE WHEN a.grantee = 0 THEN 'PUBLIC' ELSE quote_ident(a.grantee::regrole::text) END "
            "FROM pg_namespace n, aclexplode(n.nspacl) a WHERE n.nspname = 'public' AND a.privilege_type = 'CREATE' "
            "AND (a.grantee = 0 OR pg_has_role($1, a.grantee, 'USAGE')) GROUP BY a.grantee ORDER BY a.grantee <> 0, 1",
            role,
        )
        names = [row[0] for row in holders]
        revokes = ", ".join(f"REVOKE CREATE ON SCHEMA public FROM {name}" for name in names)
        powers.append(
            f"it may CREATE in schema public (through {', '.join(names)}), so it could put there the tables, "
            f"functions or operators that the migrations or the audit sequencer find by name (remove: {revokes})"
        )
    powers += await _creating_powers(conn, role, database_named=schema_owner == "pg_database_owner")
    for file_role, acts in _FILE_ROLES.items():
        if await conn.fetchval("SELECT pg_has_role($1, $2, 'MEMBER')", role, file_role):
            powers.append(
                f"it is a member of {file_role}, {acts} "
                f"(remove: REVOKE {file_role} FROM {r}, or from the role it inherits it through)"
            )
    defaults = await conn.fetch(
        "SELECT CASE WHEN d.defaclnamespace = 0 THEN '' ELSE format(' IN SCHEMA %I', n.nspname) END AS scope, "
        "CASE WHEN a.grantee = 0 THEN 'PUBLIC' ELSE quote_ident(a.grantee::regrole::text) END AS grantee, "
        "string_agg(a.privilege_type, ', ' ORDER BY a.privilege_type) AS privileges "
        "FROM pg_default_acl d CROSS JOIN aclexplode(d.defaclacl) a "
        "LEFT JOIN pg_namespace n ON n.oid = d.defaclnamespace "
        "WHERE d.defaclrole = (SELECT oid FROM pg_roles WHERE rolname = current_user) AND d.defaclobjtype = 'r' "
        "AND (d.defaclnamespace = 0 OR n.nspname = 'public') AND a.privilege_type = ANY($2::text[]) "
        "AND (a.grantee = 0 OR pg_has_role($1, a.grantee, 'USAGE')) GROUP BY 1, 2 ORDER BY 1, 2",
        role,
        list(_REWRITE_PRIVILEGES),
    )
    # PostgreSQL 15 lets a superuser GRANT SET ON PARAMETER: session_replication_role = replica
    # skips every ordinary trigger, the audit log's (append-only, the check of what is recorded).
    if await conn.fetchval(
        "SELECT current_setting('server_version_num')::int >= 150000 "
        "AND has_parameter_privilege($1, 'session_replication_role', 'SET')",
        role,
    ):
        powers.append(
            f"it may SET session_replication_role, which turns the audit tables' triggers off for its session "
            f"(remove: REVOKE SET ON PARAMETER session_replication_role FROM {r}, or from the role it holds it through)"
        )
    owner_role = await conn.fetchval("SELECT quote_ident(current_user)")
    for scope, grantee, privileges in defaults:
        where = f" in schema {scope.removeprefix(' IN SCHEMA ')}" if scope else ""
        powers.append(
            f"the owner role's default privileges give {grantee} {privileges} on the tables it creates{where}, so "
            f"a migration's new audit table would be born writable (remove: ALTER DEFAULT PRIVILEGES FOR ROLE "
            f"{owner_role}{scope} REVOKE {privileges} ON TABLES FROM {grantee})"
        )
    pairs = [(t, p) for t in AUDIT_TABLES for p in _REWRITE_PRIVILEGES]
    pairs += [("audit_payloads", p) for p in _PAYLOAD_REWRITE_PRIVILEGES]
    # UPDATE of a column is not the table's (has_table_privilege does not see it): each such column is named.
    held = await conn.fetch(
        "SELECT t, p, CASE WHEN has_table_privilege($1, 'public.' || quote_ident(t), p) THEN '' ELSE ("
        "SELECT ' (' || string_agg(quote_ident(a.attname), ', ' ORDER BY a.attnum) || ')' FROM pg_attribute a "
        "WHERE a.attrelid = ('public.' || quote_ident(t))::regclass AND a.attnum > 0 AND NOT a.attisdropped "
        "AND has_column_privilege($1, a.attrelid, a.attnum, p)) END AS columns "
        "FROM unnest($2::text[], $3::text[]) AS pairs (t, p) WHERE CASE WHEN p = 'UPDATE' "
        "THEN has_any_column_privilege($1, 'public.' || quote_ident(t), p) "
        "ELSE has_table_privilege($1, 'public.' || quote_ident(t), p) END ORDER BY t, p",
        role,
        [t for t, _ in pairs],
        [p for _, p in pairs],
    )
    if held:
        granted = ", ".join(f"{p}{columns} on {t}" for t, p, columns in held)
        powers.append(
            f"it still holds {granted} through PUBLIC or a role it belongs to, pg_write_all_data included "
            f"(remove: REVOKE those privileges from PUBLIC or from that role)"
        )
    return powers


_CREATE_HOLDERS = """
SELECT CASE WHEN a.grantee = 0 THEN 'PUBLIC' ELSE quote_ident(a.grantee::regrole::text) END
FROM aclexplode($2::aclitem[]) a WHERE a.privilege_type = $3
AND (a.grantee = 0 OR pg_has_role($1, a.grantee, 'USAGE')) GROUP BY a.grantee ORDER BY a.grantee <> 0, 1
"""
"""Who gives ``$1`` the privilege ``$3`` (``CREATE``, ``TEMPORARY``) in the ACL ``$2``: PUBLIC, or the
roles whose privileges it inherits."""


async def _create_held(
    conn: asyncpg.Connection, role: str, owns: bool, acl: Any, *, owner_fix: str, on: str, privilege: str = "CREATE"
) -> tuple[str, str]:
    """How ``role`` holds ``privilege`` on an object (``on``: ``SCHEMA x``, ``DATABASE y``) and what
    removes it: ``("as its owner", owner_fix)``, or ``("through a, b", "REVOKE CREATE ON … FROM a, …")``
    naming each role in ``acl`` it holds it through (:data:`_CREATE_HOLDERS`)."""
    if owns:
        return "as its owner", owner_fix
    holders = [row[0] for row in await conn.fetch(_CREATE_HOLDERS, role, acl, privilege)]
    revokes = ", ".join(f"REVOKE {privilege} ON {on} FROM {holder}" for holder in holders)
    return f"through {', '.join(holders)}", revokes


async def _creating_powers(conn: asyncpg.Connection, role: str, *, database_named: bool) -> list[str]:
    """CREATE on a schema other than public (which :func:`_granted_powers` names) or on the
    database, each with who gives it and the statement that removes it. The application's role
    needs none (``number_series.create_series_sequence`` creates its sequences); with one, a view,
    function or operator of its own, found first along the ``search_path`` it may give itself
    (``ALTER ROLE … SET``), would stand in for the application's tables or pg_catalog's functions.
    ``database_named``: owning the database was named already (it owns schema public), not again."""
    owner_role = await conn.fetchval("SELECT quote_ident(current_user)")
    found = "views, functions or operators that a search_path it gives itself would find"
    powers = []
    schemas = await conn.fetch(
        "SELECT quote_ident(n.nspname) AS name, pg_has_role($1, n.nspowner, 'USAGE') AS owns, n.nspacl AS acl "
        "FROM pg_namespace n WHERE n.nspname <> 'public' AND n.nspname !~ '^pg_(toast_)?temp_' "
        "AND has_schema_privilege($1, n.oid, 'CREATE') ORDER BY n.nspname",
        role,
    )
    for name, owns, acl in schemas:
        through, remove = await _create_held(
            conn, role, owns, acl, owner_fix=f"ALTER SCHEMA {name} OWNER TO {owner_role}", on=f"SCHEMA {name}"
        )
        powers.append(
            f"it may CREATE in schema {name} ({through}), so it could put there {found} before the application's "
            f"tables and pg_catalog's functions (remove: {remove})"
        )
    database = await conn.fetchrow(
        "SELECT quote_ident(d.datname) AS name, pg_has_role($1, d.datdba, 'USAGE') AS owns, d.datacl AS acl "
        "FROM pg_database d WHERE d.datname = current_database() AND has_database_privilege($1, d.oid, 'CREATE')",
        role,
    )
    if database is not None and not (database["owns"] and database_named):
        name = database["name"]
        through, remove = await _create_held(
            conn, role, database["owns"], database["acl"],
            owner_fix=f"ALTER DATABASE {name} OWNER TO {owner_role}", on=f"DATABASE {name}",
        )  # fmt: skip
        powers.append(
            f"it may CREATE schemas in database {database['name']} ({through}), so it could own one and put there "
            f"{found} first (remove: {remove})"
        )
    temporary = await conn.fetchrow(
        "SELECT quote_ident(d.datname) AS name, pg_has_role($1, d.datdba, 'USAGE') AS owns, "
        "coalesce(d.datacl, acldefault('d', d.datdba)) AS acl FROM pg_database d "
        "WHERE d.datname = current_database() AND has_database_privilege($1, d.oid, 'TEMPORARY')",
        role,
    )
    if temporary is not None and not (temporary["owns"] and (database_named or database is not None)):
        name = temporary["name"]
        through, remove = await _create_held(
            conn, role, temporary["owns"], temporary["acl"],
            owner_fix=f"ALTER DATABASE {name} OWNER TO {owner_role}", on=f"DATABASE {name}", privilege="TEMPORARY",
        )  # fmt: skip
        powers.append(
            f"it may create temporary tables and views in database {name} ({through}): behind PgBouncer, where the "
            f"application's search_path is not pinned, one named as an audit table would take its place "
            f"(remove: {remove})"
        )
    return powers


async def one_role_warning(app_url: str, *, owner_url_set: bool) -> str | None:
    """The warning ``migrate`` prints when, on PostgreSQL, ``app_url``'s role (``DATABASE_URL``)
    owns the audit log's tables or belongs to their owner: ``DATABASE_OWNER_URL`` is unset
    (``owner_url_set`` false) or names the same role, so the application itself could rewrite the
    log. None on SQLite, or when the role is not the owner (a server whose migrations another role
    ran). Raises ``asyncpg.PostgresError``/``OSError`` when the database cannot be reached.
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
    same = "DATABASE_OWNER_URL names the same role"
    why = same if owner_url_set else "DATABASE_OWNER_URL is unset: it ran the migrations"
    return (
        f"warning: DATABASE_URL's role {row['role']} owns the audit log's tables ({why}): the application can "
        "ALTER them, disable their append-only triggers, UPDATE, DELETE and TRUNCATE audit events, and only the "
        "signed checkpoints would show it (no least privilege). Fix: set DATABASE_OWNER_URL to this owner role and "
        "DATABASE_URL to another login role, then run migrate again: it creates that role if missing and grants it "
        'only what the application needs (README, "Running on PostgreSQL").'
    )
