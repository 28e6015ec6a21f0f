"""Document fixtures: both storage backends, a real S3-compatible server, registrants.

The S3 backend runs against moto's S3 server started on a loopback port for the session
(``ThreadedMotoServer``): real HTTP requests through boto3, nothing patched.
"""

from __future__ import annotations

import hashlib
import socket
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import httpx
import pytest
from fastapi import FastAPI
from pydantic import SecretStr
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.core.config import Settings
from app.documents.models import Document
from app.documents.storage import Storage, create_storage
from app.registrants.models import Registrant

SPECIMENS = Path(__file__).resolve().parents[1] / "fixtures" / "documents"
PASSPORT = SPECIMENS / "specimen_passport.pdf"
PHOTO_GPS = SPECIMENS / "phone_photo_with_gps.jpg"
CARD_PNG = SPECIMENS / "specimen_residence_card.png"
PHOTO_HEIC = SPECIMENS / "phone_photo.heic"


def sha256_of(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="session")
def s3_endpoint() -> Iterator[str]:
    from moto.server import ThreadedMotoServer

    port = _free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    yield f"http://127.0.0.1:{port}"
    server.stop()


@pytest.fixture(params=["local", "s3"])
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def settings(settings: Settings, backend: str, request: pytest.FixtureRequest) -> Settings:
    """The test settings on the parametrised storage backend (S3: a fresh bucket per test).

    PDF metadata stripping is off: these tests check that stored bytes are the bytes sent
    (tests/documents/test_pdf_metadata.py turns it back on)."""
    settings = settings.model_copy(update={"documents_strip_pdf_metadata": False})
    if backend == "local":
        return settings
    endpoint = request.getfixturevalue("s3_endpoint")
    bucket = f"dd-{uuid.uuid4().hex[:16]}"
    boto3.client(
        "s3",
        endpoint_url=endpoint,
        region_name="us-east-1",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    ).create_bucket(Bucket=bucket)
    return settings.model_copy(
        update={
            "documents_storage": "s3",
            "s3_bucket": bucket,
            "s3_endpoint_url": endpoint,
            "s3_region": "us-east-1",
            "s3_access_key_id": "testing",
            "s3_secret_access_key": SecretStr("testing"),
        }
    )


@pytest.fixture
def storage(app: FastAPI, settings: Settings) -> Storage:
    """The app's storage backend (created here so tests can inspect it)."""
    store = create_storage(settings)
    app.state.document_storage = store
    return store


@pytest.fixture
def make_registrant(sessionmaker: async_sessionmaker[AsyncSession], desk_ids: dict[str, uuid.UUID]):  # type: ignore[no-untyped-def]
    """``await make_registrant("CASA-BASE")`` → the new registrant's id (created through the ORM)."""

    async def make(desk: str = "CASA-BASE") -> uuid.UUID:
        async with sessionmaker() as session:
            registrant = Registrant(
                desk_id=desk_ids[desk],
                registration_number=f"T-{uuid.uuid4().hex[:12]}",
                given_names="Aïssatou",
                family_name="Ndiaye",
                given_names_key="aissatou",
                family_name_key="ndiaye",
                given_names_phonetic="AST",
                family_name_phonetic="NT",
            )
            session.add(registrant)
            await session.commit()
            return registrant.id

    return make


async def upload(
    client: httpx.AsyncClient,
    headers: dict[str, str],
    registrant_id: uuid.UUID,
    *,
    filename: str,
    data: bytes,
    content_type: str = "application/octet-stream",
    kind: str = "passport",
    **fields: str,
) -> httpx.Response:
    """POST one file as multipart/form-data for a registrant."""
    return await client.post(
        f"/api/v1/registrants/{registrant_id}/documents",
        headers=headers,
        files={"file": (filename, data, content_type)},
        data={"kind": kind, **fields},
    )


async def count_rows(sessionmaker: async_sessionmaker[AsyncSession]) -> int:
    async with sessionmaker() as session:
        return int((await session.execute(select(func.count()).select_from(Document))).scalar_one())


async def leftovers(storage: Storage) -> dict[str, Any]:
    """Objects and spool files currently in the storage backend."""
    return {
        "objects": [key for key, _ in await storage.list_objects()],
        "spool": sorted(p.name for p in storage.spool_dir.iterdir()),
    }


NOTHING = {"objects": [], "spool": []}


def raw_multipart(
    filename: bytes, data: bytes, *, boundary: str = "rawboundary", kind: str = "passport", content_type: bytes = b""
) -> tuple[dict[str, str], bytes]:
    """A hand-built multipart body (httpx percent-encodes control characters in filenames)."""
    head = f'--{boundary}\r\nContent-Disposition: form-data; name="kind"\r\n\r\n{kind}\r\n'.encode()
    head += (
        b"--" + boundary.encode() + b'\r\nContent-Disposition: form-data; name="file"; filename="' + filename + b'"\r\n'
    )
    if content_type:
        head += b"Content-Type: " + content_type + b"\r\n"
    body = head + b"\r\n" + data + f"\r\n--{boundary}--\r\n".encode()
    return {"Content-Type": f"multipart/form-data; boundary={boundary}"}, body


@pytest.fixture(autouse=True)
def _pillow_pixel_limit() -> Iterator[None]:
    """Put back Pillow's process-wide pixel limit after each test: ``strip_metadata`` sets it to the
    settings' value on every call, so a test with a tiny limit (the decompression bomb) would
    otherwise leave it to the next test run in the same process (``make mutation`` runs the
    selection twice in one process)."""
    from PIL import Image

    limit = Image.MAX_IMAGE_PIXELS
    yield
    Image.MAX_IMAGE_PIXELS = limit
