"""PostgreSQL: the audit tables are read and written as the migrations made them.

Someone with the owner's rights but not the key could hide rows from the verifier or the sequencer,
or keep a running sequencer from storing what it witnessed, with a rule, a trigger, row-level
security, a constraint, a default, an index or a column type of their own, or by turning one of the
migrations' off (docs/audit.md). :func:`protection_faults` names what the catalog shows (a
relation of an audit table's name in another schema, a ``search_path`` leading to it, too);
:func:`witness_store_fault` tries what it cannot show. Both run as the verifier's first and last
checks (:func:`app.audit.verify.verify_log`); only what changes the verifier's reads stops it.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncConnection

from app.audit.models import AuditWitnessedCheckpoint
from app.audit.sequencer import pin_for_verification, store_checkpoint
from app.audit.state import latest_checkpoint

EXPECTED_TRIGGERS = {
    "audit_events": {
        "audit_events_append_only": "audit_events_refuse_change",
        "audit_events_no_truncate": "audit_events_refuse_change",
        "audit_events_txid": "audit_events_stamp_txid",
        "audit_events_id_drawn": "audit_events_id_drawn",
    },
    "audit_links": {"audit_links_append_only": "audit_refuse_change", "audit_links_no_truncate": "audit_refuse_change"},
    "audit_checkpoints": {
        "audit_checkpoints_append_only": "audit_refuse_change",
        "audit_checkpoints_no_truncate": "audit_refuse_change",
        "audit_checkpoints_sign_a_link": "audit_checkpoints_sign_a_link",
    },
    "audit_witnessed_checkpoints": {
        "audit_witnessed_checkpoints_append_only": "audit_refuse_change",
        "audit_witnessed_checkpoints_no_truncate": "audit_refuse_change",
    },
    "audit_payloads": {},
}
"""PostgreSQL: the triggers the migrations put on the audit log's tables (name → function), and
no other."""

EXPECTED_FUNCTIONS = {
    "audit_refuse_change": "83e6cad0dbd3458e3e36ceb8f8cd7030",
    "audit_events_refuse_change": "2661d5aa7074f4eaedca0fc2b1dcdefc",
    "audit_events_stamp_txid": "35b5c7d25cf6451ed7a0c65ece4ef623",
    "audit_details_fault": "2664bcbfbf4cda6c6469e9eeb02fc549",
    "audit_checkpoints_sign_a_link": "3664f745f11c033b564d0ebd10cf4f2f",
    "audit_events_id_drawn": "d2044e7af06eb693003a8f17d631186a",
}
"""PostgreSQL: the MD5 of each audit trigger function's body as the migrations wrote it (revision
3901 last); ``tests/audit/test_hidden_rows.py`` checks them against a migrated database."""

EXPECTED_DEFAULTS = {
    "audit_events.id": "nextval('audit_events_id_seq'::regclass)",
    "audit_events.txid": "0",
    "audit_witnessed_checkpoints.id": "nextval('audit_witnessed_checkpoints_id_seq'::regclass)",
}
"""PostgreSQL: the column defaults of the audit tables (``pg_get_expr``), and no other."""

EXPECTED_INDEXES = frozenset(
    f"CREATE {kind}INDEX {name} ON public.{table} USING btree ({columns})"
    for kind, name, table, columns in (
        ("UNIQUE ", "pk_audit_events", "audit_events", "id"),
        ("", "ix_audit_events_action", "audit_events", "action"),
        ("", "ix_audit_events_actor_id", "audit_events", "actor_id"),
        ("", "ix_audit_events_desk_id", "audit_events", "desk_id"),
        ("", "ix_audit_events_entity", "audit_events", "entity_type, entity_id"),
        ("", "ix_audit_events_occurred_at", "audit_events", "occurred_at"),
        ("", "ix_audit_events_txid_id", "audit_events", "txid, id"),
        ("UNIQUE ", "pk_audit_links", "audit_links", "seq"),
        ("UNIQUE ", "uq_audit_links_event_id", "audit_links", "event_id"),
        ("UNIQUE ", "pk_audit_checkpoints", "audit_checkpoints", "seq"),
        ("UNIQUE ", "pk_audit_witnessed_checkpoints", "audit_witnessed_checkpoints", "id"),
        ("UNIQUE ", "pk_audit_payloads", "audit_payloads", "id"),
        ("", "ix_audit_payloads_registrant_id", "audit_payloads", "registrant_id"),
    )
)
"""PostgreSQL: the indexes of the audit tables (``pg_get_indexdef``), and no other: a unique
index of someone else's (on a constant, or partial on a hash they expect) refuses rows, and so
does one on an expression that fails for some."""

EXPECTED_CONSTRAINTS = frozenset(
    {
        "audit_events.pk_audit_events=PRIMARY KEY (id)",
        "audit_links.pk_audit_links=PRIMARY KEY (seq)",
        "audit_links.uq_audit_links_event_id=UNIQUE (event_id)",
        "audit_links.fk_audit_links_event_id_audit_events=FOREIGN KEY (event_id) REFERENCES audit_events(id)",
        "audit_checkpoints.pk_audit_checkpoints=PRIMARY KEY (seq)",
        "audit_witnessed_checkpoints.pk_audit_witnessed_checkpoints=PRIMARY KEY (id)",
        "audit_payloads.pk_audit_payloads=PRIMARY KEY (id)",
    }
)
"""PostgreSQL: the constraints of the audit tables (``pg_get_constraintdef``), and no other: a
``CHECK``, or a foreign key to a table of someone else's listing the rows it lets in, refuses rows."""

