"""registrants: one GIN index of each registrant's name terms (PostgreSQL)

A name search must find the newest registrants whose every searched token matches one of their
name words, by its phonetic key (``n:``) or as the start of a folded word (``w:``). In a registry
of a million, two common tokens (``Fatou Diop``) each match tens of thousands of people while
both match a few thousand: intersecting the ``registrant_keys`` id sets cost 110–170 ms. This
index holds every registrant's terms (``w:fatou``, ``w:diop``, ``n:fatu``, ``n:jop``), computed
from the name key columns every write keeps together, so the database intersects the tokens in
the index itself (GIN's AND of entries) and reads only the registrants carrying all of them.
SQLite keeps the ``registrant_keys`` lookups; nothing is stored twice.

``fastupdate`` is off: a registration writes the new entries at once, and no search has to read a
pending list.

Revision ID: 2001
Revises: 1901
Create Date: 2026-12-01 02:00:00+00:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "2001"
down_revision: str | Sequence[str] | None = "1901"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The same expression as app.registrants.repository.NAME_TERMS (the planner uses the index only
# for a query spelling it identically).
TERMS = (
    "string_to_array('w:' || replace(given_names_key || ' ' || family_name_key, ' ', ' w:') || ' n:' || "
    "replace(given_names_phonetic || ' ' || family_name_phonetic, ' ', ' n:'), ' ')"
)


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(f"CREATE INDEX ix_registrants_name_terms ON registrants USING gin (({TERMS})) WITH (fastupdate = off)")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP INDEX IF EXISTS ix_registrants_name_terms")
