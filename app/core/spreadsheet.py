"""The one rule for formula injection, used by every importer check and every CSV/XLSX writer.

OWASP "CSV Injection" (https://owasp.org/www-community/attacks/CSV_Injection): a spreadsheet
evaluates a cell whose text starts with ``=``, ``+``, ``-`` or ``@``, or with a tab or a carriage
return. Spreadsheets also skip leading white space before reading the formula (``" =1+1"``,
``"\\n=1+1"`` are evaluated by LibreOffice and Excel on CSV import), and accept the full-width
forms of the triggers (U+FF1D ＝, U+FF0B ＋, U+FF0D －, U+FF20 ＠) typed from East Asian input
methods. So a value is *formula-looking* when, after any leading white space, it starts with one
of those characters, or when it starts with a tab, carriage return or line feed at all.

The neutralisation OWASP recommends is a leading apostrophe (``'=HYPERLINK(…)``). The single
exception is a value that is exactly an E.164 phone number (``+`` then 7 to 15 digits, ITU-T
E.164): a bare numeric literal that can call no function, reference no cell and trigger no DDE,
so it is kept verbatim and reads back exact.
"""

from __future__ import annotations

import re

FORMULA_TRIGGERS = frozenset("=+-@\uff1d\uff0b\uff0d\uff20")
LEADING_CONTROLS = frozenset("\t\r\n")
E164 = re.compile(r"\+[1-9][0-9]{6,14}")
# The first characters after which a value may look like a formula: a trigger, or white space
# (``str.lstrip`` skips exactly the ``str.isspace`` characters, none above U+3000). Any other
# first character settles it at once, which is what almost every value of an export has.
RISKY_FIRST = FORMULA_TRIGGERS | LEADING_CONTROLS | {chr(c) for c in range(0x3001) if chr(c).isspace()}


def looks_like_formula(value: str) -> bool:
    """True when a spreadsheet could take ``value`` for a formula (see the module docstring).

    ``"=1+1"``, ``" =1+1"``, ``"\\n=1+1"``, ``"\\t1"``, ``"＝1"`` → True; ``"a=b"``, ``""`` → False.
    """
    if not value or value[0] not in RISKY_FIRST:
        return False
    if value[0] in LEADING_CONTROLS:
        return True
    stripped = value.lstrip()
    return bool(stripped) and stripped[0] in FORMULA_TRIGGERS


def is_e164(value: str) -> bool:
    """True for exactly an E.164 number: ``+``, a non-zero digit, then 6 to 14 digits."""
    return E164.fullmatch(value) is not None


def needs_quote(value: str) -> bool:
    """True when ``value`` must be written inert: formula-looking and not an exact E.164 number."""
    return looks_like_formula(value) and not is_e164(value)


def neutralise(value: str) -> str:
    """``value`` made inert for a spreadsheet: prefixed with ``'`` when :func:`needs_quote`.

    ``'=HYPERLINK("x")'`` → ``'\\'=HYPERLINK("x")'``; ``"+221771234567"`` and ``"Diop"`` unchanged.
    """
    if not value or value[0] not in RISKY_FIRST:
        return value
    return "'" + value if needs_quote(value) else value
