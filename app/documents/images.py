"""Hidden metadata removed from uploaded images by re-saving their pixels with Pillow
(``pillow-heif`` for HEIC/HEIF), in the format they came in.

Each accepted type is opened only by the Pillow plugin of that type (:data:`PILLOW_FORMATS`: the
bytes were sniffed as that type, so no other decoder may claim them) and written by the routine of
that format (:data:`_SAVERS`); a file Pillow reads as anything else is refused, never written in
another format.

Removed: EXIF (camera, times, GPS; the orientation is applied to the pixels first), XMP, JPEG
comments, PNG text chunks (``tEXt``/``zTXt``/``iTXt``) and times (``tIME``), HEIC thumbnails,
depth and auxiliary images. Kept, because the pixels mean nothing without them and they identify
no one: transparency (a palette or grey PNG's ``tRNS``), the ICC colour profile, a HEIC's colour
description (``nclx``), a PNG's gamma, chromaticities and sRGB intent (``gAMA``, ``cHRM``,
``sRGB``), and the resolution (dpi: a scan printed at its size).

A multi-picture JPEG (MPO, CIPA DC-007) is stored as its primary picture, a plain JPEG: the photo
every viewer shows. Its other pictures are what a phone adds around the photo (the HDR gain map of
an "Ultra HDR" photo, a depth map, a large thumbnail, the second view of a stereo pair), not a
picture anyone took on its own; refusing them would refuse most photos from recent Android phones.

Refused (:class:`~app.documents.errors.SeveralImages`, 422): a file holding several pictures of
its own — an animated WebP or PNG, a HEIC holding several images (a burst). Re-saving keeps one
picture, and the others would be lost without anyone seeing it; the person is asked to send each
picture on its own.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from pathlib import Path
from typing import IO, Any, Final

from PIL import Image, ImageOps
from PIL.PngImagePlugin import PngInfo

from app.core.i18n import number
from app.documents.errors import DocumentTypeNotAllowed, SeveralImages, UnreadableDocument

PILLOW_FORMATS: Final[dict[str, tuple[str, ...]]] = {
    "image/jpeg": ("JPEG",),  # Pillow's JPEG reader answers "MPO" for a multi-picture JPEG
    "image/png": ("PNG",),
    "image/webp": ("WEBP",),
    "image/heic": ("HEIF",),
    "image/heif": ("HEIF",),
}
"""The Pillow plugins that may decode each sniffed type (``Image.open(formats=…)``)."""

_EXIF_ORIENTATION: Final = 0x0112


def _pixels(pixels: int, language: str = "fr") -> str:
    """A pixel count as ``language`` writes it: ``89,5 mégapixels``, ``9 599 pixels``."""
    if pixels >= 1_000_000:
        return f"{number(round(pixels / 1_000_000, 1), language)} {'mégapixels' if language == 'fr' else 'megapixels'}"
    return f"{number(pixels, language)} pixels"


def strip_image_metadata(source: Path, target: Path, *, media_type: str, max_pixels: int) -> None:
    """Write the image ``source`` (sniffed as ``media_type``) to ``target`` in the same format,
    without its metadata (see the module docstring).

    Raises ``SeveralImages`` (422) for a file of several pictures, ``UnreadableDocument`` (422)
    when it cannot be decoded or exceeds ``max_pixels`` (a decompression bomb), and
    ``DocumentTypeNotAllowed`` (415) for a type or a Pillow format no routine here writes.
    ``target`` does not exist after an error.
    """
    formats = PILLOW_FORMATS.get(media_type)
    if formats is None:
        raise _not_cleanable(media_type)
    if "HEIF" in formats:
        import pillow_heif

        pillow_heif.register_heif_opener()
    Image.MAX_IMAGE_PIXELS = max_pixels
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(source, formats=list(formats)) as img:
                frames = int(getattr(img, "n_frames", 1))
                if img.format == "MPO":  # the primary picture; the others are its gain map, depth…
                    img.seek(0)
                    img.format = "JPEG"  # a JPEG of its own, whose tables "keep" then reuses
                elif frames > 1:
                    raise SeveralImages(
                        f"The image holds {frames} pictures (an animation, a burst or a multi-picture photo); "
                        "only single-picture images are accepted, since keeping one would lose the others. "
                        "Send each picture as its own file, or all of them in one PDF.",
                        detail_fr=f"L'image contient {frames} images (animation, rafale ou photo multi-vues) ; "
                        "seules les images uniques sont acceptées, car n'en garder qu'une perdrait les autres. "
                        "Envoyez chaque image dans son propre fichier, ou toutes dans un PDF.",
                        frames=frames,
                    )
                save = _SAVERS.get(img.format or "")
                if save is None:
                    raise _not_cleanable(media_type, img.format or "unknown")
                img.load()
                kept = _pixel_info(img)
                turned = img.getexif().get(_EXIF_ORIENTATION, 1) != 1
                upright = ImageOps.exif_transpose(img) if turned else img
                upright.info.clear()
                with target.open("wb") as out:
                    save(upright, out, kept, turned)
    except (OSError, SyntaxError, ValueError, Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        target.unlink(missing_ok=True)
        raise UnreadableDocument(
            f"The image cannot be decoded, or has more than {_pixels(max_pixels, 'en')}.",
            detail_fr=f"L'image ne peut pas être décodée, ou compte plus de {_pixels(max_pixels)}.",
        ) from exc
    except BaseException:
        target.unlink(missing_ok=True)
        raise


def _not_cleanable(media_type: str, read_as: str | None = None) -> DocumentTypeNotAllowed:
    seen, seen_fr = (
        (media_type, f"de type {media_type}")
        if read_as is None
        else (f"{media_type} read as {read_as}", f"de type {media_type} lu comme {read_as}")
    )
    return DocumentTypeNotAllowed(
        f"The file's bytes are {seen}, an image whose metadata cannot be removed.",
        detail_fr=f"Le contenu du fichier est {seen_fr}, une image dont les métadonnées ne peuvent pas être retirées.",
        sniffed_type=media_type,
    )


def _pixel_info(img: Image.Image) -> dict[str, Any]:
    """What of ``img.info`` the pixels need (module docstring), as save arguments; a PNG's colour
    chunks as ``pnginfo`` (Pillow reads them but writes them only as raw chunks)."""
    info = img.info
    kept = {k: info[k] for k in ("icc_profile", "transparency", "dpi", "nclx_profile") if info.get(k) is not None}
    if img.format == "PNG":
        colour = PngInfo()
        if "gamma" in info:
            colour.add(b"gAMA", _png_int(info["gamma"]))
        if "chromaticity" in info:
            colour.add(b"cHRM", b"".join(_png_int(value) for value in info["chromaticity"]))
        if "srgb" in info:
            colour.add(b"sRGB", bytes([int(info["srgb"])]))
        kept["pnginfo"] = colour
    return kept


def _png_int(value: float) -> bytes:
    """A PNG colour value: an unsigned 4-byte integer, 100000 times the value (PNG 3, 11.3.3)."""
    return round(value * 100_000).to_bytes(4, "big")


def _save_jpeg(img: Image.Image, out: IO[bytes], kept: dict[str, Any], turned: bool) -> None:
    # A scan loses legibility with every lossy pass: the received tables are reused unless the
    # pixels had to be turned upright.
    args = {k: kept[k] for k in ("icc_profile", "dpi") if k in kept}
    img.save(out, format="JPEG", quality=90 if turned else "keep", **args)


def _save_png(img: Image.Image, out: IO[bytes], kept: dict[str, Any], turned: bool) -> None:
    args = {k: kept[k] for k in ("icc_profile", "transparency", "dpi", "pnginfo") if k in kept}
    img.save(out, format="PNG", optimize=False, **args)


def _save_webp(img: Image.Image, out: IO[bytes], kept: dict[str, Any], turned: bool) -> None:
    args = {k: kept[k] for k in ("icc_profile",) if k in kept}
    img.save(out, format="WEBP", quality=90, **args)


def _save_heif(img: Image.Image, out: IO[bytes], kept: dict[str, Any], turned: bool) -> None:
    args = {k: kept[k] for k in ("icc_profile", "nclx_profile") if k in kept}
    img.save(out, format="HEIF", quality=90, exif=None, xmp=None, **args)


_SAVERS: Final[dict[str, Callable[[Image.Image, IO[bytes], dict[str, Any], bool], None]]] = {
    "JPEG": _save_jpeg,
    "PNG": _save_png,
    "WEBP": _save_webp,
    "HEIF": _save_heif,
}
"""The routine writing each Pillow format; a format missing here is refused, not written."""
