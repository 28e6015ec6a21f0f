"""Staff passwords that are easy to guess are refused.

NIST SP 800-63B §5.1.1.2 (memorized secret verifiers): a new password is compared against values
known to be commonly used, expected or compromised — dictionary words, repetitive or sequential
characters (``aaaaaaaaaa``, ``0123456789``), context-specific words such as the service's or the
user's name — and refused when it is one of them; no composition rules. The judgement is
zxcvbn's (Dropbox's estimator, the ``zxcvbn`` package: dictionaries of common passwords, names and
English words, keyboard patterns, repeats, sequences and dates), given as well the words of this
service and its places, and French words of passwords, that its English lists do not hold.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Final

from zxcvbn import zxcvbn  # type: ignore[import-untyped]

from app.core.explained import Explained

MIN_LENGTH: Final = 10
MAX_LENGTH: Final = 128
"""The characters a staff password has, at least and at most (:class:`app.users.schemas.Password`)."""
MIN_SCORE: Final = 3
"""zxcvbn's score (0–4) a password must reach: 3 is "safely unguessable", about 10⁸ guesses or
more (zxcvbn's documentation)."""
JUDGED_LENGTH: Final = 72
"""The characters judged (zxcvbn's own limit; its work grows with the length): what follows adds
to the strength and is not needed to see a weak start."""
EXPECTED_WORDS: Final = (
    "diaspora",
    "desk",
    "guichet",
    "bureau",
    "accueil",
    "mobilite",
    "senegal",
    "senegalais",
    "dakar",
    "casablanca",
    "casa",
    "maroc",
    "rabat",
    "motdepasse",
    "azerty",
    "bonjour",
    "bienvenue",
    "soleil",
    "salam",
    "inchallah",
    "administrateur",
    "agent",
    "superviseur",
)
"""Words a desk's password is expected to be made of, beyond zxcvbn's English lists."""


def refuse_easy(password: str, *, account: Iterable[str | None] = ()) -> str:
    """``password`` unchanged when zxcvbn scores it :data:`MIN_SCORE` or more, judged with
    :data:`EXPECTED_WORDS` and ``account`` (the account's e-mail and name, each also by its parts),
    and so is what is left of it without those words (zxcvbn takes a short name, ``awa``, for
    random letters); raises :class:`~app.core.explained.Explained` (a 422 naming the field, in
    French and English) otherwise. CPU only: up to about 0.1 s for :data:`JUDGED_LENGTH` characters."""
    words = [*EXPECTED_WORDS]
    for value in account:
        if value:
            words += [value.casefold(), *(part for part in _parts(value) if len(part) > 2)]
    judged = password[:JUDGED_LENGTH]
    left = judged.casefold()
    for word in sorted(words, key=len, reverse=True):
        left = left.replace(word, "")
    # Nothing left: the password is only expected words (zxcvbn fails on an empty text).
    if not left or min(zxcvbn(text, user_inputs=words)["score"] for text in {judged, left}) < MIN_SCORE:
        raise Explained(
            "easy to guess (a common password, a run or a repetition of characters, or the account's "
            "name or e-mail): choose a phrase of several uncommon words",
            "facile à deviner (mot de passe courant, suite ou répétition de caractères, nom ou e-mail "
            "du compte) : choisissez une phrase de plusieurs mots peu courants",
        )
    return password


def refuse_unfit(password: str, *, account: Iterable[str | None] = ()) -> str:
    """``password`` unchanged when it has :data:`MIN_LENGTH` to :data:`MAX_LENGTH` characters and
    :func:`refuse_easy` takes it; raises :class:`~app.core.explained.Explained` otherwise (« give at
    least 10 characters (5 given) », never the password). For a password that reaches no
    :class:`~app.users.schemas.Password` field: ``DESK_ADMIN_PASSWORD``, the seeded
    administrator's (:class:`app.core.config.Settings`)."""
    if len(password) < MIN_LENGTH:
        raise Explained(
            f"give at least {MIN_LENGTH} characters ({len(password)} given)",
            f"donnez au moins {MIN_LENGTH} caractères ({len(password)} donnés)",
        )
    if len(password) > MAX_LENGTH:
        raise Explained(
            f"give at most {MAX_LENGTH} characters ({len(password)} given)",
            f"donnez au plus {MAX_LENGTH} caractères ({len(password)} donnés)",
        )
    return refuse_easy(password, account=account)


def _parts(value: str) -> list[str]:
    """``awa.ndiaye@desk.example`` → ``awa``, ``ndiaye``, ``desk``, ``example``."""
    for separator in "@._-+":
        value = value.replace(separator, " ")
    return value.casefold().split()
