"""HTTP behaviour every endpoint shares, applied centrally rather than route by route.

- :class:`HeadAsGet`: every ``GET`` answers ``HEAD`` (RFC 9110 §9.3.2): the same status and
  headers (``Content-Length`` included), no body.
- :class:`NoStoreByDefault`: responses under ``/api/`` carry ``Cache-Control: no-store`` unless
  the endpoint chose its own ``Cache-Control``, and ``Pragma: no-cache`` (HTTP/1.0 caches) in
  every case, files and pages included. The API answers with
  personal data or tokens (RFC 6749 §5.1 requires both headers on a token response); RFC 9111
  §5.2.2.5: ``no-store`` forbids any cache, the browser's included, to keep a copy.
- :func:`reject_unknown_query_parameters`: a query parameter the operation does not declare
  answers 422 ``validation-failed`` naming it, instead of being silently ignored (a misspelt
  filter would otherwise return everything); so does a single-valued one given more than once
  (its other values would be silently dropped: ``?q=Ndiaye&q=Diop`` searched Diop alone).
- :func:`reject_body_not_taken`: a request body sent to an operation that takes none answers 422
  ``body-not-taken`` instead of being silently ignored (an empty body, ``{}`` or an object of
  ``null`` members hold nothing and pass).
"""

from __future__ import annotations

import collections.abc
import types
import typing
from collections.abc import Collection, Sequence
from typing import Any

from fastapi import Request
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute
from pydantic import BaseModel
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.audit import strict_json
from app.core.errors import BodyNotTaken, ValidationFailed

API_PREFIX = "/api/"


class HeadAsGet:
    """Serve ``HEAD`` as the ``GET`` of the same URL with the body dropped.

    The handler runs as for ``GET`` (a ``HEAD`` on a person's record is audited as a read: it
    reveals that the record exists), told by :func:`is_head` when it would rather not do the whole
    work for nothing (an export). A path without ``GET`` answers 405 as before.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "HEAD":
            await self.app(scope, receive, send)
            return
        finished = False

        async def send_headers_only(message: Message) -> None:
            nonlocal finished
            if message["type"] == "http.response.start":
                await send(message)
            elif message["type"] == "http.response.body" and not finished and not message.get("more_body", False):
                finished = True
                await send({"type": "http.response.body", "body": b"", "more_body": False})

        state = {**scope.get("state", {}), HEAD_STATE: True}
        await self.app({**scope, "method": "GET", "state": state}, receive, send_headers_only)


HEAD_STATE = "head_request"


def is_head(request: Request) -> bool:
    """Whether ``request`` is a ``HEAD`` served as its ``GET`` by :class:`HeadAsGet` (its body
    will be dropped)."""
    return bool(getattr(request.state, HEAD_STATE, False))


class NoStoreByDefault:
    """Add ``Cache-Control: no-store`` to ``/api/`` responses that set no ``Cache-Control`` of
    their own, and ``Pragma: no-cache`` to those without a ``Pragma``: a downloaded document, a
    subject-access archive or an export sets its own ``no-store`` and must not lose the other."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not scope["path"].startswith(API_PREFIX):
            await self.app(scope, receive, send)
            return

        async def send_no_store(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                names = {name.lower() for name, _ in headers}
                if b"cache-control" not in names:
                    headers.append((b"cache-control", b"no-store"))
                if b"pragma" not in names:  # also beside an endpoint's own no-store (a file, a page)
                    headers.append((b"pragma", b"no-cache"))
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, send_no_store)


_DECLARED = "diaspora_declared_query_parameters"
_SINGLE = "diaspora_single_valued_query_parameters"
IGNORES_UNKNOWN_QUERY = "x-ignores-unknown-query-parameters"
"""``openapi_extra`` key of an operation whose protocol says unknown parameters are ignored
(OAuth 2.0's authorization endpoint, RFC 6749 §3.1: "MUST ignore unrecognized request parameters")."""


def declared_query_parameters(route: APIRoute) -> frozenset[str]:
    """The query parameter names ``route`` accepts, its dependencies' included (by alias)."""
    names: frozenset[str] | None = getattr(route, _DECLARED, None)
    if names is None:
        found = _query_names(route.dependant)
        names = frozenset(found)
        setattr(route, _DECLARED, names)  # computed once per route, kept with it
        setattr(route, _SINGLE, frozenset(name for name, repeatable in found.items() if not repeatable))
    return names


def single_valued_query_parameters(route: APIRoute) -> frozenset[str]:
    """The declared query parameters of ``route`` that hold one value (not a list)."""
    declared_query_parameters(route)
    single: frozenset[str] = getattr(route, _SINGLE)
    return single


_SEQUENCES = (list, tuple, set, frozenset, collections.abc.Sequence, collections.abc.Set)


def _repeatable(annotation: Any) -> bool:
    """True when a query parameter of this annotation takes several values (``list[str]``,
    ``list[str] | None``, ``Annotated[list[str], …]``)."""
    origin = typing.get_origin(annotation)
    if origin is typing.Annotated:
        return _repeatable(typing.get_args(annotation)[0])
    if origin is typing.Union or origin is types.UnionType:
        return any(_repeatable(arg) for arg in typing.get_args(annotation))
    return origin in _SEQUENCES or annotation in _SEQUENCES


def _query_names(dependant: Dependant) -> dict[str, bool]:
    """Each query parameter name (by alias) and whether it may be repeated."""
    names: dict[str, bool] = {}
    pending = [dependant]
    while pending:
        current = pending.pop()
        pending.extend(current.dependencies)
        for field in current.query_params:
            model = field.field_info.annotation
            if isinstance(model, type) and issubclass(model, BaseModel):  # a query parameter model
                for name, info in model.model_fields.items():
                    names[info.alias or name] = _repeatable(info.annotation)
            else:
                names[field.alias] = _repeatable(model)
    return names


