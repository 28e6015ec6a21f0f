"""Hostile and broken uploads: each gets its exact problem, and leaves no row and no file.

Every test runs on both storage backends (local folder, S3 server on loopback) and on the database
the suite runs on (SQLite by default, PostgreSQL with ``DATABASE_URL``).
"""

from __future__ import annotations

import uuid

import pytest

from tests.documents.conftest import CARD_PNG, NOTHING, PASSPORT, count_rows, leftovers, raw_multipart, upload

HTML = b"<!DOCTYPE html><html><body><script>alert(document.cookie)</script></body></html>\n" * 4
SVG = b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"><rect/></svg>\n' * 4
with open("/bin/ls", "rb") as _elf:
    ELF = _elf.read(65536)
PE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 44 + b"\x80\x00\x00\x00" + b"\x00" * 4096


@pytest.fixture
async def agent(make_staff):  # type: ignore[no-untyped-def]
    return await make_staff("agent", ["CASA-BASE"])


@pytest.fixture
async def registrant(make_registrant) -> uuid.UUID:  # type: ignore[no-untyped-def]
    return await make_registrant()


async def assert_refused(response, status: int, slug: str, sessionmaker, storage) -> None:  # type: ignore[no-untyped-def]
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["type"] == f"/problems/{slug}"
    assert await count_rows(sessionmaker) == 0
    assert await leftovers(storage) == NOTHING


async def test_file_over_the_limit_is_413(client, agent, registrant, storage, sessionmaker, settings):
    settings.documents_max_bytes = 50_000
    response = await upload(client, agent.headers, registrant, filename="p.pdf", data=PASSPORT.read_bytes())
    await assert_refused(response, 413, "document-too-large", sessionmaker, storage)
    assert response.json()["max_bytes"] == 50_000


@pytest.mark.parametrize(
    ("lang", "detail"),
    [
        ("fr", "Le fichier est trop volumineux : 48,8\u202fko au plus."),  # 50,000 bytes: 48.8 KiB
        ("en", "The file is too large: 48.8\u00a0kB at most."),
    ],
)
async def test_a_file_over_the_limit_says_the_limit_in_words(
    client, agent, registrant, settings, lang: str, detail: str
) -> None:  # type: ignore[no-untyped-def]
    settings.documents_max_bytes = 50_000
    headers = {**agent.headers, "Accept-Language": lang}
    response = await upload(client, headers, registrant, filename="p.pdf", data=PASSPORT.read_bytes())
    assert response.status_code == 413
    assert response.json()["detail"] == detail


async def test_zero_byte_file_is_422(client, agent, registrant, storage, sessionmaker):
    response = await upload(client, agent.headers, registrant, filename="p.pdf", data=b"")
    await assert_refused(response, 422, "empty-document", sessionmaker, storage)


@pytest.mark.parametrize(("data", "declared"), [(HTML, "image/jpeg"), (SVG, "image/jpeg"), (HTML, "text/html")])
async def test_html_or_svg_named_passport_jpg_is_415(client, agent, registrant, storage, sessionmaker, data, declared):
    response = await upload(
        client, agent.headers, registrant, filename="passport.jpg", data=data, content_type=declared
    )
    await assert_refused(response, 415, "document-type-not-allowed", sessionmaker, storage)
    assert response.json()["sniffed_type"] is None
    assert response.json()["detail"] == (  # French throughout (no English fragment)
        "Le contenu du fichier n'est d'aucun type reconnu ; types acceptés : application/pdf, image/jpeg, "
        "image/png, image/heic, image/heif, image/webp."
    )


@pytest.mark.parametrize(("data", "sniffed"), [(ELF, "application/x-executable"), (PE, "application/x-msdownload")])
async def test_executable_renamed_pdf_is_415(client, agent, registrant, storage, sessionmaker, data, sniffed):
    response = await upload(
        client, agent.headers, registrant, filename="passport.pdf", data=data, content_type="application/pdf"
    )
    await assert_refused(response, 415, "document-type-not-allowed", sessionmaker, storage)
    assert response.json()["sniffed_type"] == sniffed
    assert response.json()["detail"].startswith(f"Le contenu du fichier est de type {sniffed} ; types acceptés : ")


