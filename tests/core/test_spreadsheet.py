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
        ("+221771234567", "+221771234567"),
        ("+2217712345678901", "'+2217712345678901"),
        ("+0221771234567", "'+0221771234567"),
        ("+22177 123", "'+22177 123"),
        ("Urgent", "Urgent"),
        ("", ""),
    ],
)
def test_neutralise_prefixes_an_apostrophe_except_to_exact_e164(value: str, expected: str) -> None:
    assert neutralise(value) == expected
