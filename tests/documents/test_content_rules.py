"""Type sniffing and filename rules of ``app/documents/content.py``, without HTTP.

The bytes are the published file signatures (PDF ``%PDF-``, JPEG ``FF D8 FF``, PNG
``89 50 4E 47 0D 0A 1A 0A``, WebP ``RIFF…WEBP``, HEIC an ISO-BMFF ``ftyp`` box of brand ``heic``);
the media types are the IANA registrations; the filename rules are the module's documented ones
(path components, control, format and bidi characters removed, NFC, at most 255 characters with
the extension kept).
"""

from __future__ import annotations

import pytest

from app.documents.content import check_type, named_for, sanitize_filename, sniff
from app.documents.errors import DocumentTypeMismatch, DocumentTypeNotAllowed, InvalidFilename

PAD = b"\x00" * 32
PDF = b"%PDF-1.7\n" + PAD
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + PAD
PNG = b"\x89PNG\r\n\x1a\n" + PAD
WEBP = b"RIFF\x24\x00\x00\x00WEBPVP8 " + PAD
HEIC = b"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00mif1heic" + PAD
ALLOWED = ["application/pdf", "image/jpeg", "image/png", "image/heic", "image/heif", "image/webp"]


@pytest.mark.parametrize(
    ("head", "declared", "filename", "sniffed"),
    [
        (PDF, "application/pdf", "passeport.pdf", "application/pdf"),
        (JPEG, "image/jpeg", "photo.JPG", "image/jpeg"),
        (JPEG, "image/jpg", "photo.jpeg", "image/jpeg"),
        (JPEG, "image/pjpeg", "photo.jfif", "image/jpeg"),
        (JPEG, "IMAGE/JPEG; charset=binary", "photo.jpe", "image/jpeg"),
        (PNG, None, "scan.png", "image/png"),
        (PNG, "", "scan", "image/png"),
        (PNG, "application/octet-stream", "scan.png", "image/png"),
        (PNG, "binary/octet-stream", "scan.png", "image/png"),
        (WEBP, "image/webp", "capture.webp", "image/webp"),
        (HEIC, "image/heic", "IMG_0001.HEIC", "image/heic"),
        (HEIC, "image/heif", "IMG_0001.heif", "image/heic"),
        (HEIC, "image/heic", "IMG_0001.hif", "image/heic"),
        (PDF, "application/pdf", "rapport 12.03", "application/pdf"),  # a date, not an extension
        (PDF, None, "version 2.1.0", "application/pdf"),
        (PNG, "image/png", "scan.2 pages", "image/png"),
    ],
)
def test_a_file_whose_bytes_declared_type_and_extension_agree_is_accepted(
    head: bytes, declared: str | None, filename: str, sniffed: str
) -> None:
    assert check_type(head=head, declared=declared, filename=filename, allowed=ALLOWED) == sniffed


@pytest.mark.parametrize(
    ("head", "declared", "filename"),
    [
        (PNG, "image/jpeg", "scan.png"),
        (JPEG, "image/png", "photo.jpg"),
        (PDF, "image/jpeg", "passeport.pdf"),
        (HEIC, "image/jpeg", "IMG_0001.heic"),
        (JPEG, "image/jpeg", "photo.png"),
        (PNG, "image/png", "scan.pdf"),
        (PDF, "application/pdf", "passeport.heic"),
    ],
)
def test_a_declared_type_or_extension_naming_another_document_type_gives_way_to_the_bytes(
    head: bytes, declared: str, filename: str
) -> None:
    """A phone's or a scanner's mislabel (a PNG photo saved as scan.png but declared image/jpeg, a
    PDF named passeport.heic): the bytes' type is the document's. It was a 415 mismatch."""
    assert check_type(head=head, declared=declared, filename=filename, allowed=ALLOWED) == sniff(head)


@pytest.mark.parametrize(
    ("head", "declared", "filename"),
    [
        (PNG, "text/html", "scan.png"),
        (PDF, "application/pdf", "passeport.pdf.exe"),
        (JPEG, None, "photo.svg"),
        (PDF, None, "passeport.pdf.scr"),  # an extension no library here knows is still refused
        (PDF, None, "rapport.v2"),
    ],
)
def test_a_declared_type_or_extension_naming_no_document_type_is_a_mismatch(
    head: bytes, declared: str | None, filename: str
) -> None:
    with pytest.raises(DocumentTypeMismatch) as refused:
        check_type(head=head, declared=declared, filename=filename, allowed=ALLOWED)
    assert refused.value.status == 415


@pytest.mark.parametrize(
    ("name", "media_type", "named"),
    [
        ("scan passeport.jpg", "image/png", "scan passeport.png"),
        ("IMG.JPG", "application/pdf", "IMG.pdf"),
        ("IMG_0001.HEIC", "image/jpeg", "IMG_0001.jpg"),
        ("photo.JPEG", "image/jpeg", "photo.JPEG"),  # its own type's: unchanged
        ("IMG_0001.heif", "image/heic", "IMG_0001.heif"),
        ("scan", "image/png", "scan"),  # no extension: given one where stored (with_extension)
        ("rapport 12.03", "application/pdf", "rapport 12.03"),  # not an extension of a document type
    ],
)
def test_a_name_with_another_document_types_extension_gets_the_bytes_one(name: str, media_type: str, named: str):
    assert named_for(name, media_type) == named


