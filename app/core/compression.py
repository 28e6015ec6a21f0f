"""gzip for the API's JSON answers (a page of search results is a few kilobytes, a quarter of it
compressed: on a 400 kbit/s desk link that is most of the wait after the round trip).

Only ``application/json`` and ``application/*+json`` (problem details) bodies of at least 1 KiB are
compressed, and only when the request accepts gzip. Everything else passes untouched: document
downloads (already compressed formats, ``Range`` requests, ``Content-Length`` kept), exports
(CSV/XLSX streamed), chart images, the OpenAPI page. ``ETag`` values are left as they are: they
name a record's version for ``If-Match``, never a cache entry (API answers are ``no-store``).
"""

from __future__ import annotations

from starlette.datastructures import Headers
from starlette.middleware.gzip import GZipResponder
from starlette.types import ASGIApp, Message, Receive, Scope, Send

MINIMUM_BYTES = 1024


def _is_json(headers: Headers) -> bool:
    media_type = headers.get("content-type", "").partition(";")[0].strip().lower()
    return media_type == "application/json" or (media_type.startswith("application/") and media_type.endswith("+json"))


class _JsonResponder(GZipResponder):
    """Starlette's gzip responder, stepping aside for any answer that is not JSON."""

    def __init__(self, app: ASGIApp) -> None:
        super().__init__(app, MINIMUM_BYTES, compresslevel=6)
        self.passthrough = False

    async def send_with_compression(self, message: Message) -> None:
        if message["type"] == "http.response.start":
            self.passthrough = not _is_json(Headers(raw=message.get("headers", [])))
        if self.passthrough:
            await self.send(message)
            return
        await super().send_with_compression(message)


class JsonGzipMiddleware:
    """Compress JSON answers under ``prefix`` for clients that send ``Accept-Encoding: gzip``."""

    def __init__(self, app: ASGIApp, prefix: str = "/api/") -> None:
        self.app = app
        self.prefix = prefix

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if (
            scope["type"] != "http"
            or not scope["path"].startswith(self.prefix)
            or "gzip" not in Headers(scope=scope).get("accept-encoding", "")
        ):
            await self.app(scope, receive, send)
            return
        await _JsonResponder(self.app)(scope, receive, send)
