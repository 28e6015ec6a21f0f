"""Decode a CSV register's bytes into the text a person sees, or refuse the file.

A register's text is never read in an encoding that turns what the person typed into other
characters: a guess that fits the bytes is not enough (charset-normalizer ranks the Japanese
``cp932`` first for a UTF-8 file holding one stray byte, and ``Ndèye`` becomes ``Ndﾃｨye``). The
rule, in order:

1. **A byte-order mark decides.** UTF-8 (Excel's "CSV UTF-8", reported ``utf-8-sig``), UTF-16 or
   UTF-32 (Excel's "Unicode text", ``utf_16``/``utf_32``). A UTF-16/32 file that does not decode
   strictly is refused.
2. **Valid UTF-8 is UTF-8** (``utf-8``; ASCII is UTF-8).
3. **UTF-8 but for a few bytes stays UTF-8.** The file is UTF-8 when it has the UTF-8 mark; or
   when, over its first lines that are not ASCII (:data:`UTF8_SAMPLE_BYTES`), the characters
   only UTF-8 makes of bytes are at least as many as its bytes that are not UTF-8 and the
   characters a code page's bytes make when they are valid UTF-8 by chance
   (:func:`_utf8_weight`). A line's UTF-8 counts even beside such a byte: a header
   ``Prénom;Né(e) le;Date d`` 0x92 ``arrivée`` (an apostrophe pasted from Windows-1252) is UTF-8
   with one stray byte, not ``PrÃ©nom`` in Windows-1252. For UTF-8 count its characters of
   three or four bytes and, of two bytes, those a register in the desks' languages holds
   (accented Latin letters, ``ɓ ɗ ƴ``, Arabic words, ``« » °``, no-break space:
   :data:`_WEIGHED`); against it, its other characters of two bytes (a Mac Roman ``l’Église`` is
   valid UTF-8 by chance and reads ``lՃglise``, Armenian) and its stray bytes, of which a code
   page's file has one for each letter beyond ASCII (``Thiès`` is ``Thi`` 0xE8 ``s`` in
   Windows-1252), far more than its bytes make characters by chance. Or, last, when its lines
   that are valid UTF-8 and not ASCII read better as UTF-8 than in any code page of step 4
   (charset-normalizer's ranking of those lines: ``Ndèye`` is UTF-8, ``lՃglise`` is not), as in a
   UTF-8 export joined to a longer Windows-1252 one. Then at most :data:`STRAY_LINES` lines may
   hold bytes that are not UTF-8 (a byte pasted from elsewhere): each such byte is kept apart (a
   :class:`StrayByte`; in the text, the lone surrogate ``U+DC80 + byte``, as Python's
   ``surrogateescape`` writes it) and :mod:`app.imports.reading` rejects the row holding it,
   naming line, column, byte and offset, or refuses the file when it is in the header, naming
   line, byte and offset. More such lines: the file mixes encodings (two exports joined),
   refused naming the lines.
4. **Otherwise a code page of the desks' languages**, :data:`LEGACY_ENCODINGS`: Windows-1252
   (Excel on French Windows; ISO-8859-1 reads the same), ISO-8859-15, Mac Roman (Excel on an old
   Mac), Windows-1256 (Arabic Windows). Each reads the whole file (a code page that cannot decode
   it is out), and its text is judged against what a register holds
   (:func:`app.imports.plausible.oddity`: characters no name or note of the desks' languages
   holds, or holds in that place — ``ƒJƒfƒB`` is Shift-JIS read as Windows-1252, ``SËne`` a
   Windows-1252 ``Sène`` read as Mac Roman). The least odd reading wins, the first in that order
   when several are equally odd (Windows-1252 and ISO-8859-15 read most files identically),
   provided it is plausible. A detector's ranking is not used here: on a register's few short
   cells charset-normalizer ranks ``ƒJƒfƒB`` and ``éRìc`` (Shift-JIS ``山田``) as readily as
   ``Ndèye``. Never a code page of another script: a Japanese, Chinese, Korean or Cyrillic
   file is refused, not guessed.
5. **Anything else is refused** (``import-unreadable-file``, 422), saying how to save the file as
   CSV UTF-8. A file with NUL bytes and no UTF-16/32 mark is binary.

Sources: RFC 3629 (UTF-8), the Unicode Standard §23.8 (byte-order mark), PEP 383
(``surrogateescape``), charset-normalizer (https://charset-normalizer.readthedocs.io).
"""