def test_bytes_of_a_type_outside_the_allow_list_are_not_allowed() -> None:
    with pytest.raises(DocumentTypeNotAllowed) as refused:
        check_type(head=PNG, declared="image/png", filename="scan.png", allowed=["application/pdf", "image/jpeg"])
    assert (refused.value.status, refused.value.extra["sniffed_type"]) == (415, "image/png")
    # The problem says what the bytes are and lists what is accepted, in both languages.
    for detail in (refused.value.detail_en, refused.value.detail_fr):
        assert detail is not None and "image/png" in detail and "application/pdf, image/jpeg." in detail
    assert "types acceptés" in str(refused.value.detail_fr)  # French when asked in French (BRIEF §3)
    with pytest.raises(DocumentTypeNotAllowed) as unknown:
        check_type(head=b"<html><body>x</body></html>", declared="image/jpeg", filename="p.jpg", allowed=ALLOWED)
    assert unknown.value.extra["sniffed_type"] is None
    listed = ", ".join(ALLOWED)
    assert (unknown.value.detail_en, unknown.value.detail_fr) == (
        f"The file's bytes are of no type recognised; accepted types: {listed}.",
        f"Le contenu du fichier n'est d'aucun type reconnu ; types acceptés : {listed}.",
    )


def test_a_mismatch_names_the_declared_type_or_the_extension_and_the_sniffed_type() -> None:
    with pytest.raises(DocumentTypeMismatch) as declared:
        check_type(head=PNG, declared="text/html", filename="scan.png", allowed=ALLOWED)
    with pytest.raises(DocumentTypeMismatch) as extension:
        check_type(head=JPEG, declared="image/jpeg", filename="photo.svg", allowed=ALLOWED)
    assert (declared.value.extra["sniffed_type"], extension.value.extra["sniffed_type"]) == ("image/png", "image/jpeg")
    for detail in (declared.value.detail_en, declared.value.detail_fr):
        assert detail is not None and "text/html" in detail and "image/png" in detail
    for detail in (extension.value.detail_en, extension.value.detail_fr):
        assert detail is not None and ".svg" in detail and "image/jpeg" in detail
    assert "Déclaré" in str(declared.value.detail_fr) and "L'extension" in str(extension.value.detail_fr)


@pytest.mark.parametrize(
    ("raw", "kept"),
    [
        ("passeport.pdf", "passeport.pdf"),
        ("../../etc/passwd", "passwd"),
        ("C:\\Users\\awa\\photo.jpg", "photo.jpg"),
        ("dir/sub/", ""),
        ("  .cache. ", "cache"),
        ("e\u0301tat civil.pdf", "\u00e9tat civil.pdf"),  # NFD "é" becomes NFC
        ("acte\u200bde\u200dnaissance.pdf", "actedenaissance.pdf"),  # format characters (Cf)
        ("facture\u202efdp.exe", "facturefdp.exe"),  # right-to-left override
        ("scan\tverso.pdf", "scanverso.pdf"),  # a tab passes the text rule, but is no part of a name
        ("XAVIER-passeport.pdf", "XAVIER-passeport.pdf"),
        ("r\u00e9sum\u00e9\u2066.pdf\u2069", "r\u00e9sum\u00e9.pdf"),  # isolates
    ],
)
def test_a_filename_keeps_only_its_displayable_last_component(raw: str, kept: str) -> None:
    assert sanitize_filename(raw) == kept


@pytest.mark.parametrize("name", ["a" * 251 + ".pdf", "a" * 250 + " .pdf", "b" * 255])
def test_a_filename_of_255_characters_is_kept_whole(name: str) -> None:
    assert sanitize_filename(name) == name


def test_a_longer_filename_is_cut_to_255_keeping_its_extension() -> None:
    cut = sanitize_filename("a" * 252 + ".pdf")
    assert cut == "a" * 251 + ".pdf"
    # The stem is cut to 255 - 5 = 250 characters ("a" × 248 and two spaces), then its trailing spaces dropped.
    assert sanitize_filename("a" * 248 + " " * 5 + ".jpeg") == "a" * 248 + ".jpeg"
    dotted = sanitize_filename("scan.2026." + "a" * 250 + ".pdf")  # the extension is after the last dot
    assert dotted == ("scan.2026." + "a" * 250)[:251] + ".pdf"
    assert sanitize_filename("a" * 260 + ".z") == "a" * 253 + ".z"  # a one-letter extension is one too


def test_a_longer_filename_with_a_long_or_no_extension_is_cut_to_255() -> None:
    assert sanitize_filename("b" * 300) == "b" * 255
    long_suffix = "b" * 250 + "." + "c" * 11
    assert sanitize_filename(long_suffix) == long_suffix[:255]
    ten = "b" * 250 + "." + "c" * 10
    assert sanitize_filename(ten) == "b" * 244 + "." + "c" * 10


@pytest.mark.parametrize(
    ("raw", "position"), [("photo\x00.exe.jpg", 6), ("scan\x07.png", 5), ("bad\ud800.pdf", 4), ("\x1b", 1)]
)
def test_a_filename_with_a_refused_character_is_invalid(raw: str, position: int) -> None:
    with pytest.raises(InvalidFilename) as refused:
        sanitize_filename(raw)
    assert refused.value.status == 422
    # The problem points at the character, counting from 1, in both languages.
    for detail in (refused.value.detail_en, refused.value.detail_fr):
        assert detail is not None and f"(position {position})" in detail
    assert "Le nom de fichier" in str(refused.value.detail_fr)
