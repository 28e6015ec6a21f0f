"""import rows: the reason a row was rejected, in French as well

``import_rows.reason_fr`` holds the French wording of ``reason`` (a desk's staff read the import
report in French); each warning in ``warnings`` carries ``message_fr`` beside ``message``, which
needs no change of schema. Rows stored before this revision keep their English reason only
(``reason_fr`` null): the web client shows it as it was written.

Revision ID: 3301
Revises: 3201
Create Date: 2026-12-12 09:00:00+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "3301"
down_revision: str | Sequence[str] | None = "3201"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("import_rows", sa.Column("reason_fr", sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("import_rows") as batch:
        batch.drop_column("reason_fr")
