"""refresh tokens carry the token version they were issued under; atomic login throttle counters

``refresh_tokens.token_version``: a refresh is refused when the user's ``token_version`` has moved
on (password, role or active flag changed). Tokens issued before this revision get 0, so they are
refused: their holders log in once more.

``login_throttles``: one row per rate-limit key (an account, a client address, or the pair), the
start of its current window and the failures counted in it, updated with one atomic
``INSERT … ON CONFLICT DO UPDATE … RETURNING`` (app/auth/throttle.py).

Revision ID: 0401
Revises: 0006
Create Date: 2026-11-30 03:20:00+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import app.core.db

revision: str = "0401"
down_revision: str | Sequence[str] | None = "0301"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("refresh_tokens") as batch_op:
        batch_op.add_column(sa.Column("token_version", sa.Integer(), server_default="0", nullable=False))
    op.create_table(
        "login_throttles",
        sa.Column("key", sa.String(length=400), nullable=False),
        sa.Column("window_start", app.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_login_throttles")),
    )


def downgrade() -> None:
    op.drop_table("login_throttles")
    with op.batch_alter_table("refresh_tokens") as batch_op:
        batch_op.drop_column("token_version")
