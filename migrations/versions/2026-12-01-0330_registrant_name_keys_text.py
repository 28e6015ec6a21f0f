"""registrants: the folded and phonetic name columns as unbounded text (PostgreSQL)

``given_names_key``, ``family_name_key``, ``given_names_phonetic`` and ``family_name_phonetic``
were ``varchar(200)``, like the names as typed. Transliterated and folded, a name within 200
characters can give more (``😀`` is ``grinning``, ``æ`` is ``ae``, ``ß`` is ``ss``): registering
or correcting such a person failed on PostgreSQL. Each word is now cut to 200 characters
(``app.registrants.matching.KEY_VALUE_LENGTH``, the match keys' own length) and the columns hold
any number of words. ``varchar`` to ``text`` is binary coercible: no table rewrite. SQLite does
not enforce a length and is left as it is.

Revision ID: 2002
Revises: 2001
Create Date: 2026-12-01 03:30:00+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "2002"
down_revision: str | Sequence[str] | None = "2001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

COLUMNS = ("given_names_key", "family_name_key", "given_names_phonetic", "family_name_phonetic")


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for column in COLUMNS:
            op.alter_column("registrants", column, type_=sa.Text(), existing_type=sa.String(200))


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for column in COLUMNS:  # fails if a longer value was stored since: nothing is cut silently
            op.alter_column("registrants", column, type_=sa.String(200), existing_type=sa.Text())
