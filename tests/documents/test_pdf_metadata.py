"""Uploaded PDFs lose their hidden data (metadata, annotations' authors and hidden text, embedded
files, scripts and automatic actions) and keep what their pages show."""

from __future__ import annotations

import hashlib
import io

import pikepdf
import pytest
from pikepdf import Array, Dictionary, Name, String

from app.core.config import Settings
from tests.documents.conftest import count_rows, leftovers, upload

AUTHOR = "Moussa Diagne"
TOOL = "ScanSoft Secret 9"
CONTENT = b"BT /F1 12 Tf 20 20 Td (Passeport specimen) Tj ET"


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return settings.model_copy(update={"documents_strip_pdf_metadata": True})


def _pdf_with_metadata() -> bytes:
    pdf = pikepdf.new()
    pdf.add_blank_page(page_size=(200, 200))
    page = pdf.pages[0]
    page.obj["/Contents"] = pdf.make_stream(CONTENT)
    pdf.docinfo["/Author"] = AUTHOR
    pdf.docinfo["/Producer"] = TOOL
    pdf.docinfo["/Creator"] = TOOL
    with pdf.open_metadata(set_pikepdf_as_editor=False) as meta:
        meta["dc:creator"] = [AUTHOR]
        meta["xmp:CreatorTool"] = TOOL
    page.obj["/Thumb"] = pdf.make_stream(
        b"\xff" * 12, Type=Name.XObject, Subtype=Name.Image, Width=2, Height=2, ColorSpace=Name.DeviceRGB,
        BitsPerComponent=8,
    )  # fmt: skip
    pdf.Root["/PieceInfo"] = Dictionary(ScanSoft=Dictionary(Private=String(AUTHOR)))
    buffer = io.BytesIO()
    pdf.save(buffer, compress_streams=False)
    return buffer.getvalue()


async def test_pdf_metadata_is_stripped_and_the_page_kept(client, make_staff, make_registrant, storage) -> None:  # type: ignore[no-untyped-def]
    agent = await make_staff("agent", ["CASA-BASE"])
    registrant = await make_registrant()
    sent = _pdf_with_metadata()
    assert AUTHOR.encode() in sent and TOOL.encode() in sent  # the test's PDF does carry them
    response = await upload(client, agent.headers, registrant, filename="passeport.pdf", data=sent)
    body = response.json()
    assert response.status_code == 201, response.text
    assert (body["media_type"], body["metadata_stripped"]) == ("application/pdf", True)
    assert body["received_sha256"] == hashlib.sha256(sent).hexdigest()
    stored = (await client.get(f"/api/v1/documents/{body['id']}/content", headers=agent.headers)).content
    assert body["sha256"] == hashlib.sha256(stored).hexdigest()
    assert AUTHOR.encode() not in stored and TOOL.encode() not in stored
    with pikepdf.open(io.BytesIO(stored)) as pdf:
        assert "/Info" not in pdf.trailer
        assert "/Metadata" not in pdf.Root and "/PieceInfo" not in pdf.Root
        assert len(pdf.pages) == 1 and "/Thumb" not in pdf.pages[0].obj
        assert pdf.pages[0].obj.Contents.read_bytes() == CONTENT


async def test_an_unreadable_pdf_is_refused_and_leaves_nothing(
    client, make_staff, make_registrant, storage, sessionmaker
) -> None:  # type: ignore[no-untyped-def]
    agent = await make_staff("agent", ["CASA-BASE"])
    registrant = await make_registrant()
    response = await upload(
        client, agent.headers, registrant, filename="p.pdf", data=b"%PDF-1.7\n" + b"\x00garbage" * 100
    )
    assert (response.status_code, response.json()["type"]) == (422, "/problems/document-unreadable")
    assert await count_rows(sessionmaker) == 0
    assert await leftovers(storage) == {"objects": [], "spool": []}


SECRETS = [b"SECRETANNOTAUTHOR", b"SECRETPOPUPTEXT", b"SECRETRICHTEXT", b"SECRETATTACHMENT", b"SECRETEMBEDDED"]
SCRIPTS = [b"SECRETOPENJS", b"SECRETCLOSEJS", b"SECRETDOCJS", b"SECRETPAGEJS", b"SECRETANNOTJS", b"SECRETFIELDJS"]
SCRIPTS += [b"SECRETOUTLINEJS", b"SECRETNEXTJS"]
STAMP = b"1 0 0 RG 0 0 40 20 re S"


def _js(marker: str) -> Dictionary:
    return Dictionary(S=Name.JavaScript, JS=String(f"app.alert('{marker}')"))


