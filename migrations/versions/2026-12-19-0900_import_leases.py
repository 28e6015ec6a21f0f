"""import leases: a desk's import lock on PostgreSQL is a row, not a connection held for the run

A register import held the desk's lock as a transaction-level advisory lock on a connection of its
own, idle in its transaction for the whole run: behind PgBouncer in transaction mode, a server
connection per running import, taken from every other request. The lock is now a lease row,
``import_leases`` (``app.imports.holding``), taken and renewed in short transactions; a lease
past ``expires_at`` is a dead run's. Downgrade drops the table.

Revision ID: 4001
Revises: 3901
Create Date: 2026-12-19 09:00:00+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "4001"
down_revision: str | Sequence[str] | None = "3901"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "import_leases",
        sa.Column("holder", sa.Uuid(), nullable=False),
        sa.Column("desk_id", sa.Uuid(), nullable=False),
        sa.Column("kind", sa.String(length=8), nullable=False),
        sa.Column("batch_id", sa.Uuid(), nullable=True),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["desk_id"], ["desks.id"], name=op.f("fk_import_leases_desk_id_desks"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("holder", name=op.f("pk_import_leases")),
    )
    op.create_index(op.f("ix_import_leases_desk_id"), "import_leases", ["desk_id"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_import_leases_desk_id"), table_name="import_leases")
    op.drop_table("import_leases")
