"""registrant match keys: re-key the registrants carrying a spelling the variant table or the rules gained

The variant table (app/registrants/matching.py) learnt spellings desks meet that it did not know:
the Gambian Momodou, Isatou, Sainabou, Abdoulie, Ousainou, Babucarr, Alhagie, Pa, Jobe, Joof, Cham
and Secka; the transcriptions of Moroccan and Mauritanian papers (Hussein, Houcine, Mariem, Bachir,
Yusuf, Driss, Smail, Abderrahmane, Abdelaziz); and the Senegalese spellings of names it knew
(Mouhamad, Mouhamet, Papa, Alamine, Roughaya, Binta), with new groups for Ousseynou, Lamine,
Saliou, Ismaïla, Idrissa, Abdourahmane, Abdoulaziz, Pape, Bineta and Habib. The phonetic rules read
the Wolof (CLAD) x as French kh (Soxna is Sokhna). Their phonetic keys, stored in
``registrant_keys`` and in the phonetic name columns, change: the registrants carrying one of these
spellings or an x in a name word (found by their folded-token ``w`` keys) are keyed again with the
application's own normalisation (``app.registrants.rekey``), and so are those with a name in Arabic
script, whose words the table now reads under these groups too (``حسين`` as Ousseynou, ``عبده`` as
Abdou). Everyone else's keys are unchanged.

Downgrade leaves the keys as the newer table made them (the older code still finds these people
by their folded tokens; upgrading again re-keys them).

Revision ID: 2301
Revises: 2201
Create Date: 2026-12-04 09:00:00+00:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "2301"
down_revision: str | Sequence[str] | None = "2201"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The folded spellings whose phonetic key this revision's table changed.
SPELLINGS = (
    "abdelaziz", "abdelrahmane", "abderahmane", "abderrahmane", "abdouaziz", "abdoulie", "aboubakar", "aichatou",
    "alamin", "alamine", "alhagi", "alhagie", "aysha", "babucar", "babucarr", "bachir", "bashir", "binetou", "binta",
    "boubakar", "cham", "dienaba", "djenaba", "driss", "habibou", "houcine", "houssein", "housseini", "housseyni",
    "hussain", "hussein", "husseyn", "idris", "idriss", "isatou", "isatu", "ismael", "ismail", "jobe", "joof",
    "maamadu", "mahamadou", "mariem", "meriem", "meryem", "mohamet", "momodou", "momodu", "moodu", "mouctar",
    "mouhamad", "mouhamet", "mouhammad", "muhamad", "mukhtar", "osmane", "oumarou", "ousainou", "ousseini", "pa",
    "papa", "roughaya", "roukaya", "roukhaya", "ruqaya", "ruqayya", "sainabou", "saleh", "salih", "secka", "smail",
    "umaru", "yousouf", "youssouf", "youssoupha", "yusuf", "yusupha",
)  # fmt: skip

# The letters whose phonetic rule this revision changed.
LETTERS = "x"


def upgrade() -> None:
    from app.registrants.rekey import carrying, containing, rekey, written_in_arabic

    bind = op.get_bind()
    rekey(bind, carrying(bind, SPELLINGS) | containing(bind, LETTERS) | written_in_arabic(bind))


def downgrade() -> None:
    pass
