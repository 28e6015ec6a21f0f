"""Downloading documents: byte-identical, safe headers, any script in the filename, ranges."""

from __future__ import annotations

from urllib.parse import unquote

import pytest
from sqlalchemy import select

from app.audit.models import AuditEvent
from app.documents.router import content_disposition
from tests.documents.conftest import PASSPORT, PHOTO_GPS, sha256_of, upload

SIZE = 89283


@pytest.fixture
async def agent(make_staff):  # type: ignore[no-untyped-def]
    return await make_staff("agent", ["CASA-BASE"])


@pytest.fixture
async def passport(client, agent, make_registrant, storage) -> dict:  # type: ignore[no-untyped-def]
    registrant = await make_registrant()
    response = await upload(client, agent.headers, registrant, filename="passeport.pdf", data=PASSPORT.read_bytes())
    assert response.status_code == 201
    return dict(response.json())


async def test_download_is_byte_identical_with_safe_headers(client, agent, passport):
    response = await client.get(f"/api/v1/documents/{passport['id']}/content", headers=agent.headers)
    assert response.status_code == 200
    assert response.content == PASSPORT.read_bytes()
    assert response.headers["content-type"] == "application/pdf"
    assert response.headers["content-length"] == str(SIZE)
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["etag"] == f'"{sha256_of(PASSPORT.read_bytes())}"'
    assert response.headers["accept-ranges"] == "bytes"
    assert response.headers["content-disposition"] == (
        "attachment; filename=\"passeport.pdf\"; filename*=UTF-8''passeport.pdf"
    )


@pytest.mark.parametrize(
    ("name", "fallback"),
    [
        ("جواز السفر.pdf", "document.pdf"),
        ("Carte de séjour – Aïssatou Guèye.pdf", "Carte de sejour _ Aissatou Gueye.pdf"),
        ("Ŋoñ Ndëye Fàll.pdf", "_on Ndeye Fall.pdf"),
        ("a;b,c(d).pdf", "a_b_c(d).pdf"),
    ],
)
async def test_non_ascii_filenames_round_trip_through_the_download_headers(
    client, agent, make_registrant, storage, name, fallback
):
    registrant = await make_registrant()
    created = await upload(client, agent.headers, registrant, filename=name, data=PASSPORT.read_bytes())
    expected_name = name.replace("\\", "/").rsplit("/", 1)[-1]
    assert created.json()["original_filename"] == expected_name

    response = await client.get(f"/api/v1/documents/{created.json()['id']}/content", headers=agent.headers)

    header = response.headers["content-disposition"]
    assert header.startswith(f"attachment; filename=\"{fallback}\"; filename*=UTF-8''")
    assert unquote(header.split("filename*=UTF-8''", 1)[1], encoding="utf-8") == expected_name
    assert header.isascii()


@pytest.mark.parametrize(
    ("sent", "header"),
    [
        (".pdf", "attachment; filename=\"document.pdf\"; filename*=UTF-8''document.pdf"),
        ("scan", "attachment; filename=\"scan.pdf\"; filename*=UTF-8''scan.pdf"),
        ("ملف", "attachment; filename=\"document.pdf\"; filename*=UTF-8''%D9%85%D9%84%D9%81.pdf"),
    ],
)
async def test_a_download_is_named_with_an_extension_of_its_type(client, agent, make_registrant, storage, sent, header):
    registrant = await make_registrant()
    created = await upload(client, agent.headers, registrant, filename=sent, data=PASSPORT.read_bytes())
    assert created.status_code == 201, created.text
    response = await client.get(f"/api/v1/documents/{created.json()['id']}/content", headers=agent.headers)
    assert response.headers["content-disposition"] == header


def test_a_name_stored_without_extension_downloads_with_one():
    """Rows stored before names kept their extension (``.pdf`` was stored as ``pdf``)."""
    assert content_disposition("pdf", "application/pdf") == "attachment; filename=\"pdf.pdf\"; filename*=UTF-8''pdf.pdf"


def test_content_disposition_encodes_every_non_token_character():
    assert content_disposition("ñ ë.pdf", "application/pdf") == (
        "attachment; filename=\"n e.pdf\"; filename*=UTF-8''%C3%B1%20%C3%AB.pdf"
    )


@pytest.mark.parametrize(
    ("range_header", "start", "end"),
    [("bytes=0-99", 0, 99), ("bytes=89000-", 89000, SIZE - 1), ("bytes=-100", SIZE - 100, SIZE - 1)],
)
async def test_range_request_answers_206_with_the_slice(client, agent, passport, range_header, start, end):
    response = await client.get(
        f"/api/v1/documents/{passport['id']}/content", headers={**agent.headers, "Range": range_header}
    )
    assert response.status_code == 206
    assert response.content == PASSPORT.read_bytes()[start : end + 1]
    assert response.headers["content-range"] == f"bytes {start}-{end}/{SIZE}"
    assert response.headers["content-length"] == str(end - start + 1)


