"""app clients: registered OAuth 2.0 clients, authorization codes, their refresh tokens, revoked
access tokens and per-client request counters

Revision ID: 1001
Revises: 0801
Create Date: 2026-11-30 06:40:00+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import app.core.db

revision: str = "1001"
down_revision: str | Sequence[str] | None = "1101"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "app_clients",
        sa.Column("client_id", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("client_type", sa.String(length=16), nullable=False),
        sa.Column("secret_digest", sa.String(length=64), nullable=True),
        sa.Column("redirect_uris", sa.JSON(), nullable=False),
        sa.Column("scopes", sa.JSON(), nullable=False),
        sa.Column("rate_limit_per_minute", sa.Integer(), nullable=False),
        sa.Column("service_user_id", sa.Uuid(), nullable=True),
        sa.Column("created_by", sa.Uuid(), nullable=True),
        sa.Column("created_at", app.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", app.core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["service_user_id"],
            ["staff_users.id"],
            name=op.f("fk_app_clients_service_user_id_staff_users"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_app_clients")),
        sa.UniqueConstraint("client_id", name=op.f("uq_app_clients_client_id")),
    )
    op.create_table(
        "oauth_authorization_codes",
        sa.Column("digest", sa.String(length=64), nullable=False),
        sa.Column("client_pk", sa.Uuid(), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("redirect_uri", sa.String(length=2000), nullable=False),
        sa.Column("scope", sa.String(length=500), nullable=False),
        sa.Column("code_challenge", sa.String(length=128), nullable=False),
        sa.Column("code_challenge_method", sa.String(length=8), nullable=False),
        sa.Column("issued_at", app.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("expires_at", app.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("used_at", app.core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["client_pk"],
            ["app_clients.id"],
            name=op.f("fk_oauth_authorization_codes_client_pk_app_clients"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["staff_users.id"],
            name=op.f("fk_oauth_authorization_codes_user_id_staff_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_oauth_authorization_codes")),
        sa.UniqueConstraint("digest", name=op.f("uq_oauth_authorization_codes_digest")),
    )
    op.create_index(
        op.f("ix_oauth_authorization_codes_client_pk"), "oauth_authorization_codes", ["client_pk"], unique=False
    )
    op.create_table(
        "oauth_refresh_tokens",
        sa.Column("digest", sa.String(length=64), nullable=False),
        sa.Column("client_pk", sa.Uuid(), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("scope", sa.String(length=500), nullable=False),
        sa.Column("token_version", sa.Integer(), nullable=False),
        sa.Column("issued_at", app.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("expires_at", app.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", app.core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["client_pk"],
            ["app_clients.id"],
            name=op.f("fk_oauth_refresh_tokens_client_pk_app_clients"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["staff_users.id"], name=op.f("fk_oauth_refresh_tokens_user_id_staff_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_oauth_refresh_tokens")),
        sa.UniqueConstraint("digest", name=op.f("uq_oauth_refresh_tokens_digest")),
    )
    op.create_index(op.f("ix_oauth_refresh_tokens_client_pk"), "oauth_refresh_tokens", ["client_pk"], unique=False)
    op.create_index(op.f("ix_oauth_refresh_tokens_user_id"), "oauth_refresh_tokens", ["user_id"], unique=False)
    op.create_table(
        "app_client_rate_windows",
        sa.Column("client_id", sa.String(length=64), nullable=False),
        sa.Column("window_start", app.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("requests", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("client_id", name=op.f("pk_app_client_rate_windows")),
    )
    op.create_table(
        "oauth_revoked_access_tokens",
        sa.Column("jti", sa.String(length=64), nullable=False),
        sa.Column("expires_at", app.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("jti", name=op.f("pk_oauth_revoked_access_tokens")),
    )


def downgrade() -> None:
    op.drop_table("oauth_revoked_access_tokens")
    op.drop_table("app_client_rate_windows")
    op.drop_index(op.f("ix_oauth_refresh_tokens_user_id"), table_name="oauth_refresh_tokens")
    op.drop_index(op.f("ix_oauth_refresh_tokens_client_pk"), table_name="oauth_refresh_tokens")
    op.drop_table("oauth_refresh_tokens")
    op.drop_index(op.f("ix_oauth_authorization_codes_client_pk"), table_name="oauth_authorization_codes")
    op.drop_table("oauth_authorization_codes")
    op.drop_table("app_clients")
