"""audit log: an event's id is one its sequence has drawn

The application's role may INSERT audit events, and could give one an id its sequence had not
drawn yet (``INSERT INTO audit_events (id, …) SELECT g, … FROM generate_series(last_value + 1, …)``):
the next events the application wrote then met those ids taken, and every audited request failed
(409, then 500) until an owner removed the rows. A trigger of the owner's now refuses, with
``check_violation``, an event whose id is beyond the sequence's ``last_value`` (an id the default
drew is never beyond it, whatever other sessions draw meanwhile). Reading the sequence needs the
SELECT on it that ``migrate`` grants the application's role (USAGE and SELECT on every sequence).
Existing rows are not checked. SQLite has no roles: whoever can write the file can write anything
there.

Revision ID: 3901
Revises: 3801
Create Date: 2026-12-18 09:00:00+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "3901"
down_revision: str | Sequence[str] | None = "3801"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_DRAWN = """
CREATE FUNCTION audit_events_id_drawn() RETURNS trigger LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    IF NEW.id > (SELECT s.last_value FROM {schema}.audit_events_id_seq s) THEN
        RAISE EXCEPTION 'audit event refused: id % was not drawn from its sequence', NEW.id
            USING ERRCODE = 'check_violation';
    END IF;
    RETURN NEW;
END $$
"""


def _postgres() -> bool:
    return op.get_bind().dialect.name == "postgresql"


def upgrade() -> None:
    if not _postgres():
        return
    schema = op.get_bind().execute(sa.text("SELECT pg_catalog.quote_ident(current_schema())")).scalar_one()
    op.execute(_DRAWN.format(schema=schema))
    op.execute(
        "CREATE TRIGGER audit_events_id_drawn BEFORE INSERT ON audit_events "
        "FOR EACH ROW EXECUTE FUNCTION audit_events_id_drawn()"
    )


def downgrade() -> None:
    if _postgres():
        op.execute("DROP TRIGGER audit_events_id_drawn ON audit_events")
        op.execute("DROP FUNCTION audit_events_id_drawn()")
