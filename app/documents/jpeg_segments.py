"""The metadata segments of a JPEG removed without decoding it: the picture's bytes are kept as they are.

A JPEG (ITU-T T.81 Annex B) is a series of marker segments, then entropy-coded scans. Removed:
every application segment (``APP0``–``APP15``) but those a decoder needs, and comments (``COM``):
Exif (``APP1``: camera, times, the GPS position), XMP (``APP1``), Photoshop/IPTC (``APP13``), a JFIF
thumbnail (``APP0 JFXX``), FlashPix and multi-picture indexes (``APP2 FPXR``/``MPF``), and whatever
follows the end of the picture (``EOI``: an MPO's other pictures, with their own Exif). Kept: the
JFIF header (``APP0 JFIF``: how to read the colours), the ICC profile (``APP2 ICC_PROFILE``), the
Adobe segment (``APP14 Adobe``: the colour transform of a CMYK or YCCK picture), and every segment
of the picture itself (tables, frame, scans, restart markers).
"""

from __future__ import annotations

from typing import Final

KEPT_APPLICATION: Final = {0xE0: (b"JFIF\0",), 0xE2: (b"ICC_PROFILE\0",), 0xEE: (b"Adobe",)}
"""Application segments kept, by marker: those whose data starts with one of these identifiers."""
_SOI, _EOI, _SOS, _COM = 0xD8, 0xD9, 0xDA, 0xFE


def _kept(marker: int, data: bytes) -> bool:
    if 0xE0 <= marker <= 0xEF:
        return data.startswith(KEPT_APPLICATION.get(marker, ()))
    return marker != _COM


def _standalone(marker: int) -> bool:
    """A marker without a length: restart markers and ``TEM``."""
    return 0xD0 <= marker <= 0xD7 or marker == 0x01


def _scan_end(data: bytes, start: int) -> int:
    """Where the entropy-coded data starting at ``start`` ends: the next marker, or the end."""
    i = start
    while (j := data.find(b"\xff", i)) >= 0 and j + 1 < len(data):
        following = data[j + 1]
        if following == 0 or following == 0xFF or _standalone(following):
            i = j + 1 if following == 0xFF else j + 2  # stuffed byte, fill byte or restart marker
            continue
        return j
    return len(data)


def strip_jpeg_metadata(data: bytes) -> bytes | None:
    """``data`` without its metadata segments (see the module), or ``None`` when it does not read
    as a JPEG (no ``SOI``, a segment running past the end). A picture cut short after its first
    scan began is kept as far as it goes."""
    if data[:2] != b"\xff\xd8":
        return None
    out, i, n = bytearray(data[:2]), 2, len(data)
    while i < n:
        if data[i] != 0xFF:
            return None
        while i < n and data[i] == 0xFF:  # fill bytes before a marker
            i += 1
        if i >= n:
            return None
        marker, i = data[i], i + 1
        if marker == _EOI:
            out += b"\xff\xd9"
            return bytes(out)
        if _standalone(marker):
            out += bytes((0xFF, marker))
            continue
        if marker == _SOI or i + 2 > n:
            return None
        length = int.from_bytes(data[i : i + 2], "big")
        if length < 2 or i + length > n:
            return None
        if _kept(marker, data[i + 2 : i + length]):
            out += bytes((0xFF, marker)) + data[i : i + length]
        i += length
        if marker == _SOS:
            end = _scan_end(data, i)
            out += data[i:end]
            i = end
    return bytes(out)
