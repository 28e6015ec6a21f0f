"""audit chain link v2: the chain head records from which event the current link formula applies

Events appended before this revision were hashed as SHA-256 of their canonical JSON including
seq and prev_hash; from ``link_v2_from_seq`` on, as SHA-256 of prev_hash:seq:desk_id:content
digest (app/audit/chain.py). Past events are never rewritten: verify-audit checks each with the
formula of its time.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-29 13:10:00+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | Sequence[str] | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("audit_chain_head") as batch_op:
        batch_op.add_column(sa.Column("link_v2_from_seq", sa.BigInteger(), server_default="1", nullable=False))
    op.execute("UPDATE audit_chain_head SET link_v2_from_seq = seq + 1")


def downgrade() -> None:
    with op.batch_alter_table("audit_chain_head") as batch_op:
        batch_op.drop_column("link_v2_from_seq")