from __future__ import annotations

import codecs
import itertools
import re
from dataclasses import dataclass
from typing import Any

from charset_normalizer import from_bytes

from app.imports.errors import UnreadableRegister
from app.imports.plausible import Oddity, oddity

BOMS = (  # UTF-32 LE first: its mark starts with UTF-16 LE's
    (codecs.BOM_UTF32_LE, "utf_32"),
    (codecs.BOM_UTF32_BE, "utf_32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf_16"),
    (codecs.BOM_UTF16_BE, "utf_16"),
)
LEGACY_ENCODINGS = ("cp1252", "iso8859_15", "mac_roman", "cp1256")
"""The code pages a file without UTF-8 may be in, in order of preference when several read it the same."""
LEGACY_NAMES = "Windows-1252, ISO-8859-15, Mac Roman, Windows-1256"
STRAY_LINES = 10
"""A UTF-8 file may hold bytes that are not UTF-8 on at most this many lines (their rows are
rejected); more is a file that mixes encodings, refused."""
LISTED_LINES = 50  # lines named by the refusal of a file that mixes encodings (its ``lines`` member)
UTF8_SAMPLE_BYTES = 1 << 16  # of the lines not ASCII weighed, and of the UTF-8 ones ranked (step 3)
STRAY = re.compile("[\udc80-\udcff]")
# The characters step 3 weighs (:func:`_utf8_weight`). For UTF-8, group 1: those of three or four
# bytes, and those of two bytes a register in the desks' languages holds: Latin letters with accents,
# precomposed (Latin-1, Latin Extended-A) or combining, the Wolof and Pulaar letters Ɓ ɓ Ɗ ɗ Ƴ ƴ,
# Arabic words (two letters or more), no-break space, « », °. Against it, the other characters of
# two bytes (U+0080-U+07FF), what a code page's bytes make when they are valid UTF-8 by chance: Mac
# Roman "’É" reads Armenian "Ճ", Windows-1252 "Ô’" Cyrillic "Ԓ", Windows-1256 "ظپ" a lone "ف".
_WEIGHED = re.compile(
    "([\u00a0\u00ab\u00b0\u00bb\u00c0-\u00d6\u00d8-\u00f6\u00f8-\u017f\u0181\u018a\u01b3\u01b4\u0253\u0257"
    "\u0300-\u036f\u0800-\ud7ff\ue000-\U0010ffff]+|[\u0600-\u06ff]{2,})|[\u0080-\u07ff]"
)
_CONTROLS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")  # category Cc but tab and line breaks
RESAVE_EN = (
    'Open it in the program that made it and save it as "CSV UTF-8" (Excel: File > Save As > '
    '"CSV UTF-8 (Comma delimited)"; LibreOffice: Save As > Text CSV, character set "Unicode (UTF-8)"), '
    "then import it again."
)
RESAVE_FR = (
    "Ouvrez-le dans le programme qui l'a créé et enregistrez-le au format « CSV UTF-8 » (Excel : "
    "Fichier > Enregistrer sous > « CSV UTF-8 (délimité par des virgules) » ; LibreOffice : Enregistrer "
    "sous > Texte CSV, jeu de caractères « Unicode (UTF-8) »), puis importez-le à nouveau."
)


@dataclass(frozen=True)
class StrayByte:
    """A byte that is not UTF-8 in a UTF-8 file: its 1-based ``line``, 0-based ``offset`` in the file, ``value``."""

    line: int
    offset: int
    value: int

    def describe(self) -> str:
        """``"0xFF at byte offset 412 (line 7)"``."""
        return f"0x{self.value:02X} at byte offset {self.offset} (line {self.line})"

    def describe_fr(self) -> str:
        """``"octet 0xFF en position 412 du fichier, ligne 7"``."""
        return f"octet 0x{self.value:02X} en position {self.offset} du fichier, ligne {self.line}"


