"""Country codes (ISO 3166-1 alpha-2, per ``pycountry``'s tables): one check, and one reason in
French and English, for every field that takes a country (a desk's, a partner's, a person's
nationality, a document's issuing country, the country a phone is read in)."""

from __future__ import annotations

import functools

import pycountry

from app.core.explained import Explained


@functools.lru_cache(maxsize=512)
def known_country(code: str) -> bool:
    """Whether ``code`` (upper case) is an ISO 3166-1 alpha-2 code. pycountry's lookup takes a lock
    and checks its database on every call: memoised (a register import validates thousands of
    documents' issuing country)."""
    return pycountry.countries.get(alpha_2=code) is not None


def country_code(value: str) -> str:
    """``value`` trimmed and upper-cased when it is an ISO 3166-1 alpha-2 code; else
    :class:`~app.core.explained.Explained` saying what is expected, in English and French (the
    field's ``errors[].reason``: « « XX » n'est pas un code de pays connu : … »)."""
    code = value.strip().upper()
    if len(code) != 2 or not known_country(code):
        raise Explained(
            f"{value!r} is not an ISO 3166-1 alpha-2 country code: two letters are expected (SN, MA, FR…)",
            f"« {value} » n'est pas un code de pays connu : deux lettres sont attendues (SN, MA, FR…)",
        )
    return code
