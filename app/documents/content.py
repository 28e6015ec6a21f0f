"""What a file really is, what it may be called, and what it must not carry.

* Sniffing uses `filetype` (pure Python, no libmagic to install): it reads the leading bytes'
  signatures and answers one MIME type, telling HEIC from HEIF by the ``ftyp`` brand, and
  recognising executables (ELF, PE, Mach-O). Anything it does not recognise (HTML, SVG, text…)
  is refused, since only the allow-list (``DOCUMENTS_ALLOWED_TYPES``) is accepted.
* Filenames are for display only: path components, TAB/LF/CR, format and bidi-override
  characters are removed, the result is NFC and at most 255 characters (extension kept); a name
  that is only an extension (``.pdf``) is ``document.pdf``, and a stored, downloaded or archived
  name always ends with an extension of its type (:func:`with_extension`). A
  character the text rule of :mod:`app.core.text` refuses (NUL, another control character, a lone
  surrogate) is refused: over HTTP the text guard of the multipart reader answers
  ``validation-failed`` at ``["body", "file", "filename"]`` before this module sees the name
  (:func:`sanitize_filename` raises ``invalid-filename`` for any other caller). NUL is the mark of
  a truncation attack (``x.pdf\\0.exe``), not a name.
* Image metadata (EXIF with GPS, XMP, comments, text chunks) is removed by re-saving the image
  in its own format (:mod:`app.documents.images`: what is kept, what is refused); PDF metadata by
  :mod:`app.documents.pdf`.
"""

from __future__ import annotations

import re
import unicodedata
from pathlib import Path

import filetype

from app.core.text import disallowed_character
from app.documents.errors import DocumentTypeMismatch, DocumentTypeNotAllowed, InvalidFilename

SNIFF_BYTES = 8192
MAX_FILENAME = 255

EXTENSIONS: dict[str, set[str]] = {
    "application/pdf": {"pdf"},
    "image/jpeg": {"jpg", "jpeg", "jpe", "jfif"},
    "image/png": {"png"},
    "image/heic": {"heic", "heif", "hif"},
    "image/heif": {"heic", "heif", "hif"},
    "image/webp": {"webp"},
}
SUFFIX_OF = {"application/pdf": "pdf", "image/jpeg": "jpg", "image/png": "png", "image/heic": "heic"}
SUFFIX_OF |= {"image/heif": "heif", "image/webp": "webp"}
# Types a client may declare for the same bytes (HEIC is a profile of HEIF).
_EQUIVALENT = {"image/jpg": "image/jpeg", "image/pjpeg": "image/jpeg", "image/heic": "image/heif"}
_KNOWN_SUFFIXES = {suffix for suffixes in EXTENSIONS.values() for suffix in suffixes}
_NEUTRAL_DECLARED = {"", "application/octet-stream", "binary/octet-stream"}
_BIDI = {"\u200e", "\u200f", "\u202a", "\u202b", "\u202c", "\u202d", "\u202e", "\u2066", "\u2067", "\u2068", "\u2069"}


def sniff(head: bytes) -> str | None:
    """The MIME type read from a file's first bytes, or ``None`` when unrecognised."""
    kind = filetype.guess(head)
    return kind.mime if kind else None


def check_type(*, head: bytes, declared: str | None, filename: str, allowed: list[str]) -> str:
    """The sniffed type of ``head`` if it is allowed; the bytes decide, not the name.

    A declared type or an extension naming another document type (:data:`EXTENSIONS`: a PNG
    photo named ``scan passeport.jpg``, a PDF sent as ``image/jpeg``, a JPEG named ``.HEIC``) is
    a phone's or a scanner's mislabel, not a disguise: the sniffed type is the document's, and
    its name is given that type's extension (:func:`named_for`). Raises
    ``DocumentTypeNotAllowed`` (415) when the bytes are not an allowed type, and
    ``DocumentTypeMismatch`` (415) when the part's ``Content-Type`` or the filename's extension
    names a type that is no document type (``passport.pdf.exe``, ``text/html``).
    """
    sniffed = sniff(head)
    if sniffed is None or sniffed not in allowed:
        seen, seen_fr = (
            ("of no type recognised", "n'est d'aucun type reconnu")
            if sniffed is None
            else (sniffed, f"est de type {sniffed}")
        )
        raise DocumentTypeNotAllowed(
            f"The file's bytes are {seen}; accepted types: {', '.join(allowed)}.",
            detail_fr=f"Le contenu du fichier {seen_fr} ; types acceptés : {', '.join(allowed)}.",
            sniffed_type=sniffed,
        )
    declared_type = (declared or "").split(";")[0].strip().lower()
    declared_as = _EQUIVALENT.get(declared_type, declared_type)
    if declared_type not in _NEUTRAL_DECLARED and declared_as not in EXTENSIONS:
        raise DocumentTypeMismatch(
            f"Declared as {declared_type} but the bytes are {sniffed}.",
            detail_fr=f"Déclaré {declared_type} mais le contenu est {sniffed}.",
            sniffed_type=sniffed,
        )
    suffix = extension_of(filename)
    if suffix and suffix not in EXTENSIONS.get(sniffed, set()) and suffix not in _KNOWN_SUFFIXES:
        raise DocumentTypeMismatch(
            f"The extension .{suffix} does not match the bytes ({sniffed}).",
            detail_fr=f"L'extension .{suffix} ne correspond pas au contenu ({sniffed}).",
            sniffed_type=sniffed,
        )
    return sniffed


