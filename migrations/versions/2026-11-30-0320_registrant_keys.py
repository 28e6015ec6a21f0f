"""registrant match keys: one indexed (kind, value) row per key, backfilled for every registrant

Blocking, name search, phone-fragment search and term frequencies look registrants up through
these keys (app/registrants/keys.py); document numbers stay looked up in identity_documents. The backfill computes them with the application's own
normalisation (names, phonetic keys, transliteration), in batches of 1,000 registrants.

Revision ID: 0601
Revises: 0006
Create Date: 2026-11-30 03:20:00+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0601"
down_revision: str | Sequence[str] | None = "0401"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BATCH = 1000


def upgrade() -> None:
    op.create_table(
        "registrant_keys",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("registrant_id", sa.Uuid(), nullable=False),
        sa.Column("kind", sa.String(length=4), nullable=False),
        sa.Column("value", sa.String(length=200), nullable=False),
        sa.ForeignKeyConstraint(["registrant_id"], ["registrants.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("registrant_id", "kind", "value"),
    )
    op.create_index("ix_registrant_keys_kind_value", "registrant_keys", ["kind", "value"])
    op.create_index(op.f("ix_registrant_keys_registrant_id"), "registrant_keys", ["registrant_id"])
    _backfill()


def _backfill() -> None:
    from app.registrants.keys import all_keys
    from app.registrants.matching import PersonKeys

    bind = op.get_bind()
    meta = sa.MetaData()
    registrants = sa.Table("registrants", meta, autoload_with=bind)
    phones = sa.Table("registrant_phones", meta, autoload_with=bind)
    keys = sa.Table("registrant_keys", meta, autoload_with=bind)
    last = None
    while True:
        stmt = sa.select(
            registrants.c.id, registrants.c.given_names, registrants.c.family_name, registrants.c.date_of_birth,
            registrants.c.sex, registrants.c.place_of_birth, registrants.c.origin_region_code,
            registrants.c.host_city, registrants.c.occupation,
        ).order_by(registrants.c.id).limit(BATCH)  # fmt: skip
        if last is not None:
            stmt = stmt.where(registrants.c.id > last)
        batch = bind.execute(stmt).all()
        if not batch:
            return
        ids = [r.id for r in batch]
        phone_of: dict[object, list[str]] = {}
        for rid, e164 in bind.execute(sa.select(phones.c.registrant_id, phones.c.e164).where(phones.c.registrant_id.in_(ids))):
            phone_of.setdefault(rid, []).append(e164)
        rows = []
        for r in batch:
            person = PersonKeys.of(
                given_names=r.given_names, family_name=r.family_name, date_of_birth=r.date_of_birth, sex=r.sex,
                phones=phone_of.get(r.id, []), place_of_birth=r.place_of_birth, origin_region=r.origin_region_code,
                host_city=r.host_city, occupation=r.occupation,
            )  # fmt: skip
            rows += [{"registrant_id": r.id, "kind": k, "value": v} for k, v in sorted(all_keys(person))]
        if rows:
            bind.execute(sa.insert(keys), rows)
        last = ids[-1]


def downgrade() -> None:
    op.drop_index(op.f("ix_registrant_keys_registrant_id"), table_name="registrant_keys")
    op.drop_index("ix_registrant_keys_kind_value", table_name="registrant_keys")
    op.drop_table("registrant_keys")