@dataclass(frozen=True)
class DecodedText:
    """A register's text and the encoding it was read in (the report's ``encoding``).

    ``stray`` lists, in file order, the bytes of a UTF-8 file that are not UTF-8 (step 3 of the
    module doc); the text holds one lone surrogate ``U+DC80 + byte`` for each, in the same order.
    """

    text: str
    encoding: str
    stray: tuple[StrayByte, ...] = ()


def decode_register(content: bytes) -> DecodedText:
    """Decode a delimited-text register by the rule of the module doc.

    Raises ``UnreadableRegister`` (422) for a file no allowed encoding reads as typed: a UTF-16/32
    mark on bytes that are not, a UTF-8 file with more than :data:`STRAY_LINES` lines that are not
    (``line``, ``offset``, ``lines`` members), bytes that are neither UTF-8 nor plausible text in
    a code page of :data:`LEGACY_ENCODINGS` (``line``, ``offset``; the least odd reading's odd
    characters named), binary content.
    """
    for bom, codec in BOMS:
        if content.startswith(bom):
            if codec == "utf-8-sig":
                return _utf8(content, start=len(bom), encoding=codec, marked=True)
            try:
                return DecodedText(content.decode(codec), codec)
            except UnicodeDecodeError as exc:
                name = codec.replace("_", "-").upper()
                raise unreadable(
                    f"it starts with a {name} byte-order mark but is not {name} (byte offset {exc.start})",
                    f"il commence par une marque d'ordre des octets {name} mais n'est pas en {name} "
                    f"(position {exc.start})",
                    offset=exc.start,
                ) from None
    return _utf8(content, start=0, encoding="utf-8", marked=False)


def unreadable(why_en: str, why_fr: str, *, resave: bool = True, **extra: Any) -> UnreadableRegister:
    """The 422 for a file that cannot be read as typed, in both languages, with how to save it."""
    return UnreadableRegister(
        f"The file cannot be read as a register: {why_en}." + (f" {RESAVE_EN}" if resave else ""),
        detail_fr=f"Le fichier ne peut pas être lu comme un registre : {why_fr}." + (f" {RESAVE_FR}" if resave else ""),
        **extra,
    )


def place_stray(
    records: list[tuple[int, list[str]]], stray: tuple[StrayByte, ...]
) -> dict[int, dict[int, list[StrayByte]]]:
    """``line of the record → cell index → its stray bytes``, for the records of a decoded text.

    The k-th lone surrogate of the cells, in file order, is ``stray[k]``: the CSV reader drops
    delimiters, quotes and line breaks, never a surrogate.
    """
    queue = iter(stray)
    placed: dict[int, dict[int, list[StrayByte]]] = {}
    for line, cells in records:
        for index, cell in enumerate(cells):
            count = 0 if cell.isascii() else len(STRAY.findall(cell))
            if count:
                placed.setdefault(line, {})[index] = list(itertools.islice(queue, count))
    return placed


def stray_reasons(columns: list[tuple[str, list[StrayByte]]]) -> tuple[str, str]:
    """The reason a row is rejected for the stray bytes of its ``(column, bytes)``, in English and
    in French."""
    parts, parts_fr = [], []
    for column, found in columns:
        shown, shown_fr = (", ".join(say(b) for b in found[:5]) for say in (StrayByte.describe, StrayByte.describe_fr))
        if len(found) > 5:
            shown, shown_fr = f"{shown} and {len(found) - 5} more", f"{shown_fr} et {len(found) - 5} autres"
        held, held_fr = (
            ("a byte that is", "un octet qui n'est")
            if len(found) == 1
            else (f"{len(found)} bytes that are", f"{len(found)} octets qui ne sont")
        )
        parts.append(f"column {column!r} holds {held} not valid UTF-8 ({shown})")
        parts_fr.append(f"la colonne « {column} » contient {held_fr} pas de l'UTF-8 valide ({shown_fr})")
    return (
        "; ".join(parts) + " while the rest of the file is UTF-8 (a stray byte, or text in another encoding: "
        "correct the line, or save the file as CSV UTF-8, and import it again); the batch keeps the row with "
        "U+FFFD in place of each such byte",
        " ; ".join(parts_fr) + " alors que le reste du fichier est en UTF-8 (un octet égaré, ou du texte dans un "
        "autre codage : corrigez la ligne, ou enregistrez le fichier en CSV UTF-8, et importez-le à nouveau) ; le "
        "lot garde la ligne avec U+FFFD à la place de chacun de ces octets",
    )