_NOT_NULL = " not null"
EXPECTED_COLUMNS = frozenset(
    f"audit_witnessed_checkpoints.{column}={kind}{_NOT_NULL}"
    for column, kind in {
        "id": "bigint",
        "seq": "bigint",
        "hash": "character varying(64)",
        "signed_at": "timestamp with time zone",
        "key_id": "character varying(16)",
        "signature": "character varying(88)",
        "witnessed_at": "timestamp with time zone",
    }.items()
)
"""PostgreSQL: the columns of ``audit_witnessed_checkpoints`` (``format_type``, ``not null``), and
no other. There a row that does not read as the sequencer wrote it is passed over (the
application's role may insert rows), so a column of another type hides every witnessed
checkpoint (``seq`` read as a ``Decimal`` is no number), and one too narrow, of a domain (its
``CHECK``) or added ``NOT NULL`` refuses them. The other audit tables' columns are read by the
checks themselves: a value read otherwise fails its hash or its signature, named at its link."""

_PROTECTION = text(
    """
    WITH audit AS (
        SELECT c.oid, c.relname FROM pg_catalog.pg_class c
        WHERE c.relnamespace = 'public'::pg_catalog.regnamespace AND c.relname = ANY(:tables)
    )
    SELECT a.relname, 'rule ' || r.rulename, r.ev_type = '1'
    FROM pg_catalog.pg_rewrite r JOIN audit a ON a.oid = r.ev_class
    UNION ALL
    SELECT a.relname, 'a relation of kind ' || CAST(c.relkind AS text) || ', not a table', true
    FROM audit a JOIN pg_catalog.pg_class c ON c.oid = a.oid
    WHERE c.relkind NOT IN ('r', 'p')
    UNION ALL
    SELECT a.relname, 'row-level security', true FROM audit a JOIN pg_catalog.pg_class c ON c.oid = a.oid
    WHERE c.relrowsecurity OR c.relforcerowsecurity
    UNION ALL
    SELECT a.relname, 'trigger ' || t.tgname
        || CASE WHEN (a.relname || '.' || t.tgname || '=' || p.proname) = ANY(:expected)
                THEN ' (a migration''s, disabled or firing only as a replica)'
                WHEN t.tgenabled <> 'O' THEN ' (not the migrations'', disabled or firing only as a replica)'
                ELSE ' (not the migrations'')' END, false
    FROM pg_catalog.pg_trigger t JOIN audit a ON a.oid = t.tgrelid JOIN pg_catalog.pg_proc p ON p.oid = t.tgfoid
    WHERE NOT t.tgisinternal
      AND (t.tgenabled <> 'O' OR NOT (a.relname || '.' || t.tgname || '=' || p.proname) = ANY(:expected))
    UNION ALL
    SELECT a.relname, 'constraint ' || k.conname, false
    FROM pg_catalog.pg_constraint k JOIN audit a ON a.oid = k.conrelid
    WHERE NOT (a.relname || '.' || k.conname || '=' || pg_catalog.pg_get_constraintdef(k.oid)) = ANY(:constraints)
    UNION ALL
    SELECT a.relname, 'default of ' || att.attname, false
    FROM pg_catalog.pg_attrdef d JOIN audit a ON a.oid = d.adrelid
    JOIN pg_catalog.pg_attribute att ON att.attrelid = d.adrelid AND att.attnum = d.adnum
    WHERE NOT (a.relname || '.' || att.attname || '=' || pg_catalog.pg_get_expr(d.adbin, d.adrelid)) = ANY(:defaults)
    UNION ALL
    SELECT a.relname, 'no default of ' || att.attname, false
    FROM pg_catalog.unnest(CAST(:defaults AS text[])) AS expected(d)
    JOIN audit a ON a.relname = pg_catalog.split_part(expected.d, '.', 1)
    JOIN pg_catalog.pg_attribute att ON att.attrelid = a.oid
     AND att.attname = pg_catalog.split_part(pg_catalog.split_part(expected.d, '=', 1), '.', 2)
    WHERE NOT EXISTS (
        SELECT 1 FROM pg_catalog.pg_attrdef d WHERE d.adrelid = a.oid AND d.adnum = att.attnum
    )
    UNION ALL
    SELECT a.relname, 'column ' || att.attname || ' of type ' || pg_catalog.format_type(att.atttypid, att.atttypmod)
        || CASE WHEN att.attnotnull THEN ' not null' ELSE '' END, true
    FROM pg_catalog.pg_attribute att JOIN audit a ON a.oid = att.attrelid
    WHERE att.attnum > 0 AND NOT att.attisdropped AND a.relname = 'audit_witnessed_checkpoints'
      AND NOT (a.relname || '.' || att.attname || '=' || pg_catalog.format_type(att.atttypid, att.atttypmod)
               || CASE WHEN att.attnotnull THEN ' not null' ELSE '' END) = ANY(:columns)
    UNION ALL
    SELECT a.relname, 'index ' || c.relname, false
    FROM pg_catalog.pg_index i JOIN audit a ON a.oid = i.indrelid JOIN pg_catalog.pg_class c ON c.oid = i.indexrelid
    WHERE NOT pg_catalog.pg_get_indexdef(i.indexrelid) = ANY(:indexes)
    UNION ALL
    SELECT c.relname, CASE WHEN n.nspname = 'pg_catalog' THEN 'a relation of its name in pg_catalog'
                           ELSE 'a relation of its name in schema ' || n.nspname END, n.nspname = 'pg_catalog'
    FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
    WHERE n.nspname <> 'public' AND c.relname = ANY(:shadowed) AND c.relkind NOT IN ('i', 'I', 'S', 'c', 't')
    UNION ALL
    SELECT p.proname, 'function body rewritten', false
    FROM pg_catalog.pg_proc p
    WHERE p.pronamespace = 'public'::pg_catalog.regnamespace AND p.proname = ANY(:functions)
      AND NOT (p.proname || '=' || pg_catalog.md5(p.prosrc)) = ANY(:bodies)
    ORDER BY 1, 2
    """
)

