"""The text rule (app.core.text) on upload forms: a refused character or invalid UTF-8 in a text
field, a field name or the file name is 422 ``validation-failed`` on both databases, and nothing is
stored (no row, no object, no spool file)."""

from __future__ import annotations

import uuid

import pytest

from tests.documents.conftest import PASSPORT, count_rows, leftovers, raw_multipart, upload
from tests.documents.test_bad_inputs import assert_refused


@pytest.fixture
async def agent(make_staff):  # type: ignore[no-untyped-def]
    return await make_staff("agent", ["CASA-BASE"])


@pytest.fixture
async def registrant(make_registrant) -> uuid.UUID:  # type: ignore[no-untyped-def]
    return await make_registrant()


def _form(description: bytes, *, boundary: str = "textrule") -> tuple[dict[str, str], bytes]:
    """A multipart body whose ``description`` field holds ``description`` byte for byte."""
    headers, body = raw_multipart(b"passport.pdf", PASSPORT.read_bytes(), boundary=boundary)
    field = f'--{boundary}\r\nContent-Disposition: form-data; name="description"\r\n\r\n'.encode()
    return headers, field + description + b"\r\n" + body


@pytest.mark.parametrize(
    ("description", "problem_type"),
    [
        (b"Pass\x00port", "text_disallowed_character"),  # NUL: PostgreSQL cannot store it (was a 500)
        (b"Pass\x1bport", "text_disallowed_character"),  # ESC, a C0 control
        ("Pass\x85port".encode(), "text_disallowed_character"),  # NEL, a C1 control, as valid UTF-8
        (b"Pass\xed\xa0\x80port", "text_invalid_utf8"),  # a lone surrogate in CESU-8: not UTF-8
        (b"Pass\xe9port", "text_invalid_utf8"),  # Latin-1 bytes
    ],
    ids=["nul", "esc", "c1-nel", "lone-surrogate", "latin1"],
)
async def test_a_refused_description_is_422_and_stores_nothing(
    client, agent, registrant, storage, sessionmaker, description: bytes, problem_type: str
):
    headers, body = _form(description)
    response = await client.post(
        f"/api/v1/registrants/{registrant}/documents", headers={**agent.headers, **headers}, content=body
    )
    await assert_refused(response, 422, "validation-failed", sessionmaker, storage)
    error = response.json()["errors"][0]
    assert error["loc"] == ["body", "description"]
    assert error["type"] == problem_type


async def test_description_with_tab_and_line_breaks_is_stored(client, agent, registrant, storage, sessionmaker):
    response = await upload(
        client, agent.headers, registrant, filename="p.pdf", data=PASSPORT.read_bytes(), description="a\tb\r\nc"
    )
    assert response.status_code == 201, response.text
    assert response.json()["description"] == "a\tb\r\nc"


@pytest.mark.parametrize(
    "filename",
    [b"pass\x07port.pdf", b"pass\x1b[31m.pdf", b"pass\x7fport.pdf", "pass\x85.pdf".encode(), b"pass\xffport.pdf"],
    ids=["bel", "esc", "del", "c1-nel", "invalid-utf8"],
)
async def test_a_refused_filename_is_422(client, agent, registrant, storage, sessionmaker, filename: bytes):
    headers, body = raw_multipart(filename, PASSPORT.read_bytes())
    response = await client.post(
        f"/api/v1/registrants/{registrant}/documents", headers={**agent.headers, **headers}, content=body
    )
    await assert_refused(response, 422, "validation-failed", sessionmaker, storage)
    assert response.json()["errors"][0]["loc"] == ["body", "file", "filename"]


async def test_a_refused_field_name_is_422(client, agent, registrant, storage, sessionmaker):
    boundary = "fieldname"
    headers, body = raw_multipart(b"p.pdf", PASSPORT.read_bytes(), boundary=boundary)
    extra = f'--{boundary}\r\nContent-Disposition: form-data; name="de\x01sc"\r\n\r\nx\r\n'.encode()
    response = await client.post(
        f"/api/v1/registrants/{registrant}/documents", headers={**agent.headers, **headers}, content=extra + body
    )
    await assert_refused(response, 422, "validation-failed", sessionmaker, storage)
    assert await count_rows(sessionmaker) == 0
    assert (await leftovers(storage))["objects"] == []
