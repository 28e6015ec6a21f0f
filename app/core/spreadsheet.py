"""The one rule for formula injection, used by every importer check and every CSV/XLSX writer.

OWASP "CSV Injection" (https://owasp.org/www-community/attacks/CSV_Injection): a spreadsheet
evaluates a cell whose text starts with ``=``, ``+``, ``-`` or ``@``, or with a tab or a carriage
return. Spreadsheets also skip leading white space before reading the formula (``" =1+1"``,
``"\\n=1+1"`` are evaluated by LibreOffice and Excel on CSV import), and accept the full-width
forms of the triggers (U+FF1D ＝, U+FF0B ＋, U+FF0D －, U+FF20 ＠) typed from East Asian input
methods. So a value is *formula-looking* when, after any leading white space, it starts with one
of those characters, or when it starts with a tab, carriage return or line feed at all.

The neutralisation OWASP recommends is a leading apostrophe (``'=HYPERLINK(…)``), and every
exported value follows it, phone numbers included: ``+221771234567`` is written
``'+221771234567``. (An exact E.164 number can call no function, but a spreadsheet opening the
CSV turns it into a number, ``2.21771E+11``, losing its ``+`` and its digits; with the apostrophe
it stays text and reads back exact once the apostrophe is dropped. The XLSX exports write phones
as text cells in text columns.)
"""

from __future__ import annotations

FORMULA_TRIGGERS = frozenset("=+-@\uff1d\uff0b\uff0d\uff20")
LEADING_CONTROLS = frozenset("\t\r\n")
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


def needs_quote(value: str) -> bool:
    """True when ``value`` must be written inert: formula-looking, a phone number's ``+`` too."""
    return looks_like_formula(value)


def neutralise(value: str) -> str:
    """``value`` made inert for a spreadsheet: prefixed with ``'`` when :func:`needs_quote`.

    ``'=HYPERLINK("x")'`` → ``'\\'=HYPERLINK("x")'``, ``"+221771234567"`` → ``"'+221771234567"``;
    ``"Diop"`` unchanged.
    """
    if not value or value[0] not in RISKY_FIRST:
        return value
    return "'" + value if looks_like_formula(value) else value
