"""A TCP proxy in front of the live server that drops the connection in the middle of the answers
to chosen requests, as a failing mobile or office network does: the browser gets the status, the
headers and a few bytes of the body, then the connection is gone."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager, suppress
from urllib.parse import urlsplit

BODY_BYTES_LET_THROUGH = 5


@asynccontextmanager
async def cutting_proxy(upstream: str, cut_path: bytes) -> AsyncIterator[str]:
    """Serve ``upstream`` (``http://host:port``) on a new loopback port, cutting every answer to a
    request whose path starts with ``cut_path`` after its headers and a few body bytes; yields the
    proxy's base URL."""
    target = urlsplit(upstream)
    tasks: set[asyncio.Task[None]] = set()

    async def serve(client_reader: asyncio.StreamReader, client_writer: asyncio.StreamWriter) -> None:
        server_reader, server_writer = await asyncio.open_connection(target.hostname, target.port)
        cutting = asyncio.Event()  # the request in flight on this connection is one to cut

        async def requests() -> None:
            while data := await client_reader.read(65536):
                for line in data.split(b"\r\n"):
                    method, _, rest = line.partition(b" ")
                    if method in (b"GET", b"POST", b"HEAD", b"PUT", b"PATCH", b"DELETE"):
                        if rest.startswith(cut_path):
                            cutting.set()
                        else:
                            cutting.clear()
                server_writer.write(data)
                await server_writer.drain()

        async def answers() -> None:
            pending = b""
            while data := await server_reader.read(65536):
                if not cutting.is_set():
                    client_writer.write(data)
                    await client_writer.drain()
                    continue
                pending += data
                head, found, _ = pending.partition(b"\r\n\r\n")
                if found:
                    client_writer.write(pending[: len(head) + 4 + BODY_BYTES_LET_THROUGH])
                    await client_writer.drain()
                    return  # the connection drops here

        forward = asyncio.ensure_future(requests())
        try:
            await answers()
        finally:
            forward.cancel()
            for writer in (client_writer, server_writer):
                writer.close()
                with suppress(Exception):
                    await writer.wait_closed()

    def track(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.ensure_future(serve(reader, writer))
        tasks.add(task)
        task.add_done_callback(tasks.discard)

    proxy = await asyncio.start_server(track, "127.0.0.1", 0)
    port = proxy.sockets[0].getsockname()[1]
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        proxy.close()
        for task in list(tasks):
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        await proxy.wait_closed()
