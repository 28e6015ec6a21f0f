"""audit log: checkpoints a sequencer witnessed, and events the verifier can read

``audit_witnessed_checkpoints`` holds checkpoints a running sequencer signed or read and later
found replaced by another at the same ``seq`` (the log cut and sealed again behind its back, by a
process without that memory). ``verify-audit`` checks each of them against the chain like a
stored checkpoint: two signed heads of one size that differ are proof of a rewritten history. The
table is append-only like the other audit tables (the application's role may SELECT and INSERT).

On PostgreSQL the trigger stamping each event's ``txid`` now also refuses an event the verifier
could not read as the sequencer sealed it (insufficient privilege is not what stops these: the
application's role may INSERT events): a time that is infinite or outside years 1 to 9999,
``details`` that are not a JSON object (a JSON string was sealed as its decoded value, and failed
every sealing round when that was no JSON), and ``details`` holding a key twice in one object, a
lone UTF-16 surrogate escape (``"\\ud800"``), a NUL character (``\\u0000``: the application's
text rule refuses it), objects or arrays nested deeper than 64 levels, or a number of more than
4,000 characters.
Existing rows are not checked (the application never wrote such content) and every existing log
verifies as before. A checkpoint must name a link that is there, with that link's hash (one beyond
the head, inserted by the application's role, made every verification fail before it checked a
link and kept later heads from being signed); a sequencer stores a checkpoint it witnessed and
found gone among the witnessed ones. SQLite has no roles: whoever can write the file can write anything there.

Revision ID: 3401
Revises: 3301
Create Date: 2026-12-13 09:00:00+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import app.core.db

revision: str = "3401"
down_revision: str | Sequence[str] | None = "3301"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLE = "audit_witnessed_checkpoints"

_FAULT = """
CREATE FUNCTION {schema}.audit_details_fault(j pg_catalog.json, depth pg_catalog.int4) RETURNS pg_catalog.text
LANGUAGE plpgsql IMMUTABLE SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    kind text := json_typeof(j);
    item json;
    fault text;
BEGIN
    IF depth > 64 THEN
        RETURN 'objects or arrays nested deeper than 64 levels';
    END IF;
    IF kind = 'object' THEN
        IF (SELECT count(*) <> count(DISTINCT key) FROM json_each(j)) THEN
            RETURN 'a key twice in one object';
        END IF;
        FOR item IN SELECT value FROM json_each(j) LOOP
            fault := {schema}.audit_details_fault(item, depth + 1);
            IF fault IS NOT NULL THEN
                RETURN fault;
            END IF;
        END LOOP;
    ELSIF kind = 'array' THEN
        FOR item IN SELECT value FROM json_array_elements(j) LOOP
            fault := {schema}.audit_details_fault(item, depth + 1);
            IF fault IS NOT NULL THEN
                RETURN fault;
            END IF;
        END LOOP;
    ELSIF kind = 'number' AND length(j::text) > 4000 THEN
        RETURN 'a number of more than 4000 characters';
    END IF;
    RETURN NULL;
END $$
"""

# The cheap proof for the usual details (short, shallow, no \\u003a escape): ``jsonb`` keeps one
# member per key, and every member writes one ``:`` outside strings, so the colons of the text and
# of its ``jsonb`` form are as many unless a member was dropped. Backslashes are written in
# ``E''`` strings, read alike whatever ``standard_conforming_strings`` the inserting session set.
_STAMP = r"""
CREATE OR REPLACE FUNCTION audit_events_stamp_txid() RETURNS trigger LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    t text := NEW.details::text;
    b text;
    fault text;
BEGIN
    NEW.txid := pg_catalog.pg_current_xact_id()::pg_catalog.text::pg_catalog.int8;
    IF NOT isfinite(NEW.occurred_at) OR NEW.occurred_at < '0001-01-01 00:00:00+00'::timestamptz
       OR NEW.occurred_at >= '10000-01-01 00:00:00+00'::timestamptz THEN
        RAISE EXCEPTION 'audit event refused: occurred_at % is not a time the audit log can verify', NEW.occurred_at
            USING ERRCODE = 'check_violation';
    END IF;
    IF json_typeof(NEW.details) <> 'object' THEN
        RAISE EXCEPTION 'audit event refused: details are a JSON %, not an object', json_typeof(NEW.details)
            USING ERRCODE = 'check_violation';
    END IF;
    IF strpos(t, E'\\u0000') > 0 AND t ~ E'(^|[^\\\\])(\\\\\\\\)*\\\\u0000' THEN  -- an escape, not "\\u0000"
        fault := 'a NUL character (U+0000), which the application never writes';
    ELSIF strpos(t, E'\\ud') > 0 OR strpos(t, E'\\uD') > 0 THEN  -- a surrogate escape: paired?
        BEGIN
            PERFORM t::jsonb;
        EXCEPTION WHEN invalid_text_representation THEN
            fault := 'a lone UTF-16 surrogate escape';
        END;
    END IF;
    IF fault IS NULL AND (length(t) > 4000 OR strpos(t, E'\\u003a') > 0 OR strpos(t, E'\\u003A') > 0
       OR length(t) - length(replace(replace(t, '{{', ''), '[', '')) > 64) THEN
        fault := {schema}.audit_details_fault(NEW.details, 1);
    ELSIF fault IS NULL THEN
        b := t::jsonb::text;
        IF length(t) - length(replace(t, ':', '')) <> length(b) - length(replace(b, ':', '')) THEN
            fault := 'a key twice in one object';
        END IF;
    END IF;
    IF fault IS NOT NULL THEN
        RAISE EXCEPTION 'audit event refused: details hold %', fault USING ERRCODE = 'check_violation';
    END IF;
    RETURN NEW;
