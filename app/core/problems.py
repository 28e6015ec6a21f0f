"""Render every error as RFC 9457 ``application/problem+json``, in French or English.

Handlers cover :class:`~app.core.errors.Problem`, request validation, Starlette's HTTP errors
(404/405 of the router) and anything unexpected (500, logged with the request id, never leaking
internals).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from http import HTTPStatus
from typing import Any
from urllib.parse import quote

import asyncpg  # type: ignore[import-untyped]
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse, Response
from sqlalchemy.exc import StatementError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import Match, Route

from app.audit.strict_json import DuplicateKey, TooDeep
from app.core import errors, forms, media_types, reasons, slashes
from app.core.db_errors import (
    RETRY_AFTER_SECONDS,
    database_busy,
    database_transient,
    database_unavailable,
    pgbouncer_not_configured,
)
from app.core.i18n import negotiate
from app.core.middleware import TextRefused
from app.core.repeated_lines import RepeatedLines

logger = logging.getLogger("app.errors")

PROBLEM_MEDIA_TYPE = "application/problem+json"

_BY_STATUS: dict[int, type[errors.Problem]] = {
    400: errors.BadRequest,
    401: errors.Unauthorized,
    403: errors.Forbidden,
    404: errors.NotFound,
    405: errors.MethodNotAllowed,
    409: errors.Conflict,
    412: errors.PreconditionFailed,
    413: errors.PayloadTooLarge,
    415: errors.UnsupportedMediaType,
    422: errors.ValidationFailed,
    428: errors.PreconditionRequired,
    429: errors.TooManyRequests,
    500: errors.InternalError,
    503: errors.ServiceUnavailable,
}


def _said_once_a_minute(request: Request, level: int, kind: str, message: str) -> None:
    """``message`` (a ``%s`` for the request id) through the app's :class:`RepeatedLines`: a
    database outage fails every request for one cause, said once a minute at most."""
    lines: RepeatedLines = request.app.state.repeated_lines
    lines.log(logger, level, kind, message, getattr(request.state, "request_id", None))


def _language(request: Request) -> str:
    default = getattr(getattr(request.app.state, "settings", None), "default_language", "fr")
    return negotiate(request.headers.get("accept-language"), default)


ProblemRenderer = Callable[[Request, errors.Problem, str], Response]
"""Renders a problem for an endpoint that speaks another protocol: ``(request, problem, language)``."""

_RENDERERS: dict[str, ProblemRenderer] = {}


def render_problems_at(path: str, renderer: ProblemRenderer) -> None:
    """Have every problem of the endpoint at ``path`` (those raised before it runs too: the text
    rule, the body size limit, the method) rendered by ``renderer`` instead of as problem+json:
    the OAuth 2.0 endpoints answer in their protocol's own error format (RFC 6749 §5.2 JSON, an
    HTML page)."""
    _RENDERERS[path] = renderer


_PATH_CHARACTERS = "/:@!$&'()*+,;="
"""What a URI path keeps as it is besides letters, digits and ``-._~`` (RFC 3986 §3.3: ``pchar``)."""


def instance_of(request: Request) -> str:
    """The problem's ``instance``: the request's path as a URI reference (RFC 9457 §3.1.5), every
    other character percent-encoded as UTF-8 (RFC 3986 §2.1). The path as decoded may hold a space,
    a control character or a letter with an accent (a malformed id in the path), which no client
    could read back as a URI."""
    return quote(request.scope["path"], safe=_PATH_CHARACTERS, errors="replace")


def problem_response(request: Request, problem: errors.Problem) -> Response:
    """The problem+json response for ``problem`` in the client's language (or the response of the
    endpoint's own renderer, :func:`render_problems_at`)."""
    lang = _language(request)
    if (renderer := _RENDERERS.get(request.url.path)) is not None:
        return renderer(request, problem, lang)
    members = problem.members(lang)
    body: dict[str, Any] = {k: members.pop(k) for k in ("type", "title", "status", "detail") if k in members}
    body["instance"] = instance_of(request)
    request_id = getattr(request.state, "request_id", None)
    if request_id:
        body["request_id"] = request_id
    body.update(members)
    headers = dict(problem.headers)
    headers["Content-Language"] = lang
    return JSONResponse(body, status_code=problem.status, headers=headers, media_type=PROBLEM_MEDIA_TYPE)


def _validation_errors(exc: RequestValidationError) -> list[dict[str, Any]]:
    return [reasons.entry(err, err.get("loc", ())) for err in exc.errors()]


async def _on_problem(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, errors.Problem)
    return problem_response(request, exc)