# The search_path defaults stored for a role, this database, or a role in it (ALTER ROLE/DATABASE … SET).
_SEARCH_PATHS = text(
    """
    SELECT CASE WHEN s.setrole = 0 THEN 'every role' ELSE 'role ' || pg_catalog.quote_ident(r.rolname) END
        || CASE WHEN s.setdatabase = 0 THEN '' ELSE ' in database ' || pg_catalog.quote_ident(d.datname) END,
        pg_catalog.substr(c.setting, 13)
    FROM pg_catalog.pg_db_role_setting s
    LEFT JOIN pg_catalog.pg_roles r ON r.oid = s.setrole
    LEFT JOIN pg_catalog.pg_database d ON d.oid = s.setdatabase
    CROSS JOIN LATERAL pg_catalog.unnest(s.setconfig) AS c(setting)
    WHERE c.setting LIKE 'search!_path=%' ESCAPE '!'
      AND s.setdatabase IN (0, (SELECT oid FROM pg_catalog.pg_database WHERE datname = pg_catalog.current_database()))
    ORDER BY 1
    """
)

_BEFORE_PUBLIC = frozenset({"pg_catalog", "$user"})
"""The schemas a ``search_path`` may list before ``public``: ``pg_catalog`` (searched first
anyway) and ``"$user"`` (a schema of a role's name holding a relation of an audit table's name is
named on its own)."""


