"""imports: a batch's status, for imports committed in chunks

``import_batches.status``: ``running`` while an import's chunks are being committed,
``completed`` once every row is stored, ``interrupted`` when the run failed after committing
some chunks (re-running the same file resumes it). Existing batches were written in one
transaction: ``completed``.

Revision ID: 1401
Revises: 0801
Create Date: 2026-11-30 07:00:00+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "1401"
down_revision: str | Sequence[str] | None = "1301"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column(
        "import_batches",
        sa.Column("status", sa.String(length=16), server_default="completed", nullable=False),
    )


def downgrade() -> None:
    with op.batch_alter_table("import_batches") as batch:
        batch.drop_column("status")
