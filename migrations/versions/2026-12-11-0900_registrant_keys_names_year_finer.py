"""registrant match keys: the names with the birth year and its month or day (``gfn``), and with
the year of a person without a full birth date (``gfyx``)

The names with the birth year (``gfy``) block a registration's candidates; at a million registrants
a common given name with a common family name and a year (``Mamadou Diop 1985``) brings in two dozen
people, and the duplicate check's cost grew with them. Past its cut-off
(``app.registrants.keys.BLOCK_CUTOFF``) a person with a full birth date now looks those people up by
finer keys: ``gfn`` (each name pair with the year and the month, and with the year and the day, as
two digits) and ``gfyx`` (each name pair with the year, of the files without a full birth date).
This revision gives every registrant stored before it these keys, derived in two statements from
its ``gfy`` keys and its date of birth, as ``app.registrants.keys.combined_keys`` derives them (a
value cut to 200 characters stays the same cut: the ``gfy`` value it extends was cut already).

Downgrade removes the two kinds (the older code never reads them).

Revision ID: 3201
Revises: 3101
Create Date: 2026-12-11 09:00:00+00:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "3201"
down_revision: str | Sequence[str] | None = "3101"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_DATED = """
INSERT INTO registrant_keys (registrant_id, kind, value)
SELECT k.registrant_id, 'gfn', substr(k.value || ' ' || substr(r.date_of_birth, 6, 2), 1, 200)
FROM registrant_keys k JOIN registrants r ON r.id = k.registrant_id
WHERE k.kind = 'gfy' AND length(r.date_of_birth) = 10
UNION
SELECT k.registrant_id, 'gfn', substr(k.value || ' ' || substr(r.date_of_birth, 9, 2), 1, 200)
FROM registrant_keys k JOIN registrants r ON r.id = k.registrant_id
WHERE k.kind = 'gfy' AND length(r.date_of_birth) = 10
"""

_YEAR_ALONE = """
INSERT INTO registrant_keys (registrant_id, kind, value)
SELECT k.registrant_id, 'gfyx', k.value
FROM registrant_keys k JOIN registrants r ON r.id = k.registrant_id
WHERE k.kind = 'gfy' AND length(r.date_of_birth) < 10
"""


def upgrade() -> None:
    # a registrant keyed again by an earlier revision's code (app.registrants.rekey) may have some
    op.execute("DELETE FROM registrant_keys WHERE kind IN ('gfn', 'gfyx')")
    op.execute(_DATED)
    op.execute(_YEAR_ALONE)


def downgrade() -> None:
    op.execute("DELETE FROM registrant_keys WHERE kind IN ('gfn', 'gfyx')")