def _leads_away(search_path: str) -> bool:
    """Whether ``search_path`` (as ``SET`` stores it) lists a schema other than those of
    :data:`_BEFORE_PUBLIC` before ``public``, or no ``public`` at all."""
    for schema in (name.strip().strip('"') for name in search_path.split(",")):
        if schema == "public":
            return False
        if schema not in _BEFORE_PUBLIC:
            return True
    return True


@dataclass(frozen=True)
class Protection:
    """What :func:`protection_faults` found: :attr:`hiding`, why the audit tables cannot be read
    truthfully (the verification stops there), and :attr:`faults`, the changes that do not change
    what the verifier reads but can change what is written (the verification goes on)."""

    hiding: str | None = None
    faults: tuple[str, ...] = ()


async def protection_faults(conn: AsyncConnection) -> Protection:
    """PostgreSQL: why the audit tables cannot be trusted to be read and written as the
    migrations made them (:class:`Protection`; nothing found: both empty). Someone with the
    owner's rights but not the key could otherwise hide from the verifier, or keep a running
    sequencer from storing, what it witnessed (:class:`~app.audit.models.AuditWitnessedCheckpoint`),
    or have events recorded other than written. Named: any rewrite rule (``DO INSTEAD NOTHING`` on
    insert) and any row-level security on these tables; a trigger that is not the migrations'
    (:data:`EXPECTED_TRIGGERS`), calls another function, or is disabled (or fires only as a
    replica); a constraint that is not theirs (:data:`EXPECTED_CONSTRAINTS`: a ``CHECK``, or a
    foreign key to a table of someone else's, refuses rows); a column default that is not theirs
    (:data:`EXPECTED_DEFAULTS`: ``1/0`` refuses every row), or one of theirs gone; a column of
    ``audit_witnessed_checkpoints`` that is not theirs (:data:`EXPECTED_COLUMNS`); an index that
    is not theirs (:data:`EXPECTED_INDEXES`); a trigger function whose body is not theirs
    (:data:`EXPECTED_FUNCTIONS`); an audit table that is no longer a table (a view); a relation of
    an audit table's (or ``registrants``') name in any schema but ``public``; a ``search_path``
    set for a role or this database (``ALTER ROLE … SET``, ``pg_db_role_setting``) listing a
    schema before ``public`` (but ``pg_catalog`` and ``"$user"``), through which the
    application's unqualified names could reach such a relation and its writes be redirected,
    dropped or altered before they are recorded.

    Most of these change what is written, not what the verifier reads (a rule other than
    ``ON SELECT`` rewrites no read, a trigger fires on no read, and the verifier reads with
    :data:`~app.audit.sequencer.PINNED_SEARCH_PATH`): they are :attr:`Protection.faults`, and the
    chain is checked as stored. What changes the reads themselves is :attr:`Protection.hiding`:
    an ``ON SELECT`` rule or a table turned into something else (the rows read are not the
    stored ones), a column of ``audit_witnessed_checkpoints`` of another type (read otherwise, a
    witness is passed over), a relation of its name in ``pg_catalog`` (first on the pinned ``search_path``),
    row-level security (with ``row_security = off``, set by
    :func:`~app.audit.sequencer.pin_for_verification`, the reads fail rather than return fewer
    rows). What no catalog rule names (a sequence run to its end, a grant revoked)
    :func:`witness_store_fault` finds by trying."""
    params = {
        "tables": list(EXPECTED_TRIGGERS),
        "expected": [f"{t}.{name}={f}" for t, names in EXPECTED_TRIGGERS.items() for name, f in names.items()],
        "defaults": [f"{column}={expr}" for column, expr in EXPECTED_DEFAULTS.items()],
        "functions": list(EXPECTED_FUNCTIONS),
        "bodies": [f"{name}={md5}" for name, md5 in EXPECTED_FUNCTIONS.items()],
        "indexes": sorted(EXPECTED_INDEXES),
        "constraints": sorted(EXPECTED_CONSTRAINTS),
        "columns": sorted(EXPECTED_COLUMNS),
        "shadowed": [*EXPECTED_TRIGGERS, "registrants"],  # the verifier reads registrants too (erasures)
    }
    found = (await conn.execute(_PROTECTION, params)).all()
    hiding = [(table, what) for table, what, changes_reads in found if changes_reads]
    faults = []
    if found:
        named = ", ".join(f"{what} on {table}" for table, what, _ in found)
        if hiding:
            return Protection(
                f"the audit tables are not read as they were written: {named} (made with the owner's rights, whether "
                "added, changed or turned off: the rows read are not the stored ones, or cannot be read; "
                + ", ".join(f"{what} on {table}" for table, what in hiding)
                + " keeps the log from being checked)"
            )
        faults.append(
            f"the audit tables are not read as they were written: {named} (made with the owner's rights, whether "
            "added, changed or turned off: such changes can drop, hide or alter rows, such as a checkpoint a sequencer "
            "witnessed)"
        )
    for who, search_path in (await conn.execute(_SEARCH_PATHS)).all():
        if _leads_away(search_path):
            faults.append(
                f"the search_path of {who} is set to {search_path}, a schema before public: the application's "
                "writes can be led to relations of the same names there, and altered or dropped before they are "
                "recorded"
            )
    return Protection(faults=tuple(faults))


