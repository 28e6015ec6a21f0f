"""Hidden personal data and active content removed from uploaded PDFs, with pikepdf (qpdf; MPL-2.0).

What the pages show is kept; what a reader does not see, or what runs by itself, goes
(ISO 32000-1 sections given):

* metadata: the document information dictionary (``/Info``: author, creator, producer, title,
  subject, keywords, dates — §14.3.3); XMP streams (``/Metadata``, §14.3.2) and private
  application data (``/PieceInfo``, §14.5) on any object (catalogue, pages, images, fonts…); the
  pages' thumbnails (``/Thumb``, §12.3.4);
* annotations other than form fields (comments, sticky notes, highlights, stamps, ink, typed text,
  file attachments, links, pop-ups — §12.5.6) are *flattened*: the appearance each shows on the page
  is drawn into the page's content, then the annotation is removed with its author (``/T``), its
  text and rich text (``/Contents``, ``/RC``), its pop-up, replies, dates and attached file. An
  annotation that shows nothing (hidden, or without an appearance: a link, a pop-up) leaves
  nothing. Form fields (``/Widget``) stay, fillable, with their values;
* actions that do more than move within the document: JavaScript, launching a program, opening a
  web address or another file, submitting or importing form data, multimedia (§12.6.4). Automatic
  actions (``/AA`` on the catalogue, pages, fields and annotations), the name trees of document
  JavaScript and of embedded files, and every other name tree but destinations and named
  appearances (``/Names``: ``/JavaScript``, ``/EmbeddedFiles``, ``/Templates``, ``/Pages``,
  ``/IDS``, ``/URLS``, ``/AlternatePresentations``, ``/Renditions`` — §7.7.4), associated files
  (``/AF``), portfolios (``/Collection``) and XFA forms (``/AcroForm /XFA``, which carry scripts
  and data). ``/OpenAction`` and ``/A`` are kept only as a destination or a ``GoTo``/``Named``
  action (open at page 2, a bookmark), without chained actions (``/Next``).

* metadata inside JPEG images (Exif with its GPS position, XMP, comments), removed segment by
  segment without re-encoding the picture; optional content (layers) switched off, made visible
  for good (:mod:`app.documents.pdf_hidden`).

The file is rewritten by qpdf from the catalogue, so earlier revisions (incremental updates) and
objects nothing refers to any more are not written. A page without annotations keeps its content
stream byte for byte. See https://pikepdf.readthedocs.io/en/latest/topics/metadata.html.
"""

from __future__ import annotations

from pathlib import Path
from typing import Final

import pikepdf
from pikepdf import Annotation, Array, Dictionary, Name, Object, Page, Pdf, Stream

from app.documents import pdf_hidden
from app.documents.errors import UnreadableDocument

HIDDEN_KEYS: Final = ("/Metadata", "/PieceInfo", "/AA", "/AF")
"""Removed from every dictionary of the file."""
PAGE_KEYS: Final = ("/Thumb",)
ROOT_KEYS: Final = ("/Collection",)
KEPT_NAME_TREES: Final = frozenset({"/Dests", "/AP"})
SAFE_ACTIONS: Final = frozenset({"/GoTo", "/Named"})
"""Actions kept: moving to a place in the document, or a viewer's named page action."""
ANNOTATION_KEPT_KEYS: Final = ("/Type", "/Subtype", "/Rect", "/F")
"""What is left of a removed annotation that something else (a tagged PDF's structure) still refers to."""


def strip_pdf_metadata(source: Path, target: Path) -> None:
    """Write ``source`` to ``target`` without its hidden data (see the module docstring).

    Raises ``UnreadableDocument`` (422) when the file is not a PDF pikepdf can read (encrypted
    PDFs included: their metadata cannot be rewritten without the password).
    """
    try:
        with pikepdf.open(source) as pdf:
            if "/Info" in pdf.trailer:
                del pdf.trailer["/Info"]
            pdf_hidden.show_optional_content(pdf)
            for page in pdf.pages:
                for key in PAGE_KEYS:
                    if key in page.obj:
                        del page.obj[key]
                _flatten_annotations(pdf, page)
            _strip_catalogue(pdf)
            for obj in list(pdf.objects):
                _strip_object(obj)
            pdf_hidden.strip_image_metadata(pdf)
            # Objects no longer referenced (the old XMP stream, thumbnails) are not written.
            pdf.remove_unreferenced_resources()
            pdf.save(target, fix_metadata_version=False, deterministic_id=True)
    except (pikepdf.PdfError, pikepdf.PasswordError, OSError, ValueError) as exc:
        target.unlink(missing_ok=True)
        raise UnreadableDocument(
            "The PDF cannot be read to remove its metadata.",
            detail_fr="Le PDF ne peut pas être lu pour en retirer les métadonnées.",
        ) from exc


