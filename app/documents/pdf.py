"""Hidden personal data removed from uploaded PDFs, with pikepdf (qpdf; MPL-2.0).

Removed: the document information dictionary (``/Info``: author, creator, producer, title,
subject, keywords, dates — ISO 32000-1 §14.3.3), the XMP metadata streams (``/Metadata``, §14.3.2)
of the catalogue and of every page, the pages' embedded thumbnails (``/Thumb``, §12.3.4) and
private application data (``/PieceInfo``, §14.5). The document's pages and content are untouched.
See https://pikepdf.readthedocs.io/en/latest/topics/metadata.html.
"""

from __future__ import annotations

from pathlib import Path
from typing import Final

import pikepdf

from app.documents.errors import UnreadableDocument

PAGE_KEYS: Final = ("/Metadata", "/Thumb", "/PieceInfo")
ROOT_KEYS: Final = ("/Metadata", "/PieceInfo")


def strip_pdf_metadata(source: Path, target: Path) -> None:
    """Write ``source`` to ``target`` without its metadata (see the module docstring).

    Raises ``UnreadableDocument`` (422) when the file is not a PDF pikepdf can read (encrypted
    PDFs included: their metadata cannot be rewritten without the password).
    """
    try:
        with pikepdf.open(source) as pdf:
            if "/Info" in pdf.trailer:
                del pdf.trailer["/Info"]
            for key in ROOT_KEYS:
                if key in pdf.Root:
                    del pdf.Root[key]
            for page in pdf.pages:
                for key in PAGE_KEYS:
                    if key in page.obj:
                        del page.obj[key]
            # Objects no longer referenced (the old XMP stream, thumbnails) are not written.
            pdf.remove_unreferenced_resources()
            pdf.save(target, fix_metadata_version=False, deterministic_id=True)
    except (pikepdf.PdfError, pikepdf.PasswordError, OSError, ValueError) as exc:
        target.unlink(missing_ok=True)
        raise UnreadableDocument(
            "The PDF cannot be read to remove its metadata.",
            detail_fr="Le PDF ne peut pas être lu pour en retirer les métadonnées.",
        ) from exc
