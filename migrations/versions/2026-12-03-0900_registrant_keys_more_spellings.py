"""registrant match keys: re-key the registrants carrying a spelling the variant table gained

The variant table (app/registrants/matching.py) learnt more spellings of names it knew: the
Gambian Ebrima and Alieu, the Pulaar Cheikhou, the Wolof Xadi, Jaañ (Diagne), Ñaŋ (Niang) and Caw
(Thiaw), and the standard Latin transcriptions of Zaynab and Ali (Zeynab, Zeinab, Ali, Aly) that
Moroccan and Mauritanian papers carry. Their phonetic keys, stored in ``registrant_keys`` and in the
phonetic name columns, change: the registrants carrying one (found by their folded-token ``w``
keys) are keyed again with the application's own normalisation (``app.registrants.rekey``), and so
are those with a name in Arabic script, whose words the table now reads under these groups too.
Digits are no longer part of a Latin name token (``Ndiaye-9c7950`` is ``ndiaye c``: a Latin token
starting with 9 was taken for an Arabic-script one, whose mark is that digit, and failed to
compare): the registrants with a digit in a name word are keyed again as well. Everyone else's
keys are unchanged.

Downgrade leaves the keys as the newer table made them (the older code still finds these people
by their folded tokens; upgrading again re-keys them).

Revision ID: 2201
Revises: 2101
Create Date: 2026-12-03 09:00:00+00:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "2201"
down_revision: str | Sequence[str] | None = "2101"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The folded spellings whose phonetic key this revision's table changed.
SPELLINGS = (
    "ebrima", "ebrahima", "ebrahim", "cheikhou", "ali", "aly", "alieu", "xadi", "zeynab", "zaynab", "zeinab", "zainab",
    "zeynabou", "zeinabou", "seynab", "jaan", "nang", "gniang", "caw",
)  # fmt: skip


def upgrade() -> None:
    from app.registrants.rekey import carrying, rekey, with_digits, written_in_arabic

    bind = op.get_bind()
    rekey(bind, carrying(bind, SPELLINGS) | written_in_arabic(bind) | with_digits(bind))


def downgrade() -> None:
    pass