def _repeated(names: Sequence[str], among: Collection[str]) -> list[str]:
    """The names of ``among`` that ``names`` holds more than once, sorted."""
    counts = collections.Counter(name for name in names if name in among)
    return sorted(name for name, count in counts.items() if count > 1)


def _errors(place: str, names: Sequence[str], msg: str, kind: str) -> list[dict[str, Any]]:
    """The ``errors`` entries of a 422 naming each of ``names`` at ``place`` (``query``, ``body``)."""
    return [{"loc": [place, name], "msg": msg, "type": kind} for name in names]


async def reject_unknown_query_parameters(request: Request) -> None:
    """Raise ``ValidationFailed`` (422) naming every query parameter the operation does not declare.

    Installed as an application-wide dependency, so it covers every route, present and future.
    """
    route = request.scope.get("route")
    if not isinstance(route, APIRoute) or (route.openapi_extra or {}).get(IGNORES_UNKNOWN_QUERY):
        return
    given = request.query_params.multi_items()
    unknown = sorted({name for name, _ in given} - declared_query_parameters(route))
    if unknown:
        names = ", ".join(unknown)
        raise ValidationFailed(
            f"Unknown query parameter(s): {names}.",
            detail_fr=f"Paramètre(s) de requête inconnu(s) : {names}.",
            errors=_errors("query", unknown, "Unknown query parameter.", "unknown_parameter"),
        )
    repeated = _repeated([name for name, _ in given], single_valued_query_parameters(route))
    if repeated:
        names = ", ".join(repeated)
        raise ValidationFailed(
            f"Query parameter(s) given more than once: {names}; give each once.",
            detail_fr=f"Paramètre(s) de requête donné(s) plusieurs fois : {names} ; donnez-les une seule fois.",
            errors=_errors("query", repeated, "Query parameter given more than once.", "repeated_parameter"),
        )


def reject_unknown_or_repeated_form_fields(names: Sequence[str], *, accepted: Collection[str]) -> None:
    """Raise ``ValidationFailed`` (422) naming each form field of ``names`` (every field name of a
    form body, in order, repeats included) that the operation does not accept, or that comes more
    than once: as for query parameters, never ignored nor read as its last value (a register sent
    with ``dry_run=true`` and ``dry_run=false`` was imported for real; of two files, the first was
    left out). ``errors[].loc`` is ``["body", name]``."""
    unknown = sorted(set(names) - set(accepted))
    repeated = _repeated(names, accepted)
    if unknown or repeated:
        listed = ", ".join([*unknown, *repeated])
        raise ValidationFailed(
            f"Form field(s) unknown or given more than once: {listed}.",
            detail_fr=f"Champ(s) de formulaire inconnu(s) ou donné(s) plusieurs fois : {listed}.",
            errors=[
                *_errors("body", unknown, "Unknown form field.", "unknown_parameter"),
                *_errors("body", repeated, "Form field given more than once.", "repeated_parameter"),
            ],
        )


_TAKES_BODY = "diaspora_takes_body"


def takes_body(route: APIRoute) -> bool:
    """Whether ``route`` takes a request body: it declares body parameters (JSON, form or file,
    its dependencies' included) or an OpenAPI ``requestBody`` of its own (``openapi_extra``: a
    streamed upload, a form the endpoint parses itself)."""
    found: bool | None = getattr(route, _TAKES_BODY, None)
    if found is None:
        found = route.body_field is not None or "requestBody" in (route.openapi_extra or {})
        setattr(route, _TAKES_BODY, found)  # computed once per route, kept with it
    return found


def _holding_values(content_type: str, body: bytes) -> list[str] | None:
    """The members holding a value (not ``null``) of a body that is a JSON object, ``[]`` for one
    that holds nothing (blank, ``null``, ``{}``, members all ``null``), ``None`` for any other
    body (another JSON value, JSON that does not parse, a form, text, bytes)."""
    if not body.strip():
        return []
    if content_type and "json" not in content_type:
        return None
    try:
        document = strict_json.loads(body)
    except (ValueError, RecursionError):  # not JSON, or a key twice (strict_json.DuplicateKey)
        return None
    if document is None:
        return []
    if not isinstance(document, dict):
        return None
    return [name for name, value in document.items() if value is not None]


async def reject_body_not_taken(request: Request) -> None:
    """Raise :class:`~app.core.errors.BodyNotTaken` (422) when an operation that takes no body
    (:func:`takes_body`) is sent one holding something: a JSON object's members with a value are
    named (``errors[].loc`` ``["body", name]``), any other body is refused at ``["body"]``.

    Installed as an application-wide dependency, so it covers every route, present and future,
    whatever its method; the body it reads is the one the route never reads.
    """
    route = request.scope.get("route")
    if not isinstance(route, APIRoute) or takes_body(route):
        return
    if request.headers.get("content-length", "0").strip() in ("", "0") and "transfer-encoding" not in request.headers:
        return  # no body framed (RFC 9112 §6.3): nothing to read, and nothing is awaited from the client
    members = _holding_values(request.headers.get("content-type", "").lower(), await request.body())
    if members == []:
        return
    if members is None:
        found = [{"loc": ["body"], "msg": "This operation takes no request body.", "type": "body_not_taken"}]
    else:
        found = _errors("body", members, "This operation takes no request body.", "not_applicable")
    raise BodyNotTaken(
        "This operation takes no request body: send none (what was sent would be ignored).",
        detail_fr="Cette opération ne prend pas de corps de requête : n'en envoyez pas (il serait ignoré).",
        errors=found,
    )
