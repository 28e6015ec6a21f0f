"""registrant match keys: a covering (kind, value, registrant_id) index and combined block keys

Blocking and search read ``registrant_id`` for a ``(kind, value)``: with it in the index the
lookups are index-only scans (no table row fetched per key). New kinds stand in for a block key
shared by very many registrants (app/registrants/keys.py): ``dn`` (full birth date + one name
token's phonetic key), ``gfx`` (a given/family pair of someone without a full birth date) and
``gfa`` (the pair + arrival date); they are backfilled here in SQL from the stored keys (a key
already there, written by an older backfill, is not written twice).

Revision ID: 1801
Revises: 1401
Create Date: 2026-11-30 10:00:00+00:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "1801"
down_revision: str | Sequence[str] | None = "1401"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

GFX = """
INSERT INTO registrant_keys (registrant_id, kind, value)
SELECT k.registrant_id, 'gfx', k.value
FROM registrant_keys k JOIN registrants r ON r.id = k.registrant_id
WHERE k.kind = 'gf' AND (r.date_of_birth IS NULL OR length(r.date_of_birth) < 10)
  AND NOT EXISTS (SELECT 1 FROM registrant_keys x
                  WHERE x.registrant_id = k.registrant_id AND x.kind = 'gfx' AND x.value = k.value)
"""
DN = """
INSERT INTO registrant_keys (registrant_id, kind, value)
SELECT d.registrant_id, 'dn', substr(d.value || ' ' || n.value, 1, 200)
FROM registrant_keys d JOIN registrant_keys n ON n.registrant_id = d.registrant_id AND n.kind = 'n'
WHERE d.kind = 'd'
  AND NOT EXISTS (SELECT 1 FROM registrant_keys x WHERE x.registrant_id = d.registrant_id AND x.kind = 'dn'
                  AND x.value = substr(d.value || ' ' || n.value, 1, 200))
"""
GFA = """
INSERT INTO registrant_keys (registrant_id, kind, value)
SELECT k.registrant_id, 'gfa', substr(k.value || ' ' || CAST(r.arrival_date AS VARCHAR), 1, 200)
FROM registrant_keys k JOIN registrants r ON r.id = k.registrant_id
WHERE k.kind = 'gf' AND r.arrival_date IS NOT NULL
  AND NOT EXISTS (SELECT 1 FROM registrant_keys x WHERE x.registrant_id = k.registrant_id AND x.kind = 'gfa'
                  AND x.value = substr(k.value || ' ' || CAST(r.arrival_date AS VARCHAR), 1, 200))
"""


def upgrade() -> None:
    op.create_index("ix_registrant_keys_kind_value_registrant", "registrant_keys", ["kind", "value", "registrant_id"])
    op.drop_index("ix_registrant_keys_kind_value", table_name="registrant_keys")
    for statement in (GFX, DN, GFA):
        op.execute(statement)


def downgrade() -> None:
    op.execute("DELETE FROM registrant_keys WHERE kind IN ('dn', 'gfx', 'gfa')")
    op.create_index("ix_registrant_keys_kind_value", "registrant_keys", ["kind", "value"])
    op.drop_index("ix_registrant_keys_kind_value_registrant", table_name="registrant_keys")
