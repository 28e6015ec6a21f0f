"""Render every error as RFC 9457 ``application/problem+json``, in French or English.

Handlers cover :class:`~app.core.errors.Problem`, request validation, Starlette's HTTP errors
(404/405 of the router) and anything unexpected (500, logged with the request id, never leaking
internals).
"""

from __future__ import annotations

import logging
from http import HTTPStatus
from typing import Any

import asyncpg  # type: ignore[import-untyped]
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import StatementError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from starlette.exceptions import HTTPException as StarletteHTTPException

from app.core import errors
from app.core.db_errors import RETRY_AFTER_SECONDS, database_busy, database_unavailable
from app.core.i18n import negotiate
from app.core.middleware import TextRefused

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


def _language(request: Request) -> str:
    default = getattr(getattr(request.app.state, "settings", None), "default_language", "fr")
    return negotiate(request.headers.get("accept-language"), default)


def problem_response(request: Request, problem: errors.Problem) -> JSONResponse:
    """The problem+json response for ``problem`` in the client's language."""
    lang = _language(request)
    body: dict[str, Any] = {
        "type": problem.type_uri(),
        "title": problem.title_fr if lang == "fr" else problem.title_en,
        "status": problem.status,
    }
    detail = problem.detail_fr if lang == "fr" else problem.detail_en
    if detail:
        body["detail"] = detail
    body["instance"] = request.url.path
    request_id = getattr(request.state, "request_id", None)
    if request_id:
        body["request_id"] = request_id
    body.update(problem.extra)
    headers = dict(problem.headers)
    headers["Content-Language"] = lang
    return JSONResponse(body, status_code=problem.status, headers=headers, media_type=PROBLEM_MEDIA_TYPE)


def _validation_errors(exc: RequestValidationError) -> list[dict[str, Any]]:
    out = []
    for err in exc.errors():
        out.append(
            {"loc": [str(p) for p in err.get("loc", ())], "msg": err.get("msg", ""), "type": err.get("type", "")}
        )
    return out


async def _on_problem(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, errors.Problem)
    return problem_response(request, exc)


async def _on_validation(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    found = _validation_errors(exc)
    content_type = request.headers.get("content-type", "")
    body_errors = [e for e in found if e["loc"] == ["body"]]
    if body_errors and content_type and "json" not in content_type and request.method in {"POST", "PATCH", "PUT"}:
        return problem_response(
            request,
            errors.UnsupportedMediaType(
                f"This endpoint takes application/json, not {content_type.split(';')[0]}.",
                detail_fr=f"Ce point d'accès attend application/json, pas {content_type.split(';')[0]}.",
            ),
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
    return problem_response(
        request,
        errors.ValidationFailed(
            "One or more fields are invalid; see `errors`.",
            detail_fr="Un ou plusieurs champs sont invalides ; voir `errors`.",
            errors=found,
        ),
    )


async def _on_http(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    if isinstance(exc, TextRefused):  # a multipart field refused by the text guard as it streamed
        return problem_response(request, exc.problem)
    if exc.status_code == 400 and exc.detail == "There was an error parsing the body":
        return problem_response(
            request,
            errors.MalformedBody(
                "The request body could not be parsed.", detail_fr="Le corps de la requête est illisible."
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
    problem = cls(detail, headers=dict(exc.headers or {}))
    return problem_response(request, problem)


def _out_of_range(exc: BaseException) -> bool:
    """True for a date or time beyond what can be stored (year 1 or 9999 shifted by an offset)."""
    seen: BaseException | None = exc
    for _ in range(5):
        if seen is None:
            return False
        if isinstance(seen, OverflowError):
            return True
        seen = getattr(seen, "orig", None) or seen.__cause__ or seen.__context__
    return False


async def _on_overflow(request: Request, exc: Exception) -> JSONResponse:
    if not _out_of_range(exc):
        return await _on_unexpected(request, exc)
    return problem_response(
        request,
        errors.ValidationFailed(
            "A date or time is out of the supported range.",
            detail_fr="Une date ou une heure est hors de la plage acceptée.",
        ),
    )


async def _on_pool_timeout(request: Request, exc: Exception) -> JSONResponse:
    # Every pooled database connection stayed busy for DATABASE_POOL_TIMEOUT_SECONDS: the service
    # is saturated, not broken; the client may retry shortly.
    logger.warning("database pool exhausted (request_id=%s)", getattr(request.state, "request_id", None))
    return problem_response(
        request,
        errors.ServiceUnavailable(
            "The service is busy; try again in a few seconds.",
            detail_fr="Le service est saturé ; réessayez dans quelques secondes.",
            headers={"Retry-After": "5"},
        ),
    )


def _database_unavailable_response(request: Request) -> JSONResponse:
    logger.warning("database unreachable (request_id=%s)", getattr(request.state, "request_id", None))
    return problem_response(
        request,
        errors.ServiceUnavailable(
            "The database is unreachable or restarting; try again in a few seconds.",
            detail_fr="La base de données est injoignable ou redémarre ; réessayez dans quelques secondes.",
            headers={"Retry-After": str(RETRY_AFTER_SECONDS)},
        ),
    )


def _database_busy_response(request: Request) -> JSONResponse:
    logger.warning("database busy (request_id=%s)", getattr(request.state, "request_id", None))
    return problem_response(
        request,
        errors.ServiceUnavailable(
            "The database is busy with another write; nothing was saved, try again in a few seconds.",
            detail_fr="La base de données est occupée par une autre écriture ; rien n'a été enregistré, "
            "réessayez dans quelques secondes.",
            headers={"Retry-After": str(RETRY_AFTER_SECONDS)},
        ),
    )


async def _on_unexpected(request: Request, exc: Exception) -> JSONResponse:
    if database_unavailable(exc):
        return _database_unavailable_response(request)
    if database_busy(exc):
        return _database_busy_response(request)
    logger.exception("unhandled error (request_id=%s)", getattr(request.state, "request_id", None))
    return problem_response(
        request,
        errors.InternalError(
            "An unexpected error occurred; it was logged with this request id.",
            detail_fr="Une erreur inattendue s'est produite ; elle est journalisée avec cet identifiant de requête.",
        ),
    )


def install(app: FastAPI) -> None:
    """Register the problem handlers on ``app``."""
    app.add_exception_handler(errors.Problem, _on_problem)
    app.add_exception_handler(RequestValidationError, _on_validation)
    app.add_exception_handler(StarletteHTTPException, _on_http)
    # Dates near year 1 or 9999 overflow when shifted to UTC or by a day, in Python or in the driver.
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