END $$
"""

# A checkpoint names a link that is there, by its hash: the application's role may INSERT
# checkpoints (the sequencer signs as it), and one of its own beyond the head (seq 2^63 - 1) made
# every verification fail before checking a link, the checkpoint endpoint answer 500 and every
# later head go unsigned (a slot already taken).
_SIGNS_A_LINK = """
CREATE FUNCTION audit_checkpoints_sign_a_link() RETURNS trigger LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM {schema}.audit_links l WHERE l.seq = NEW.seq AND l.hash = NEW.hash) THEN
        RAISE EXCEPTION 'audit checkpoint refused: no link at seq % has hash %', NEW.seq, NEW.hash
            USING ERRCODE = 'check_violation';
    END IF;
    RETURN NEW;
END $$
"""

_STAMP_BEFORE = """
CREATE OR REPLACE FUNCTION audit_events_stamp_txid() RETURNS trigger LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    NEW.txid := pg_catalog.pg_current_xact_id()::pg_catalog.text::pg_catalog.int8;
    RETURN NEW;
END $$
"""


def _postgres() -> bool:
    return op.get_bind().dialect.name == "postgresql"


def _schema() -> str:
    quoted: str = op.get_bind().execute(sa.text("SELECT pg_catalog.quote_ident(current_schema())")).scalar_one()
    return quoted


def upgrade() -> None:
    op.create_table(
        TABLE,
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False),
        sa.Column("seq", sa.BigInteger(), nullable=False),
        sa.Column("hash", sa.String(length=64), nullable=False),
        sa.Column("signed_at", app.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("key_id", sa.String(length=16), nullable=False),
        sa.Column("signature", sa.String(length=88), nullable=False),
        sa.Column("witnessed_at", app.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f(f"pk_{TABLE}")),
    )
    if _postgres():
        schema = _schema()
        for when, each in (("UPDATE OR DELETE", "ROW"), ("TRUNCATE", "STATEMENT")):
            suffix = "append_only" if each == "ROW" else "no_truncate"
            op.execute(
                f"CREATE TRIGGER {TABLE}_{suffix} BEFORE {when} ON {TABLE} "
                f"FOR EACH {each} EXECUTE FUNCTION audit_refuse_change()"
            )
        op.execute(_FAULT.format(schema=schema))
        op.execute(_STAMP.format(schema=schema))
        op.execute(_SIGNS_A_LINK.format(schema=schema))
        op.execute(
            "CREATE TRIGGER audit_checkpoints_sign_a_link BEFORE INSERT ON audit_checkpoints "
            "FOR EACH ROW EXECUTE FUNCTION audit_checkpoints_sign_a_link()"
        )
        return
    for verb in ("UPDATE", "DELETE"):
        op.execute(
            f"CREATE TRIGGER {TABLE}_no_{verb.lower()} BEFORE {verb} ON {TABLE} "
            f"BEGIN SELECT RAISE(ABORT, '{TABLE} is append-only'); END"
        )
    op.execute(
        f"CREATE TRIGGER {TABLE}_no_replace BEFORE INSERT ON {TABLE} "
        f"WHEN EXISTS (SELECT 1 FROM {TABLE} WHERE id = NEW.id) "
        f"BEGIN SELECT RAISE(ABORT, '{TABLE} is append-only'); END"
    )


def downgrade() -> None:
    if _postgres():
        op.execute("DROP TRIGGER audit_checkpoints_sign_a_link ON audit_checkpoints")
        op.execute("DROP FUNCTION audit_checkpoints_sign_a_link()")
        op.execute(_STAMP_BEFORE)
        op.execute(f"DROP FUNCTION {_schema()}.audit_details_fault(pg_catalog.json, pg_catalog.int4)")
        op.execute(f"DROP TRIGGER {TABLE}_append_only ON {TABLE}")
        op.execute(f"DROP TRIGGER {TABLE}_no_truncate ON {TABLE}")
    op.drop_table(TABLE)
