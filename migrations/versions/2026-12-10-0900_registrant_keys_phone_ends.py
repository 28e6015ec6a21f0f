"""registrant match keys: the last 9 digits of every phone (``p`` keys)

A phone the desk could not verify (no E.164 form) is now compared by its last 9 digits with the
other person's phones, verified or not (``app.registrants.linkage.compare``), and the duplicate
check looks such phones up by a ``p`` key carried by every phone: its last 9 digits
(``app.registrants.matching.phone_end``). This revision gives every phone stored before it its key,
on the file holding it (a phone a merge moved is its survivor's; an anonymised file has no phones
left): one pass over ``registrant_phones``, in batches of registrants.

Downgrade removes the ``p`` keys (the older code never reads them).

Revision ID: 3101
Revises: 3001
Create Date: 2026-12-10 09:00:00+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "3101"
down_revision: str | Sequence[str] | None = "3001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BATCH = 1000
"""Registrants whose phones are keyed per batch (a registrant's phones in one batch: one key for
two numbers with the same end)."""


def upgrade() -> None:
    from app.registrants.matching import only_digits, phone_end

    bind = op.get_bind()
    meta = sa.MetaData()
    phones = sa.Table("registrant_phones", meta, autoload_with=bind)
    keys = sa.Table("registrant_keys", meta, autoload_with=bind)
    # a registrant keyed again by an earlier revision's code (app.registrants.rekey) may have some
    bind.execute(sa.delete(keys).where(keys.c.kind == "p"))
    last = None
    while True:
        ids = sa.select(phones.c.registrant_id).distinct()
        if last is not None:
            ids = ids.where(phones.c.registrant_id > last)
        chunk = list(bind.execute(ids.order_by(phones.c.registrant_id).limit(BATCH)).scalars())
        if not chunk:
            return
        last = chunk[-1]
        found = bind.execute(
            sa.select(phones.c.registrant_id, phones.c.e164, phones.c.digits).where(phones.c.registrant_id.in_(chunk))
        )
        ends = {(rid, phone_end(only_digits(e164 or digits or ""))) for rid, e164, digits in found}
        rows = [{"registrant_id": rid, "kind": "p", "value": end} for rid, end in sorted(ends, key=str) if end]
        if rows:
            bind.execute(sa.insert(keys), rows)


def downgrade() -> None:
    op.get_bind().execute(sa.text("DELETE FROM registrant_keys WHERE kind = 'p'"))
