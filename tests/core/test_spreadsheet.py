"""The one formula-injection rule (OWASP "CSV Injection"), independent of any writer."""

import pytest

from app.core.spreadsheet import looks_like_formula, neutralise


@pytest.mark.parametrize(
    ("raw", "formula"),
    [
        ('=HYPERLINK("http://example.com/x","cliquer ici")', True),
        ("+221 77 123 45 67", True),
        ("-2+3", True),
        ("@SUM(A1)", True),
        ("\t=1", True),
        ("\r=1", True),
        ("\n=1", True),
        ("\tDiop", True),
        ("  =1", True),
        (" \n =1", True),
        ("\u00a0=1", True),
        ("\u3000@A1", True),
        ("＝1+1", True),
        ("＋1", True),
        ("－1", True),
        ("＠A1", True),
        ("Urgent", False),
        ("", False),
        ("   ", False),
        ("a=b", False),
        ("Diop-Fall", False),
        (" Diop", False),
    ],
)
def test_formula_looking_values_are_recognised(raw: str, formula: bool) -> None:
    assert looks_like_formula(raw) is formula


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ('=HYPERLINK("x")', '\'=HYPERLINK("x")'),
        (" =1+1", "' =1+1"),
        ("\n=1+1", "'\n=1+1"),
        ("+221771234567", "'+221771234567"),  # a spreadsheet would make it 2.21771E+11
        ("+2217712345678901", "'+2217712345678901"),
        ("+0221771234567", "'+0221771234567"),
        ("+22177 123", "'+22177 123"),
        ("Urgent", "Urgent"),
        ("", ""),
    ],
)
def test_neutralise_prefixes_an_apostrophe_to_every_formula_looking_value(value: str, expected: str) -> None:
    assert neutralise(value) == expected


def test_the_first_character_shortcut_agrees_with_the_rule_for_every_character() -> None:
    """``neutralise`` and ``looks_like_formula`` settle most values on their first character; for
    every code point, in first place before a trigger and before plain text, they must give what
    the rule (skip leading white space, then a trigger; or a leading tab, CR, LF) gives."""
    import sys

    from app.core.spreadsheet import FORMULA_TRIGGERS, LEADING_CONTROLS, looks_like_formula, neutralise

    def rule(value: str) -> bool:
        stripped = value.lstrip()
        return bool(value) and (value[0] in LEADING_CONTROLS or (bool(stripped) and stripped[0] in FORMULA_TRIGGERS))

    for code in range(sys.maxunicode + 1):
        if 0xD800 <= code <= 0xDFFF:
            continue
        for value in (chr(code) + "=1", chr(code) + "a"):
            assert looks_like_formula(value) == rule(value), hex(code)
            assert neutralise(value) == ("'" + value if rule(value) else value), hex(code)
