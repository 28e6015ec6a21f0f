"""registrant_keys: the unique (registrant_id, kind, value) becomes the primary key; ``id`` goes

A match key is identified by what it is: its registrant, kind and value, already unique. The
surrogate ``id`` (a sequence value per key, nothing refers to it) cost every registration about
twenty ``nextval`` calls and as many entries in a third B-tree index: on PostgreSQL, 400,000 keys
of 20,000 registrants inserted in 8.0 and 8.6 s with it, 7.6 and 6.8 s without (alternating runs
on a busy two-core machine).

On PostgreSQL the primary key's index is built (once, from the table; the unique constraint's
index cannot be taken over, PostgreSQL ties an index to one constraint), then the unique
constraint dropped; SQLite's table is copied (Alembic batch mode). Downgrade gives the keys an
``id`` again, numbered in no particular order.

The upgrade holds an exclusive lock on ``registrant_keys`` while the index is built, so
registrations, searches and duplicate checks wait until ``migrate`` ends: about 7 s for 2,000,000
keys (the downgrade, which rewrites the table, about 34 s). Run it when the desks are closed.

Revision ID: 3501
Revises: 3401
Create Date: 2026-12-14 09:00:00+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "3501"
down_revision: str | Sequence[str] | None = "3401"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

UNIQUE = "uq_registrant_keys_registrant_id_kind_value"
PRIMARY = "pk_registrant_keys"
COLUMNS = ["registrant_id", "kind", "value"]


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.drop_constraint(PRIMARY, "registrant_keys", type_="primary")
        op.create_primary_key(PRIMARY, "registrant_keys", COLUMNS)
        op.drop_constraint(UNIQUE, "registrant_keys", type_="unique")
        op.drop_column("registrant_keys", "id")
        return
    with op.batch_alter_table("registrant_keys", recreate="always") as batch:
        batch.drop_constraint(UNIQUE, type_="unique")
        batch.drop_constraint(PRIMARY, type_="primary")
        batch.drop_column("id")
        batch.create_primary_key(PRIMARY, COLUMNS)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.create_unique_constraint(UNIQUE, "registrant_keys", COLUMNS)
        op.drop_constraint(PRIMARY, "registrant_keys", type_="primary")
        op.execute("ALTER TABLE registrant_keys ADD COLUMN id serial")
        op.create_primary_key(PRIMARY, "registrant_keys", ["id"])
        return
    with op.batch_alter_table("registrant_keys", recreate="always") as batch:
        batch.drop_constraint(PRIMARY, type_="primary")
        batch.add_column(sa.Column("id", sa.Integer(), nullable=True))
        batch.create_unique_constraint(UNIQUE, COLUMNS)
    op.execute("UPDATE registrant_keys SET id = rowid")
    with op.batch_alter_table("registrant_keys", recreate="always") as batch:
        batch.alter_column("id", existing_type=sa.Integer(), nullable=False)
        batch.create_primary_key(PRIMARY, ["id"])