# Whether a trial can tell anything: not on a standby or in a read-only session, and only as a
# role that records events (the application's; an auditor's SELECT-only role cannot store a
# witness either, and nothing is wrong with that).
_TRIAL_POSSIBLE = text(
    "SELECT NOT pg_catalog.pg_is_in_recovery() AND pg_catalog.current_setting('transaction_read_only') = 'off'"
    " AND pg_catalog.has_table_privilege('public.audit_events', 'INSERT')"
)


async def witness_store_fault(conn: AsyncConnection) -> str | None:
    """PostgreSQL: why the database would refuse a running sequencer the row of the checkpoint it
    witnessed (so that a rewrite behind it leaves no evidence), found by trying: the latest stored
    checkpoint inserted into ``audit_witnessed_checkpoints`` by the sequencer's own
    statement (:func:`~app.audit.sequencer.store_checkpoint`), as ``conn``'s role (the
    application's: ``verify-audit`` connects as it), on a connection of its own, in a transaction
    that is always rolled back: no row is left, the id sequence moves on by one. This finds what
    no catalog rule of :func:`protection_faults` names: the id sequence run to its end, the
    application's INSERT revoked. None when the row would be stored, when there is no checkpoint,
    and where nothing can be tried: on a standby, in a read-only session, as a role that may not
    record events (an auditor's: only the application's role must be able to store a witness).
    :func:`~app.audit.verify.verify_log` tries last, whatever the other checks found, unless
    :func:`protection_faults` named something (the trial would run someone else's rule or trigger)."""
    async with conn.engine.connect() as trial:
        await pin_for_verification(trial)
        if not (await trial.execute(_TRIAL_POSSIBLE)).scalar_one():
            return None
        latest = await latest_checkpoint(trial)
        if latest is None:
            return None
        try:
            await store_checkpoint(trial, latest, AuditWitnessedCheckpoint)
        except DBAPIError as exc:
            first_line = (str(exc.orig).splitlines() or [""])[0]
            return (
                f"the database refuses to store a checkpoint a running sequencer witnessed ({first_line}): "
                "changed with the owner's rights, it lets the log be cut and sealed again unseen"
            )
        finally:
            await trial.rollback()
    return None