async def _on_validation(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, RequestValidationError)
    found = _validation_errors(exc)
    content_type = request.headers.get("content-type", "")
    body_errors = [e for e in found if e["loc"] == ["body"]]
    # a body sent without Content-Type is not JSON either (RFC 9110 §8.3: the recipient may take
    # it for application/octet-stream); no body at all stays a 422 (the body is missing)
    sent = content_type or request.headers.get("content-length", "0") != "0" or "transfer-encoding" in request.headers
    if body_errors and sent and "json" not in content_type and request.method in {"POST", "PATCH", "PUT"}:
        return problem_response(
            request, media_types.refused(request.method, [media_types.JSON], content_type.split(";")[0])
        )
    if any(e["type"] == "json_invalid" for e in found):
        return problem_response(
            request,
            errors.MalformedBody(
                "The request body is not valid JSON.",
                detail_fr="Le corps de la requête n'est pas du JSON valide.",
                errors=found,
            ),
        )
    unknown = [e["loc"] for e in found if e["type"] == "extra_forbidden"]
    for error in found:
        if error["type"] == "extra_forbidden":  # a field the operation does not take (README: API conventions)
            error.update(type="not_applicable", msg="does not apply: the operation does not take this field")
    if unknown and len(unknown) == len(found):
        names = ", ".join(".".join(loc[1:]) or "body" for loc in unknown)
        return problem_response(
            request,
            errors.FieldNotApplicable(
                f"{names}: the operation does not take {'this field' if len(unknown) == 1 else 'these fields'}.",
                detail_fr=f"{names} : l'opération ne prend pas {'ce champ' if len(unknown) == 1 else 'ces champs'}.",
                field=".".join(unknown[0][1:]),
                errors=found,
            ),
        )
    # The English detail names each field where the API does (query parameter q, body field
    # phones[0].number) and what is wrong with it; the French one, read by desk agents, names no
    # API field (the web client names them from `errors`). "`errors`" in it tells the web client
    # that the detail only repeats them.
    worded = [
        {**e, "expected": (raw.get("ctx") or {}).get("expected")} for e, raw in zip(found, exc.errors(), strict=True)
    ]
    return problem_response(
        request,
        errors.ValidationFailed(
            f"{'Invalid field' if len(found) == 1 else 'Invalid fields'} (see `errors`): {reasons.listing(worded)}.",
            detail_fr="Un ou plusieurs champs sont invalides ; voir `errors`.",
            errors=found,
        ),
    )


async def _on_http(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, StarletteHTTPException)
    if isinstance(exc, TextRefused):  # a multipart field refused by the text guard as it streamed
        return problem_response(request, exc.problem)
    if exc.status_code == 400 and exc.detail == "There was an error parsing the body":
        if isinstance(exc.__cause__, DuplicateKey):  # app.core.routing.StrictJSONRequest
            key = exc.__cause__.quoted
            return problem_response(
                request,
                errors.MalformedBody(
                    f"The key {key} appears twice in one object of the request body: send it once.",
                    detail_fr=f"La clé {key} figure deux fois dans un même objet du corps de la requête : "
                    "envoyez-la une seule fois.",
                    errors=[{"loc": ["body"], "msg": str(exc.__cause__), "type": "duplicate_key"}],
                ),
            )
        if isinstance(exc.__cause__, TooDeep):  # app.core.routing.StrictJSONRequest
            limit = exc.__cause__.limit
            return problem_response(
                request,
                errors.MalformedBody(
                    f"The request body nests arrays or objects deeper than {limit} levels, the most a body may nest.",
                    detail_fr=f"Le corps de la requête imbrique des listes ou des objets sur plus de {limit} niveaux, "
                    "le maximum accepté.",
                    errors=[{"loc": ["body"], "msg": str(exc.__cause__), "type": "too_deep"}],
                    max_depth=limit,
                ),
            )
        return problem_response(
            request,
            errors.MalformedBody(
                "The request body could not be parsed.", detail_fr="Le corps de la requête est illisible."
            ),
        )
    if exc.status_code == 400 and (form := forms.form_problem(exc)) is not None:  # Starlette's form parser
        return problem_response(request, form)
    if exc.status_code == 400 and exc.detail == forms.NO_BOUNDARY:  # Starlette's form parser
        return problem_response(
            request,
            errors.MalformedBody(
                "The multipart/form-data body has no boundary: send Content-Type: multipart/form-data; "
                "boundary=… (RFC 7578 §4.1), as an HTTP client does for a form it builds.",
                detail_fr="Le formulaire envoyé n'indique pas la délimitation de ses parties : le logiciel qui "
                "l'envoie doit la donner dans l'en-tête du type de contenu.",
            ),
        )
    if exc.status_code == 404 and (moved := slashes.other_form(request)) is not None:
        return RedirectResponse(moved, status_code=307)
    if exc.status_code == 404 and exc.detail == HTTPStatus.NOT_FOUND.phrase:  # the router: no route there
        return problem_response(
            request,
            errors.NotFound(
                "Nothing is found at this path: check it (the API's paths begin with /api/v1/, the web "
                "client's with /app/).",
                detail_fr="Il n'y a rien à cette adresse : vérifiez-la.",
            ),
        )
    cls = _BY_STATUS.get(exc.status_code)
    if cls is None:
        cls = type(
            "HTTPProblem",
            (errors.Problem,),
            {
                "status": exc.status_code,
                "slug": f"http-{exc.status_code}",
                "title_fr": str(exc.detail),
                "title_en": str(exc.detail),
            },
        )
    # Starlette's default details are the English reason phrases: the title already says it.
    phrase = HTTPStatus(exc.status_code).phrase if exc.status_code in HTTPStatus._value2member_map_ else ""
    generic = {cls.title_en.casefold(), phrase.casefold()}
    detail = exc.detail if isinstance(exc.detail, str) and exc.detail.casefold() not in generic else None
    headers = dict(exc.headers or {})
    if exc.status_code == 405:
        headers = _allow_head_with_get(request, headers)
    problem = cls(detail, headers=headers)
    return problem_response(request, problem)