def stray_in_header(byte: StrayByte) -> UnreadableRegister:
    """The 422 for a stray byte where the header is read: the columns cannot be named as typed."""
    return unreadable(
        f"line {byte.line}, where the header is read, holds a byte that is not valid UTF-8 ({byte.describe()}) "
        "while the rest of the file is UTF-8",
        f"la ligne {byte.line}, où l'en-tête est lu, contient un octet qui n'est pas de l'UTF-8 valide "
        f"(0x{byte.value:02X} à la position {byte.offset}) alors que le reste du fichier est en UTF-8",
        line=byte.line,
        offset=byte.offset,
    )


def _utf8(content: bytes, *, start: int, encoding: str, marked: bool) -> DecodedText:
    body = content[start:]
    try:
        return DecodedText(body.decode("utf-8"), encoding)
    except UnicodeDecodeError:
        pass
    bad: list[tuple[int, int, bytes]] = []  # (line, offset, bytes) of the first lines that are not UTF-8
    bad_lines: list[int] = []  # the first LISTED_LINES of them, for the refusal
    bad_count = 0
    sample = bytearray()  # lines that are UTF-8 and not ASCII
    weight = weighed = 0  # the weight for UTF-8 of the first UTF8_SAMPLE_BYTES of lines not ASCII (_utf8_weight)
    offset = start
    for number, line in enumerate(body.splitlines(keepends=True), start=1):
        if not line.isascii():
            try:
                text = line.decode("utf-8")
            except UnicodeDecodeError:
                bad_count += 1
                if len(bad) <= STRAY_LINES:
                    bad.append((number, offset, line))
                if len(bad_lines) < LISTED_LINES:
                    bad_lines.append(number)
                text = line.decode("utf-8", "surrogateescape") if weighed < UTF8_SAMPLE_BYTES else ""
            else:
                if len(sample) < UTF8_SAMPLE_BYTES:
                    sample += line
            if weighed < UTF8_SAMPLE_BYTES:
                weight += _utf8_weight(text)
                weighed += len(line)
        offset += len(line)
    if marked or weight >= 0 or _reads_as_utf8(bytes(sample)):
        if bad_count > STRAY_LINES:
            first = _stray_bytes(bad[:1])[0]
            shown = ", ".join(str(n) for n in bad_lines[:STRAY_LINES]) + ", …"
            raise unreadable(
                f"it is UTF-8, but {bad_count} of its lines are not (lines {shown}; the first such byte: "
                f"{first.describe()}): it mixes two encodings, as when two exports are joined. Save each part "
                "as CSV UTF-8 before joining them, or correct those lines, then import the file again",
                f"il est en UTF-8, mais {bad_count} de ses lignes ne le sont pas (lignes {shown} ; le premier "
                f"octet fautif : 0x{first.value:02X} à la position {first.offset}, ligne {first.line}) : il mêle "
                "deux encodages, comme deux exports mis bout à bout. Enregistrez chaque partie au format CSV "
                "UTF-8 avant de les réunir, ou corrigez ces lignes, puis importez à nouveau le fichier",
                resave=False,
                line=first.line,
                offset=first.offset,
                lines=bad_lines,
            )
        return DecodedText(body.decode("utf-8", "surrogateescape"), encoding, tuple(_stray_bytes(bad)))
    return _legacy(content, first=_stray_bytes(bad[:1])[0])