# A PNG named card.jpg, a PDF declared image/jpeg: accepted as their bytes
# (tests/documents/test_mislabelled_types.py). A type that is no document type stays a mismatch.
@pytest.mark.parametrize(("filename", "declared"), [("card.png", "text/html"), ("card.svg", "image/png")])
async def test_png_declared_or_named_as_no_document_type_is_415_mismatch(
    client, agent, registrant, storage, sessionmaker, filename, declared
):
    response = await upload(
        client, agent.headers, registrant, filename=filename, data=CARD_PNG.read_bytes(), content_type=declared
    )
    await assert_refused(response, 415, "document-type-mismatch", sessionmaker, storage)


async def test_filename_with_nul_is_422(client, agent, registrant, storage, sessionmaker):
    headers, body = raw_multipart(b"passport.pdf\x00.exe", PASSPORT.read_bytes())
    response = await client.post(
        f"/api/v1/registrants/{registrant}/documents", headers={**agent.headers, **headers}, content=body
    )
    await assert_refused(response, 422, "validation-failed", sessionmaker, storage)
    assert response.json()["errors"][0]["loc"] == ["body", "file", "filename"]


@pytest.mark.parametrize(
    ("sent", "kept"),
    [
        ("../../../etc/passport.pdf", "passport.pdf"),
        ("..\\..\\windows\\passport.pdf", "passport.pdf"),
        ("pass\u202eport\u200b[31m.pdf", "passport[31m.pdf"),
        ("..", ""),
        (".pdf", "document.pdf"),  # an extension with no name: not a file called "pdf"
        ("...PDF", "document.PDF"),
        ("scan", "scan.pdf"),  # no extension: the stored type's, so the download opens
        ("../.bashrc", "bashrc.pdf"),
    ],
)
async def test_hostile_filenames_are_sanitized_and_never_a_path(client, agent, registrant, storage, sent, kept):
    headers, body = raw_multipart(sent.encode(), PASSPORT.read_bytes())
    response = await client.post(
        f"/api/v1/registrants/{registrant}/documents", headers={**agent.headers, **headers}, content=body
    )
    assert response.status_code == 201, response.text
    assert response.json()["original_filename"] == (kept or "document.pdf")
    assert all(key.startswith("sha256/") for key in (await leftovers(storage))["objects"])


async def test_300_character_filename_is_cut_to_255_keeping_the_extension(client, agent, registrant, storage):
    response = await upload(client, agent.headers, registrant, filename="é" * 296 + ".pdf", data=PASSPORT.read_bytes())
    assert response.status_code == 201, response.text
    assert response.json()["original_filename"] == "é" * 251 + ".pdf"


@pytest.mark.parametrize("count", [1400, 2050])
async def test_a_filename_of_kilobytes_is_cut_to_255_keeping_the_extension(client, agent, registrant, storage, count):
    # 1,400 « é » are 2,800 bytes of Content-Disposition: over the parser's former 2,048-byte
    # header line, which answered malformed-multipart; 2,050 fill the 4,224 bytes now read.
    response = await upload(
        client, agent.headers, registrant, filename="é" * count + ".png", data=CARD_PNG.read_bytes()
    )
    assert response.status_code == 201, response.text
    assert response.json()["original_filename"] == "é" * 251 + ".png"


async def test_a_filename_past_the_part_header_limit_is_422_naming_the_limit(
    client, agent, registrant, storage, sessionmaker
):
    response = await upload(client, agent.headers, registrant, filename="é" * 2100 + ".png", data=CARD_PNG.read_bytes())
    await assert_refused(response, 422, "filename-too-long", sessionmaker, storage)
    body = response.json()
    assert body["max_header_bytes"] == 4224
    assert body["errors"][0]["loc"] == ["body", "file", "filename"]
    assert body["detail"] == (
        "Le nom du fichier est trop long : l'en-tête qui le porte dans le formulaire dépasse 4,1\u202fko. "
        "Renommez le fichier avec un nom plus court, puis envoyez-le à nouveau."
    )


async def test_thousands_of_tiny_parts_are_400(client, agent, registrant, storage, sessionmaker):
    boundary = "tinyparts"
    parts = "".join(f'--{boundary}\r\nContent-Disposition: form-data; name="f{i}"\r\n\r\nx\r\n' for i in range(5000))
    body = (parts + f"--{boundary}--\r\n").encode()
    response = await client.post(
        f"/api/v1/registrants/{registrant}/documents",
        headers={**agent.headers, "Content-Type": f"multipart/form-data; boundary={boundary}"},
        content=body,
    )
    await assert_refused(response, 400, "too-many-parts", sessionmaker, storage)


async def test_oversized_text_field_is_400(client, agent, registrant, storage, sessionmaker):
    response = await upload(
        client, agent.headers, registrant, filename="p.pdf", data=PASSPORT.read_bytes(), description="x" * 5000
    )
    await assert_refused(response, 400, "form-field-too-large", sessionmaker, storage)


