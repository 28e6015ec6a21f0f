"""What a PDF holds besides what its pages show: metadata inside its JPEG images, and optional
content (layers) switched off. Used by :mod:`app.documents.pdf` (ISO 32000-1 sections given).

* **Images.** A JPEG image (``/DCTDecode``, §7.4.8) is stored in the PDF as the camera wrote it,
  Exif GPS position included (a phone photo of an ID put into a PDF). Each such stream loses its
  metadata segments without being decoded (:mod:`app.documents.jpeg_segments`: the picture's bytes,
  JFIF header, ICC profile and Adobe colour segment kept). A stream that does not read as a JPEG
  is left as it is (no viewer shows it either).
* **Optional content** (§8.11). A layer switched off (``/OCProperties /D /OFF``, a ``/BaseState
  /OFF``, a membership dictionary or expression that resolves off) hides content a desk's agent
  never sees. The desk must see what it stores: every layer is made visible, for good —
  ``/OCProperties`` is removed, the ``/OC`` entries of images, forms and annotations too, and the
  ``/OC … BDC`` … ``EMC`` marks around content in content streams (the content between stays,
  drawn unconditionally). Nothing is deleted: content shown only while another layer is off (an
  "all off" membership) shows with the rest.
"""

from __future__ import annotations

import pikepdf
from pikepdf import Array, Dictionary, Name, Object, Pdf, Stream

from app.documents.jpeg_segments import strip_jpeg_metadata


def strip_image_metadata(pdf: Pdf) -> None:
    """Remove the metadata segments of every JPEG stream of ``pdf`` (see the module)."""
    for obj in list(pdf.objects):  # a list: undoing a filter makes a stream
        if not isinstance(obj, Stream):
            continue
        filters = obj.get("/Filter")
        chain: list[Object | None] = list(filters) if isinstance(filters, Array) else [filters]
        if not chain or chain[-1] != Name.DCTDecode:
            continue
        parms = obj.get("/DecodeParms")
        parms_chain: list[Object | None] = list(parms) if isinstance(parms, Array) else [parms] * len(chain)
        try:
            data = _jpeg_bytes(pdf, obj, chain, parms_chain)
        except pikepdf.PdfError:
            continue
        cleaned = strip_jpeg_metadata(data)
        if cleaned is None or (cleaned == data and len(chain) == 1):
            continue
        last = parms_chain[-1] if parms_chain else None
        obj.write(cleaned, filter=Name.DCTDecode, decode_parms=last if isinstance(last, Dictionary) else None)


def _jpeg_bytes(pdf: Pdf, stream: Stream, chain: list[Object | None], parms: list[Object | None]) -> bytes:
    """The JPEG of ``stream`` whose filters are ``chain`` (the last ``/DCTDecode``): its bytes, once
    the filters before it (e.g. ``/FlateDecode``) are undone. Raises ``PdfError`` when they cannot be."""
    raw = stream.read_raw_bytes()
    if len(chain) == 1:
        return raw
    outer = pdf.make_stream(raw)
    outer.Filter = Array(chain[:-1])
    if any(isinstance(p, Dictionary) for p in parms[:-1]):
        outer.DecodeParms = Array([p if isinstance(p, Dictionary) else None for p in parms[:-1]])
    return outer.read_bytes()


def show_optional_content(pdf: Pdf) -> None:
    """Make every optional content of ``pdf`` visible for good (see the module)."""
    if "/OCProperties" not in pdf.Root:
        return
    del pdf.Root["/OCProperties"]
    for page in pdf.pages:
        _unmark(pdf, page.obj, pikepdf.parse_content_stream(page), page=True)
    for obj in list(pdf.objects):
        if isinstance(obj, (Dictionary, Stream)) and "/OC" in obj:
            del obj["/OC"]
        if isinstance(obj, Stream) and (obj.get("/Subtype") == Name.Form or obj.get("/PatternType") == 1):
            _unmark(pdf, obj, pikepdf.parse_content_stream(obj), page=False)
        if isinstance(obj, Dictionary) and isinstance(obj.get("/CharProcs"), Dictionary):  # Type 3 glyphs
            for proc in obj.CharProcs.values():
                if isinstance(proc, Stream):
                    _unmark(pdf, proc, pikepdf.parse_content_stream(proc), page=False)


def _is_optional(operands: list[Object]) -> bool:
    return len(operands) >= 1 and operands[0] == Name.OC


def _unmark(pdf: Pdf, owner: Object, instructions: list, *, page: bool) -> None:  # type: ignore[type-arg]
    """Drop the ``/OC`` marked-content marks (``BDC`` and its ``EMC``) of ``instructions`` and
    write them back to ``owner`` (a page's contents, or the stream itself); unchanged content is
    not rewritten."""
    kept, opened, changed = [], [], False
    for instruction in instructions:
        operator = str(getattr(instruction, "operator", ""))
        if operator in ("BDC", "BMC"):
            dropped = operator == "BDC" and _is_optional(list(instruction.operands))
            opened.append(dropped)
            if dropped:
                changed = True
                continue
        elif operator == "EMC" and opened and opened.pop():
            continue
        kept.append(instruction)
    if not changed:
        return
    content = pikepdf.unparse_content_stream(kept)
    if page:
        owner.Contents = pdf.make_stream(content)
    else:
        owner.write(content)
