"""Whether a register's text, as a code page reads its bytes, is what a person typed.

A code page of 256 characters reads any byte, so a Japanese, Chinese or Cyrillic file always
"decodes" in Windows-1252 or Mac Roman: Shift-JIS ``カディ`` reads ``ƒJƒfƒB`` in Windows-1252, and
``山田 太郎`` reads ``éRìc ëæòY`` in Mac Roman. A detector's ranking cannot tell on a register's
few short cells (charset-normalizer's mess ratio is 0 for both readings above), so the text is
judged against what a register of the desks (French, Wolof, Pulaar, Portuguese, Arabic names and
places) holds. Each character outside ASCII is **odd** when:

1. it is outside the register's repertoire (:data:`LATIN_LETTERS`, :data:`ARABIC`,
   :data:`SIGNS`): ``ƒ``, ``Ž``, ``š``, ``•``, ``‰``, ``§``, ``¿``, ``±``, ``½``, controls, the
   Persian and Urdu letters of Windows-1256…;
2. a Latin letter touches an Arabic one (what Windows-1256 makes of Latin capitals, or of a CJK
   file: ``CISSة``);
3. it is a letter of a word written in accented Latin letters and signs only (``Ðáðáäüðïõëïò``,
   ``Àî``, ``–Ï``: a Greek or Chinese file read in a Latin code page; names mix accents with plain
   letters: ``Ndèye``, ``João``), of a word of two letters whose first only is accented (``ör``,
   ``ÂP``: a CJK character whose second byte is ASCII; ``ça`` excepted), or of three accented
   letters each one letter apart (``âxësôm``);
4. its case breaks a word: an accented capital after a small letter or inside a word that goes on
   in small letters (``CissÈ``, ``SËne``, ``NÕDiaye``: Windows-1252 read as Mac Roman and back), or
   an accented small letter before a capital (``éRìc``);
5. it is a sign inside a word (``ND»YE``: ``NDÈYE`` read in Mac Roman), the apostrophe ``’`` and
   the no-break space excepted; ``°``, ``€``, ``£`` or a Latin quote touching an Arabic letter;
   a quote, dash or ellipsis making a word with one letter (``«z``, ``—و``); an accented letter
   touching an ASCII symbol (``ò@``);
6. it is an Arabic letter where Arabic spelling never puts it: ``ء ئ ؤ ة ى`` starting a word;
   ``ة ى`` (which end one) or tanwin before a letter; ``إ`` after a letter but the prefixes
   ``ال ب و ف ك``; ``آ`` ending a word, ``أ ئ`` ending one after ``ا و ي``; ``ء`` between two
   letters but after ``ا و ي`` (``تساءل``); two letters carrying hamza side by side; one of
   ``ث ح خ ذ ز ش ص ض ط ظ ع غ ق`` twice in a row (Arabic writes it once, with shadda);
7. it is an Arabic letter alone in its word (``و``, "and", excepted: ``ءُ رَ`` is GBK ``刘 洋``), or
   a haraka on no Arabic letter; or a letter of a word of two Arabic letters neither of which is a
   long vowel (``ا و ي ى ة آ``; GBK ``赵`` reads ``صش``), the short words of a note (``من``,
   ``مع``…) excepted: a name of two letters is written with one (``با``, ``سي``).

:func:`oddity` counts them; over :data:`IMPLAUSIBLE_SHARE` of the characters outside ASCII,
the reading is not what was typed. Below it, a rare ``±`` in a note or a Scandinavian ``Søren``
in a long register does not refuse it.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

IMPLAUSIBLE_SHARE = 0.05  # of the characters a code page gives for bytes 0x80-0xFF
LATIN_LETTERS = frozenset("ÀÁÂÃÄÅÆÇÈÉÊËÍÎÏÑÓÔÕÖØÙÚÛÜÝßàáâãäåæçèéêëíîïñóôõöøùúûüýÿŒœŸ")
"""The accented Latin letters a code page of the desks' languages gives (Latin-1's, less the
Icelandic ``Ð ð Þ þ`` and the Italian ``Ì ì Ò ò``, with ``Œ œ Ÿ``): ``ì`` and ``ò`` are what Mac
Roman makes of Shift-JIS lead bytes far more often than a name holds them."""
ARABIC = frozenset(
    [chr(c) for c in range(0x0621, 0x063B)]  # hamza … ghain
    + [chr(c) for c in range(0x0640, 0x0653)]  # tatweel, fa … ya, harakat
    + ["\u06af", "\u060c", "\u061b", "\u061f", "\u200c", "\u200d", "\u200e", "\u200f"]
)
"""The Arabic letters, harakat and punctuation of Windows-1256 an Arabic name or place is written
with (``گ`` too: Moroccan place names), and the joiners and direction marks it types."""
SIGNS = frozenset("°€£«»’‘“”–—…\u00a0º")
"""The signs a register holds: ``N°``/``Nº``, amounts, quotes and dashes Excel and Word type, the
no-break space."""

_LETTER = "[^\\W\\d_]"
_HARAKAT = "\u064b-\u0652\u0640"  # the short vowels, shadda, sukun, and the tatweel, within a word
_WORD_START = f"(?<!{_LETTER})(?<![{_HARAKAT}])"
_WORD_END = f"(?!{_LETTER})(?![{_HARAKAT}])"
_SMALL = "a-zß-öø-ÿœ"
_CAPITAL_ACCENTED = "À-ÖØ-ÞŒŸ"
_LATIN = "A-Za-zÀ-ÖØ-öø-ÿŒœŸ"
_ARABIC_LETTER = "\u0621-\u063a\u0641-\u064a\u06af"
_CONSONANT = "\u0621\u0623-\u0626\u0628\u062a-\u063a\u0641-\u0647\u06af"  # no ا ة و ى ي آ
_SHORT_WORDS = "(?:بن|من|عن|مع|قد|لم|لن|هل|بل|ثم|كل|لك|له|هم|هن|كم|هذ)(?![^\\W\\d_])"
_NOT_LATIN_OR_ARABIC = f"[^\\x00-\\x7f{_ARABIC_LETTER}{_HARAKAT}\u200c-\u200f\\s]"
_RULES = re.compile(
    "|".join(
        [
            # 2. a Latin letter touching an Arabic one (either side)
            f"(?<=[{_LATIN}])[{_ARABIC_LETTER}]|[{_ARABIC_LETTER}](?=[{_LATIN}])",
            # 3. a word of accented Latin letters and signs only ("–Ï", "«ø", "»î")
            f"(?<![A-Za-z]){_NOT_LATIN_OR_ARABIC}{{2,}}(?![A-Za-z])",
            f"{_WORD_START}[À-ÖØ-öø-ÿŒœŸ]{{2,}}{_WORD_END}",
            # 3. a word of two letters, an accented one then a plain one ("ör", "ÂP": a CJK character whose
            # second byte is ASCII), but "ça"; three accented letters each one letter apart ("âxësôm")
            f"{_WORD_START}(?![çÇ][aA])[À-ÖØ-öø-ÿŒœŸ](?=[A-Za-z]{_WORD_END})",
            "[À-ÖØ-öø-ÿŒœŸ](?=[A-Za-z][À-ÖØ-öø-ÿŒœŸ][A-Za-z][À-ÖØ-öø-ÿŒœŸ])",
            # 4. an accented capital after a small letter, or inside a word going on in small letters
            f"(?<=[{_SMALL}])[{_CAPITAL_ACCENTED}]|(?<={_LETTER})[{_CAPITAL_ACCENTED}](?={_LETTER}*?[{_SMALL}])",
            # 4. an accented small letter before a capital
            f"[ß-öø-ÿœ](?=[A-Z{_CAPITAL_ACCENTED}])",
            # 5. a sign inside a word (but ’ and the no-break space), or °, €, £ touching Arabic; an
            # accented letter touching a symbol of ASCII ("ò@")
            f"(?<={_LETTER})[°€£«»‘“”–—…º](?={_LETTER})",
            f"(?<=[{_ARABIC_LETTER}])[°€£‘’“”]|[°€£‘’“”](?=[{_ARABIC_LETTER}])",
            f"(?<![^\\s;,|])[«»‘“”–—…](?={_LETTER}(?:[\\s;,|]|$))|(?<![^\\s;,|]){_LETTER}[«»‘“”–—…](?=[\\s;,|]|$)",
            "(?<=[#$%&*+<=>@\\[\\\\\\]^_`{|}~])[À-ÖØ-öø-ÿŒœŸ]|[À-ÖØ-öø-ÿŒœŸ](?=[#$%&*+<=>@\\[\\\\\\]^_`{|}~])",
            # 6. what cannot start an Arabic word (ء ئ ؤ ة ى), what ends one (ة ى) before a letter, إ
            # after a letter that is not a prefix, آ ending a word, ئ ending one after ا or و
            f"{_WORD_START}[\u0621\u0624\u0626\u0629\u0649]",
            f"[\u0629\u0649](?=[{_ARABIC_LETTER}])",
            "(?<=[\u0621-\u0627\u0629-\u063a\u0642\u0645-\u0647\u064a\u06af])\u0625",
            f"(?<=[{_ARABIC_LETTER}])\u0622{_WORD_END}",
            f"(?<=[\u0627\u0648\u064a])[\u0623\u0626]{_WORD_END}",
            # 6. tanwin, which ends a word, before a letter; ء between letters but after ا, و, ي
            f"[\u064b-\u064d](?={_LETTER})",
            # 6. two letters carrying hamza side by side, a letter Arabic writes with shadda doubled
            "[\u0621-\u0623\u0624-\u0626](?=[\u0621-\u0626])",
            "([\u062b\u062d\u062e\u0630\u0632\u0634-\u063a\u0642])(?=\\1)",
            f"(?<=[\u0621-\u0626\u0628-\u063a\u0641-\u0647\u0649\u06af])\u0621(?=[{_ARABIC_LETTER}])",
            # 7. a word of two Arabic letters without a long vowel (ا و ي ى ة آ), but the short words
            # of a note ("من", "مع": GBK "赵" reads "صش")
            f"{_WORD_START}(?!{_SHORT_WORDS})[{_CONSONANT}][{_HARAKAT}]*[{_CONSONANT}][{_HARAKAT}]*{_WORD_END}",
            # 7. a word of one Arabic letter (but و, "and"), or harakat on no Arabic letter
            f"{_WORD_START}[\u0621-\u0647\u0649\u064a\u06af][{_HARAKAT}]*{_WORD_END}",
            f"(?<![{_ARABIC_LETTER}{_HARAKAT}])[{_HARAKAT}]+",
        ]
    )
)
_NOT_ASCII = re.compile("[^\x00-\x7f]")


@dataclass(frozen=True)
class Oddity:
    """A reading's odd characters (module doc): ``odd`` of its ``of`` characters outside ASCII;
    ``shown``, the words holding the first of them, space-separated (at most 8)."""

    odd: int
    of: int
    shown: str

    @property
    def plausible(self) -> bool:
        """Whether the reading may be what was typed: its odd characters are at most
        :data:`IMPLAUSIBLE_SHARE` of those outside ASCII."""
        return self.odd <= self.of * IMPLAUSIBLE_SHARE


def oddity(text: str) -> Oddity:
    """The odd characters of ``text``, a code page's reading of a register (module doc)."""
    odd = {m.start() for m in _NOT_ASCII.finditer(text) if m.group() not in _REPERTOIRE}
    for match in rule_matches(text):
        odd.update(i for i in range(match.start(), match.end()) if not text[i].isascii())
    shown: dict[str, None] = {}
    for i in sorted(odd):
        shown[_word_at(text, i)] = None
        if len(shown) == 8:
            break
    return Oddity(len(odd), len(_NOT_ASCII.findall(text)), " ".join(shown))


