"""registrant match keys: re-key the registrants carrying a spelling the variant table gained

The variant table (app/registrants/matching.py) learnt Wolof, Pulaar and Gambian spellings of
names it already knew (Seex for Cheikh, Njie for Ndiaye, Ceesay for Cissé…). A spelling's
phonetic key is stored in ``registrant_keys``, so the registrants whose names carry one are found
by their folded-token (``w``) keys and their keys computed again with the application's own
normalisation, in batches of 1,000 registrants, with the phonetic name columns of ``registrants``
(``given_names_phonetic``, ``family_name_phonetic``). Everyone else's keys are unchanged.

Downgrade leaves the keys as the newer table made them (the older code still finds these people
by their folded tokens; upgrading again re-keys them).

Revision ID: 1901
Revises: 1801
Create Date: 2026-11-30 19:00:00+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "1901"
down_revision: str | Sequence[str] | None = "1801"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BATCH = 1000
# The folded spellings whose phonetic key this revision's table changed (their key before → after).
SPELLINGS = (
    "njie", "ndjie", "mbye", "jallow", "jalow", "djallow", "diallow", "ablaay", "ablaye", "ablay", "ablaaye",
    "sheikh", "sheik", "sheick", "seex", "ceesay", "sesay", "sessay", "cesay", "cessay", "seesay", "touray", "turay",
    "tourai", "serin", "sering", "ceerno", "cerno", "xaadim", "xadim", "sherif", "sharif", "chrif", "shariff",
    "sharife", "sherriff", "sherrif", "mostafa", "mostapha",
)  # fmt: skip


def upgrade() -> None:
    from app.registrants.keys import key_rows
    from app.registrants.matching import PersonKeys
    from app.registrants.normalize import name_keys

    bind = op.get_bind()
    meta = sa.MetaData()
    registrants = sa.Table("registrants", meta, autoload_with=bind)
    phones = sa.Table("registrant_phones", meta, autoload_with=bind)
    documents = sa.Table("identity_documents", meta, autoload_with=bind)
    keys = sa.Table("registrant_keys", meta, autoload_with=bind)
    carrying = sa.select(keys.c.registrant_id).where(keys.c.kind == "w", keys.c.value.in_(SPELLINGS)).distinct()
    ids = sorted(bind.execute(carrying).scalars(), key=str)
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
        rows, names = [], []
        for r in bind.execute(sa.select(registrants).where(registrants.c.id.in_(chunk))).all():
            numbers = phone_of.get(r.id, [])
            person = PersonKeys.of(
                given_names=r.given_names, family_name=r.family_name, date_of_birth=r.date_of_birth, sex=r.sex,
                phones=[e for e, _ in numbers if e is not None], typed_documents=documents_of.get(r.id, []),
                place_of_birth=r.place_of_birth, origin_region=r.origin_region_code,
                arrival_date=r.arrival_date.isoformat() if r.arrival_date else None, email=r.email,
                host_city=r.host_city, occupation=r.occupation,
            )  # fmt: skip
            # as app.registrants.keys.rows_of: an unverified number is found by its digits
            unverified = {("t", digits[::-1]) for e, digits in numbers if e is None and digits}
            rows += key_rows(r.id, person, extra=unverified)
            phonetic = name_keys(r.given_names, r.family_name)
            names.append(
                {"rid": r.id, "given": phonetic.given_names_phonetic, "family": phonetic.family_name_phonetic}
            )
        renamed = sa.update(registrants).where(registrants.c.id == sa.bindparam("rid"))
        renamed = renamed.values(given_names_phonetic=sa.bindparam("given"), family_name_phonetic=sa.bindparam("family"))
        if names:
            bind.execute(renamed, names)
        bind.execute(sa.delete(keys).where(keys.c.registrant_id.in_(chunk)))
        if rows:
            bind.execute(sa.insert(keys), rows)


def downgrade() -> None:
    pass
