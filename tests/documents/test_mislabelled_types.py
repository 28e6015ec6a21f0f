"""A file whose name or declared type says another document type than its bytes (a PNG photo a
phone saved as ``scan passeport.jpg``, a PDF sent as ``image/jpeg``) is accepted as what its bytes
are: stored with the sniffed type, its name given that type's extension (the name as sent is kept
in the ``document.upload`` audit event), its metadata stripped as for any file of that type.
Bytes of a type that is not accepted stay refused (tests/documents/test_bad_inputs.py)."""

from __future__ import annotations

import io
import uuid

import pytest
from PIL import Image
from sqlalchemy import select

from app.audit.models import AuditEvent, AuditPayload
from tests.documents.conftest import CARD_PNG, PASSPORT, PHOTO_GPS, raw_multipart, upload
from tests.fixtures import metadata_specimens as specimens


async def test_a_png_photo_named_jpg_is_stored_as_a_png_named_png(
    client, make_staff, make_registrant, sessionmaker
) -> None:
    agent = await make_staff("agent", ["CASA-BASE"])
    data = specimens.png(specimens.from_source(CARD_PNG))  # a PNG carrying EXIF with GPS, XMP, text chunks
    response = await upload(
        client, agent.headers, await make_registrant(), filename="scan passeport.jpg", data=data,
        content_type="image/jpeg", kind="photo",  # what a browser declares for a name ending .jpg
    )  # fmt: skip

    assert response.status_code == 201, response.text
    body = response.json()
    assert (body["media_type"], body["original_filename"], body["metadata_stripped"]) == (
        "image/png", "scan passeport.png", True,
    )  # fmt: skip
    content = await client.get(f"/api/v1/documents/{body['id']}/content", headers=agent.headers)
    assert content.status_code == 200
    assert content.headers["content-type"] == "image/png"
    assert 'filename="scan passeport.png"' in content.headers["content-disposition"]
    assert specimens.MARKER.encode() not in content.content  # stripped as a PNG, not skipped as a "JPEG"
    with Image.open(io.BytesIO(content.content)) as stored:
        assert (stored.format, dict(stored.getexif()), getattr(stored, "text", {})) == ("PNG", {}, {})
    async with sessionmaker() as session:
        details = (
            await session.execute(
                select(AuditEvent.details).where(
                    AuditEvent.entity_id == body["id"], AuditEvent.action == "document.upload"
                )
            )
        ).scalar_one()
        # the name as sent may name the person: one of their erasable values, not in the chained details
        payload = await session.get(AuditPayload, uuid.UUID(details["personal"]["payload"]))
    assert details["media_type"] == "image/png"
    assert "filename_as_sent" not in details
    assert payload is not None
    assert payload.value == {"filename_as_sent": "scan passeport.jpg"}


@pytest.mark.parametrize(
    ("source", "sent", "declared", "media_type", "stored"),
    [
        (PASSPORT, "passeport.jpg", "image/jpeg", "application/pdf", "passeport.pdf"),
        (PASSPORT, "PASSEPORT.JPG", "application/octet-stream", "application/pdf", "PASSEPORT.pdf"),
        (PHOTO_GPS, "photo.png", "image/png", "image/jpeg", "photo.jpg"),
        (PHOTO_GPS, "IMG_0001.HEIC", "image/heic", "image/jpeg", "IMG_0001.jpg"),
        (PHOTO_GPS, "carte.webp", "image/webp", "image/jpeg", "carte.jpg"),
        (CARD_PNG, "carte.PDF", "application/pdf", "image/png", "carte.png"),
        (CARD_PNG, "carte", "image/jpeg", "image/png", "carte.png"),  # no extension, a declared JPEG
        # a number or a date after the last dot is part of the name, not a file type
        (PASSPORT, "rapport 12.03", "application/pdf", "application/pdf", "rapport 12.03.pdf"),
        (PASSPORT, "facture 2024.11.05", "application/octet-stream", "application/pdf", "facture 2024.11.05.pdf"),
        (PHOTO_GPS, "scan 1.5", "image/jpeg", "image/jpeg", "scan 1.5.jpg"),
        (CARD_PNG, "carte.v2 finale", "image/png", "image/png", "carte.v2 finale.png"),
    ],
)
async def test_any_document_type_named_as_another_is_accepted_as_its_bytes(
    client, make_staff, make_registrant, source, sent, declared, media_type, stored
) -> None:
    agent = await make_staff("agent", ["CASA-BASE"])
    response = await upload(
        client, agent.headers, await make_registrant(), filename=sent, data=source.read_bytes(), content_type=declared
    )
    assert response.status_code == 201, response.text
    assert (response.json()["media_type"], response.json()["original_filename"]) == (media_type, stored)


async def test_a_name_that_is_only_another_types_extension_gets_the_bytes_type(
    client, make_staff, make_registrant
) -> None:
    agent = await make_staff("agent", ["CASA-BASE"])
    headers, body = raw_multipart(b".jpg", PASSPORT.read_bytes())
    response = await client.post(
        f"/api/v1/registrants/{await make_registrant()}/documents", headers={**agent.headers, **headers}, content=body
    )
    assert response.status_code == 201, response.text
    assert (response.json()["media_type"], response.json()["original_filename"]) == ("application/pdf", "document.pdf")
