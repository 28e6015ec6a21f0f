"""Uploaded PDFs lose their hidden metadata (author, producer, XMP, thumbnails) and keep their pages."""

from __future__ import annotations

import hashlib
import io

import pikepdf
import pytest
from pikepdf import Dictionary, Name, String

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
