"""Pure-ASGI middleware: request id, client address and a JSON body-size guard."""

from __future__ import annotations

import re
import uuid

from starlette.exceptions import HTTPException
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
    """Answer 413 when a request body exceeds its limit, counting bytes as they arrive.

    The limit is ``max_bytes`` unless the request's path matches one of ``path_limits``
    (``(regular expression, limit)``; a ``None`` limit is for endpoints that stream the body to
    storage and enforce their own bound while reading).
    """

    def __init__(self, app: ASGIApp, max_bytes: int, path_limits: tuple[tuple[str, int | None], ...] = ()) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.path_limits = [(re.compile(pattern), limit) for pattern, limit in path_limits]

    def _limit_for(self, path: str) -> int | None:
        for pattern, limit in self.path_limits:
            if pattern.fullmatch(path):
                return limit
        return self.max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self._limit_for(scope["path"])
        if limit is None:
            await self.app(scope, receive, send)
            return
        declared = dict(scope.get("headers") or []).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > limit:
            await self._reject(scope, receive, send, limit)
            return
        received = 0
        started = False

        async def limited_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise _BodyTooLarge(limit)
            return message

        async def tracking_send(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, limited_receive, tracking_send)
        except _BodyTooLarge:
            if not started:
                await self._reject(scope, receive, send, limit)

    async def _reject(self, scope: Scope, receive: Receive, send: Send, limit: int) -> None:
        from starlette.requests import Request

        from app.core.errors import PayloadTooLarge
        from app.core.problems import problem_response

        response = problem_response(
            Request(scope, receive),
            PayloadTooLarge(
                f"The request body exceeds {limit} bytes.",
                detail_fr=f"Le corps de la requête dépasse {limit} octets.",
            ),
        )
        await response(scope, receive, send)


class _BodyTooLarge(HTTPException):
    """Raised from ``receive``; an ``HTTPException`` so body parsers re-raise it unchanged."""

    def __init__(self, limit: int) -> None:
        super().__init__(status_code=413, detail=f"The request body exceeds {limit} bytes.")


_JSON_NUL = re.compile(rb"(?<!\\)(?:\\\\)*\\u0000", re.IGNORECASE)


class NulCharacterGuard:
    """Answer 422 to a request carrying a NUL character in its path, query or JSON/form body.

    PostgreSQL cannot store U+0000 in text while SQLite can: refusing it at the door keeps both
    backends identical and keeps NUL out of names, notes and search terms. Bodies are inspected
    only for JSON and URL-encoded forms (already bounded by :class:`BodySizeLimitMiddleware`);
    multipart uploads check their own fields.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        if (
            "\x00" in scope["path"]
            or b"%00" in scope.get("query_string", b"")
            or b"\x00" in scope.get("query_string", b"")
        ):
            await self._reject(scope, receive, send)
            return
        content_type = dict(scope.get("headers") or []).get(b"content-type", b"").lower()
        if b"json" not in content_type and b"x-www-form-urlencoded" not in content_type:
            await self.app(scope, receive, send)
            return
        chunks: list[bytes] = []
        while True:
            message = await receive()
            if message["type"] != "http.request":
                await self.app(scope, _replay([message]), send)
                return
            chunks.append(message.get("body", b""))
            if not message.get("more_body", False):
                break
        body = b"".join(chunks)
        # "%00" means NUL only in a URL-encoded form; in JSON it is three ordinary characters.
        encoded_nul = b"%00" in body if b"x-www-form-urlencoded" in content_type else bool(_JSON_NUL.search(body))
        if b"\x00" in body or encoded_nul:
            await self._reject(scope, receive, send)
            return
        await self.app(scope, _replay([{"type": "http.request", "body": body, "more_body": False}], receive), send)

    async def _reject(self, scope: Scope, receive: Receive, send: Send) -> None:
        from starlette.requests import Request

        from app.core.errors import ValidationFailed
        from app.core.problems import problem_response

        response = problem_response(
            Request(scope, receive),
            ValidationFailed(
                "NUL characters (U+0000) are not accepted in any field.",
                detail_fr="Le caractère NUL (U+0000) n'est accepté dans aucun champ.",
            ),
        )
        await response(scope, receive, send)


def _replay(messages: list[Message], then: Receive | None = None) -> Receive:
    """A ``receive`` that returns ``messages`` first, then defers to ``then`` (disconnects)."""
    pending = list(messages)

    async def receive() -> Message:
        if pending:
            return pending.pop(0)
        if then is not None:
            return await then()
        return {"type": "http.disconnect"}

    return receive
