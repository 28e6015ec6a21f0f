"""Uploading documents: stored once, hashed, sniffed, metadata stripped, audited."""

from __future__ import annotations

import io
import os

import pytest
from PIL import Image
from sqlalchemy import select

from app.audit.models import AuditEvent
from app.documents.storage import key_for
from tests.documents.conftest import (
    CARD_PNG,
    NOTHING,
    PASSPORT,
    PHOTO_GPS,
    PHOTO_HEIC,
    count_rows,
    leftovers,
    sha256_of,
    upload,
)


async def test_passport_pdf_is_stored_with_its_sha256(client, make_staff, make_registrant, storage, sessionmaker):
    agent = await make_staff("agent", ["CASA-BASE"])
    registrant = await make_registrant()
    data = PASSPORT.read_bytes()

    response = await upload(
        client, agent.headers, registrant, filename="passeport.pdf", data=data, content_type="application/pdf"
    )

    assert response.status_code == 201, response.text
    body = response.json()
    assert body["media_type"] == "application/pdf"
    assert body["size_bytes"] == 89283
    assert body["sha256"] == sha256_of(data)
    assert body["received_sha256"] == sha256_of(data)
    assert body["metadata_stripped"] is False
    assert body["original_filename"] == "passeport.pdf"
    assert body["kind"] == "passport"
    assert response.headers["location"] == f"/api/v1/documents/{body['id']}"
    assert await leftovers(storage) == {"objects": [key_for(sha256_of(data))], "spool": []}


async def test_upload_is_audited_with_the_hash(client, make_staff, make_registrant, storage, sessionmaker, desk_ids):
    agent = await make_staff("agent", ["CASA-BASE"])
    registrant = await make_registrant()
    response = await upload(client, agent.headers, registrant, filename="p.pdf", data=PASSPORT.read_bytes())
    async with sessionmaker() as session:
        event = (await session.execute(select(AuditEvent).where(AuditEvent.action == "document.upload"))).scalar_one()
    assert event.entity_id == response.json()["id"]
    assert event.desk_id == desk_ids["CASA-BASE"]
    assert event.details["sha256"] == sha256_of(PASSPORT.read_bytes())
    assert event.details["owner_id"] == str(registrant)


async def test_phone_photo_loses_its_gps_metadata(client, make_staff, make_registrant, storage):
    agent = await make_staff("agent", ["CASA-BASE"])
    registrant = await make_registrant()
    original = PHOTO_GPS.read_bytes()
    with Image.open(PHOTO_GPS) as specimen:
        assert specimen.getexif().get_ifd(0x8825)  # the specimen does carry GPS

    response = await upload(
        client, agent.headers, registrant, filename="photo.jpg", data=original, content_type="image/jpeg", kind="photo"
    )

    assert response.status_code == 201, response.text
    body = response.json()
    content = (await client.get(f"/api/v1/documents/{body['id']}/content", headers=agent.headers)).content
    stored = Image.open(io.BytesIO(content))
    assert stored.getexif().get_ifd(0x8825) == {}
    assert len(stored.getexif()) == 0
    assert stored.size == (1200, 800)
    assert body["metadata_stripped"] is True
    assert body["received_sha256"] == sha256_of(original)
    assert body["sha256"] == sha256_of(content)
    assert body["size_bytes"] == len(content)


@pytest.mark.parametrize(
    ("specimen", "filename", "media_type", "size"),
    [(CARD_PNG, "carte.png", "image/png", (1011, 638)), (PHOTO_HEIC, "IMG_0001.HEIC", "image/heic", (1200, 800))],
)
async def test_png_and_heic_are_accepted_and_still_decode(
    client, make_staff, make_registrant, storage, specimen, filename, media_type, size
):
    import pillow_heif

    pillow_heif.register_heif_opener()
    agent = await make_staff("agent", ["CASA-BASE"])
    registrant = await make_registrant()

    response = await upload(client, agent.headers, registrant, filename=filename, data=specimen.read_bytes())

    assert response.status_code == 201, response.text
    assert response.json()["media_type"] == media_type
    content = (await client.get(f"/api/v1/documents/{response.json()['id']}/content", headers=agent.headers)).content
    image = Image.open(io.BytesIO(content))
    assert image.size == size
    assert not image.info.get("exif")


async def test_same_file_twice_returns_the_existing_document_with_200(
    client, make_staff, make_registrant, storage, sessionmaker
):
    agent = await make_staff("agent", ["CASA-BASE"])
    registrant = await make_registrant()
    data = PASSPORT.read_bytes()
    first = await upload(client, agent.headers, registrant, filename="a.pdf", data=data)
    second = await upload(client, agent.headers, registrant, filename="b.pdf", data=data)

    assert (first.status_code, second.status_code) == (201, 200)
    assert second.json()["id"] == first.json()["id"]
    assert await count_rows(sessionmaker) == 1
    assert await leftovers(storage) == {"objects": [key_for(sha256_of(data))], "spool": []}