def rule_matches(text: str) -> Iterator[re.Match[str]]:
    """What ``_RULES.finditer(text)`` finds, in order, tried only where a rule can match: each rule's
    match starts at a character outside ASCII or at the letter just before one (rule 5's ``a«``).
    A register is mostly ASCII: trying every position cost seconds per reading of a 20,000-row
    register, in one call of the regular-expression engine that held the interpreter's lock, so a
    login waited for it."""
    end = 0
    for found in _NOT_ASCII.finditer(text):
        at = found.start()
        for start in (at - 1, at) if found.group() in _SIGNS_AFTER_A_LETTER else (at,):
            if start >= end and (match := _RULES.match(text, start)):
                yield match
                end = match.end()


_SIGNS_AFTER_A_LETTER = frozenset("«»‘“”–—…")
"""Rule 5's signs making a word with one letter before them (``z«``): its match starts at the letter."""


def _word_at(text: str, index: int) -> str:
    """The word (between white space and delimiters) holding ``index``, at most 24 characters."""
    start, end = index, index + 1
    while start > 0 and text[start - 1] not in _SEPARATORS:
        start -= 1
    while end < len(text) and text[end] not in _SEPARATORS:
        end += 1
    return text[start:end][:24]


_SEPARATORS = frozenset(" \t\r\n;,|")
_REPERTOIRE = LATIN_LETTERS | ARABIC | SIGNS
