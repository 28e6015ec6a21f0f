"""Text normalisation shared by names, places and search keys (Unicode UAX #15)."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from typing import Annotated

from pydantic import AfterValidator
from pydantic_core import PydanticCustomError

from app.core.errors import ValidationFailed
from app.core.reasons import place, place_fr, said

ZERO_WIDTH_SPACE = "\u200b"  # invisible, but a word boundary (UAX #14): a separator in names and searches
_SEPARATORS = re.compile(r"[\s\u200b'’‘`´\-‐‑–—_.]+")

# The default-ignorable code points (Unicode DerivedCoreProperties.txt, Default_Ignorable_Code_Point)
# that are not format characters (category Cf, removed by category where text is read): the
# combining grapheme joiner, the Hangul and halfwidth Hangul fillers (category Lo: "letters" that
# show nothing), Khmer's inherent vowels, the Mongolian free variation selectors and the variation
# selectors. Rendered as nothing, they make a name or a number look like another while it is keyed,
# searched and compared as a third.
INVISIBLE = re.compile("[\u034f\u115f\u1160\u17b4\u17b5\u180b-\u180f\u3164\ufe00-\ufe0f\uffa0\U000e0100-\U000e01ef]")


def without_invisible(value: str) -> str:
    """``value`` without its invisible characters: format characters (category Cf: direction
    marks, joiners, zero-width characters, U+FEFF…) and the other default-ignorable code points
    (:data:`INVISIBLE`). ``"\u200fFatou\u3164"`` → ``"Fatou"``."""
    return INVISIBLE.sub("", "".join(c for c in value if unicodedata.category(c) != "Cf"))


def clean(value: str) -> str:
    """NFC-normalised, trimmed, inner white space collapsed; spelling otherwise kept.

    White space is what :meth:`str.isspace` says it is (the characters a regular expression's
    ``\\s`` matches); splitting on it and joining with one space does both in one pass."""
    return " ".join(unicodedata.normalize("NFC", value).split())


def fold(value: str) -> str:
    """A search key: case-folded, accents stripped, apostrophes/hyphens/dots/zero-width spaces become spaces.

    ``"N'Diaye"`` → ``"n diaye"``, ``"Guèye"`` → ``"gueye"``, ``"Aïssatou"`` → ``"aissatou"``.
    Identical on every database because it is computed here, not in SQL.
    """
    decomposed = unicodedata.normalize("NFKD", value.casefold())
    stripped = "".join(c for c in decomposed if not unicodedata.combining(c))
    return _SEPARATORS.sub(" ", stripped).strip()


# The one rule for text that may be stored (every request field, header we keep, imported cell,
# file name). Refused: the C0 control characters but TAB, LF and CR; DEL and the C1 controls
# (Unicode general category Cc); lone surrogates (category Cs: no UTF-8 form, RFC 3629 §3); and
# the noncharacters U+FFFE and U+FFFF. What is left is the W3C XML 1.0 ``Char`` production
# (§2.2) less the controls it discourages: it can be stored in PostgreSQL text/jsonb (which refuse
# U+0000 and unpaired surrogates) and in SQLite alike, and written to XLSX and XML exports.
DISALLOWED_CHARACTERS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]")
REPLACEMENT = "\ufffd"


def disallowed_character(value: str) -> tuple[int, str] | None:
    """``(0-based position, "U+0000")`` of the first character the rule refuses, or None.

    ``"Ab\\x00c"`` → ``(2, "U+0000")``; ``"Awa\\tDiop"`` → None (TAB, LF and CR are allowed).
    """
    found = DISALLOWED_CHARACTERS.search(value)
    if found is None:
        return None
    return found.start(), f"U+{ord(found.group()):04X}"


def describe_disallowed(value: str) -> str | None:
    """An English reason naming the first refused character and its position, or None."""
    found = disallowed_character(value)
    if found is None:
        return None
    position, code = found
    return f"character {code} at position {position + 1} is not accepted (a control character or lone surrogate)"


def storable(value: str) -> str:
    """``value`` with every refused character replaced by U+FFFD REPLACEMENT CHARACTER.

    For copies kept for the record (an import row's raw cells), never for values taken as valid.
    """
    return DISALLOWED_CHARACTERS.sub(REPLACEMENT, value)


def utf8_error(data: bytes) -> str | None:
    """An English reason when ``data`` is not valid UTF-8 (RFC 3629), else None."""
    try:
        data.decode("utf-8")
    except UnicodeDecodeError as exc:
        return f"bytes at offset {exc.start} are not valid UTF-8"
    return None


def require_storable(value: str, loc: Sequence[str]) -> str:
    """``value`` unchanged, or ``ValidationFailed`` (422) naming ``loc`` and the refused character."""
    found = disallowed_character(value)
    if found is not None:
        raise text_problem(loc, code=found[1], position=found[0] + 1)
    return value


def encodes_surrogate(data: bytes, at: int) -> bool:
    """Whether the bytes of ``data`` at ``at`` are ED A0..BF: the three-byte form of U+D800–U+DFFF
    (CESU-8, a lone surrogate percent-encoded as ``%ED%A0%80``), which UTF-8 leaves out (RFC 3629 §3)."""
    return data[at : at + 1] == b"\xed" and len(data) > at + 1 and 0xA0 <= data[at + 1] <= 0xBF


def require_utf8(data: bytes, loc: Sequence[str]) -> str:
    """``data`` decoded as UTF-8 and checked by :func:`require_storable`; 422 when it is not UTF-8."""
    try:
        value = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise text_problem(loc, invalid_utf8_at=exc.start, surrogate=encodes_surrogate(data, exc.start)) from None
    return require_storable(value, loc)


def text_problem(
    loc: Sequence[str],
    *,
    code: str | None = None,
    position: int | None = None,
    invalid_utf8_at: int | None = None,
    surrogate: bool = False,
) -> ValidationFailed:
    """The 422 answered for text the rule refuses, the same for every field, header and file: its
    English detail names the place in the API's terms ("query parameter q", "body field
    given_names": :func:`app.core.reasons.place`), its French one in the desk's words (« Un
    paramètre de l'adresse ») and both what it must not hold; its one ``errors`` member carries the
    same words without the place as its ``reason``. ``surrogate``: the bytes refused as UTF-8
    at ``invalid_utf8_at`` encode a lone surrogate (``%ED%A0%80``, U+D800)."""
    if invalid_utf8_at is not None:
        if surrogate:
            en = f"is not valid UTF-8 (the bytes at offset {invalid_utf8_at} encode a lone surrogate, U+D800 to U+DFFF)"
            fr = f"n'est pas de l'UTF-8 valide (les octets à la position {invalid_utf8_at} codent un demi-codet isolé)"
        else:
            en = f"is not valid UTF-8 (bytes at offset {invalid_utf8_at})"
            fr = f"n'est pas de l'UTF-8 valide (octets à la position {invalid_utf8_at})"
        kind = "text_invalid_utf8"
    else:
        point = int(code[2:], 16) if code else 0
        if 0xD800 <= point <= 0xDFFF:
            what_en, what_fr = "lone surrogates", "de demi-codets isolés"
        elif point in (0xFFFE, 0xFFFF):
            what_en, what_fr = "the noncharacters U+FFFE and U+FFFF", "les non-caractères U+FFFE et U+FFFF"
        else:
            what_en, what_fr = "control characters", "de caractères de contrôle"
        en = f"must not contain {what_en} ({code} at position {position}"
        fr = f"ne doit pas contenir {what_fr} ({code} en position {position}"
        if what_en == "control characters":
            en += "; tab and line breaks are the only ones accepted"
            fr += " ; seuls la tabulation et les sauts de ligne sont acceptés"
        en, fr = en + ")", fr + ")"
        kind = "text_disallowed_character"
    where_en = place(loc)
    detail_en = f"{where_en[:1].upper()}{where_en[1:]}: {en}."
    detail_fr = f"{place_fr(loc)} {fr}."
    entry = said({"loc": list(loc), "msg": detail_en, "type": kind}, fr=fr, en=en)
    return ValidationFailed(detail_en, detail_fr=detail_fr, errors=[entry])


def bidi_problem(loc: Sequence[str], *, code: str, name: str, position: int) -> ValidationFailed:
    """The 422 of :func:`text_problem`'s shape for a bidirectional control a field refuses
    (:func:`refuse_bidi_controls`, type ``text_bidi_control``), so that it is listed in one
    :func:`text_problems` with the control characters of the same request."""
    en = (
        f"must not contain bidirectional embeddings, overrides or isolates ({code} {name} at position {position}; "
        "direction marks U+200E and U+200F are accepted)"
    )
    fr = (
        f"ne doit pas contenir de contrôle de direction du texte ({code} en position {position} ; "
        "les marques de direction U+200E et U+200F sont acceptées)"
    )
    where_en = place(loc)
    entry = said({"loc": list(loc), "msg": en, "type": "text_bidi_control"}, fr=fr, en=en)
    return ValidationFailed(
        f"{where_en[:1].upper()}{where_en[1:]}: {en}.", detail_fr=f"{place_fr(loc)} {fr}.", errors=[entry]
    )


MAX_TEXT_PROBLEMS = 50
"""The most places one answer of the text rule names (a body of thousands of refused strings is
answered with the first 50)."""


def text_problems(refused: Sequence[ValidationFailed]) -> ValidationFailed:
    """One 422 for every place of one request the text rule refused (:func:`text_problem` each: two
    fields of a form, each with a pasted control character): the problem itself for one place, else
    one problem whose ``errors`` holds each place's member, in the order sent, and whose detail says
    each (English) or that several fields are refused (French, which names no API field: the web
    client names them from ``errors``). At most :data:`MAX_TEXT_PROBLEMS` places. Each member keeps
    its own type (``text_disallowed_character``, ``text_invalid_utf8``, ``text_bidi_control``) and
    reason."""
    if len(refused) == 1:
        return refused[0]
    kept = refused[:MAX_TEXT_PROBLEMS]
    errors = [entry for problem in kept for entry in problem.extra["errors"]]
    detail_en = " ".join(problem.detail_en or "" for problem in kept)
    detail_fr = (
        f"{len(kept)} valeurs envoyées contiennent un caractère qui n'est pas accepté "
        "(caractère de contrôle, contrôle de direction, demi-codet isolé ou non-caractère) ; voir `errors`."
    )
    return ValidationFailed(detail_en, detail_fr=detail_fr, errors=errors)


# Dashes: every character of Unicode category Pd (U+2010–U+2015, U+FE58, U+FE63, U+FF0D…) plus the
# minus signs that are not Pd (U+2212 MINUS SIGN, U+02D7, U+2796, U+207B, U+208B).
_MINUS_SIGNS = frozenset("\u2212\u02d7\u2796\u207b\u208b")


def normalise_typed_identifier(value: str) -> str:
    """An identifier (phone, document number) as a person typed or pasted it, in plain characters.

    One rule for every place a phone or document number is read (create, update, search, import):

    * Unicode format characters (category Cf: direction marks U+200E/U+200F, embeddings and
      overrides U+202A–U+202E, isolates U+2066–U+2069, zero-width U+200B–U+200D, U+FEFF…) and the
      other invisible characters (:data:`INVISIBLE`: fillers, variation selectors) are removed;
    * every Unicode space (category Zs, e.g. U+00A0, U+202F, U+3000) and white-space control becomes
      ``" "``, runs are collapsed and the ends trimmed;
    * every dash (category Pd: U+2010–U+2015, U+FE63, U+FF0D…) and minus sign (U+2212…) becomes ``"-"``;
    * every decimal digit (category Nd: Arabic-Indic ``٠``–``٩``, Extended Arabic-Indic, fullwidth…)
      becomes its ASCII digit;
    * the rest is NFKC-normalised (fullwidth ``＋`` → ``+``, ``（`` → ``(``), per Unicode UAX #15.

    ``"\\u202a+221\\u00a077\\u2011123\\u201145\\u201167\\u202c"`` → ``"+221 77-123-45-67"``;
    ``"٠٦١٢٣٤٥٦٧٨"`` → ``"0612345678"``. Control characters other than white space are kept, for the
    caller's own check to refuse.

    ASCII text (what most cells and requests hold) takes a short path with the same result: NFKC
    leaves it as it is, it has no format or invisible character, and its dash and digits are
    already plain, so only its runs of white space become one space and its ends are trimmed.
    """
    if value.isascii():
        return " ".join(value.split())
    return _typed_identifier_in_unicode(value)


def _typed_identifier_in_unicode(value: str) -> str:
    """:func:`normalise_typed_identifier` character by character, for any text."""
    out: list[str] = []
    for char in unicodedata.normalize("NFKC", INVISIBLE.sub("", value)):
        category = unicodedata.category(char)
        if category == "Cf" or INVISIBLE.match(char):
            continue
        if category == "Zs" or char.isspace():
            out.append(" ")
        elif category == "Pd" or char in _MINUS_SIGNS:
            out.append("-")
        elif category == "Nd":
            out.append(str(unicodedata.decimal(char)))
        else:
            out.append(char)
    return " ".join("".join(out).split())


def shows_nothing(value: str) -> bool:
    """Whether ``value`` is empty once its white space and invisible characters
    (:func:`without_invisible`: zero-width spaces, direction marks, fillers, variation selectors)
    are taken away: ``"\u200b"``, ``"\u3164"``, ``" \u200f "``."""
    return not without_invisible(value).split()


def nothing_as_none(value: str | None) -> str | None:
    """``value`` unchanged, or None when it shows nothing (:func:`shows_nothing`); a pydantic
    ``AfterValidator`` for optional free text (a note, a purpose, a reference): white space or
    zero-width characters are no note, stored as none rather than as an empty-looking one.
    A bidirectional control is refused (:func:`refuse_bidi_controls`)."""
    return None if value is None or shows_nothing(value) else refuse_bidi_controls(value)


def nothing_as_empty(value: str) -> str:
    """``value`` unchanged, or ``""`` when it shows nothing: :func:`nothing_as_none` for a text
    column whose "nothing" is the empty string (a case's description)."""
    return "" if shows_nothing(value) else refuse_bidi_controls(value)


def visible_length(value: str) -> int:
    """How many characters of ``value`` show: without invisible characters, trimmed, inner white
    space counted once (``" a \u200b b "`` → 3). A minimum length is checked on this."""
    return len(" ".join(without_invisible(value).split()))


# The bidirectional embeddings and overrides (U+202A LRE, U+202B RLE, U+202C PDF, U+202D LRO,
# U+202E RLO) and isolates (U+2066 LRI, U+2067 RLI, U+2068 FSI, U+2069 PDI) of UAX #9: they reorder
# the text shown after them, so "\u202eevil" shows as "live" in a staff list or an audit label
# (CVE-2021-42574, "Trojan Source"). Free text refuses them. The marks U+200E LRM, U+200F RLM and
# U+061C ALM stay allowed: they do not reorder a run, they only set the direction of the neutral
# characters next to them, and Arabic text typed or pasted carries them legitimately.
BIDI_CONTROLS = re.compile("[\u202a-\u202e\u2066-\u2069]")


def refuse_bidi_controls(value: str) -> str:
    """``value`` unchanged; a pydantic error of type ``text_bidi_control`` naming the first
    :data:`BIDI_CONTROLS` character (``"\u202eevil"`` → "character U+202E RIGHT-TO-LEFT OVERRIDE at
    position 1 …"). A pydantic ``AfterValidator``."""
    found = BIDI_CONTROLS.search(value)
    if found is None:
        return value
    char = found.group()
    raise PydanticCustomError(
        "text_bidi_control",
        "character {code} {name} at position {position} is not accepted: bidirectional embeddings, overrides "
        "and isolates (U+202A-U+202E, U+2066-U+2069) reorder the text shown; direction marks (U+200E, U+200F) "
        "are accepted",
        {"code": f"U+{ord(char):04X}", "name": unicodedata.name(char), "position": found.start() + 1},
    )


def not_blank(value: str) -> str:
    """``value`` unchanged; ``ValueError`` when it shows nothing (:func:`shows_nothing`: empty,
    white space or invisible characters only; a pydantic ``AfterValidator``: a note, a name or a
    password of spaces or zero-width characters says nothing), and :func:`refuse_bidi_controls`."""
    if shows_nothing(value):
        raise ValueError("must not be blank (white space or invisible characters only)")
    return refuse_bidi_controls(value)


def control_character(value: str) -> PydanticCustomError | None:
    """The pydantic error (type ``text_disallowed_character``) naming the first character of
    ``value`` the text rule refuses (:data:`DISALLOWED_CHARACTERS`: NUL, BEL, ESC… but not TAB,
    LF and CR), by code point and name, or None. Over HTTP the request guard of
    :mod:`app.core.middleware` answers first, the same reason in French too."""
    found = DISALLOWED_CHARACTERS.search(value)
    if found is None:
        return None
    char = found.group()
    return PydanticCustomError(
        "text_disallowed_character",
        "character {code} {name} at position {position} is not accepted (control characters other than tab and "
        "line breaks, lone surrogates and U+FFFE/U+FFFF are refused)",
        {"code": f"U+{ord(char):04X}", "name": unicodedata.name(char, "control"), "position": found.start() + 1},
    )


def one_line(value: str) -> str:
    """A one-line text (a name, a place, an occupation, a label, a number) as stored: NFC, every
    white space a person cannot see or did not mean (TAB, LF, CR, U+00A0 NO-BREAK SPACE and the
    other Unicode spaces, U+2028/U+2029, runs of spaces) one ordinary space, the ends trimmed
    (:func:`clean`): ``"Cheikh Ahmadou\tBamba "`` → ``"Cheikh Ahmadou Bamba"``. Another control
    character is refused naming it (:func:`control_character`), and so is a bidirectional control
    (:func:`refuse_bidi_controls`). Multi-line texts (notes, descriptions) keep their line breaks
    and tabs: they do not use this."""
    refused = control_character(value)
    if refused is not None:
        raise refused
    return clean(refuse_bidi_controls(value))


def required_one_line(value: str) -> str:
    """:func:`one_line`, and a pydantic error of type ``missing`` (the one an absent field gets,
    "required") when nothing shows: empty, white space or invisible characters only."""
    cleaned = one_line(value)
    if shows_nothing(cleaned):
        raise PydanticCustomError("missing", "Field required (empty, or white space and invisible characters only)")
    return cleaned


def optional_one_line(value: str | None) -> str | None:
    """:func:`one_line`, or None when ``value`` is None or shows nothing (as :func:`nothing_as_none`)."""
    if value is None:
        return None
    cleaned = one_line(value)
    return None if shows_nothing(cleaned) else cleaned


NotBlank = Annotated[str, AfterValidator(not_blank)]
"""Required text: refused (422) when it shows nothing or holds a bidirectional control."""
OptionalText = Annotated[str | None, AfterValidator(nothing_as_none)]
"""Optional free text: a string, or None when sent as null or when it shows nothing. A field's
``max_length`` applies to the string as sent (the validator runs after it)."""
OneLine = Annotated[str, AfterValidator(required_one_line)]
"""Required one-line text (:func:`required_one_line`): white space cleaned, ``missing`` when blank.
Give its ``Field`` no ``min_length`` of 1: an empty value answers ``missing`` as a blank one does."""
OptionalOneLine = Annotated[str | None, AfterValidator(optional_one_line)]
"""Optional one-line text (:func:`optional_one_line`): white space cleaned, None when blank."""
