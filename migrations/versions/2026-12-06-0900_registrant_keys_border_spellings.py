"""registrant match keys: re-key the registrants carrying a spelling of the border or a Wolof ñ

The variant table (app/registrants/matching.py) learnt the spellings of The Gambia, Sierra Leone and
Guinea it lacked (Ndow, Sisay, Jainaba, Alagie, Mboge, Colley, Jobarteh, Koroma), the Wolof (CLAD) c
of Cuun and Cuub (Thioune, Thioub), and Sékou, Seeku, Saikou and Cheikou as the Cheikh they are.
Names are read with the Wolof ñ as French writes it, gn (Saña is Sagna), where folding took the
tilde off and left an n; and a word-initial gn is read as the ni French writes there (Gnagna,
Niagna). The phonetic keys of these words, stored in ``registrant_keys`` and in the phonetic name
columns, change: the registrants carrying one of these spellings (their ``w`` keys), a name word
starting with gn (a prefix range of the ``w`` keys), a ñ in a keyed column (one pass over the
registrants) or a name in Arabic script (whose words the table now reads under these groups too)
are keyed again with the application's own normalisation (``app.registrants.rekey``). Everyone
else's keys are unchanged. Compound given names joined or parted are looked up both ways, never
stored so: they need no re-keying.

Downgrade leaves the keys as the newer rules made them (the older code still finds these people
by their folded tokens but for a ñ; upgrading again re-keys them).

Revision ID: 2701
Revises: 2402
Create Date: 2026-12-06 09:00:00+00:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "2701"
down_revision: str | Sequence[str] | None = "2402"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The folded spellings whose phonetic key this revision's table changed.
SPELLINGS = (
    "alagi", "alagie", "cheikou", "colley", "cuub", "cuun", "jainaba", "jobarteh", "koroma", "mboge", "ndow",
    "saikou", "seckou", "seeku", "sekou", "sisay",
)  # fmt: skip

# The word starts whose phonetic rule this revision changed.
STARTS = ("gn",)

# The letters folding read otherwise before this revision (NFC, and NFD's combining tilde).
LETTERS = ("ñ", "Ñ", "\u0303")


def upgrade() -> None:
    from app.registrants.rekey import carrying, rekey, spelled_with, starting, written_in_arabic

    bind = op.get_bind()
    found = carrying(bind, SPELLINGS) | starting(bind, STARTS) | spelled_with(bind, LETTERS)
    rekey(bind, found | written_in_arabic(bind))


def downgrade() -> None:
    pass
