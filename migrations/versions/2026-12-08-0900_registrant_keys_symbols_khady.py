"""registrant match keys: re-key the registrants with a symbol in a name, and the Khadija spellings

Names are read without their symbols (Unicode category S: emoji, flags, ``©``, ``№``, ``™``,
``♥``…), which folding and transliteration used to spell as words (``😀`` as ``grinning``, ``™`` as
``tm``), so ``Diop 😀`` no longer carries a word that no search or registration types. And the
variant table makes Khadija, Khadidja, Khadidiatou and Kadidiatou spellings of Khady, the name they
are called by in Senegal. The keys of the registrants with a symbol in a keyed column (one pass
over the registrants), of those carrying one of these spellings (their ``w`` keys), and of those
with a name in Arabic script (``خديجة`` reads under the joined group) are made again with the
application's own normalisation (``app.registrants.rekey``). Everyone else's keys are unchanged.

Downgrade leaves the keys as the newer rules made them (the older code still finds these people
by their other words; upgrading again re-keys them).

Revision ID: 2901
Revises: 2801
Create Date: 2026-12-08 09:00:00+00:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "2901"
down_revision: str | Sequence[str] | None = "2801"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The folded spellings whose phonetic key this revision's table changed.
SPELLINGS = ("kadidiatou", "khadidiatou", "khadidja", "khadija")


def upgrade() -> None:
    from app.registrants.arabic import is_arabic_letter
    from app.registrants.rekey import carrying, is_symbol, rekey, with_name_arabic, written_with

    bind = op.get_bind()
    # one pass over the registrants for both (an Arabic letter in a place re-keys that file too: the
    # same keys again)
    spelled = written_with(bind, lambda c: is_symbol(c) or is_arabic_letter(c))
    rekey(bind, carrying(bind, SPELLINGS) | spelled | with_name_arabic(bind))


def downgrade() -> None:
    pass