def _allow_head_with_get(request: Request, headers: dict[str, str]) -> dict[str, str]:
    """``headers`` with the ``Allow`` of a 405 listing every method the resource supports (RFC
    9110 §15.5.6): those of every route matching the path — Starlette's router names only the
    first such route's — and ``HEAD`` wherever ``GET`` is (every ``GET`` answers ``HEAD``:
    :class:`app.core.conformance.HeadAsGet`, RFC 9110 §9.3.2)."""
    name = next((k for k in headers if k.lower() == "allow"), "Allow")
    methods = {m.strip() for m in headers.get(name, "").split(",") if m.strip()}
    for route in request.app.router.routes:
        if isinstance(route, Route) and route.methods and route.matches(request.scope)[0] != Match.NONE:
            methods |= route.methods
    if not methods:
        return headers
    if "GET" in methods:
        methods.add("HEAD")
    ordered = sorted(methods, key=lambda m: (_METHOD_ORDER.index(m) if m in _METHOD_ORDER else len(_METHOD_ORDER), m))
    return {**headers, name: ", ".join(ordered)}


_METHOD_ORDER = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS")


_NUMBER = re.compile(r"\bint(eger|32|64)?\b|numeric|number", re.IGNORECASE)
_DATE = re.compile(r"date|time|year|month|day", re.IGNORECASE)

_OUT_OF_RANGE = {
    "number": ("A number is out of the supported range.", "Un nombre est hors de la plage acceptée."),
    "date": ("A date or time is out of the supported range.", "Une date ou une heure est hors de la plage acceptée."),
    "value": ("A value is out of the supported range.", "Une valeur est hors de la plage acceptée."),
}


def _out_of_range(exc: BaseException) -> str | None:
    """What overflowed, for a value beyond what can be computed or stored: ``"number"`` (an
    integer beyond SQLite's 64 bits or PostgreSQL's INTEGER/BIGINT, as the driver says),
    ``"date"`` (year 1 or 9999 shifted by an offset or a day), ``"value"`` when the error does not
    say; ``None`` for any other error."""
    seen: BaseException | None = exc
    overflow: BaseException | None = None
    for _ in range(5):
        if seen is None:
            break
        if isinstance(seen, OverflowError) or (
            isinstance(seen, asyncpg.DataError) and "out of int" in str(seen)  # asyncpg: "value out of int32 range"
        ):
            overflow = seen
            break
        seen = getattr(seen, "orig", None) or seen.__cause__ or seen.__context__
    if overflow is None:
        return None
    message = str(overflow)
    if _NUMBER.search(message):
        return "number"
    return "date" if _DATE.search(message) else "value"


async def _on_overflow(request: Request, exc: Exception) -> Response:
    what = _out_of_range(exc)
    if what is None:
        return await _on_unexpected(request, exc)
    # The request's own fields are checked against the stored ranges first (422 naming the field:
    # app.core.integers); this answers what got past them, naming what kind of value it was.
    english, french = _OUT_OF_RANGE[what]
    return problem_response(request, errors.ValidationFailed(english, detail_fr=french))


async def _on_pool_timeout(request: Request, exc: Exception) -> Response:
    # Every pooled database connection stayed busy for DATABASE_POOL_TIMEOUT_SECONDS: the service
    # is saturated, not broken; the client may retry shortly.
    _said_once_a_minute(request, logging.WARNING, "pool-exhausted", "database pool exhausted (request_id=%s)")
    return problem_response(
        request,
        errors.ServiceUnavailable(
            "The service is busy; try again in a few seconds.",
            detail_fr="Le service est saturé ; réessayez dans quelques secondes.",
            headers={"Retry-After": "5"},
        ),
    )


