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
   normalisation, in batches of 1,000, as revision 1901 does: those with a word in Arabic script in
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

BATCH = 1000
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
NAME_COLUMNS = (
    "given_names_key", "family_name_key", "given_names_phonetic", "family_name_phonetic", "name_arabic_key",
    "name_arabic_phonetic",
)  # fmt: skip


def upgrade() -> None:
    bind = op.get_bind()
    postgresql = bind.dialect.name == "postgresql"
    kind = sa.Text() if postgresql else sa.String(200)
    with op.batch_alter_table("registrants") as batch_op:
        batch_op.add_column(sa.Column("name_arabic_key", kind, nullable=True))
        batch_op.add_column(sa.Column("name_arabic_phonetic", kind, nullable=True))
    meta = sa.MetaData()
    registrants = sa.Table("registrants", meta, autoload_with=bind)
    keys = sa.Table("registrant_keys", meta, autoload_with=bind)
    _word_keys(bind, keys)
    _rekey(bind, meta, registrants, keys, sorted(_changed(bind, registrants, keys), key=str))
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


def _changed(bind: Any, registrants: sa.Table, keys: sa.Table) -> set[Any]:
    """The registrants whose keys this revision changes beyond their ``s`` keys."""
    from app.registrants.arabic import is_arabic_letter

    removed = sa.select(keys.c.registrant_id).where(keys.c.kind == "w", keys.c.value.in_(REMOVED))
    found = set(bind.execute(removed).scalars())
    found |= set(bind.execute(sa.select(registrants.c.id).where(registrants.c.name_arabic.is_not(None))).scalars())
    last: Any = None
    while True:
        stmt = sa.select(registrants.c.id, registrants.c.given_names, registrants.c.family_name)
        if last is not None:
            stmt = stmt.where(registrants.c.id > last)
        rows = bind.execute(stmt.order_by(registrants.c.id).limit(WORDS)).all()
        if not rows:
            return found
        last = rows[-1].id
        found |= {r.id for r in rows if any(is_arabic_letter(c) for c in r.given_names + r.family_name)}


def _rekey(bind: Any, meta: sa.MetaData, registrants: sa.Table, keys: sa.Table, ids: list[Any]) -> None:
    """Key ``ids`` again (match keys and name key columns) with the application's normalisation."""
    from app.registrants.keys import key_rows
    from app.registrants.matching import PersonKeys
    from app.registrants.normalize import name_keys

    phones = sa.Table("registrant_phones", meta, autoload_with=bind)
    documents = sa.Table("identity_documents", meta, autoload_with=bind)
    for start in range(0, len(ids), BATCH):
        chunk = ids[start : start + BATCH]
        phone_of: dict[object, list[tuple[str | None, str]]] = {}
        for rid, e164, digits in bind.execute(
            sa.select(phones.c.registrant_id, phones.c.e164, phones.c.digits).where(phones.c.registrant_id.in_(chunk))
        ):
            phone_of.setdefault(rid, []).append((e164, digits or ""))
        documents_of: dict[object, list[tuple[str, str]]] = {}
        for rid, doc_type, number in bind.execute(
            sa.select(documents.c.registrant_id, documents.c.doc_type, documents.c.number).where(
                documents.c.registrant_id.in_(chunk)
            )
        ):
            documents_of.setdefault(rid, []).append((doc_type, number))
        rows, names, keyed = [], [], []
        for r in bind.execute(sa.select(registrants).where(registrants.c.id.in_(chunk))).all():
            named = name_keys(r.given_names, r.family_name, r.name_arabic)
            names.append({"rid": r.id, **{f"new_{c}": v for c, v in vars(named).items()}})
            if r.merged_into_id is not None or r.anonymised_at is not None:
                continue  # a merged file has no keys (an unmerge writes them); an anonymised one keeps none
            numbers = phone_of.get(r.id, [])
            person = PersonKeys.of(
                given_names=r.given_names, family_name=r.family_name, date_of_birth=r.date_of_birth, sex=r.sex,
                phones=[e for e, _ in numbers if e is not None], typed_documents=documents_of.get(r.id, []),
                place_of_birth=r.place_of_birth, origin_region=r.origin_region_code,
                arrival_date=r.arrival_date.isoformat() if r.arrival_date else None, email=r.email,
                host_city=r.host_city, occupation=r.occupation, name_arabic=r.name_arabic,
            )  # fmt: skip
            # as app.registrants.keys.rows_of: an unverified number is found by its digits
            unverified = {("t", digits[::-1]) for e, digits in numbers if e is None and digits}
            rows += key_rows(r.id, person, extra=unverified)
            keyed.append(r.id)
        if names:
            renamed = sa.update(registrants).where(registrants.c.id == sa.bindparam("rid"))
            bind.execute(renamed.values({c: sa.bindparam(f"new_{c}") for c in NAME_COLUMNS}), names)
        if keyed:
            bind.execute(sa.delete(keys).where(keys.c.registrant_id.in_(keyed)))
        if rows:
            bind.execute(sa.insert(keys), rows)


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
