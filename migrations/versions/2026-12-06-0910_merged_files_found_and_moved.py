"""merged files: their spellings find the survivor; their self-service accounts moved to it

A merge now leaves the merged file its match keys (search and the duplicate check find the
survivor by them) and moves its self-service accounts, its link codes and (when the survivor has
none) its notification preference to the survivor, recorded in the merge's snapshot so that an
unmerge gives them back (``app.merges.moves``). For the merges in force before this revision:

1. The files merged into another (not anonymised) are keyed again (``app.registrants.rekey``):
   the merge had removed their keys.
2. The accounts and link codes of such a file, and its notification preference when its survivor
   has none, are moved to the survivor, and their ids added to the merge's ``snapshot["moved"]``
   (a merge whose snapshot was emptied by an erasure is final: nothing is recorded).
3. PostgreSQL: a partial GIN index over the name terms of merged files only
   (``ix_registrants_merged_name_terms``: the expression of ``ix_registrants_name_terms``,
   ``app.registrants.models.NAME_TERMS_SQL``), through which a name search finds the survivors of
   the merged files the name matches without reading the rest of the registry.

Downgrade drops the index; keys and moved records stay where they are (older code leaves merged
files out of search and blocking, and reads an account's file wherever it is).

Revision ID: 2601
Revises: 2701
Create Date: 2026-12-06 09:00:00+00:00
"""

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op

revision: str = "2601"
down_revision: str | Sequence[str] | None = "2701"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The same expression as app.registrants.models.NAME_TERMS_SQL (the planner uses the index only
# for a query spelling it identically).
TERMS = (
    "string_to_array('w:' || replace(given_names_key || ' ' || family_name_key || "
    "coalesce(' ' || name_arabic_key, ''), ' ', ' w:') || ' n:' || replace(given_names_phonetic || ' ' || "
    "family_name_phonetic || coalesce(' ' || name_arabic_phonetic, ''), ' ', ' n:'), ' ')"
)
INDEX = "ix_registrants_merged_name_terms"


def upgrade() -> None:
    bind = op.get_bind()
    meta = sa.MetaData()
    registrants = sa.Table("registrants", meta, autoload_with=bind)
    merged = bind.execute(
        sa.select(registrants.c.id, registrants.c.merged_into_id).where(
            registrants.c.merged_into_id.is_not(None), registrants.c.anonymised_at.is_(None)
        )
    ).all()
    if merged:
        from app.registrants.rekey import rekey

        rekey(bind, [r.id for r in merged])
        _move_self_service(bind, meta, merged)
    if bind.dialect.name == "postgresql":
        op.execute(
            f"CREATE INDEX {INDEX} ON registrants USING gin (({TERMS})) WITH (fastupdate = off) "
            "WHERE merged_into_id IS NOT NULL"
        )


def _move_self_service(bind: Any, meta: sa.MetaData, merged: Sequence[Any]) -> None:
    merges = sa.Table("registrant_merges", meta, sa.Column("snapshot", sa.JSON), autoload_with=bind)
    accounts = sa.Table("person_accounts", meta, autoload_with=bind)
    codes = sa.Table("self_service_link_codes", meta, autoload_with=bind)
    preferences = sa.Table("notification_preferences", meta, autoload_with=bind)
    for merged_id, survivor_id in merged:
        record = bind.execute(
            sa.select(merges.c.id, merges.c.snapshot)
            .where(merges.c.merged_id == merged_id, merges.c.status == "merged")
            .order_by(merges.c.decided_at.desc())
            .limit(1)
        ).first()
        if record is None or "moved" not in (record.snapshot or {}):
            continue
        moved = dict(record.snapshot["moved"])
        for kind, table in (("person_accounts", accounts), ("link_codes", codes)):
            ids = list(bind.execute(sa.select(table.c.id).where(table.c.registrant_id == merged_id)).scalars())
            if ids:
                bind.execute(sa.update(table).where(table.c.id.in_(ids)).values(registrant_id=survivor_id))
            moved[kind] = [*moved.get(kind, []), *sorted(str(i) for i in ids)]
        has = sa.select(preferences.c.registrant_id).where(preferences.c.registrant_id == sa.bindparam("rid"))
        moved.setdefault("notification_preferences", [])
        if bind.execute(has, {"rid": merged_id}).first() and not bind.execute(has, {"rid": survivor_id}).first():
            bind.execute(
                sa.update(preferences).where(preferences.c.registrant_id == merged_id).values(registrant_id=survivor_id)
            )
            moved["notification_preferences"] = [str(merged_id)]
        bind.execute(
            sa.update(merges).where(merges.c.id == record.id).values(snapshot={**record.snapshot, "moved": moved})
        )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(f"DROP INDEX IF EXISTS {INDEX}")