def _pdf_with_hidden_content() -> bytes:
    """A one-page PDF with a sticky note (author, hidden text, rich text, pop-up, automatic
    action), a stamp showing a red rectangle, a file attachment, a filled form field with a
    keystroke script, scripts on opening, closing and showing the page, document JavaScript, an
    embedded file and two bookmarks: one running a script, one going to the page then a script."""
    pdf = pikepdf.new()
    pdf.add_blank_page(page_size=(200, 200))
    page = pdf.pages[0].obj
    page.Contents = pdf.make_stream(CONTENT)
    author = String("SECRETANNOTAUTHOR")
    popup = pdf.make_indirect(Dictionary(Type=Name.Annot, Subtype=Name.Popup, Rect=Array([100, 100, 180, 180])))
    note = pdf.make_indirect(
        Dictionary(
            Type=Name.Annot, Subtype=Name.Text, Rect=Array([10, 150, 30, 170]), T=author,
            Contents=String("SECRETPOPUPTEXT"), RC=String("<body><p>SECRETRICHTEXT</p></body>"), Popup=popup,
            AA=Dictionary(E=_js("SECRETANNOTJS")),
        )
    )  # fmt: skip
    popup.Parent = note
    appearance = pdf.make_stream(STAMP, Type=Name.XObject, Subtype=Name.Form, BBox=Array([0, 0, 40, 20]))
    stamp = Dictionary(
        Type=Name.Annot, Subtype=Name.Square, Rect=Array([50, 50, 90, 70]), F=4, T=author,
        Contents=String("SECRETPOPUPTEXT"), AP=Dictionary(N=appearance),
    )  # fmt: skip
    attached = Dictionary(
        Type=Name.Filespec, F=String("note.txt"),
        EF=Dictionary(F=pdf.make_stream(b"SECRETATTACHMENT", Type=Name.EmbeddedFile)),
    )  # fmt: skip
    clip = Dictionary(Type=Name.Annot, Subtype=Name.FileAttachment, Rect=Array([10, 10, 20, 20]), FS=attached, T=author)
    field = pdf.make_indirect(
        Dictionary(
            Type=Name.Annot, Subtype=Name.Widget, FT=Name.Tx, T=String("nom"), V=String("Ndiaye"),
            Rect=Array([10, 100, 90, 120]), P=page, AA=Dictionary(K=_js("SECRETFIELDJS")),
        )
    )  # fmt: skip
    page.Annots = Array([note, popup, pdf.make_indirect(stamp), pdf.make_indirect(clip), field])
    page.AA = Dictionary(O=_js("SECRETPAGEJS"))
    root = pdf.Root
    root.AcroForm = Dictionary(Fields=Array([field]))
    root.OpenAction = _js("SECRETOPENJS")
    root.AA = Dictionary(WC=_js("SECRETCLOSEJS"))
    embedded = Dictionary(
        Type=Name.Filespec, F=String("hidden.txt"),
        EF=Dictionary(F=pdf.make_stream(b"SECRETEMBEDDED", Type=Name.EmbeddedFile)),
    )  # fmt: skip
    root.Names = Dictionary(
        EmbeddedFiles=Dictionary(Names=Array([String("hidden.txt"), embedded])),
        JavaScript=Dictionary(Names=Array([String("init"), _js("SECRETDOCJS")])),
    )
    outlines = pdf.make_indirect(Dictionary(Type=Name.Outlines, Count=2))
    go_to = Dictionary(S=Name.GoTo, D=Array([page, Name.Fit]), Next=_js("SECRETNEXTJS"))
    second = pdf.make_indirect(Dictionary(Title=String("Page 1"), Parent=outlines, A=go_to))
    first = pdf.make_indirect(
        Dictionary(Title=String("Script"), Parent=outlines, A=_js("SECRETOUTLINEJS"), Next=second)
    )
    second.Prev = first
    outlines.First, outlines.Last = first, second
    root.Outlines = outlines
    buffer = io.BytesIO()
    pdf.save(buffer, compress_streams=False)
    return buffer.getvalue()


def _readable(data: bytes) -> bytes:
    """``data`` with every stream decoded and no object streams, so that a marker can be searched."""
    with pikepdf.open(io.BytesIO(data)) as pdf:
        out = io.BytesIO()
        pdf.save(
            out, compress_streams=False, stream_decode_level=pikepdf.StreamDecodeLevel.all,
            object_stream_mode=pikepdf.ObjectStreamMode.disable,
        )  # fmt: skip
        return out.getvalue()


