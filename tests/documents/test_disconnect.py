"""A client that disconnects mid-upload leaves no row, no stray file and no busy worker.

The app is served by a real uvicorn server on a random loopback port; a raw socket sends the
headers and half the body, then closes.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket

import httpx
import pytest
import uvicorn

from tests.documents.conftest import NOTHING, PASSPORT, count_rows, leftovers


@pytest.fixture
async def server_url(app):  # type: ignore[no-untyped-def]
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    config = uvicorn.Config(app, log_level="warning", lifespan="off", timeout_graceful_shutdown=2)
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve(sockets=[sock]))
    while not server.started:  # noqa: ASYNC110 - uvicorn exposes a flag, not an event
        await asyncio.sleep(0.01)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    with contextlib.suppress(asyncio.CancelledError):
        await asyncio.wait_for(task, 5)
    sock.close()


async def _wait_until(predicate, seconds: float = 5.0) -> bool:  # type: ignore[no-untyped-def]
    deadline = asyncio.get_running_loop().time() + seconds
    while asyncio.get_running_loop().time() < deadline:
        if await predicate():
            return True
        await asyncio.sleep(0.05)
    return await predicate()


async def test_client_closing_the_socket_mid_upload_leaves_nothing(
    server_url, make_staff, make_registrant, storage, sessionmaker
):
    agent = await make_staff("agent", ["CASA-BASE"])
    registrant = await make_registrant()
    boundary = "halfway"
    data = PASSPORT.read_bytes() * 20  # ~1.7 MiB: well past the parser's first chunks
    head = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="kind"\r\n\r\npassport\r\n'
        f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="p.pdf"\r\n'
        "Content-Type: application/pdf\r\n\r\n"
    ).encode()
    body = head + data + f"\r\n--{boundary}--\r\n".encode()
    port = int(server_url.rsplit(":", 1)[1])
    _reader, writer = await asyncio.open_connection("127.0.0.1", port)
    request = (
        f"POST /api/v1/registrants/{registrant}/documents HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        f"Authorization: {agent.headers['Authorization']}\r\n"
        f"Content-Type: multipart/form-data; boundary={boundary}\r\nContent-Length: {len(body)}\r\n\r\n"
    ).encode()
    writer.write(request + body[: len(body) // 2])
    await writer.drain()

    # The server has started spooling: the upload is really in flight when we hang up.
    assert await _wait_until(lambda: _spooled(storage))
    writer.close()
    await writer.wait_closed()

    async def clean() -> bool:
        return await leftovers(storage) == NOTHING

    assert await _wait_until(clean)
    assert await count_rows(sessionmaker) == 0
    # The worker is free: the same server answers the next upload at once.
    async with httpx.AsyncClient(base_url=server_url, timeout=10) as http:
        response = await http.post(
            f"/api/v1/registrants/{registrant}/documents",
            headers=agent.headers,
            files={"file": ("p.pdf", PASSPORT.read_bytes(), "application/pdf")},
            data={"kind": "passport"},
        )
    assert response.status_code == 201
    assert await count_rows(sessionmaker) == 1


async def _spooled(storage) -> bool:  # type: ignore[no-untyped-def]
    return bool((await leftovers(storage))["spool"])


async def test_asgi_disconnect_message_midway_leaves_nothing(app, make_staff, make_registrant, storage, sessionmaker):
    """The same at the ASGI level: ``receive`` answers ``http.disconnect`` after the first chunk."""
    agent = await make_staff("agent", ["CASA-BASE"])
    registrant = await make_registrant()
    boundary = "asgi"
    first = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="p.pdf"\r\n\r\n'
    ).encode() + PASSPORT.read_bytes()
    messages = [{"type": "http.request", "body": first, "more_body": True}, {"type": "http.disconnect"}]
    sent: list[dict] = []

    async def receive() -> dict:
        return messages.pop(0) if messages else {"type": "http.disconnect"}

    async def send(message: dict) -> None:
        sent.append(message)

    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": f"/api/v1/registrants/{registrant}/documents",
        "raw_path": f"/api/v1/registrants/{registrant}/documents".encode(),
        "query_string": b"",
        "root_path": "",
        "headers": [
            (b"host", b"testserver"),
            (b"authorization", agent.headers["Authorization"].encode()),
            (b"content-type", f"multipart/form-data; boundary={boundary}".encode()),
            (b"content-length", b"10000000"),
        ],
        "client": ("127.0.0.1", 5000),
        "server": ("testserver", 80),
    }
    await app(scope, receive, send)

    assert await count_rows(sessionmaker) == 0
    assert await leftovers(storage) == NOTHING


async def test_oversized_upload_is_refused_while_the_client_is_still_sending(
    server_url, make_staff, make_registrant, storage, sessionmaker, settings
):
    """413 arrives before the body is complete (chunked, no Content-Length to judge by)."""
    settings.documents_max_bytes = 100_000
    agent = await make_staff("agent", ["CASA-BASE"])
    registrant = await make_registrant()
    boundary = "toolarge"
    head = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="p.pdf"\r\n\r\n'
    ).encode() + PASSPORT.read_bytes() * 2  # ~178 KB: past the limit, and the body is not finished
    port = int(server_url.rsplit(":", 1)[1])
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(
        (
            f"POST /api/v1/registrants/{registrant}/documents HTTP/1.1\r\nHost: 127.0.0.1\r\n"
            f"Authorization: {agent.headers['Authorization']}\r\n"
            f"Content-Type: multipart/form-data; boundary={boundary}\r\nTransfer-Encoding: chunked\r\n\r\n"
        ).encode()
        + f"{len(head):x}\r\n".encode()
        + head
        + b"\r\n"
    )
    await writer.drain()

    status_line = await asyncio.wait_for(reader.readline(), 5)
    response = await asyncio.wait_for(reader.read(65536), 5)
    writer.close()

    assert status_line.startswith(b"HTTP/1.1 413 ")
    assert b'"type":"/problems/document-too-large"' in response
    assert await count_rows(sessionmaker) == 0
    assert await leftovers(storage) == NOTHING


async def test_concurrent_identical_uploads_make_one_document(
    client, make_staff, make_registrant, storage, sessionmaker
):
    agent = await make_staff("agent", ["CASA-BASE"])
    registrant = await make_registrant()

    async def send() -> httpx.Response:
        return await client.post(
            f"/api/v1/registrants/{registrant}/documents",
            headers=agent.headers,
            files={"file": ("p.pdf", PASSPORT.read_bytes(), "application/pdf")},
            data={"kind": "passport"},
        )

    responses = await asyncio.gather(send(), send(), send())

    assert sorted(r.status_code for r in responses) == [200, 200, 201]
    assert len({r.json()["id"] for r in responses}) == 1
    assert await count_rows(sessionmaker) == 1
    assert len((await leftovers(storage))["objects"]) == 1
