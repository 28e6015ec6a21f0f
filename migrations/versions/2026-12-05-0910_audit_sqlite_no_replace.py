"""audit log on SQLite: INSERT OR REPLACE can no longer replace an audit row past the triggers

SQLite's ``REPLACE`` conflict resolution (``INSERT OR REPLACE``, ``REPLACE INTO``) deletes the row
holding the key before inserting the new one, and fires no DELETE trigger doing so (unless
``recursive_triggers`` is on: https://www.sqlite.org/lang_conflict.html). Through the application's
own connection, an event, a link or a checkpoint could thus be rewritten although the triggers of
revisions 0001 and 0501 refuse UPDATE and DELETE. A BEFORE INSERT trigger on each table now refuses
a row whose key (``audit_links``: its ``seq`` or its event) is already stored, with the same
message; an insert of a new row is unchanged (a duplicate one failed on its key before, and fails
here now, as a constraint error still).

PostgreSQL has no REPLACE; ``INSERT … ON CONFLICT DO UPDATE`` needs UPDATE (not granted to the
application) and fires the UPDATE triggers. Nothing to do there. Rows are unchanged.

Revision ID: 2402
Revises: 2401
Create Date: 2026-12-05 09:10:00+00:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "2402"
down_revision: str | Sequence[str] | None = "2401"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

STORED = {
    "audit_events": "id = NEW.id",
    "audit_links": "seq = NEW.seq OR event_id = NEW.event_id",
    "audit_checkpoints": "seq = NEW.seq",
}
"""Each table, and when a row being inserted would replace one already stored."""


def upgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        return
    for table, stored in STORED.items():
        op.execute(
            f"CREATE TRIGGER {table}_no_replace BEFORE INSERT ON {table} "
            f"WHEN EXISTS (SELECT 1 FROM {table} WHERE {stored}) "
            f"BEGIN SELECT RAISE(ABORT, '{table} is append-only'); END"
        )


def downgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        return
    for table in STORED:
        op.execute(f"DROP TRIGGER IF EXISTS {table}_no_replace")
