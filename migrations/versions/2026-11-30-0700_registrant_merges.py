"""registrant merges and the resolution of flagged import rows

Adds ``registrants.merged_into_id`` (the survivor a merged file points to), the
``registrant_merges`` table (each merge with its field choices and the snapshot an unmerge
restores), ``desks.merge_requires_approval`` (existing desks: false, agents merge directly) and
``import_rows.resolved_at``/``resolved_by`` (who resolved a flagged row, and when).

Revision ID: 1301
Revises: 0801
Create Date: 2026-11-30 07:00:00+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import app.core.db

revision: str = "1301"
down_revision: str | Sequence[str] | None = "1201"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("registrants") as batch_op:
        batch_op.add_column(sa.Column("merged_into_id", sa.Uuid(), nullable=True))
        batch_op.create_index(batch_op.f("ix_registrants_merged_into_id"), ["merged_into_id"], unique=False)
        batch_op.create_foreign_key(
            batch_op.f("fk_registrants_merged_into_id_registrants"), "registrants", ["merged_into_id"], ["id"]
        )
    op.add_column(
        "desks", sa.Column("merge_requires_approval", sa.Boolean(), server_default=sa.false(), nullable=False)
    )
    op.add_column("import_rows", sa.Column("resolved_at", app.core.db.UTCDateTime(timezone=True), nullable=True))
    op.add_column("import_rows", sa.Column("resolved_by", sa.Uuid(), nullable=True))
    op.create_table(
        "registrant_merges",
        sa.Column("survivor_id", sa.Uuid(), nullable=False),
        sa.Column("merged_id", sa.Uuid(), nullable=False),
        sa.Column("desk_id", sa.Uuid(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("choices", sa.JSON(), nullable=False),
        sa.Column("survivor_version", sa.Integer(), nullable=False),
        sa.Column("merged_version", sa.Integer(), nullable=False),
        sa.Column("snapshot", sa.JSON(), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("proposed_by", sa.Uuid(), nullable=True),
        sa.Column("proposed_at", app.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("decided_by", sa.Uuid(), nullable=True),
        sa.Column("decided_at", app.core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("unmerged_by", sa.Uuid(), nullable=True),
        sa.Column("unmerged_at", app.core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(["desk_id"], ["desks.id"], name=op.f("fk_registrant_merges_desk_id_desks")),
        sa.ForeignKeyConstraint(
            ["merged_id"], ["registrants.id"], name=op.f("fk_registrant_merges_merged_id_registrants")
        ),
        sa.ForeignKeyConstraint(
            ["survivor_id"], ["registrants.id"], name=op.f("fk_registrant_merges_survivor_id_registrants")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_registrant_merges")),
    )
    op.create_index(
        "ix_registrant_merges_desk_status", "registrant_merges", ["desk_id", "status", "proposed_at"], unique=False
    )
    op.create_index("ix_registrant_merges_merged", "registrant_merges", ["merged_id"], unique=False)
    op.create_index(
        op.f("ix_registrant_merges_survivor_id"), "registrant_merges", ["survivor_id"], unique=False
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_registrant_merges_survivor_id"), table_name="registrant_merges")
    op.drop_index("ix_registrant_merges_merged", table_name="registrant_merges")
    op.drop_index("ix_registrant_merges_desk_status", table_name="registrant_merges")
    op.drop_table("registrant_merges")
    op.drop_column("import_rows", "resolved_by")
    op.drop_column("import_rows", "resolved_at")
    op.drop_column("desks", "merge_requires_approval")
    with op.batch_alter_table("registrants") as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_registrants_merged_into_id_registrants"), type_="foreignkey")
        batch_op.drop_index(batch_op.f("ix_registrants_merged_into_id"))
        batch_op.drop_column("merged_into_id")