async def test_same_photo_twice_is_deduplicated_after_stripping(client, make_staff, make_registrant, storage):
    agent = await make_staff("agent", ["CASA-BASE"])
    registrant = await make_registrant()
    data = PHOTO_GPS.read_bytes()
    first = await upload(client, agent.headers, registrant, filename="a.jpg", data=data)
    second = await upload(client, agent.headers, registrant, filename="a.jpg", data=data)
    assert (first.status_code, second.status_code) == (201, 200)
    assert second.json()["id"] == first.json()["id"]


async def test_same_file_for_two_registrants_is_one_object_and_two_rows(
    client, make_staff, make_registrant, storage, sessionmaker
):
    agent = await make_staff("agent", ["CASA-BASE"])
    data = PASSPORT.read_bytes()
    one = await upload(client, agent.headers, await make_registrant(), filename="a.pdf", data=data)
    two = await upload(client, agent.headers, await make_registrant(), filename="a.pdf", data=data)

    assert (one.status_code, two.status_code) == (201, 201)
    assert await count_rows(sessionmaker) == 2
    assert (await leftovers(storage))["objects"] == [key_for(sha256_of(data))]


async def test_registrant_of_another_desk_is_404_and_nothing_is_stored(
    client, make_staff, make_registrant, storage, sessionmaker
):
    agent = await make_staff("agent", ["CASA-BASE"])
    registrant = await make_registrant("DKR-MOB")
    response = await upload(client, agent.headers, registrant, filename="a.pdf", data=PASSPORT.read_bytes())
    assert response.status_code == 404
    assert response.json()["type"] == "/problems/not-found"
    assert await count_rows(sessionmaker) == 0
    assert await leftovers(storage) == NOTHING


async def test_unknown_kind_is_422_and_nothing_is_stored(client, make_staff, make_registrant, storage, sessionmaker):
    agent = await make_staff("agent", ["CASA-BASE"])
    registrant = await make_registrant()
    response = await upload(client, agent.headers, registrant, filename="a.pdf", data=PASSPORT.read_bytes(), kind="x")
    assert response.status_code == 422
    assert response.json()["type"] == "/problems/validation-failed"
    assert response.json()["errors"][0]["loc"] == ["body", "kind"]
    assert await count_rows(sessionmaker) == 0
    assert await leftovers(storage) == NOTHING


async def test_upload_without_token_is_401(client, make_registrant, storage):
    registrant = await make_registrant()
    response = await upload(client, {}, registrant, filename="a.pdf", data=PASSPORT.read_bytes())
    assert response.status_code == 401
    assert await leftovers(storage) == NOTHING


async def test_listing_shows_the_registrants_documents_newest_first(client, make_staff, make_registrant, storage):
    agent = await make_staff("agent", ["CASA-BASE"])
    registrant = await make_registrant()
    pdf = await upload(client, agent.headers, registrant, filename="a.pdf", data=PASSPORT.read_bytes())
    png = await upload(client, agent.headers, registrant, filename="b.png", data=CARD_PNG.read_bytes())

    page = await client.get(f"/api/v1/registrants/{registrant}/documents", headers=agent.headers, params={"limit": 1})
    assert page.status_code == 200
    assert [d["id"] for d in page.json()["items"]] == [png.json()["id"]]
    rest = await client.get(
        f"/api/v1/registrants/{registrant}/documents",
        headers=agent.headers,
        params={"limit": 1, "cursor": page.json()["next_cursor"]},
    )
    assert [d["id"] for d in rest.json()["items"]] == [pdf.json()["id"]]
    assert rest.json()["next_cursor"] is None


async def test_large_file_round_trips_and_uses_s3_multipart_upload(
    client, make_staff, make_registrant, storage, settings, backend
):
    settings.s3_multipart_threshold_bytes = 5 * 1_048_576
    app_storage = storage
    if backend == "s3":
        from app.documents.storage import S3Storage

        app_storage = S3Storage(settings)
        client._transport.app.state.document_storage = app_storage  # type: ignore[attr-defined]
    agent = await make_staff("agent", ["CASA-BASE"])
    registrant = await make_registrant()
    data = b"%PDF-1.7\n" + os.urandom(12 * 1_048_576)

    response = await upload(client, agent.headers, registrant, filename="big.pdf", data=data)

    assert response.status_code == 201, response.text
    back = await client.get(f"/api/v1/documents/{response.json()['id']}/content", headers=agent.headers)
    assert back.content == data
    if backend == "s3":
        head = app_storage.client.head_object(Bucket=settings.s3_bucket, Key=key_for(sha256_of(data)))
        assert head["ETag"].strip('"').endswith("-3")  # three parts of 5 MiB, 5 MiB and 2 MiB
