"""Pure-ASGI middleware: request id, client address, a body-size guard and the text guard."""

from __future__ import annotations

import codecs
import json
import re
from typing import Any
from urllib.parse import unquote_to_bytes

from fastapi.dependencies.utils import request_body_to_args
from fastapi.routing import APIRoute
from python_multipart.multipart import MultipartParser, parse_options_header
from starlette.exceptions import HTTPException
from starlette.routing import Match
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.core.errors import Problem, ValidationFailed
from app.core.ids import new_id
from app.core.media_types import (
    MAX_PART_HEADER_BYTES,
    charset_refused,
    coding_refused,
    filename_too_long,
    header_size_exceeded,
)
from app.core.text import (
    DISALLOWED_CHARACTERS,
    MAX_TEXT_PROBLEMS,
    bidi_problem,
    disallowed_character,
    encodes_surrogate,
    require_storable,
    require_utf8,
    text_problem,
    text_problems,
)

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
        request_id = supplied if _REQUEST_ID.match(supplied) else new_id().hex
        state = scope.setdefault("state", {})
        state["request_id"] = request_id
        state["client_ip"] = scope["client"][0] if scope.get("client") else None
        state["user_agent"] = header_text(headers.get(b"user-agent", b""))[:512] or None

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
        from app.core.i18n import size
        from app.core.problems import problem_response

        response = problem_response(
            Request(scope, receive),
            PayloadTooLarge(
                f"The request is too large: {size(limit, 'en')} at most.",
                detail_fr=f"La demande est trop volumineuse : {size(limit)} au plus.",
                max_bytes=limit,
            ),
        )
        await response(scope, receive, send)


class _BodyTooLarge(HTTPException):
    """Raised from ``receive``; an ``HTTPException`` so body parsers re-raise it unchanged."""

    def __init__(self, limit: int) -> None:
        super().__init__(status_code=413, detail=f"The request body exceeds {limit} bytes.")


class TextRefused(HTTPException):
    """Raised from ``receive`` when a streamed multipart field breaks the text rule.

    An ``HTTPException`` so that body parsers re-raise it unchanged; ``app.core.problems`` renders
    the ``problem`` it carries.
    """

    def __init__(self, problem: ValidationFailed) -> None:
        super().__init__(status_code=422, detail=problem.detail_en)
        self.problem = problem


# Request headers whose values are stored (the audit log's user agent, idempotency records).
STORED_HEADERS = (b"user-agent", b"idempotency-key")


