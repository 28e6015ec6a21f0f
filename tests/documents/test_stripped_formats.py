"""What :func:`app.documents.content.strip_metadata` writes besides dropping metadata: the same
image format as received, a JPEG not compressed a second time when nothing had to be turned (a
scanned document loses legibility with every lossy pass), a turned JPEG at quality 90, the pixel
limit against decompression bombs, and its documented answer for each type.

Expected quantisation tables come from Pillow (libjpeg's tables for a quality setting), never
from the code under test.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from pathlib import Path

import pillow_heif
import pytest
from PIL import Image
from pydantic import ValidationError

from app.core.config import Settings
from app.documents.content import strip_metadata
from app.documents.errors import DocumentTypeNotAllowed, UnreadableDocument
from tests.documents.conftest import PASSPORT
from tests.fixtures import metadata_specimens as specimens

pillow_heif.register_heif_opener()
LIMIT = 10_000_000

FORMATS: list[tuple[str, str, Callable[[Image.Image], bytes]]] = [
    ("JPEG", "image/jpeg", specimens.jpeg),
    ("PNG", "image/png", specimens.png),
    ("WEBP", "image/webp", specimens.webp),
    ("HEIF", "image/heic", specimens.heic),
]


def _strip(tmp_path: Path, data: bytes, media_type: str, max_pixels: int = LIMIT) -> Path:
    source, target = tmp_path / "received", tmp_path / "stored"
    source.write_bytes(data)
    assert strip_metadata(source, target, media_type=media_type, max_pixels=max_pixels) is True
    return target


def _jpeg(quality: int, *, orientation: int | None) -> bytes:
    picture = specimens.marked_picture()
    out = io.BytesIO()
    if orientation is None:
        picture.save(out, "JPEG", quality=quality)
    else:
        picture.save(out, "JPEG", quality=quality, exif=specimens.phone_exif(picture, orientation=orientation))
    return out.getvalue()


def _tables(data: bytes | Path) -> dict[int, list[int]]:
    with Image.open(io.BytesIO(data) if isinstance(data, bytes) else data) as img:
        return {k: list(v) for k, v in img.quantization.items()}  # type: ignore[attr-defined]


@pytest.mark.parametrize(("fmt", "media_type", "build"), FORMATS, ids=[f[0] for f in FORMATS])
def test_an_image_is_stored_in_the_format_it_came_in(tmp_path: Path, fmt: str, media_type: str, build) -> None:  # type: ignore[no-untyped-def]
    stored = _strip(tmp_path, build(specimens.marked_picture()), media_type)
    with Image.open(stored) as img:
        assert img.format == fmt


@pytest.mark.parametrize("orientation", [None, 1], ids=["no-exif", "upright"])
def test_an_upright_jpeg_keeps_its_compression(tmp_path: Path, orientation: int | None) -> None:
    received = _jpeg(60, orientation=orientation)
    assert _tables(_strip(tmp_path, received, "image/jpeg")) == _tables(received)


def test_a_turned_jpeg_is_compressed_once_at_quality_90(tmp_path: Path) -> None:
    stored = _strip(tmp_path, _jpeg(60, orientation=6), "image/jpeg")
    with Image.open(stored) as img:
        assert img.size == (80, 120)  # turned a quarter: the 120×80 picture stands upright
    assert _tables(stored) == _tables(_jpeg(90, orientation=None))


def test_an_image_over_the_pixel_limit_is_refused(tmp_path: Path) -> None:
    """Pillow warns above ``max_pixels`` and fails above twice that; both are refused."""
    data = specimens.png(specimens.marked_picture())  # 120 × 80 = 9,600 pixels
    source, target = tmp_path / "received", tmp_path / "stored"
    source.write_bytes(data)
    for limit in (9_599, 4_000):
        with pytest.raises(UnreadableDocument) as refused:
            strip_metadata(source, target, media_type="image/png", max_pixels=limit)
        assert not target.exists()
        assert (refused.value.detail_en, refused.value.detail_fr) == (
            f"The image cannot be decoded, or has more than {limit:,} pixels.",
            f"L'image ne peut pas être décodée, ou compte plus de {limit:,} pixels.".replace(
                f"{limit:,}", f"{limit:,}".replace(",", "\u202f")
            ),
        )
    assert strip_metadata(source, target, media_type="image/png", max_pixels=9_600) is True


def test_a_pdf_is_stripped_and_other_types_are_left_alone(tmp_path: Path) -> None:
    assert _strip(tmp_path, PASSPORT.read_bytes(), "application/pdf").read_bytes().startswith(b"%PDF-")
    source, target = tmp_path / "note.txt", tmp_path / "note-stored"
    source.write_text("Rendez-vous mardi")
    assert strip_metadata(source, target, media_type="text/plain", max_pixels=LIMIT) is False
    assert not target.exists()


@pytest.mark.parametrize(("fmt", "media_type"), [("GIF", "image/gif"), ("TIFF", "image/tiff"), ("BMP", "image/bmp")])
def test_an_image_type_without_a_cleaning_routine_is_refused_not_rewritten(
    tmp_path: Path, fmt: str, media_type: str
) -> None:
    """A format no routine here writes is refused, never written in another one (as HEIF)."""
    out = io.BytesIO()
    specimens.marked_picture().save(out, fmt)
    source, target = tmp_path / "received", tmp_path / "stored"
    source.write_bytes(out.getvalue())
    with pytest.raises(DocumentTypeNotAllowed) as refused:
        strip_metadata(source, target, media_type=media_type, max_pixels=LIMIT)
    assert not target.exists()
    assert refused.value.extra == {"sniffed_type": media_type}
    assert refused.value.detail_en == f"The file's bytes are {media_type}, an image whose metadata cannot be removed."


def test_only_types_the_desk_can_clean_may_be_configured() -> None:
    with pytest.raises(ValidationError) as refused:
        Settings(_env_file=None, documents_allowed_types=["application/pdf", "image/gif"])  # type: ignore[call-arg]
    assert [e["loc"] for e in refused.value.errors()] == [("documents_allowed_types", 1)]
