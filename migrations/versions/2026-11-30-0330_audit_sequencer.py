"""audit log sealed by a sequencer: events INSERT-only, links and signed checkpoints in their own tables

Events no longer take their place in the chain when they are written (that locked the one
``audit_chain_head`` row until commit). ``audit_events`` keeps only what happened, plus the
inserting transaction's id (``txid``, set by a trigger on PostgreSQL); ``audit_links`` holds each
event's ``seq`` and chain hash, ``audit_checkpoints`` the signed heads. The links of events chained
before this revision are copied as they are (``link_version`` 1 before the head's
``link_v2_from_seq``, 2 from it), so existing logs keep verifying; the head row goes (the last link
is the head). All three tables refuse UPDATE, DELETE and TRUNCATE.

Revision ID: 0501
Revises: 0006
Create Date: 2026-11-30 03:30:00+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import app.core.db

revision: str = "0501"
down_revision: str | Sequence[str] | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

PROTECTED = ("audit_events", "audit_links", "audit_checkpoints")


def _postgres() -> bool:
    return op.get_bind().dialect.name == "postgresql"


def upgrade() -> None:
    op.create_table(
        "audit_checkpoints",
        sa.Column("seq", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("hash", sa.String(length=64), nullable=False),
        sa.Column("signed_at", app.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("key_id", sa.String(length=16), nullable=False),
        sa.Column("signature", sa.String(length=88), nullable=False),
        sa.PrimaryKeyConstraint("seq", name=op.f("pk_audit_checkpoints")),
    )
    # The links are carried in a table without foreign key while audit_events is rebuilt (SQLite
    # rebuilds it by copy, and refuses to drop a table other rows still reference).
    op.execute(
        "CREATE TABLE audit_links_carry AS SELECT e.seq AS seq, e.id AS event_id, e.prev_hash AS prev_hash, "
        "e.hash AS hash, CASE WHEN e.seq >= h.link_v2_from_seq THEN 2 ELSE 1 END AS link_version, "
        "e.occurred_at AS sealed_at FROM audit_events e CROSS JOIN audit_chain_head h WHERE h.id = 1"
    )
    _drop_sqlite_triggers()
    with op.batch_alter_table("audit_events") as batch_op:
        batch_op.add_column(sa.Column("txid", sa.BigInteger(), server_default=sa.text("0"), nullable=False))
        batch_op.drop_constraint("uq_audit_events_seq", type_="unique")
        batch_op.drop_column("seq")
        batch_op.drop_column("prev_hash")
        batch_op.drop_column("hash")
        batch_op.create_index("ix_audit_events_txid_id", ["txid", "id"], unique=False)
    op.create_table(
        "audit_links",
        sa.Column("seq", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("event_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("prev_hash", sa.String(length=64), nullable=False),
        sa.Column("hash", sa.String(length=64), nullable=False),
        sa.Column("link_version", sa.SmallInteger(), nullable=False),
        sa.Column("sealed_at", app.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["event_id"], ["audit_events.id"], name=op.f("fk_audit_links_event_id_audit_events")),
        sa.PrimaryKeyConstraint("seq", name=op.f("pk_audit_links")),
        sa.UniqueConstraint("event_id", name=op.f("uq_audit_links_event_id")),
    )
    op.execute(
        "INSERT INTO audit_links (seq, event_id, prev_hash, hash, link_version, sealed_at) "
        "SELECT seq, event_id, prev_hash, hash, link_version, sealed_at FROM audit_links_carry"
    )
    op.drop_table("audit_links_carry")
    op.drop_table("audit_chain_head")
    if _postgres():
        op.execute(
            """
            CREATE FUNCTION audit_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                RAISE EXCEPTION '% is append-only', TG_TABLE_NAME USING ERRCODE = 'insufficient_privilege';
            END $$
            """
        )
        op.execute(
            """
            CREATE FUNCTION audit_events_stamp_txid() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                NEW.txid := pg_current_xact_id()::text::bigint;
                RETURN NEW;
            END $$
            """
        )
        op.execute(
            "CREATE TRIGGER audit_events_txid BEFORE INSERT ON audit_events "
            "FOR EACH ROW EXECUTE FUNCTION audit_events_stamp_txid()"
        )
        for table in ("audit_links", "audit_checkpoints"):
            op.execute(
                f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
                "FOR EACH ROW EXECUTE FUNCTION audit_refuse_change()"
            )
            op.execute(
                f"CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table} "
                "FOR EACH STATEMENT EXECUTE FUNCTION audit_refuse_change()"
            )
    else:
        for table in PROTECTED:
            _create_sqlite_triggers(table)


def _create_sqlite_triggers(table: str) -> None:
    for verb in ("UPDATE", "DELETE"):
        op.execute(
            f"CREATE TRIGGER {table}_no_{verb.lower()} BEFORE {verb} ON {table} "
            f"BEGIN SELECT RAISE(ABORT, '{table} is append-only'); END"
        )


def _drop_sqlite_triggers(*tables: str) -> None:
    if _postgres():
        return
    for table in tables or ("audit_events",):
        for verb in ("update", "delete"):
            op.execute(f"DROP TRIGGER IF EXISTS {table}_no_{verb}")


def downgrade() -> None:
    unsealed = (
        op.get_bind()
        .execute(sa.text("SELECT count(*) FROM audit_events WHERE id NOT IN (SELECT event_id FROM audit_links)"))
        .scalar_one()
    )
    if unsealed:
        raise RuntimeError(f"{unsealed} audit events are not sealed yet: seal them (verify-audit --seal) first")
    op.create_table(
        "audit_chain_head",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("seq", sa.BigInteger(), nullable=False),
        sa.Column("hash", sa.String(length=64), nullable=False),
        sa.Column("link_v2_from_seq", sa.BigInteger(), server_default="1", nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_chain_head")),
    )
    op.execute(
        "INSERT INTO audit_chain_head (id, seq, hash, link_v2_from_seq) SELECT 1, "
        "coalesce((SELECT max(seq) FROM audit_links), 0), "
        "coalesce((SELECT hash FROM audit_links ORDER BY seq DESC LIMIT 1), '" + "0" * 64 + "'), "
        "coalesce((SELECT min(seq) FROM audit_links WHERE link_version = 2), "
        "(SELECT coalesce(max(seq), 0) + 1 FROM audit_links))"
    )
    op.execute(
        "CREATE TABLE audit_links_carry AS SELECT seq, event_id, prev_hash, hash FROM audit_links"
    )
    if _postgres():
        for table in ("audit_links", "audit_checkpoints"):
            op.execute(f"DROP TRIGGER {table}_append_only ON {table}")
            op.execute(f"DROP TRIGGER {table}_no_truncate ON {table}")
        op.execute("DROP FUNCTION audit_refuse_change()")
        op.execute("DROP TRIGGER audit_events_txid ON audit_events")
        op.execute("DROP FUNCTION audit_events_stamp_txid()")
        op.execute("ALTER TABLE audit_events DISABLE TRIGGER audit_events_append_only")
    else:
        _drop_sqlite_triggers(*PROTECTED)
    op.drop_table("audit_checkpoints")
    op.drop_table("audit_links")
    with op.batch_alter_table("audit_events") as batch_op:
        batch_op.add_column(sa.Column("seq", sa.BigInteger(), nullable=True))
        batch_op.add_column(sa.Column("prev_hash", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("hash", sa.String(length=64), nullable=True))
    op.execute(
        "UPDATE audit_events SET seq = (SELECT seq FROM audit_links_carry l WHERE l.event_id = audit_events.id), "
        "prev_hash = (SELECT prev_hash FROM audit_links_carry l WHERE l.event_id = audit_events.id), "
        "hash = (SELECT hash FROM audit_links_carry l WHERE l.event_id = audit_events.id)"
    )
    op.drop_table("audit_links_carry")
    with op.batch_alter_table("audit_events") as batch_op:
        batch_op.drop_index("ix_audit_events_txid_id")
        batch_op.drop_column("txid")
        batch_op.alter_column("seq", existing_type=sa.BigInteger(), nullable=False)
        batch_op.alter_column("prev_hash", existing_type=sa.String(length=64), nullable=False)
        batch_op.alter_column("hash", existing_type=sa.String(length=64), nullable=False)
        batch_op.create_unique_constraint("uq_audit_events_seq", ["seq"])
    if _postgres():
        op.execute("ALTER TABLE audit_events ENABLE TRIGGER audit_events_append_only")
    else:
        _create_sqlite_triggers("audit_events")