class TextGuard:
    """Apply the text rule of :mod:`app.core.text` to everything a request can bring in.

    Checked before any endpoint runs: the path, every query parameter (name and value), the
    stored headers (``User-Agent``, ``Idempotency-Key``), JSON bodies (every string and key),
    URL-encoded forms (every name and value) — all must be valid UTF-8 and hold no refused
    character. Multipart bodies are checked as they stream by (field names, file names and text
    fields; file contents are left to their endpoint), so uploads are never buffered here. The
    answer is always the same 422 ``validation-failed`` naming the field and the character, on
    SQLite and PostgreSQL alike (PostgreSQL cannot store U+0000 nor unpaired surrogates). A JSON
    or URL-encoded body declared in another charset than UTF-8 is refused first: 415
    (:func:`app.core.media_types.charset_refused`), and before that any body in a content coding
    (``Content-Encoding: gzip``…), which nothing here decodes: 415 with ``Accept-Encoding:
    identity`` (:func:`app.core.media_types.coding_refused`), whatever the body's type.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = dict(scope.get("headers") or [])
        try:
            _check_head(scope, headers)
        except ValidationFailed as problem:
            await _respond(scope, receive, send, problem)
            return
        if (coded := coding_refused(scope.get("headers") or [])) is not None and _has_body(headers):
            await _respond(scope, receive, send, coded)
            return
        content_type = headers.get(b"content-type", b"").lower()
        if content_type.startswith(b"multipart/form-data"):
            await self.app(scope, _checked_multipart(receive, content_type, headers[b"content-type"]), send)
            return
        is_form = b"x-www-form-urlencoded" in content_type
        # FastAPI reads a body without Content-Type as JSON: it is checked as JSON too.
        untyped = not content_type and scope.get("method") in {"POST", "PUT", "PATCH", "DELETE"}
        if b"json" not in content_type and not is_form and not untyped:
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
        if body and (
            refused := charset_refused(scope.get("method", ""), headers[b"content-type"] if content_type else b"")
        ):
            await _respond(scope, receive, send, refused)  # UTF-8 only: app.core.media_types
            return
        try:
            if is_form:
                _check_pairs(body, "body")
            else:
                await _check_json(body, scope)
        except ValidationFailed as problem:
            await _respond(scope, receive, send, problem)
            return
        await self.app(scope, _replay([{"type": "http.request", "body": body, "more_body": False}], receive), send)


def _has_body(headers: dict[bytes, bytes]) -> bool:
    """Whether the request says it brings a body (RFC 9112 §6.3): a ``Content-Length`` other than
    0, or a ``Transfer-Encoding``."""
    return b"transfer-encoding" in headers or headers.get(b"content-length", b"0").strip() not in (b"0", b"")


def header_text(value: bytes) -> str:
    """A header value as text: UTF-8 when it is, else ISO-8859-1 (RFC 9110 §5.5 obs-text)."""
    try:
        return value.decode("utf-8")
    except UnicodeDecodeError:
        return value.decode("latin-1")


def _check_head(scope: Scope, headers: dict[bytes, bytes]) -> None:
    raw_path = scope.get("raw_path")
    if isinstance(raw_path, bytes):
        require_utf8(unquote_to_bytes(raw_path), ["path"])
    else:
        require_storable(scope["path"], ["path"])
    _check_pairs(scope.get("query_string", b""), "query")
    for name in STORED_HEADERS:
        if name in headers:
            require_storable(header_text(headers[name]), ["header", name.decode()])


def _check_pairs(data: bytes, where: str) -> None:
    """``name=value&…`` (a query string or an URL-encoded form): every name and value, each value
    refused named in one problem (:func:`app.core.text.text_problems`)."""
    refused: list[ValidationFailed] = []
    for piece in data.split(b"&"):
        if not piece:
            continue
        raw_name, _, raw_value = piece.partition(b"=")
        name = require_utf8(unquote_to_bytes(raw_name.replace(b"+", b" ")), [where])
        try:
            require_utf8(unquote_to_bytes(raw_value.replace(b"+", b" ")), [where, name])
        except ValidationFailed as problem:
            refused.append(problem)
    if refused:
        raise text_problems(refused)


async def _check_json(body: bytes, scope: Scope) -> None:
    """Every key and string of a JSON body (RFC 8259 §8.1: UTF-8); invalid JSON is left to the
    endpoint. Every string refused is named in one problem, in the order of the body
    (:func:`app.core.text.text_problems`): a form with two fields at fault is told both at once,
    and with them, when some are refused, the fields the operation refuses for a bidirectional
    control (:func:`_bidi_refused`), which its model would otherwise tell at the next attempt."""
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise text_problem(["body"], invalid_utf8_at=exc.start, surrogate=encodes_surrogate(body, exc.start)) from None
    if "\\u" not in text and not DISALLOWED_CHARACTERS.search(text):
        return  # no escape and no refused character: nothing to look for in the strings
    try:
        document = json.loads(text)
    except (ValueError, RecursionError):
        require_storable(text, ["body"])
        return
    refused: list[ValidationFailed] = []
    order: dict[tuple[str, ...], int] = {}  # each string's place, in the order of the body

    def check(value: str, loc: list[str]) -> None:
        order.setdefault(tuple(loc), len(order))
        try:
            require_storable(value, loc)
        except ValidationFailed as problem:
            refused.append(problem)

    stack: list[tuple[Any, list[str]]] = [(document, ["body"])]
    while stack and len(refused) < MAX_TEXT_PROBLEMS:
        value, loc = stack.pop()
        if isinstance(value, str):
            check(value, loc)
        elif isinstance(value, dict):
            for key in value:
                check(key, loc)
            stack.extend(reversed([(item, [*loc, key]) for key, item in value.items()]))
        elif isinstance(value, list):
            stack.extend(reversed([(item, [*loc, str(index)]) for index, item in enumerate(value)]))
    if refused:
        named = {tuple(problem.extra["errors"][0]["loc"]) for problem in refused}
        more = [
            problem
            for problem in await _bidi_refused(scope, document)
            if tuple(problem.extra["errors"][0]["loc"]) not in named
        ]
        if more:
            last = len(order)
            refused = sorted(refused + more, key=lambda p: order.get(tuple(p.extra["errors"][0]["loc"]), last))
        raise text_problems(refused)


async def _bidi_refused(scope: Scope, document: Any) -> list[ValidationFailed]:
    """The fields of ``document`` (a JSON body) the operation of ``scope`` refuses for a
    bidirectional control (pydantic type ``text_bidi_control``, :func:`app.core.text.refuse_bidi_controls`),
    each as :func:`app.core.text.bidi_problem`: its body model validated here, as FastAPI will, and
    only these errors kept (which fields refuse them is the model's to say: a phone number drops
    them). Only asked when the text rule refuses some other string of the body."""
    router = getattr(scope.get("app"), "router", None)
    for route in getattr(router, "routes", ()):
        if isinstance(route, APIRoute) and route.matches(scope)[0] == Match.FULL:
            break
    else:
        return []
    if not route.dependant.body_params:
        return []
    _values, found = await request_body_to_args(route.dependant.body_params, document, route._embed_body_fields)
    out = []
    for error in found:
        context = error.get("ctx") or {}
        if error.get("type") == "text_bidi_control" and {"code", "name", "position"} <= set(context):
            loc = [str(part) for part in error.get("loc", ())]
            out.append(bidi_problem(loc, code=context["code"], name=context["name"], position=context["position"]))
    return out


def _checked_multipart(receive: Receive, content_type: bytes, raw_content_type: bytes) -> Receive:
    """A ``receive`` that feeds each body chunk to :class:`_MultipartTextCheck` on its way."""
    _media, params = parse_options_header(raw_content_type)
    boundary = params.get(b"boundary")
    if not boundary:
        return receive  # the endpoint answers the malformed body
    try:
        check = _MultipartTextCheck(boundary)
    except Exception:
        return receive  # an unusable boundary: the endpoint answers the malformed body

    async def checked() -> Message:
        message = await receive()
        if message["type"] == "http.request":
            check.feed(message.get("body", b""))
        return message

    return checked


class _MultipartTextCheck:
    """Parse a multipart body as it streams; raise :class:`TextRefused` for a bad name or field.

    A part is a file (its bytes are not text) when it has a ``filename``, is named ``file`` or
    has a non-text ``Content-Type``; the bytes of every other part are decoded incrementally as strict UTF-8.
    A malformed body stops the check and is left to the endpoint's own parser.
    """

    def __init__(self, boundary: bytes) -> None:
        self.parser: MultipartParser | None = MultipartParser(
            boundary,
            {
                "on_part_begin": self._begin,
                "on_header_field": lambda d, s, e: self._field.extend(d[s:e]),
                "on_header_value": lambda d, s, e: self._value.extend(d[s:e]),
                "on_header_end": self._header_end,
                "on_headers_finished": self._headers_finished,
                "on_part_data": self._data,
                "on_part_end": self._end,
            },
            max_header_size=MAX_PART_HEADER_BYTES,
        )
        self._field, self._value = bytearray(), bytearray()
        self._headers: dict[str, bytes] = {}
        self._name = ""
        self._decoder: codecs.IncrementalDecoder | None = None
        self._offset = 0

    def feed(self, chunk: bytes) -> None:
        if self.parser is None or not chunk:
            return
        try:
            self.parser.write(chunk)
        except ValidationFailed as problem:
            self.parser = None
            raise TextRefused(problem) from None
        except Exception as exc:
            self.parser = None  # malformed: the endpoint's parser says so
            if header_size_exceeded(exc) and bytes(self._field).strip().lower() == b"content-disposition":
                # The one header a client makes long is the one carrying the file name: said so
                # here, for every multipart route, rather than "malformed" by each parser.
                raise TextRefused(filename_too_long()) from None

    def _begin(self) -> None:
        self._headers, self._decoder, self._offset = {}, None, 0

    def _header_end(self) -> None:
        self._headers[bytes(self._field).decode("latin-1").strip().lower()] = bytes(self._value).strip()
        self._field.clear()
        self._value.clear()

    def _headers_finished(self) -> None:
        _disposition, params = parse_options_header(self._headers.get("content-disposition", b""))
        self._name = require_utf8(params.get(b"name", b""), ["body"])
        if b"filename" in params or self._name == "file":  # the upload endpoints' file part
            if b"filename" in params:
                require_utf8(params[b"filename"], ["body", self._name, "filename"])
            return
        part_type = self._headers.get("content-type", b"text/plain").lower()
        if part_type.startswith(b"text/"):
            self._decoder = codecs.getincrementaldecoder("utf-8")("strict")

    def _data(self, data: bytes, start: int, end: int) -> None:
        if self._decoder is not None:
            self._text(data[start:end], final=False)

    def _end(self) -> None:
        if self._decoder is not None:
            self._text(b"", final=True)

    def _text(self, piece: bytes, *, final: bool) -> None:
        assert self._decoder is not None
        loc = ["body", self._name]
        try:
            text = self._decoder.decode(piece, final=final)
        except UnicodeDecodeError as exc:
            raise text_problem(loc, invalid_utf8_at=self._offset + max(exc.start, 0)) from None
        found = disallowed_character(text)
        if found is not None:
            raise text_problem(loc, code=found[1], position=self._offset + found[0] + 1)
        self._offset += len(text)


async def _respond(scope: Scope, receive: Receive, send: Send, problem: Problem) -> None:
    from starlette.requests import Request

    from app.core.problems import problem_response

    await problem_response(Request(scope, receive), problem)(scope, receive, send)


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
