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


# Dashes: every character of Unicode category Pd (U+2010–U+2015, U+FE58, U+FE63, U+FF0D…) plus the
# minus signs that are not Pd (U+2212 MINUS SIGN, U+02D7, U+2796, U+207B, U+208B).
_MINUS_SIGNS = frozenset("\u2212\u02d7\u2796\u207b\u208b")


def normalise_typed_identifier(value: str) -> str:
    """An identifier (phone, document number) as a person typed or pasted it, in plain characters.

    One rule for every place a phone or document number is read (create, update, search, import):

    * Unicode format characters (category Cf: direction marks U+200E/U+200F, embeddings and
      overrides U+202A–U+202E, isolates U+2066–U+2069, zero-width U+200B–U+200D, U+FEFF…) are removed;
    * every Unicode space (category Zs, e.g. U+00A0, U+202F, U+3000) and white-space control becomes
      ``" "``, runs are collapsed and the ends trimmed;
    * every dash (category Pd: U+2010–U+2015, U+FE63, U+FF0D…) and minus sign (U+2212…) becomes ``"-"``;
    * every decimal digit (category Nd: Arabic-Indic ``٠``–``٩``, Extended Arabic-Indic, fullwidth…)
      becomes its ASCII digit;
    * the rest is NFKC-normalised (fullwidth ``＋`` → ``+``, ``（`` → ``(``), per Unicode UAX #15.

    ``"\\u202a+221\\u00a077\\u2011123\\u201145\\u201167\\u202c"`` → ``"+221 77-123-45-67"``;
    ``"٠٦١٢٣٤٥٦٧٨"`` → ``"0612345678"``. Control characters other than white space are kept, for the
    caller's own check to refuse.
    """
    out: list[str] = []
    for char in unicodedata.normalize("NFKC", value):
        category = unicodedata.category(char)
        if category == "Cf":
            continue
        if category == "Zs" or char.isspace():
            out.append(" ")
        elif category == "Pd" or char in _MINUS_SIGNS:
            out.append("-")
        elif category == "Nd":
            out.append(str(unicodedata.decimal(char)))
        else:
            out.append(char)
    return _SPACES.sub(" ", "".join(out)).strip()