async def test_pdf_annotations_embedded_files_and_scripts_are_removed_and_what_shows_kept(
    client, make_staff, make_registrant, storage
) -> None:  # type: ignore[no-untyped-def]
    agent = await make_staff("agent", ["CASA-BASE"])
    registrant = await make_registrant()
    sent = _pdf_with_hidden_content()
    assert all(marker in sent for marker in SECRETS + SCRIPTS)  # the test's PDF does carry them

    response = await upload(client, agent.headers, registrant, filename="formulaire.pdf", data=sent)

    assert response.status_code == 201, response.text
    stored = (await client.get(f"/api/v1/documents/{response.json()['id']}/content", headers=agent.headers)).content
    readable = _readable(stored)
    assert [marker for marker in SECRETS + SCRIPTS if marker in readable] == []
    assert b"/JavaScript" not in readable and b"/EmbeddedFile" not in readable and b"/AA" not in readable
    with pikepdf.open(io.BytesIO(stored)) as pdf:
        root, page = pdf.Root, pdf.pages[0]
        assert "/OpenAction" not in root and "/AA" not in root and "/AA" not in page.obj
        assert set(root.Names.keys()) == set()
        # Only the form field is left, filled and without its script.
        [field] = page.obj.Annots
        assert (field.Subtype, field.T, field.V, "/AA" in field) == (Name.Widget, "nom", "Ndiaye", False)
        assert list(root.AcroForm.Fields) == [field]
        # The page's text is kept; the stamp's red rectangle is drawn where it stood.
        parts = [part.read_bytes() for part in page.obj.Contents]
        assert parts[:2] == [b"q\n", CONTENT]
        assert parts[2] == b"\nQ\nq\n1 0 0 1 50 50 cm\n/Fxo0 Do\nQ\n"
        assert page.obj.Resources.XObject.Fxo0.read_bytes() == STAMP
        # The bookmarks stay; one goes to the page, without the script chained to it.
        first = root.Outlines.First
        assert ("/A" in first, first.Next.A.S, "/Next" in first.Next.A) == (False, Name.GoTo, False)

    again = await upload(client, agent.headers, registrant, filename="formulaire.pdf", data=sent)
    assert (again.status_code, again.json()["id"]) == (200, response.json()["id"])  # the same stored bytes


async def test_hidden_pdf_data_reached_another_way_is_removed_too(client, make_staff, make_registrant, storage) -> None:  # type: ignore[no-untyped-def]
    """A removed link still referred to by the tagged structure, XMP on an image, a button's
    script, an associated file on the page, a portfolio and page templates."""
    agent = await make_staff("agent", ["CASA-BASE"])
    pdf = pikepdf.new()
    pdf.add_blank_page(page_size=(200, 200))
    page = pdf.pages[0].obj
    page.Contents = pdf.make_stream(CONTENT)
    xmp = pdf.make_stream(b"<x:xmpmeta>SECRETIMAGEXMP</x:xmpmeta>", Type=Name.Metadata, Subtype=Name.XML)
    image = pdf.make_stream(
        b"\xff\x00\x00", Type=Name.XObject, Subtype=Name.Image, Width=1, Height=1, ColorSpace=Name.DeviceRGB,
        BitsPerComponent=8, Metadata=xmp,
    )  # fmt: skip
    page.Resources = Dictionary(XObject=Dictionary(Im0=image))
    link = pdf.make_indirect(
        Dictionary(
            Type=Name.Annot, Subtype=Name.Link, Rect=Array([0, 0, 50, 10]), T=String("SECRETANNOTAUTHOR"),
            A=Dictionary(S=Name.URI, URI=String("https://tracker.example/SECRETLINK")),
        )
    )  # fmt: skip
    button = pdf.make_indirect(
        Dictionary(
            Type=Name.Annot, Subtype=Name.Widget, FT=Name.Btn, Ff=65536, T=String("envoyer"),
            Rect=Array([60, 0, 100, 20]), A=_js("SECRETBUTTONJS"),
        )
    )  # fmt: skip
    page.Annots = Array([link, button])
    page.AF = Array([Dictionary(Type=Name.Filespec, F=String("SECRETASSOCIATED.txt"))])
    pdf.Root.AcroForm = Dictionary(Fields=Array([button]))
    pdf.Root.StructTreeRoot = Dictionary(
        Type=Name.StructTreeRoot, K=Dictionary(S=Name.Link, K=Dictionary(Type=Name.OBJR, Obj=link, Pg=page))
    )
    pdf.Root.Collection = Dictionary(Type=Name.Collection, D=String("SECRETPORTFOLIO"))
    pdf.Root.Names = Dictionary(Templates=Dictionary(Names=Array([String("SECRETTEMPLATE"), page])))
    buffer = io.BytesIO()
    pdf.save(buffer, compress_streams=False)
    markers = [b"SECRETIMAGEXMP", b"SECRETANNOTAUTHOR", b"SECRETLINK", b"SECRETBUTTONJS", b"SECRETASSOCIATED"]
    markers += [b"SECRETPORTFOLIO", b"SECRETTEMPLATE"]
    assert all(marker in buffer.getvalue() for marker in markers)

    response = await upload(client, agent.headers, await make_registrant(), filename="f.pdf", data=buffer.getvalue())

    assert response.status_code == 201, response.text
    stored = (await client.get(f"/api/v1/documents/{response.json()['id']}/content", headers=agent.headers)).content
    assert [marker for marker in markers if marker in _readable(stored)] == []
    with pikepdf.open(io.BytesIO(stored)) as kept:
        [button] = kept.pages[0].obj.Annots
        assert (button.T, "/A" in button) == ("envoyer", False)
        assert kept.pages[0].obj.Resources.XObject.Im0.read_bytes() == b"\xff\x00\x00"
        assert kept.pages[0].obj.Contents.read_bytes() == CONTENT  # nothing shown was flattened: untouched
