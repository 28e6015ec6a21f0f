"""term frequencies: the common match keys counted ahead of the requests that weigh them

A registration's duplicate check counted each of the person's match keys on the request; a common
key (``Ndèye Fatou``: 25,000 carriers in a registry of 1,000,000) cost 35 to 180 ms to count. The
worker now keeps the counts of the keys carried by at least 1,000 registrants, and the registry's
size (row ``("*", "")``), in ``term_frequencies`` (``app.registrants.frequencies``), and requests
read them there. This revision creates the table and counts them once, so an upgraded registry has
them before the worker's first run. Downgrade drops the table.

Revision ID: 3001
Revises: 2901
Create Date: 2026-12-09 09:00:00+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "3001"
down_revision: str | Sequence[str] | None = "2901"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "term_frequencies",
        sa.Column("kind", sa.String(length=4), nullable=False),
        sa.Column("value", sa.String(length=200), nullable=False),
        sa.Column("registrants", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("kind", "value", name=op.f("pk_term_frequencies")),
    )
    op.execute(
        "INSERT INTO term_frequencies (kind, value, registrants) "
        "SELECT kind, value, count(registrant_id) FROM registrant_keys GROUP BY kind, value "
        "HAVING count(registrant_id) >= 1000"
    )
    op.execute("INSERT INTO term_frequencies (kind, value, registrants) SELECT '*', '', count(*) FROM registrants")


def downgrade() -> None:
    op.drop_table("term_frequencies")