async def test_range_past_the_end_is_416(client, agent, passport):
    response = await client.get(
        f"/api/v1/documents/{passport['id']}/content", headers={**agent.headers, "Range": f"bytes={SIZE}-"}
    )
    assert response.status_code == 416
    assert response.json()["type"] == "/problems/range-not-satisfiable"
    assert response.headers["content-range"] == f"bytes */{SIZE}"


async def test_if_range_with_another_etag_sends_the_whole_file(client, agent, passport):
    response = await client.get(
        f"/api/v1/documents/{passport['id']}/content",
        headers={**agent.headers, "Range": "bytes=0-9", "If-Range": '"other"'},
    )
    assert response.status_code == 200
    assert len(response.content) == SIZE


async def test_if_none_match_with_the_etag_is_304(client, agent, passport):
    response = await client.get(
        f"/api/v1/documents/{passport['id']}/content",
        headers={**agent.headers, "If-None-Match": f'"{passport["sha256"]}"'},
    )
    assert response.status_code == 304
    assert response.content == b""
    assert response.headers["etag"] == f'"{passport["sha256"]}"'


async def test_document_of_another_desk_is_404(client, make_staff, passport):
    stranger = await make_staff("agent", ["DKR-MOB"])
    for path in (f"/api/v1/documents/{passport['id']}", f"/api/v1/documents/{passport['id']}/content"):
        response = await client.get(path, headers=stranger.headers)
        assert response.status_code == 404
        assert response.json()["type"] == "/problems/not-found"


async def test_other_desks_registrant_listing_is_404(client, make_staff, make_registrant, storage):
    stranger = await make_staff("agent", ["DKR-MOB"])
    registrant = await make_registrant("CASA-BASE")
    response = await client.get(f"/api/v1/registrants/{registrant}/documents", headers=stranger.headers)
    assert response.status_code == 404


async def test_metadata_read_and_download_are_audited(client, agent, passport, sessionmaker):
    await client.get(f"/api/v1/documents/{passport['id']}", headers=agent.headers)
    await client.get(f"/api/v1/documents/{passport['id']}/content", headers={**agent.headers, "Range": "bytes=0-9"})
    async with sessionmaker() as session:
        rows = await session.execute(
            select(AuditEvent.action, AuditEvent.details)
            .where(AuditEvent.entity_id == passport["id"])
            .order_by(AuditEvent.id)
        )
        events = [(action, details) for action, details in rows]
    assert [a for a, _ in events] == ["document.upload", "document.read", "document.download"]
    assert events[2][1] == {"range": [0, 9]}


async def test_agent_round_trip_passport_and_photo(client, agent, make_registrant, storage, sessionmaker):
    """The issue's "done when": a PDF and a phone photo up and back, a disguised HTML refused, all audited."""
    registrant = await make_registrant()
    pdf = await upload(client, agent.headers, registrant, filename="passeport.pdf", data=PASSPORT.read_bytes())
    photo = await upload(client, agent.headers, registrant, filename="photo.jpg", data=PHOTO_GPS.read_bytes())
    html = await upload(client, agent.headers, registrant, filename="passport.jpg", data=b"<html><body>x</body></html>")
    pdf_back = await client.get(f"/api/v1/documents/{pdf.json()['id']}/content", headers=agent.headers)
    photo_back = await client.get(f"/api/v1/documents/{photo.json()['id']}/content", headers=agent.headers)

    assert (pdf.status_code, photo.status_code, html.status_code) == (201, 201, 415)
    assert pdf_back.content == PASSPORT.read_bytes()
    assert sha256_of(photo_back.content) == photo.json()["sha256"]  # identical to what was stored (stripped)
    async with sessionmaker() as session:
        actions = list(
            (
                await session.execute(
                    select(AuditEvent.action).where(AuditEvent.action.like("document.%")).order_by(AuditEvent.id)
                )
            ).scalars()
        )
    assert actions == ["document.upload", "document.upload", "document.download", "document.download"]


async def test_a_download_answers_a_media_type_its_openapi_declares(client, agent, make_registrant, passport):
    """A document is served as the type sniffed at upload (PDF, JPEG…), whole (200) or in part
    (206): the OpenAPI document lists those types, not only ``application/octet-stream``."""
    registrant = await make_registrant()
    photo = await upload(client, agent.headers, registrant, filename="photo.jpg", data=PHOTO_GPS.read_bytes())
    declared = (await client.get("/openapi.json")).json()["paths"]["/api/v1/documents/{document_id}/content"]["get"]
    served = set()
    for document_id in (passport["id"], photo.json()["id"]):
        whole = await client.get(f"/api/v1/documents/{document_id}/content", headers=agent.headers)
        part = await client.get(
            f"/api/v1/documents/{document_id}/content", headers={**agent.headers, "Range": "bytes=0-9"}
        )
        assert (whole.status_code, part.status_code) == (200, 206)
        assert whole.headers["content-type"] in declared["responses"]["200"]["content"]
        assert part.headers["content-type"] in declared["responses"]["206"]["content"]
        served.add(whole.headers["content-type"])
    assert served == {"application/pdf", "image/jpeg"}
