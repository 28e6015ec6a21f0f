"""The oddity rules of :mod:`app.imports.plausible` are tried only where they can match
(:func:`~app.imports.plausible.rule_matches`), and find exactly what trying every position finds.

Trying every position of a 20,000-row register cost seconds per code page in one call of the
regular-expression engine (a login waited for it during an import); the shortcut relies on each
rule's match starting at a character outside ASCII or one letter before a sign. A rule added
without that property makes these comparisons fail.
"""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from app.imports.encoding import LEGACY_ENCODINGS
from app.imports.plausible import _RULES, oddity, rule_matches

REGISTER = Path(__file__).resolve().parent.parent / "fixtures" / "registre_casablanca_2019_2021.csv"

ALPHABET = (
    "abcdezAEMNZ019 ;,|\n\t'-#@_~"  # ASCII: letters, digits, separators, symbols
    "éèêëàâçôöûüÉÈÀÇÔŒœŸßø"  # accented Latin letters, small and capital
    "ءآأؤإئابةتثجحخدذرزسشصضطظعغفقكلمنهوىيگ"  # Arabic letters
    "\u064b\u064c\u064d\u064e\u0650\u0651\u0652\u0640"  # harakat, tatweel
    "«»‘’“”–—…°€£º\u00a0ƒŽš•‰§¿±½ÐÞìò"  # signs, and what is outside the repertoire
)


def spans(found: object) -> list[tuple[int, int]]:
    return [match.span() for match in found]  # type: ignore[attr-defined]


@pytest.mark.parametrize("code_page", LEGACY_ENCODINGS)
def test_a_register_read_in_each_code_page_gives_the_same_matches(code_page: str) -> None:
    text = REGISTER.read_bytes().decode(code_page, errors="replace")
    assert spans(rule_matches(text)) == spans(_RULES.finditer(text))


def test_the_registers_wrong_readings_do_match() -> None:
    """The comparison above is not between two empty lists: the Mac Roman and Windows-1256
    readings of the Windows-1252 register are odd, and found so."""
    content = REGISTER.read_bytes()
    assert oddity(content.decode("cp1252")).odd == 0
    for wrong in ("mac_roman", "cp1256"):
        assert oddity(content.decode(wrong)).plausible is False
        assert len(spans(rule_matches(content.decode(wrong)))) > 100


def test_mixed_texts_give_the_same_matches() -> None:
    rng = random.Random(20261205)
    matched = 0
    for _ in range(4000):
        text = "".join(rng.choice(ALPHABET) for _ in range(rng.randint(1, 40)))
        expected = spans(_RULES.finditer(text))
        assert spans(rule_matches(text)) == expected, text
        matched += bool(expected)
    assert matched > 1000  # most texts hold something odd: the rules were exercised


@pytest.mark.parametrize("text", ["a«", "z« b", "x»", "Ndèye «z» Fall", "«", "a…b", "ب«"])
def test_a_sign_after_one_letter_is_found_from_the_letter(text: str) -> None:
    assert spans(rule_matches(text)) == spans(_RULES.finditer(text))