@pytest.mark.parametrize(
    ("content_type", "status", "slug"),
    [
        ("multipart/form-data", 400, "malformed-multipart"),
        ("multipart/form-data; boundary=", 400, "malformed-multipart"),
        ("multipart/form-data; boundary=" + "b" * 71, 400, "malformed-multipart"),
        ("multipart/form-data; boundary=<script>", 400, "malformed-multipart"),
        ("multipart/form-data; boundary=" + "b" * 600, 415, "multipart-required"),
        ("multipart/mixed; boundary=abc", 415, "multipart-required"),
        ("application/pdf", 415, "multipart-required"),
    ],
)
async def test_malformed_or_hostile_content_type_is_refused(
    client, agent, registrant, storage, sessionmaker, content_type, status, slug
):
    response = await client.post(
        f"/api/v1/registrants/{registrant}/documents",
        headers={**agent.headers, "Content-Type": content_type},
        content=b"--abc\r\n" + PASSPORT.read_bytes()[:1000],
    )
    await assert_refused(response, status, slug, sessionmaker, storage)


async def test_body_cut_before_the_closing_boundary_is_400(client, agent, registrant, storage, sessionmaker):
    boundary = "cutshort"
    body = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="kind"\r\n\r\npassport\r\n'
        f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="p.pdf"\r\n'
        "Content-Type: application/pdf\r\n\r\n"
    ).encode() + PASSPORT.read_bytes()[:20000]
    response = await client.post(
        f"/api/v1/registrants/{registrant}/documents",
        headers={**agent.headers, "Content-Type": f"multipart/form-data; boundary={boundary}"},
        content=body,
    )
    await assert_refused(response, 400, "malformed-multipart", sessionmaker, storage)


async def test_form_without_a_file_is_422(client, agent, registrant, storage, sessionmaker):
    response = await client.post(
        f"/api/v1/registrants/{registrant}/documents",
        headers=agent.headers,
        files={"kind": (None, "passport")},
    )
    await assert_refused(response, 422, "document-file-missing", sessionmaker, storage)


async def test_two_files_in_one_request_are_400(client, agent, registrant, storage, sessionmaker):
    data = PASSPORT.read_bytes()
    response = await client.post(
        f"/api/v1/registrants/{registrant}/documents",
        headers=agent.headers,
        files=[("file", ("a.pdf", data, "application/pdf")), ("file", ("b.pdf", data, "application/pdf"))],
        data={"kind": "passport"},
    )
    await assert_refused(response, 400, "malformed-multipart", sessionmaker, storage)


async def test_corrupt_image_with_a_valid_signature_is_422(client, agent, registrant, storage, sessionmaker):
    data = CARD_PNG.read_bytes()[:4000] + b"\x00" * 10000
    response = await upload(client, agent.headers, registrant, filename="card.png", data=data)
    await assert_refused(response, 422, "document-unreadable", sessionmaker, storage)


async def test_decompression_bomb_is_422(client, agent, registrant, storage, sessionmaker, settings):
    settings.documents_max_image_pixels = 100_000  # the 1011x638 card is over it by more than twice
    response = await upload(client, agent.headers, registrant, filename="card.png", data=CARD_PNG.read_bytes())
    await assert_refused(response, 422, "document-unreadable", sessionmaker, storage)


async def test_type_outside_a_narrowed_allow_list_is_415(client, agent, registrant, storage, sessionmaker, settings):
    settings.documents_allowed_types = ["application/pdf"]
    response = await upload(client, agent.headers, registrant, filename="card.png", data=CARD_PNG.read_bytes())
    await assert_refused(response, 415, "document-type-not-allowed", sessionmaker, storage)
    assert response.json()["sniffed_type"] == "image/png"


async def test_bidi_override_filename_shows_its_real_extension_and_is_refused(
    client, agent, registrant, storage, sessionmaker
):
    """``\u202efdp.exe`` displays as ``exe.pdf``; without the override it is ``fdp.exe``: 415."""
    headers, body = raw_multipart("\u202efdp.exe".encode(), PASSPORT.read_bytes())
    response = await client.post(
        f"/api/v1/registrants/{registrant}/documents", headers={**agent.headers, **headers}, content=body
    )
    await assert_refused(response, 415, "document-type-mismatch", sessionmaker, storage)
    assert response.json()["detail"] == "L'extension .exe ne correspond pas au contenu (application/pdf)."
