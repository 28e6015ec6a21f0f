"""unverified phones: a number the phone library cannot validate is kept on the person, flagged

``registrant_phones`` gains ``verified`` (true for every existing row: they were all validated),
``raw`` (the number as typed; null on existing rows) and ``digits`` (the digits phone search
matches; backfilled from ``e164``), and ``e164`` becomes nullable (null for an unverified number).

Revision ID: 0101
Revises: 0006
Create Date: 2026-11-30 03:30:00+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0101"
down_revision: str | Sequence[str] | None = "0501"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("registrant_phones") as batch_op:
        batch_op.add_column(sa.Column("verified", sa.Boolean(), server_default=sa.true(), nullable=False))
        batch_op.add_column(sa.Column("raw", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("digits", sa.String(length=20), server_default="", nullable=False))
        batch_op.alter_column("e164", existing_type=sa.String(length=20), nullable=True)
        batch_op.create_index(batch_op.f("ix_registrant_phones_digits"), ["digits"], unique=False)
    op.execute("UPDATE registrant_phones SET digits = substr(e164, 2) WHERE e164 IS NOT NULL")


def downgrade() -> None:
    # An unverified number has no E.164 form: it cannot stay once e164 is NOT NULL again.
    op.execute("DELETE FROM registrant_phones WHERE e164 IS NULL")
    with op.batch_alter_table("registrant_phones") as batch_op:
        batch_op.drop_index(batch_op.f("ix_registrant_phones_digits"))
        batch_op.alter_column("e164", existing_type=sa.String(length=20), nullable=False)
        batch_op.drop_column("digits")
        batch_op.drop_column("raw")
        batch_op.drop_column("verified")