def extension_of(filename: str) -> str:
    """The extension of ``filename``, lowercase without its dot, or ``""``: what follows the last
    dot, unless it holds no letter or holds a space (``rapport 12.03``, ``facture 2024.11``,
    ``scan 1.5``: a number or a date in the name, not a file type)."""
    suffix = Path(filename).suffix.lower().lstrip(".")
    return suffix if any(c.isalpha() for c in suffix) and " " not in suffix else ""


def named_for(filename: str, media_type: str) -> str:
    """``filename`` with the extension of ``media_type`` in place of another document type's
    (``scan passeport.jpg`` holding a PNG → ``scan passeport.png``, ``IMG.JPG`` holding a PDF →
    ``IMG.pdf``), so that what is shown and downloaded opens in the right program; a name with no
    extension, or with one of its own type, is returned unchanged."""
    stem, dot, suffix = filename.rpartition(".")
    if not dot or suffix.lower() not in _KNOWN_SUFFIXES or suffix.lower() in EXTENSIONS.get(media_type, set()):
        return filename
    return f"{stem}.{SUFFIX_OF.get(media_type, 'bin')}"


def sanitize_filename(raw: str) -> str:
    """A display-safe version of a client's filename (see the module docstring); may be ``""``.

    Raises ``InvalidFilename`` (422) when it holds a character the text rule of
    :mod:`app.core.text` refuses (NUL, other control characters, lone surrogates).
    """
    found = disallowed_character(raw)
    if found is not None:
        raise InvalidFilename(
            f"The filename holds the character {found[1]} (position {found[0] + 1}), which is not accepted.",
            detail_fr=f"Le nom de fichier contient le caractère {found[1]} (position {found[0] + 1}), non accepté.",
        )
    name = unicodedata.normalize("NFC", raw).replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(c for c in name if unicodedata.category(c) not in {"Cc", "Cf"} and c not in _BIDI)
    name = name.strip()
    bare = name.lstrip(".").strip()
    if bare != name and "." not in bare and bare.lower() in _KNOWN_SUFFIXES:
        bare = f"document.{bare}"  # ".pdf": an extension with no name, not a file called "pdf"
    name = bare.rstrip(".").strip()
    if len(name) > MAX_FILENAME:
        stem, dot, suffix = name.rpartition(".")
        if dot and 0 < len(suffix) <= 10:
            name = stem[: MAX_FILENAME - len(suffix) - 1].rstrip() + "." + suffix
        else:
            name = name[:MAX_FILENAME]
    return name


def with_extension(name: str, media_type: str) -> str:
    """``name`` ending with an extension of ``media_type`` (``scan`` → ``scan.pdf``, ``""`` →
    ``document.pdf``), at most :data:`MAX_FILENAME` characters: what a downloaded or archived file
    is called, so that it opens in the right program. A name that has one is returned unchanged."""
    suffix = name.rpartition(".")[2].lower() if "." in name else ""
    if suffix in EXTENSIONS.get(media_type, set()):
        return name
    extension = SUFFIX_OF.get(media_type, "bin")
    return f"{name[: MAX_FILENAME - len(extension) - 1].rstrip() or 'document'}.{extension}"


def ascii_filename(name: str, media_type: str) -> str:
    """An ASCII version of ``name`` for where only ASCII is safe (a download's ``filename=``, a ZIP
    entry): accents dropped, other characters as ``_``; ``document.<ext>`` when nothing of the name
    is left, and always an extension of ``media_type`` (``ملف.pdf`` → ``document.pdf``)."""
    folded = "".join(c for c in unicodedata.normalize("NFKD", name) if unicodedata.category(c) != "Mn")
    safe = re.sub(r"[^A-Za-z0-9._() -]", "_", with_extension(folded, media_type)).strip(" .")
    stem, _, suffix = safe.rpartition(".")
    if not stem.strip("_ ."):
        return f"document.{suffix}"
    return safe


def shortened(name: str, limit: int) -> str:
    """``name`` cut to ``limit`` characters, its extension kept (a cut name still opens)."""
    if len(name) <= limit:
        return name
    stem, dot, suffix = name.rpartition(".")
    if not dot or len(suffix) >= limit - 1:
        return name[:limit]
    return stem[: limit - len(suffix) - 1].rstrip(" ._") + "." + suffix


def strip_metadata(source: Path, target: Path, *, media_type: str, max_pixels: int) -> bool:
    """Re-save the image or PDF ``source`` to ``target`` without metadata (images:
    :func:`app.documents.images.strip_image_metadata`; PDFs:
    :func:`app.documents.pdf.strip_pdf_metadata`); False for any other type.

    Raises ``UnreadableDocument`` (422) when the image cannot be decoded or exceeds ``max_pixels``
    (a decompression bomb), or the PDF cannot be read; ``SeveralImages`` (422) for an image of
    several pictures; ``DocumentTypeNotAllowed`` (415) for an image type no routine cleans.
    """
    if media_type == "application/pdf":
        from app.documents.pdf import strip_pdf_metadata

        strip_pdf_metadata(source, target)
        return True
    if not media_type.startswith("image/"):
        return False
    from app.documents.images import strip_image_metadata

    strip_image_metadata(source, target, media_type=media_type, max_pixels=max_pixels)
    return True
