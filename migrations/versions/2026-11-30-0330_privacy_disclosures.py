"""privacy: consent expiry, the register of disclosures, subject requests

Adds ``consents.expires_at`` (set from the purpose's validity when a consent is recorded; existing
consents keep no expiry), the ``disclosures`` table (every referral, transfer and notification
that sent a person's data to a third party, with its legal basis), ``case_notes.internal_assessment``
(notes left out of subject access archives; existing notes: false) and ``subject_requests``.

Revision ID: 0801
Revises: 0006
Create Date: 2026-11-30 03:30:00+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import app.core.db

revision: str = "0801"
down_revision: str | Sequence[str] | None = "0601"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # A plain ADD COLUMN (no table rebuild): consents' rows and their children stay untouched.
    op.add_column("consents", sa.Column("expires_at", app.core.db.UTCDateTime(timezone=True), nullable=True))
    op.create_table(
        "disclosures",
        sa.Column("registrant_id", sa.Uuid(), nullable=False),
        sa.Column("desk_id", sa.Uuid(), nullable=False),
        sa.Column("kind", sa.String(length=24), nullable=False),
        sa.Column("purpose", sa.String(length=48), nullable=False),
        sa.Column("recipient_type", sa.String(length=24), nullable=False),
        sa.Column("recipient_id", sa.String(length=64), nullable=True),
        sa.Column("recipient_name", sa.String(length=200), nullable=False),
        sa.Column("entity_type", sa.String(length=32), nullable=True),
        sa.Column("entity_id", sa.String(length=64), nullable=True),
        sa.Column("fields", sa.JSON(), nullable=False),
        sa.Column("legal_basis", sa.String(length=24), nullable=False),
        sa.Column("consent_id", sa.Integer(), nullable=True),
        sa.Column("justification", sa.Text(), nullable=True),
        sa.Column("disclosed_at", app.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("disclosed_by", sa.Uuid(), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(["consent_id"], ["consents.id"], name=op.f("fk_disclosures_consent_id_consents")),
        sa.ForeignKeyConstraint(["desk_id"], ["desks.id"], name=op.f("fk_disclosures_desk_id_desks")),
        sa.ForeignKeyConstraint(
            ["registrant_id"], ["registrants.id"], name=op.f("fk_disclosures_registrant_id_registrants")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_disclosures")),
    )
    op.create_index("ix_disclosures_desk_disclosed", "disclosures", ["desk_id", "disclosed_at", "id"], unique=False)
    op.create_index("ix_disclosures_registrant", "disclosures", ["registrant_id"], unique=False)
    op.add_column(
        "case_notes", sa.Column("internal_assessment", sa.Boolean(), server_default=sa.false(), nullable=False)
    )
    op.create_table(
        "subject_requests",
        sa.Column("registrant_id", sa.Uuid(), nullable=False),
        sa.Column("desk_id", sa.Uuid(), nullable=False),
        sa.Column("kind", sa.String(length=24), nullable=False),
        sa.Column("channel", sa.String(length=32), nullable=False),
        sa.Column("received_on", sa.Date(), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=False),
        sa.Column("recorded_at", app.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("recorded_by", sa.Uuid(), nullable=True),
        sa.Column("fulfilled_at", app.core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("fulfilled_by", sa.Uuid(), nullable=True),
        sa.Column("archive_sha256", sa.String(length=64), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(["desk_id"], ["desks.id"], name=op.f("fk_subject_requests_desk_id_desks")),
        sa.ForeignKeyConstraint(
            ["registrant_id"], ["registrants.id"], name=op.f("fk_subject_requests_registrant_id_registrants")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_subject_requests")),
    )
    op.create_index(
        "ix_subject_requests_desk_received", "subject_requests", ["desk_id", "received_on", "id"], unique=False
    )
    op.create_index(op.f("ix_subject_requests_registrant_id"), "subject_requests", ["registrant_id"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_subject_requests_registrant_id"), table_name="subject_requests")
    op.drop_index("ix_subject_requests_desk_received", table_name="subject_requests")
    op.drop_table("subject_requests")
    with op.batch_alter_table("case_notes") as batch_op:
        batch_op.drop_column("internal_assessment")
    op.drop_index("ix_disclosures_registrant", table_name="disclosures")
    op.drop_index("ix_disclosures_desk_disclosed", table_name="disclosures")
    op.drop_table("disclosures")
    with op.batch_alter_table("consents") as batch_op:
        batch_op.drop_column("expires_at")
