"""Text normalisation shared by names, places and search keys (Unicode UAX #15)."""

from __future__ import annotations

import re
import unicodedata

_SPACES = re.compile(r"\s+")
_SEPARATORS = re.compile(r"[\s'’‘`´\-‐‑–—_.]+")


def clean(value: str) -> str:
    """NFC-normalised, trimmed, inner white space collapsed; spelling otherwise kept."""
    return _SPACES.sub(" ", unicodedata.normalize("NFC", value)).strip()


def fold(value: str) -> str:
    """A search key: case-folded, accents stripped, apostrophes/hyphens/dots become spaces.

    ``"N'Diaye"`` → ``"n diaye"``, ``"Guèye"`` → ``"gueye"``, ``"Aïssatou"`` → ``"aissatou"``.
    Identical on every database because it is computed here, not in SQL.
    """
    decomposed = unicodedata.normalize("NFKD", value.casefold())
    stripped = "".join(c for c in decomposed if not unicodedata.combining(c))
    return _SEPARATORS.sub(" ", stripped).strip()