def _flatten_annotations(pdf: Pdf, page: Page) -> None:
    """Draw the page's non-widget annotations into its content and remove them (module docstring).

    As qpdf's own flattening (``QPDFPageDocumentHelper::flattenAnnotations``), which would also
    flatten the form fields: the old content is wrapped in ``q``/``Q`` so that its graphics state
    does not leak into the drawn appearances.
    """
    annots = page.obj.get("/Annots")
    if not isinstance(annots, Array):
        if annots is not None:
            del page.obj["/Annots"]
        return
    kept, drawn = Array(), b""
    for annot in annots:
        if not isinstance(annot, Dictionary):
            continue
        if annot.get("/Subtype") == Name.Widget:
            kept.append(annot)
            continue
        drawn += _appearance(page, Annotation(annot))
        for key in list(annot.keys()):
            if key not in ANNOTATION_KEPT_KEYS:
                del annot[key]
    if drawn:
        page.contents_add(pdf.make_stream(b"q\n"), prepend=True)
        page.contents_add(pdf.make_stream(b"\nQ\n" + drawn), prepend=False)
    if len(kept):
        page.obj.Annots = kept
    else:
        del page.obj["/Annots"]


def _appearance(page: Page, annot: Annotation) -> bytes:
    """Page content drawing what ``annot`` shows (its normal appearance), or ``b""``."""
    stream = annot.get_appearance_stream(Name.N)
    if not isinstance(stream, Stream):
        return b""
    if "/Resources" not in page.obj:  # add_resource would otherwise drop inherited resources
        page.obj.Resources = _inherited_resources(page)
    # A name of our own rather than add_resource's random one: the same upload must give the
    # same bytes (duplicate detection compares the stored SHA-256).
    taken = set(page.obj.Resources.get("/XObject", Dictionary()).keys())
    name = next(Name(f"/Fxo{n}") for n in range(len(taken) + 1) if f"/Fxo{n}" not in taken)
    page.add_resource(stream, Name.XObject, name)
    content = annot.get_page_content_for_appearance(name, int(page.rotation))
    if not content:
        del page.obj.Resources.XObject[name]
    return bytes(content)


def _inherited_resources(page: Page) -> Dictionary:
    node: Object | None = page.obj.get("/Parent")
    while isinstance(node, Dictionary):
        if "/Resources" in node:  # copied one level down: the page's additions stay its own
            return Dictionary(
                {
                    key: Dictionary(dict(value.items())) if isinstance(value, Dictionary) else value
                    for key, value in node.Resources.items()
                }
            )
        node = node.get("/Parent")
    return Dictionary()


def _strip_catalogue(pdf: Pdf) -> None:
    root = pdf.Root
    for key in ROOT_KEYS:
        if key in root:
            del root[key]
    names = root.get("/Names")
    if isinstance(names, Dictionary):
        for key in list(names.keys()):
            if key not in KEPT_NAME_TREES:
                del names[key]
    form = root.get("/AcroForm")
    if isinstance(form, Dictionary) and "/XFA" in form:
        del form["/XFA"]


def _strip_object(obj: Object) -> None:
    """Remove :data:`HIDDEN_KEYS` and unsafe actions from ``obj`` and the direct objects in it
    (indirect ones are visited on their own: ``pdf.objects``)."""
    if isinstance(obj, (Stream, Dictionary)):
        for key in HIDDEN_KEYS:
            if key in obj:
                del obj[key]
        for key in ("/A", "/OpenAction"):
            if key in obj and not _safe_action(obj[key]):
                del obj[key]
        children = [value for _, value in obj.items()]
    elif isinstance(obj, Array):
        children = list(obj)
    else:
        return
    for child in children:
        if isinstance(child, Object) and not child.is_indirect:
            _strip_object(child)


def _safe_action(action: Object) -> bool:
    """False for an action dictionary other than ``GoTo``/``Named`` (whose chained ``/Next`` is
    dropped); a destination (an array, a name or a string) is safe."""
    if not isinstance(action, Dictionary) or "/S" not in action:
        return True
    if action.S not in SAFE_ACTIONS:
        return False
    if "/Next" in action:
        del action["/Next"]
    return True