def _database_unavailable_response(request: Request) -> Response:
    _said_once_a_minute(request, logging.WARNING, "database-unreachable", "database unreachable (request_id=%s)")
    return problem_response(
        request,
        errors.ServiceUnavailable(
            "The database is unreachable or restarting; try again in a few seconds.",
            detail_fr="La base de données est injoignable ou redémarre ; réessayez dans quelques secondes.",
            headers={"Retry-After": str(RETRY_AFTER_SECONDS)},
        ),
    )


def _database_busy_response(request: Request) -> Response:
    _said_once_a_minute(request, logging.WARNING, "database-busy", "database busy (request_id=%s)")
    return problem_response(
        request,
        errors.ServiceUnavailable(
            "The database is busy with another write; nothing was saved, try again in a few seconds.",
            detail_fr="La base de données est occupée par une autre écriture ; rien n'a été enregistré, "
            "réessayez dans quelques secondes.",
            headers={"Retry-After": str(RETRY_AFTER_SECONDS)},
        ),
    )


def _database_transient_response(request: Request) -> Response:
    _said_once_a_minute(
        request, logging.WARNING, "database-transient", "database gave up on a statement (request_id=%s)"
    )
    return problem_response(
        request,
        errors.ServiceUnavailable(
            "The database could not finish this request (busy or interrupted); nothing was saved, try again "
            "in a few seconds.",
            detail_fr="La base de données n'a pas pu terminer cette demande (occupée ou interrompue) ; rien n'a été "
            "enregistré, réessayez dans quelques secondes.",
            headers={"Retry-After": str(RETRY_AFTER_SECONDS)},
        ),
    )


def _pgbouncer_not_configured_response(request: Request, told: str) -> Response:
    # A setting to fix, not an outage: said at ERROR, naming it (app.core.db_errors), once a minute
    # at most (every request meets it). The request may well succeed if sent again (on a server
    # connection that prepared its statement).
    _said_once_a_minute(
        request, logging.ERROR, "pgbouncer-not-configured", told.replace("%", "%%") + " (request_id=%s)"
    )
    return problem_response(
        request,
        errors.ServiceUnavailable(
            "The service cannot use its database as it is configured; nothing was saved. The operators are told; "
            "try again in a few seconds.",
            detail_fr="Le service ne peut pas utiliser sa base de données telle qu'elle est configurée ; rien n'a "
            "été enregistré. Les exploitants en sont avertis ; réessayez dans quelques secondes.",
            headers={"Retry-After": str(RETRY_AFTER_SECONDS)},
        ),
    )


async def _on_unexpected(request: Request, exc: Exception) -> Response:
    # Before the outages: PgBouncer's refusal of a startup parameter is a connection error (08P01).
    if (told := pgbouncer_not_configured(exc)) is not None:
        return _pgbouncer_not_configured_response(request, told)
    if database_unavailable(exc):
        return _database_unavailable_response(request)
    if database_busy(exc):
        return _database_busy_response(request)
    if database_transient(exc):
        return _database_transient_response(request)
    logger.exception("unhandled error (request_id=%s)", getattr(request.state, "request_id", None))
    return problem_response(
        request,
        errors.InternalError(
            "An unexpected error occurred; it was logged with this request id.",
            detail_fr="Une erreur inattendue s'est produite ; elle est journalisée avec cet identifiant de requête.",
        ),
    )


def install(app: FastAPI) -> None:
    """Register the problem handlers on ``app`` (and its slash redirects: :mod:`app.core.slashes`)."""
    slashes.install(app)
    app.state.repeated_lines = RepeatedLines()  # the operator lines of a database outage, thinned
    app.add_exception_handler(errors.Problem, _on_problem)
    app.add_exception_handler(RequestValidationError, _on_validation)
    app.add_exception_handler(StarletteHTTPException, _on_http)
    # Dates near year 1 or 9999 overflow when shifted to UTC or by a day, in Python or in the driver;
    # integers beyond the database's range overflow in the driver.
    app.add_exception_handler(OverflowError, _on_overflow)
    app.add_exception_handler(StatementError, _on_overflow)
    app.add_exception_handler(PoolTimeout, _on_pool_timeout)
    # The database unreachable or restarting (connection refused or dropped, server shutting
    # down or starting up) answers 503 with Retry-After; handled here, inside the middleware, so
    # that the client always gets an answer.
    app.add_exception_handler(OSError, _on_unexpected)
    app.add_exception_handler(asyncpg.PostgresError, _on_unexpected)
    app.add_exception_handler(asyncpg.InterfaceError, _on_unexpected)
    app.add_exception_handler(asyncpg.exceptions.InternalClientError, _on_unexpected)  # see db_errors
    app.add_exception_handler(Exception, _on_unexpected)
