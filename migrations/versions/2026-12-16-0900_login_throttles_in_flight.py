"""login_throttles: attempts in flight are told from verified failures

Each login attempt reserves a failure under its keys before its password is checked, so parallel
guesses cannot all read the same old count. The table did not say which of a key's ``failures``
were verified and which still awaited their verdict, so simultaneous correct logins to one account
beyond ``LOGIN_MAX_FAILURES`` were refused as "too many failed attempts, retry in 15 minutes".

* ``in_flight``: how many of ``failures`` are attempts awaiting their verdict (0 for the rows
  there are: nothing is in flight across a deployment that matters, and a row lives one window);
* ``in_flight_until``: when they count as failures after all (their request died), null: none.

Downgrade drops both columns (attempts in flight then count as failures, as before).

Revision ID: 3701
Revises: 3601
Create Date: 2026-12-16 09:00:00+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import app.core.db

revision: str = "3701"
down_revision: str | Sequence[str] | None = "3601"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("login_throttles") as batch_op:
        batch_op.add_column(sa.Column("in_flight", sa.Integer(), server_default="0", nullable=False))
        batch_op.add_column(sa.Column("in_flight_until", app.core.db.UTCDateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("login_throttles") as batch_op:
        batch_op.drop_column("in_flight_until")
        batch_op.drop_column("in_flight")
