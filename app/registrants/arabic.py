"""Names in Arabic script compared with their Latin spellings through the letters both are written with.

Arabic script writes consonants and long vowels (alif, waw, ya) and leaves short vowels out, so no
transliteration gives back the Latin spelling a person uses (``محمد`` is Mamadou, Mohamed or
Muhammad). Instead both sides are reduced to one alphabet of *letter classes* and compared:

* an Arabic-script word is read letter by letter (:func:`encode`): its consonants by their
  romanisation in ``anyascii`` (https://github.com/anyascii/anyascii, the library already used for
  every other script), folded into classes (``ث`` th → ``t``, ``ق``/``غ``/``ك``/``گ`` → ``k``,
  ``ش`` → ``c`` for sh, ``خ`` → ``x`` for kh, ``پ`` p → ``b``, ``ڤ`` v → ``f``), and its vowel letters
  as ``1`` (``ا ة``, a word-final ``ه``: a), ``2`` (``و``: o, u, ou, w) and ``3`` (``ي``: i, e, y);
  ``0`` is a vowel's carrier (``ع``, ``ء``, a word-initial alif: any vowel or none, as in ``انجاي``
  for Ndiaye), ``5`` an ``ى`` (an a, as in ``موسى``, or the final ``ي`` many write so). ``ح`` and a
  medial ``ه`` are dropped, as French spellings drop h (a final ``ه`` after a vowel too: ``باه``,
  Bah); a doubled letter counts once, and so does a consonant written twice over (``نڠ``). The
  Wolofal letters of Senegal's harmonised Ajami (DPLN 1990: ``ݒ`` p, ``ݖ``/``چ`` c, ``ݧ`` ñ, ``ݝ``
  ŋ, ``گ`` g, ``ڎ`` nd; see Priest & Hosken, *Proposal to add Arabic script characters for African
  and Asian languages*, Unicode L2/10-288, pp. 13–18) are read the same way;
* a Latin spelling is turned into the Arabic letters it would be written with (:func:`latin_forms`):
  ch/sh → ``c``, kh → ``x`` or ``k``, x → ``x``, th → ``t``, ph/v → ``f``, p → ``b``,
  c/q/k/g/gh/gu → ``k``, gn → ``n`` + ``3``, ou/o/u/w → ``2``, i/y → ``3``, a → ``1``, e → ``4``
  (written ``ا`` or ``ي``), h silent, doubled letters once. ``di``/``dy`` before a vowel is written
  either ``ج`` or ``دي`` (Diop: ``جوب``, ``ديوب``), ``dj`` either ``ج`` or ``دج``: such a spelling has
  two forms.

An Arabic word *sounds like* a Latin one (:func:`sounds_alike`) when their consonant classes are the
same, in order, and every vowel letter the Arabic word writes stands for a vowel the Latin spelling
has in the same place (a short vowel left unwritten is fine): ``عليو`` is Aliou, ``سونكو`` Sonko,
``سي`` Sy but not Sow, ``ندور`` Ndour but not Ndir. Two Arabic spellings of one name are compatible
(:func:`compatible`) when they differ only by vowel letters one of them leaves out.

The consonant classes alone (:func:`codes`) are the index key: ``registrant_keys`` kind ``s`` holds
``code + "0" + word`` for every name word, so the words of the registry that may sound like a
searched or registered word are one prefix range away.

An Arabic word is kept, as a name token, as :data:`ARABIC_MARK` followed by its classes
(``عبدو`` → ``90bd2``): ASCII like every token, never equal to a Latin one.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Callable, Iterable

from anyascii import anyascii

ARABIC_MARK = "9"
"""First character of a name token read from Arabic script (a Latin token never starts with it)."""

CARRIER, ALIF, WAW, YA, LATIN_E, MAQSURA = "0", "1", "2", "3", "4", "5"
_CACHE = 1 << 14

# Vowel letters and letters read otherwise than by their romanisation. Word-initial alifs are
# carriers, a final heh is a teh marbuta written without its dots (فاطمه) or Allah's.
_VOWEL_LETTERS = {
    "ا": ALIF, "ٱ": ALIF, "ى": MAQSURA, "ة": ALIF, "ۃ": ALIF, "ە": ALIF,
    "و": WAW,
    "ي": YA, "ی": YA, "ے": YA, "ۍ": YA, "ې": YA,
    "ع": CARRIER, "ء": CARRIER,
}  # fmt: skip
_SILENT = frozenset("حهہھ")
_FINAL_A = frozenset("هہھ")
_IGNORED = frozenset("ـ")  # tatweel: a stretch of the line, not a letter
# Wolofal (Priest & Hosken, L2/10-288): ݖ and چ write c [c] (French "thi", "ti"), ڭ a g (also
# Morocco's g, as in ڭاي), ڎ the prenasalised nd; anyascii reads them c, ch, ng and dh.
_OVERRIDES = {"ݖ": "t", "چ": "t", "ڭ": "k", "ڎ": "nd"}

_SUN = frozenset("tdrzscln")  # the classes of the letters the article's l assimilates to
_LATIN_VOWELS = {"a": ALIF, "e": LATIN_E, "i": YA, "y": YA, "o": WAW, "u": WAW, "w": WAW}
_DIGRAPHS = {"sch": "c", "ch": "c", "sh": "c", "gh": "k", "th": "t", "ph": "f", "dh": "d", "ck": "k",
             "qu": "k", "gn": "n" + YA, "ou": WAW}  # fmt: skip
_SINGLE = {"c": "k", "q": "k", "g": "k", "p": "b", "v": "f", "h": ""}
_GEMINATE = re.compile(r"([bcdfghjklmnpqrstvxz])\1+")
_COMPATIBLE = {CARRIER: "01234", ALIF: ALIF + LATIN_E, WAW: WAW, YA: YA + LATIN_E, MAQSURA: ALIF + YA + LATIN_E}
"""For each vowel class written in Arabic script, the Latin vowel classes it may stand for (``ى``
is an a, Moussa's ``موسى``, or, as many write it, a final ``ي``)."""


def is_arabic_letter(char: str) -> bool:
    """Whether ``char`` is a letter of the Arabic script (Arabic, Supplement, Extended-A blocks)."""
    point = ord(char)
    in_block = 0x0600 <= point <= 0x06FF or 0x0750 <= point <= 0x077F or 0x08A0 <= point <= 0x08FF
    return in_block and unicodedata.category(char).startswith("L")


def is_arabic(token: str) -> bool:
    """Whether a name token was read from Arabic script (:func:`encode`)."""
    return token.startswith(ARABIC_MARK)


@functools.lru_cache(maxsize=_CACHE)
def encode(word: str) -> str:
    """The token of one Arabic-script word (folded: no harakat, hamza on its seat, see
    :func:`app.core.text.fold`): :data:`ARABIC_MARK` and its letter classes, ``""`` when it has no
    letter. ``محمد`` → ``9mmd``, ``عبدو`` → ``90bd2``, ``انجاي`` → ``90nj13``."""
    letters = [c for c in word if c not in _IGNORED]
    out: list[str] = []
    previous = ""
    for i, char in enumerate(letters):
        if char == previous:  # a doubled letter (الله) is written for one sound
            continue
        previous = char
        if char in ("ا", "ٱ") and (i == 0 or _opens_article(letters, i)):
            read = CARRIER
        elif char in _VOWEL_LETTERS:
            read = _VOWEL_LETTERS[char]
        elif char in _SILENT:  # a final ه after a consonant is a teh marbuta (توره), after a vowel an h (باه)
            final_a = char in _FINAL_A and i == len(letters) - 1 and bool(out) and not out[-1][-1:].isdigit()
            read = ALIF if final_a else ""
        elif char in _OVERRIDES:
            read = _OVERRIDES[char]
        elif is_arabic_letter(char):
            read = _latin_forms(anyascii(char).casefold())[0]
        else:
            read = ""
        if out and read and out[-1][-1:] == read[0] and not read[0].isdigit():
            read = read[1:]  # ن before ڠ (ng): one n
        out.append(read)
    symbols = "".join(out)
    return ARABIC_MARK + symbols if symbols else ""


COMPOUND_HEADS = frozenset({"عبد", "ابو"})
"""``ʿAbd`` (servant of) and ``Abū`` (father of) open a compound name written as one word in Latin
letters (Abdoulaye, Abdourahmane, Aboubacar) and often as two in Arabic script (``عبد الله``,
``أبو بكر``): :func:`app.registrants.matching.tokens` joins them to the next word."""


def _opens_article(letters: list[str], i: int) -> bool:
    """Whether the alif at ``i`` is the article's after a compound head (عبدالرحمن: ʿAbd ar-Raḥmān,
    written Abdourahmane): its vowel is the one Latin letters write after the head, any or none."""
    return "".join(letters[:i]) in COMPOUND_HEADS and letters[i + 1 : i + 2] == ["ل"]


MAX_FORMS = 16
"""Most ways of writing one Latin word kept (:func:`latin_forms`), the first ones: each ``dj``,
``kh`` or ``di`` before a vowel doubles them, and a name has three at most (Djibril Diallo
Khouma); a long made-up word of them (``djdjdj…``, 2^100 ways) would exhaust the memory."""


@functools.lru_cache(maxsize=_CACHE)
def _latin_forms(word: str) -> tuple[str, ...]:
    word = _GEMINATE.sub(r"\1", word)
    forms = [""]
    i = 0
    while i < len(word):
        char, rest = word[i], word[i:]
        after = word[i + 2 : i + 3]
        choices: list[str]
        step = 1
        three, two = rest[:3], rest[:2]
        if three in _DIGRAPHS:
            choices, step = [_DIGRAPHS[three]], 3
        elif two == "dj":
            choices, step = ["j", "dj"], 2
        elif two == "kh":
            choices, step = ["x", "k"], 2  # Khady: خادي; Cissokho: سيسوكو
        elif char == "d" and two[1:] in ("i", "y") and after and after in _LATIN_VOWELS:
            choices, step = ["j", "d" + YA], 2  # Diop: جوب or ديوب
        elif two == "gu" and after and after in "eiy":
            choices, step = ["k"], 2
        elif two in _DIGRAPHS:
            choices, step = [_DIGRAPHS[two]], 2
        elif char == "c":
            choices = ["s" if rest[1:2] and rest[1] in "eiy" else "k"]
        elif char in _LATIN_VOWELS:
            choices = [_LATIN_VOWELS[char]]
        elif char in _SINGLE:
            choices = [_SINGLE[char]]
        elif char.isdigit():
            choices = [""]
        else:
            choices = [char]
        forms = [form + choice for form in forms for choice in choices][:MAX_FORMS]
        i += step
    return tuple(dict.fromkeys(forms))


def latin_forms(token: str) -> tuple[str, ...]:
    """The letter classes a folded Latin token would be written with in Arabic script, one string
    per way of writing it: ``diop`` → ``("j2b", "d32b")``, ``sonko`` → ``("s2nk2",)``."""
    return _latin_forms(token)


@functools.lru_cache(maxsize=_CACHE)
def forms(token: str) -> tuple[str, ...]:
    """The letter-class strings of a name token of either script (an Arabic word with the article
    ``ال`` also without it: ``الشيخ`` is Cheikh)."""
    if not is_arabic(token):
        return latin_forms(token)
    symbols = token[len(ARABIC_MARK) :]
    found = [symbols]
    if symbols.startswith(CARRIER + "l") and consonants(symbols[2:]):
        found.append(CARRIER + symbols[2:])  # الشيخ: Cheikh
    found += [symbols[:i] + symbols[i + 1 :] for i in _assimilated(symbols)]
    return tuple(dict.fromkeys(found))


def _assimilated(symbols: str) -> list[int]:
    """Where the article's l inside a compound is not heard, before a "sun" consonant
    (عبد الرحمن: ʿAbd ar-Raḥmān, Abdourahmane)."""
    heads = {encode(head)[len(ARABIC_MARK) :] + CARRIER for head in COMPOUND_HEADS}
    return [
        i for i in range(1, len(symbols) - 1) if symbols[:i] in heads and symbols[i] == "l" and symbols[i + 1] in _SUN
    ]


def consonants(symbols: str) -> str:
    """The consonant classes of a letter-class string (its vowels left out)."""
    return "".join(c for c in symbols if not c.isdigit())


@functools.lru_cache(maxsize=_CACHE)
def codes(token: str) -> tuple[str, ...]:
    """The consonant classes of each form of a name token: the key its ``s`` match keys start with
    (``sonko`` and ``سونكو`` → ``("snk",)``; ``diop`` → ``("jb", "db")``)."""
    return tuple(dict.fromkeys(consonants(form) for form in forms(token)))


def _parts(symbols: str) -> tuple[str, list[str]]:
    """Consonants, and the vowels before each consonant and after the last."""
    gaps = [""]
    for char in symbols:
        if char.isdigit():
            gaps[-1] += char
        else:
            gaps.append("")
    return consonants(symbols), gaps


def _explains(written: str, spoken: str) -> bool:
    """Whether the vowel letters ``written`` between two consonants in Arabic script stand, in
    order, for some of the vowels ``spoken`` (a Latin spelling's) in the same place.

    A carrier may carry no vowel of its own, so it never has to stand for one; each other letter
    takes the first spoken vowel it may write (taking the first leaves the most for the letters
    after it): linear in the letters, where trying every choice was exponential."""
    return _in_order([c for c in written if c != CARRIER], spoken, lambda letter, vowel: vowel in _COMPATIBLE[letter])


def _same_vowel(one: str, other: str) -> bool:
    return one == other or (MAQSURA in (one, other) and {one, other} <= {MAQSURA, ALIF, YA})


def _subsequence(short: str, long: str) -> bool:
    return _in_order(short, long, _same_vowel)


def _in_order(letters: Iterable[str], within: str, fits: Callable[[str, str], bool]) -> bool:
    """Whether each of ``letters`` fits a letter of ``within``, in order, each a later one: each
    takes the first that fits (greedy matching of a subsequence)."""
    k = 0
    for letter in letters:
        while k < len(within) and not fits(letter, within[k]):
            k += 1
        if k == len(within):
            return False
        k += 1
    return True


def consistent(written: str, latin: str) -> bool:
    """Whether the Arabic letter classes ``written`` may write the Latin letter classes ``latin``:
    the same consonants, and each written vowel explained by a Latin one in its place."""
    (cons_a, gaps_a), (cons_l, gaps_l) = _parts(written), _parts(latin)
    return cons_a == cons_l and all(_explains(a, b) for a, b in zip(gaps_a, gaps_l, strict=True))


def compatible(one: str, other: str) -> bool:
    """Whether two Arabic spellings' letter classes write one name: the same consonants, and in each
    place the vowel letters of one among the other's (carriers aside)."""
    (cons_a, gaps_a), (cons_b, gaps_b) = _parts(one), _parts(other)
    if cons_a != cons_b:
        return False
    for a, b in zip(gaps_a, gaps_b, strict=True):
        a, b = a.replace(CARRIER, ""), b.replace(CARRIER, "")
        if not (_subsequence(a, b) or _subsequence(b, a)):
            return False
    return True


@functools.lru_cache(maxsize=_CACHE)
def sounds_alike(one: str, other: str) -> bool:
    """Whether two name tokens, one at least read from Arabic script, may write the same name:
    :func:`consistent` across scripts, :func:`compatible` between two Arabic spellings. Two Latin
    tokens are never compared here (their phonetic keys are)."""
    if is_arabic(one) and is_arabic(other):
        return any(compatible(a, b) for a in forms(one) for b in forms(other))
    if is_arabic(other):
        one, other = other, one
    if not is_arabic(one):
        return False
    return any(consistent(a, b) for a in forms(one) for b in latin_forms(other))
