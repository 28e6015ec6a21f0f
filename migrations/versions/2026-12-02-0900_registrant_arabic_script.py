"""registrants: names in Arabic script matched with their Latin spellings; name_arabic searched

An Arabic-script word was keyed by its anyascii consonant skeleton (``محمد`` → ``mhmd``), which the
variant table tied to a few Latin names. It is now kept as its letter classes
(``app.registrants.arabic``) and keyed under every variant-table group it may write, and every name
word gets ``s`` match keys (its consonant classes, ``0``, the word) through which a word is found
from the other script. ``name_arabic`` is matched and searched as another spelling of the person's
name: two new columns, ``name_arabic_key`` and ``name_arabic_phonetic``, hold its folded words and
phonetic keys, and the name-terms GIN index (PostgreSQL, revision 2001) covers them.

1. The two columns are added (text on PostgreSQL, like the other name key columns since 2002).
2. Every registrant gets the ``s`` keys of its ``w`` keys (a Latin word's ``s`` keys follow from the
   word alone), in batches of 10,000 words.
3. The registrants whose keys change otherwise are keyed again with the application's own
   normalisation, in batches of 1,000 (``app.registrants.rekey``), as revision 1901 does: those with a word in Arabic script in
   their names or a ``name_arabic``, and those carrying a skeleton the variant table no longer lists
   (:data:`REMOVED`).
4. PostgreSQL: the GIN index is built again over the new expression
   (``app.registrants.models.NAME_TERMS_SQL``).

Downgrade drops the columns, the ``s`` keys and the new index (the old one is built again); the
registrants keyed again keep their new keys (the older code still finds them by their words).

Revision ID: 2101
Revises: 2002
Create Date: 2026-12-02 09:00:00+00:00
"""

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op

revision: str = "2101"
down_revision: str | Sequence[str] | None = "2002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

WORDS = 10_000
# anyascii skeletons of Arabic-script names the variant table listed as spellings (a Latin token
# spelled so is no name, and an Arabic word is no longer keyed by its skeleton).
REMOVED = (
    "njy", "dywb", "dyalw", "mhmd", "hmd", "bd", "brhym", "mr", "thmn", "shykh", "slymn", "dwd", "bwbkr", "ishh",
    "ftmh", "mryam", "mrym", "amynh", "khdyjh",
)  # fmt: skip
OLD_TERMS = (
    "string_to_array('w:' || replace(given_names_key || ' ' || family_name_key, ' ', ' w:') || ' n:' || "
    "replace(given_names_phonetic || ' ' || family_name_phonetic, ' ', ' n:'), ' ')"
)
# The same expression as app.registrants.models.NAME_TERMS_SQL (the planner uses the index only for
# a query spelling it identically).
TERMS = (
    "string_to_array('w:' || replace(given_names_key || ' ' || family_name_key || "
    "coalesce(' ' || name_arabic_key, ''), ' ', ' w:') || ' n:' || replace(given_names_phonetic || ' ' || "
    "family_name_phonetic || coalesce(' ' || name_arabic_phonetic, ''), ' ', ' n:'), ' ')"
)
INDEX = "ix_registrants_name_terms"


def upgrade() -> None:
    bind = op.get_bind()
    postgresql = bind.dialect.name == "postgresql"
    kind = sa.Text() if postgresql else sa.String(200)
    with op.batch_alter_table("registrants") as batch_op:
        batch_op.add_column(sa.Column("name_arabic_key", kind, nullable=True))
        batch_op.add_column(sa.Column("name_arabic_phonetic", kind, nullable=True))
    from app.registrants.rekey import carrying, rekey, written_in_arabic

    _word_keys(bind, sa.Table("registrant_keys", sa.MetaData(), autoload_with=bind))
    # the registrants whose keys change beyond their "s" keys
    rekey(bind, carrying(bind, REMOVED) | written_in_arabic(bind))
    if postgresql:
        op.execute(f"DROP INDEX IF EXISTS {INDEX}")
        op.execute(f"CREATE INDEX {INDEX} ON registrants USING gin (({TERMS})) WITH (fastupdate = off)")


def _word_keys(bind: Any, keys: sa.Table) -> None:
    """The ``s`` keys of every registrant's words (``w`` keys)."""
    from app.registrants.matching import KEY_VALUE_LENGTH, codes

    bind.execute(sa.delete(keys).where(keys.c.kind == "s"))
    last = 0
    while True:
        stmt = sa.select(keys.c.id, keys.c.registrant_id, keys.c.value).where(keys.c.kind == "w", keys.c.id > last)
        found = bind.execute(stmt.order_by(keys.c.id).limit(WORDS)).all()
        if not found:
            return
        last = found[-1].id
        rows = {
            (r.registrant_id, f"{code}0{r.value}"[:KEY_VALUE_LENGTH]) for r in found for code in codes(r.value)
        }
        if rows:
            bind.execute(sa.insert(keys), [{"registrant_id": i, "kind": "s", "value": v} for i, v in sorted(rows)])


def downgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name == "postgresql":
        op.execute(f"DROP INDEX IF EXISTS {INDEX}")
        op.execute(f"CREATE INDEX {INDEX} ON registrants USING gin (({OLD_TERMS})) WITH (fastupdate = off)")
    keys = sa.Table("registrant_keys", sa.MetaData(), autoload_with=bind)
    bind.execute(sa.delete(keys).where(keys.c.kind == "s"))
    with op.batch_alter_table("registrants") as batch_op:
        batch_op.drop_column("name_arabic_phonetic")
        batch_op.drop_column("name_arabic_key")
