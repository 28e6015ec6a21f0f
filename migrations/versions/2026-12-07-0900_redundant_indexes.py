"""drop four indexes that another index of the same table already serves

Each of these single-column indexes is the leading column of a unique index of its table, which
answers the same lookups (PostgreSQL documentation, "Multicolumn Indexes": a B-tree index is used
for conditions on its leading columns): every insert paid for a second copy of the same ordering.

* ``ix_registrants_desk_id``: ``ix_registrants_desk_created`` (desk_id, created_at, id) and
  ``ix_registrants_desk_registered`` (desk_id, registered_on);
* ``ix_registrant_phones_registrant_id``: the unique (registrant_id, e164);
* ``ix_identity_documents_registrant_id``: the unique (registrant_id, doc_type, number);
* ``ix_registrant_keys_registrant_id``: the unique (registrant_id, kind, value).

The foreign keys' cascades (a registrant's phones, documents and keys deleted with it) find the
rows through those unique indexes. Downgrade creates the four indexes again.

Revision ID: 2801
Revises: 2601
Create Date: 2026-12-07 09:00:00+00:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "2801"
down_revision: str | Sequence[str] | None = "2601"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

REDUNDANT = [
    ("ix_registrants_desk_id", "registrants", "desk_id"),
    ("ix_registrant_phones_registrant_id", "registrant_phones", "registrant_id"),
    ("ix_identity_documents_registrant_id", "identity_documents", "registrant_id"),
    ("ix_registrant_keys_registrant_id", "registrant_keys", "registrant_id"),
]


def upgrade() -> None:
    for name, table, _ in REDUNDANT:
        op.drop_index(name, table_name=table)


def downgrade() -> None:
    for name, table, column in REDUNDANT:
        op.create_index(name, table, [column])