def _utf8_weight(text: str) -> int:
    """How much a line, decoded with ``surrogateescape``, says its file is UTF-8 (step 3): its
    characters only UTF-8 makes of bytes (:data:`_WEIGHED`), less its stray bytes and its other
    characters of two bytes (what a code page's bytes make when they are valid UTF-8 by chance)."""
    found = _WEIGHED.findall(text)
    return sum(map(len, found)) - found.count("") - len(STRAY.findall(text))


def _reads_as_utf8(sample: bytes) -> bool:
    """Whether lines that are valid UTF-8 (and not ASCII) are UTF-8 rather than a code page by chance."""
    if not sample:
        return False
    best = from_bytes(sample, cp_isolation=["utf_8", *LEGACY_ENCODINGS]).best()
    return best is None or best.encoding == "utf_8"  # nothing fits better: it stays UTF-8


def _stray_bytes(lines: list[tuple[int, int, bytes]]) -> list[StrayByte]:
    """The bytes of ``lines`` (line, offset, bytes) that are not UTF-8, in order, as ``surrogateescape`` sets apart."""
    out: list[StrayByte] = []
    for number, offset, line in lines:
        text = line.decode("utf-8", "surrogateescape")
        position, previous = offset, 0
        for found in STRAY.finditer(text):
            position += len(text[previous : found.start()].encode("utf-8"))
            out.append(StrayByte(number, position, ord(found.group()) - 0xDC00))
            position, previous = position + 1, found.end()
    return out


def _legacy(content: bytes, *, first: StrayByte) -> DecodedText:
    """Step 4 of the module doc; ``first`` is the first byte that is not UTF-8."""
    where_en = f"line {first.line}, byte offset {first.offset}"
    where_fr = f"ligne {first.line}, position {first.offset}"
    if b"\x00" in content:
        raise unreadable(
            "it is not text in any encoding we recognise (binary content, or UTF-16 without its byte-order mark?)",
            "ce n'est du texte dans aucun encodage reconnu (contenu binaire, ou UTF-16 sans sa marque d'ordre "
            "des octets ?)",
        )
    readings: list[tuple[str, str, Oddity]] = []  # (code page, text, its odd characters), in preference order
    controls = 0
    for name in LEGACY_ENCODINGS:
        try:
            text = content.decode(name)
        except UnicodeDecodeError:
            continue
        controls = len(_CONTROLS.findall(text))
        if controls > max(2, len(text) // 1000):
            continue  # binary, whatever the code page
        readings.append((name, text, oddity(text)))
        if readings[-1][2].odd == 0:
            break  # none after it can be chosen: the first of the least odd is
    if not readings and controls:
        raise unreadable(
            f"it is not text in any encoding we recognise (binary content?): it holds {controls} control characters",
            f"ce n'est du texte dans aucun encodage reconnu (contenu binaire ?) : il contient {controls} caractères "
            "de contrôle",
        )
    # The least odd reading, the first in preference order of those equally odd (Windows-1252 and
    # ISO-8859-15 read most files identically).
    best = min(readings, key=lambda reading: reading[2].odd, default=None)
    if best is not None and best[2].plausible:
        return DecodedText(best[1], best[0])
    why_en = why_fr = ""
    if best is not None:
        name, _, found = best
        why_en = (
            f" (read as {name}, {found.odd} of its {found.of} characters outside ASCII have no place in a register: "
            f"{found.shown})"
        )
        why_fr = (
            f" (lu en {name}, {found.odd} de ses {found.of} caractères hors ASCII n'ont pas leur place dans un "
            f"registre : {found.shown})"
        )
    raise unreadable(
        f"it is not UTF-8 (from {where_en}) and no code page of the desks' languages ({LEGACY_NAMES}) reads it "
        f"as typed{why_en}",
        f"il n'est pas en UTF-8 (à partir de la {where_fr}) et aucune page de code des langues des bureaux "
        f"({LEGACY_NAMES}) ne le lit tel qu'il a été saisi{why_fr}",
        line=first.line,
        offset=first.offset,
    )
