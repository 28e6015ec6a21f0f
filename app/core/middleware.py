"""Pure-ASGI middleware: request id, client address and a JSON body-size guard."""

from __future__ import annotations

import re
import uuid

from starlette.types import ASGIApp, Message, Receive, Scope, Send

_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")


class RequestContextMiddleware:
    """Give each request an id (``X-Request-ID`` if the client sent a sane one) and echo it back.

    The id, client IP and user agent land in ``request.state`` for the audit log.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = dict(scope.get("headers") or [])
        supplied = headers.get(b"x-request-id", b"").decode("latin-1")
        request_id = supplied if _REQUEST_ID.match(supplied) else uuid.uuid4().hex
        state = scope.setdefault("state", {})
        state["request_id"] = request_id
        state["client_ip"] = scope["client"][0] if scope.get("client") else None
        state["user_agent"] = headers.get(b"user-agent", b"").decode("latin-1")[:512] or None

        async def send_with_id(message: Message) -> None:
            if message["type"] == "http.response.start":
                message.setdefault("headers", [])
                message["headers"] = [*list(message["headers"]), (b"x-request-id", request_id.encode())]
            await send(message)

        await self.app(scope, receive, send_with_id)


class BodySizeLimitMiddleware:
    """Answer 413 when a request body exceeds ``max_bytes``, counting as it streams.

    Only ``POST`` requests to the paths matching ``streaming_paths`` (regular expressions) are let
    through unbounded: those endpoints stream the body to storage and enforce their own limit.
    """

    def __init__(self, app: ASGIApp, max_bytes: int, streaming_paths: tuple[str, ...] = ()) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.streaming = re.compile("|".join(f"(?:{p})" for p in streaming_paths)) if streaming_paths else None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = dict(scope.get("headers") or [])
        if self.streaming and scope["method"] == "POST" and self.streaming.fullmatch(scope["path"]):
            await self.app(scope, receive, send)
            return
        declared = headers.get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.max_bytes:
            await self._reject(scope, receive, send)
            return
        received = 0

        async def limited_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_bytes:
                    raise _BodyTooLarge
            return message

        try:
            await self.app(scope, limited_receive, send)
        except _BodyTooLarge:
            await self._reject(scope, receive, send)

    async def _reject(self, scope: Scope, receive: Receive, send: Send) -> None:
        from starlette.requests import Request

        from app.core.errors import PayloadTooLarge
        from app.core.problems import problem_response

        request = Request(scope, receive)
        response = problem_response(
            request,
            PayloadTooLarge(
                f"The request body exceeds {self.max_bytes} bytes.",
                detail_fr=f"Le corps de la requête dépasse {self.max_bytes} octets.",
            ),
        )
        await response(scope, receive, send)


class _BodyTooLarge(Exception):
    pass
