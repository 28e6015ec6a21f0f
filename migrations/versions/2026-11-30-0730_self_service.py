"""self-service: the people served's accounts, their one-time sign-in codes, the desk's link codes

Adds ``person_accounts`` (a phone number or e-mail address proven by a one-time code; the
registrant file a desk linked it to), ``one_time_codes`` (sign-in codes stored as keyed HMACs,
with their tries; the rows the sending limits count) and ``self_service_link_codes`` (codes an
agent hands to a person after checking their identity, stored as keyed HMACs).

Revision ID: 1101
Revises: 0901
Create Date: 2026-11-30 07:30:00+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import app.core.db

revision: str = "1101"
down_revision: str | Sequence[str] | None = "0901"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

UTC = app.core.db.UTCDateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "person_accounts",
        sa.Column("kind", sa.String(length=8), nullable=False),
        sa.Column("identifier", sa.String(length=320), nullable=False),
        sa.Column("registrant_id", sa.Uuid(), nullable=True),
        sa.Column("linked_at", UTC, nullable=True),
        sa.Column("linked_by", sa.Uuid(), nullable=True),
        sa.Column("language", sa.String(length=16), nullable=False),
        sa.Column("token_version", sa.Integer(), nullable=False),
        sa.Column("link_failures", sa.Integer(), nullable=False),
        sa.Column("created_at", UTC, nullable=False),
        sa.Column("last_sign_in_at", UTC, nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["registrant_id"],
            ["registrants.id"],
            name=op.f("fk_person_accounts_registrant_id_registrants"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_person_accounts")),
        sa.UniqueConstraint("identifier", name=op.f("uq_person_accounts_identifier")),
    )
    op.create_index(op.f("ix_person_accounts_registrant_id"), "person_accounts", ["registrant_id"], unique=False)
    op.create_table(
        "one_time_codes",
        sa.Column("identifier", sa.String(length=320), nullable=False),
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.Column("code_hash", sa.String(length=64), nullable=False),
        sa.Column("ip", sa.String(length=64), nullable=True),
        sa.Column("created_at", UTC, nullable=False),
        sa.Column("expires_at", UTC, nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("consumed_at", UTC, nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_one_time_codes")),
    )
    op.create_index(
        "ix_one_time_codes_identifier_created", "one_time_codes", ["identifier", "created_at"], unique=False
    )
    op.create_index("ix_one_time_codes_ip_created", "one_time_codes", ["ip", "created_at"], unique=False)
    op.create_table(
        "self_service_link_codes",
        sa.Column("registrant_id", sa.Uuid(), nullable=False),
        sa.Column("desk_id", sa.Uuid(), nullable=False),
        sa.Column("code_digest", sa.String(length=64), nullable=False),
        sa.Column("issued_by", sa.Uuid(), nullable=False),
        sa.Column("issued_at", UTC, nullable=False),
        sa.Column("expires_at", UTC, nullable=False),
        sa.Column("used_at", UTC, nullable=True),
        sa.Column("used_by_account_id", sa.Uuid(), nullable=True),
        sa.Column("revoked_at", UTC, nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(["desk_id"], ["desks.id"], name=op.f("fk_self_service_link_codes_desk_id_desks")),
        sa.ForeignKeyConstraint(
            ["registrant_id"],
            ["registrants.id"],
            name=op.f("fk_self_service_link_codes_registrant_id_registrants"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_self_service_link_codes")),
        sa.UniqueConstraint("code_digest", name=op.f("uq_self_service_link_codes_code_digest")),
    )
    op.create_index(
        op.f("ix_self_service_link_codes_registrant_id"), "self_service_link_codes", ["registrant_id"], unique=False
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_self_service_link_codes_registrant_id"), table_name="self_service_link_codes")
    op.drop_table("self_service_link_codes")
    op.drop_index("ix_one_time_codes_ip_created", table_name="one_time_codes")
    op.drop_index("ix_one_time_codes_identifier_created", table_name="one_time_codes")
    op.drop_table("one_time_codes")
    op.drop_index(op.f("ix_person_accounts_registrant_id"), table_name="person_accounts")
    op.drop_table("person_accounts")
