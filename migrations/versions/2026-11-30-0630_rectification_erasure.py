"""privacy: correction history, legal holds, erasable audit payloads, anonymised registrants

Adds ``registrant_corrections`` (each field a rectification changed, with its values, reason, who
and when), ``legal_holds`` (files that may not be erased while a hold is in force),
``audit_payloads`` (the personal values audit events refer to by salted digest, deleted by
erasure; the only audit table the application may DELETE from) and ``registrants.anonymised_at``
(existing registrants: null, not anonymised).

Revision ID: 1201
Revises: 0801
Create Date: 2026-11-30 06:30:00+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import app.core.db

revision: str = "1201"
down_revision: str | Sequence[str] | None = "1001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # A plain ADD COLUMN (no table rebuild): registrants' rows and their children stay untouched.
    op.add_column("registrants", sa.Column("anonymised_at", app.core.db.UTCDateTime(timezone=True), nullable=True))
    op.create_table(
        "registrant_corrections",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("registrant_id", sa.Uuid(), nullable=False),
        sa.Column("field", sa.String(length=48), nullable=False),
        sa.Column("old_value", sa.JSON(), nullable=True),
        sa.Column("new_value", sa.JSON(), nullable=True),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("corrected_at", app.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("corrected_by", sa.Uuid(), nullable=True),
        sa.Column("corrected_by_label", sa.String(length=320), nullable=False),
        sa.ForeignKeyConstraint(
            ["registrant_id"], ["registrants.id"], name=op.f("fk_registrant_corrections_registrant_id_registrants")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_registrant_corrections")),
    )
    op.create_index(
        "ix_registrant_corrections_registrant",
        "registrant_corrections",
        ["registrant_id", "corrected_at", "id"],
        unique=False,
    )
    op.create_table(
        "legal_holds",
        sa.Column("registrant_id", sa.Uuid(), nullable=False),
        sa.Column("desk_id", sa.Uuid(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("until", sa.Date(), nullable=True),
        sa.Column("set_at", app.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("set_by", sa.Uuid(), nullable=True),
        sa.Column("set_by_label", sa.String(length=320), nullable=False),
        sa.Column("released_at", app.core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("released_by", sa.Uuid(), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(["desk_id"], ["desks.id"], name=op.f("fk_legal_holds_desk_id_desks")),
        sa.ForeignKeyConstraint(
            ["registrant_id"], ["registrants.id"], name=op.f("fk_legal_holds_registrant_id_registrants")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_legal_holds")),
    )
    op.create_index("ix_legal_holds_registrant", "legal_holds", ["registrant_id"], unique=False)
    op.create_table(
        "audit_payloads",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("registrant_id", sa.Uuid(), nullable=False),
        sa.Column("salt", sa.String(length=32), nullable=False),
        sa.Column("value", sa.JSON(), nullable=False),
        sa.Column("created_at", app.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_payloads")),
    )
    op.create_index(op.f("ix_audit_payloads_registrant_id"), "audit_payloads", ["registrant_id"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_audit_payloads_registrant_id"), table_name="audit_payloads")
    op.drop_table("audit_payloads")
    op.drop_index("ix_legal_holds_registrant", table_name="legal_holds")
    op.drop_table("legal_holds")
    op.drop_index("ix_registrant_corrections_registrant", table_name="registrant_corrections")
    op.drop_table("registrant_corrections")
    with op.batch_alter_table("registrants") as batch_op:
        batch_op.drop_column("anonymised_at")
