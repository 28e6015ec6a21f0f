"""audit log triggers: their functions run with a fixed search_path (pg_catalog, then pg_temp)

The trigger stamping ``audit_events.txid`` called ``pg_current_xact_id()`` by its bare name, so it
was looked up along the inserting session's ``search_path``. The application's role may create
objects in schema ``number_series`` (its human-number sequences): with
``SET search_path = number_series, pg_catalog, public`` and its own ``number_series.pg_current_xact_id()``
it chose the ``txid`` of its events, e.g. one below the chain's head, so that the sequencer (which
seals in ``(txid, id)`` order and resumes after the head) never sealed them and nothing counted
them as waiting. Each audit trigger function now names ``pg_catalog`` and carries its own
``search_path`` (``SET search_path = pg_catalog, pg_temp``: PostgreSQL's advice for functions run
on behalf of other roles, https://www.postgresql.org/docs/current/sql-createfunction.html).

Rows, links and hashes are unchanged: every existing log verifies as before. SQLite has no such
functions (nothing to do).

Revision ID: 2401
Revises: 2301
Create Date: 2026-12-05 09:00:00+00:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "2401"
down_revision: str | Sequence[str] | None = "2301"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_REFUSING = ("audit_events_refuse_change()", "audit_refuse_change()")


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute(
        """
        CREATE OR REPLACE FUNCTION audit_events_stamp_txid() RETURNS trigger LANGUAGE plpgsql
        SET search_path = pg_catalog, pg_temp AS $$
        BEGIN
            NEW.txid := pg_catalog.pg_current_xact_id()::pg_catalog.text::pg_catalog.int8;
            RETURN NEW;
        END $$
        """
    )
    for function in _REFUSING:
        op.execute(f"ALTER FUNCTION {function} SET search_path = pg_catalog, pg_temp")


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute(
        """
        CREATE OR REPLACE FUNCTION audit_events_stamp_txid() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            NEW.txid := pg_current_xact_id()::text::bigint;
            RETURN NEW;
        END $$
        """
    )
    op.execute("ALTER FUNCTION audit_events_stamp_txid() RESET search_path")
    for function in _REFUSING:
        op.execute(f"ALTER FUNCTION {function} RESET search_path")
