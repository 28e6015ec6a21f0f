"""The OpenAPI document, made true about errors and required inputs.

FastAPI documents only the success response and a JSON 422. Every error of this API is an RFC 9457
``application/problem+json`` body, and which statuses an operation can answer follows from what
it is made of, so they are added here from each route rather than repeated on every decorator:

===========  =================================================================================
status       declared for
===========  =================================================================================
400          operations with a body (malformed), a ``cursor`` or an ``Idempotency-Key``
401, 403     operations behind a bearer token (403: role, desk or field not allowed)
404          operations with path parameters (also for records of another desk), or naming a
             record in the body (a field ``…_id`` or ``…_code``): unknown, or another desk's
             (a desk named in the query is declared by the routes that check it)
409          writes (POST, PUT, PATCH, DELETE): state conflicts, values already in use
412, 428     operations reading ``If-Match`` (declared **required**; a missing one is 428)
413, 415     operations with a body
422          every operation (invalid or unknown parameters)
429          operations behind a staff bearer token (an app client's rate limit,
             :mod:`app.clients.guard`), the token endpoint (login rate limit)
503          every operation that uses the database (unreachable, or every connection busy)
===========  =================================================================================

plus the statuses a few operations add themselves (:data:`EXTRA_STATUSES`). An operation that
declares its own error responses in another media type (the OAuth 2.0 endpoints of app clients:
RFC 6749 §5.2 JSON, HTML pages) keeps them as they are: they are what it answers.
"""

from __future__ import annotations

from http import HTTPStatus
from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi

PROBLEM_MEDIA_TYPE = "application/problem+json"
PROBLEM_SCHEMA: dict[str, Any] = {
    "title": "Problem",
    "description": "RFC 9457 problem details; `type` is `/problems/<slug>`, described at that path.",
    "type": "object",
    "required": ["type", "title", "status"],
    "properties": {
        "type": {"type": "string", "format": "uri-reference", "examples": ["/problems/validation-failed"]},
        "title": {"type": "string"},
        "status": {"type": "integer", "minimum": 400, "maximum": 599},
        "detail": {"type": "string"},
        "instance": {"type": "string", "format": "uri-reference"},
        "request_id": {"type": "string"},
        "errors": {
            "type": "array",
            "description": "Validation errors: where (`loc`), what (`msg`) and its kind (`type`).",
            "items": {"type": "object"},
        },
    },
    "additionalProperties": True,
}
STAFF_BEARER: dict[str, list[str]] = {"OAuth2": []}
"""The security requirement of operations behind a staff (or app client) bearer token; FastAPI
names the scheme ``OAuth2PasswordBearer`` (renamed by :func:`complete`)."""
_FASTAPI_BEARER = "OAuth2PasswordBearer"
WRITE_METHODS = frozenset({"post", "put", "patch", "delete"})
NO_DATABASE = frozenset(
    {("get", "/healthz"), ("get", "/problems/{slug}"), ("get", "/.well-known/oauth-authorization-server")}
)
EXTRA_STATUSES: dict[tuple[str, str], tuple[int, ...]] = {
    ("post", "/api/v1/auth/token"): (400, 401, 429),
    ("get", "/api/v1/documents/{document_id}/content"): (304, 206, 416),
    ("get", "/api/v1/audit/checkpoint"): (404,),  # nothing sealed and signed yet
    # the two files named in the query or body: unknown (404), already merged (409), stale (412/428)
    ("get", "/api/v1/registrant-merges/preview"): (404, 409),
    ("post", "/api/v1/registrant-merges"): (404, 412, 428),
    ("post", "/api/v1/registrant-merges/{merge_id}/approve"): (412,),  # a file changed since the proposal
    ("post", "/api/v1/imports/{batch_id}/rows/{line}/resolution"): (412,),  # registrant_etag stale
    ("get", "/api/v1/exports/{kind}"): (429,),  # too-many-exports: this staff member's in progress
    ("post", "/api/v1/self/codes"): (429,),  # code-sending-limited
    ("post", "/api/v1/self/sessions"): (401,),  # invalid-code: wrong, expired or spent
    ("post", "/api/v1/self/link"): (429,),  # link-attempts-exhausted
}
"""Statuses particular to one operation: (method, path) → statuses."""


def _has_parameter(operation: dict[str, Any], where: str, name: str) -> bool:
    return any(p.get("in") == where and p.get("name", "").lower() == name.lower() for p in operation["parameters"])


def _body_fields(operation: dict[str, Any], schemas: dict[str, Any]) -> set[str]:
    """The top-level fields of the operation's request body, whatever its media type."""
    fields: set[str] = set()
    for media in operation.get("requestBody", {}).get("content", {}).values():
        pending = [media.get("schema", {})]
        while pending:
            schema = pending.pop()
            if "$ref" in schema:
                schema = schemas.get(schema["$ref"].rsplit("/", 1)[-1], {})
            fields |= set(schema.get("properties", {}))
            pending += [*schema.get("anyOf", []), *schema.get("oneOf", []), *schema.get("allOf", [])]
    return fields


def _names_a_record(operation: dict[str, Any], schemas: dict[str, Any]) -> bool:
    """Whether the body names another record (``registrant_id``, ``desk_code``; ``id`` is the new
    record's own), which may be unknown, or another desk's (404)."""
    return any(f.endswith(("_id", "_code")) for f in _body_fields(operation, schemas))


def expected_statuses(
    method: str, path: str, operation: dict[str, Any], schemas: dict[str, Any] | None = None
) -> set[int]:
    """The error statuses the table above gives an operation (its OpenAPI ``operation`` object;
    ``schemas``: the document's component schemas, which its request body may refer to)."""
    operation.setdefault("parameters", [])
    has_body = "requestBody" in operation
    statuses = {422}
    keyed = _has_parameter(operation, "header", "idempotency-key")
    if has_body or keyed or _has_parameter(operation, "query", "cursor"):
        statuses.add(400)
    if operation.get("security"):  # FastAPI lists the bearer scheme on operations that read it
        statuses |= {401, 403}
    if STAFF_BEARER in operation.get("security", []):
        statuses.add(429)
    if "{" in path or _names_a_record(operation, schemas or {}):
        statuses.add(404)
    if method in WRITE_METHODS:
        statuses.add(409)
    if _has_parameter(operation, "header", "if-match"):
        statuses |= {412, 428}
    if has_body:
        statuses |= {413, 415}
    if (method, path) not in NO_DATABASE:
        statuses.add(503)
    return statuses | set(EXTRA_STATUSES.get((method, path), ()))


def _problem_response(status: int) -> dict[str, Any]:
    return {
        "description": HTTPStatus(status).phrase,
        "content": {PROBLEM_MEDIA_TYPE: {"schema": {"$ref": "#/components/schemas/Problem"}}},
    }


def _own_errors(operation: dict[str, Any]) -> bool:
    """Whether the operation declares error responses of its own that are not problem+json."""
    return any(
        status.isdigit()
        and int(status) >= 400
        and response.get("content")
        and PROBLEM_MEDIA_TYPE not in response["content"]
        and response.get("description") != "Validation Error"  # FastAPI's, replaced below
        for status, response in operation.get("responses", {}).items()
    )


def complete(
    document: dict[str, Any],
    *,
    schemas: dict[str, Any] | None = None,
    security_schemes: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """Add the problem schema, every operation's error responses, and required ``If-Match``;
    ``schemas`` and ``security_schemes`` are added to the components, the latter's ``OAuth2``
    replacing FastAPI's ``OAuth2PasswordBearer`` (password flow only, renamed ``OAuth2`` in every
    operation)."""
    components = document.setdefault("components", {})
    components.setdefault("schemas", {})["Problem"] = PROBLEM_SCHEMA
    components["schemas"].update(schemas or {})
    components["schemas"].pop("HTTPValidationError", None)
    components["schemas"].pop("ValidationError", None)
    declared = components.setdefault("securitySchemes", {})
    if _FASTAPI_BEARER in declared:
        declared["OAuth2"] = declared.pop(_FASTAPI_BEARER)
    declared.update(security_schemes or {})
    for path, item in document.get("paths", {}).items():
        for method, operation in item.items():
            if method not in {"get", "post", "put", "patch", "delete"}:
                continue
            if "security" in operation:
                operation["security"] = [
                    {("OAuth2" if name == _FASTAPI_BEARER else name): scopes for name, scopes in requirement.items()}
                    for requirement in operation["security"]
                ]
            if _own_errors(operation):
                operation.get("responses", {}).pop("422", None)  # FastAPI's: such an endpoint answers its own
                continue
            for parameter in operation.get("parameters", []):
                if parameter.get("in") == "header" and parameter.get("name", "").lower() == "if-match":
                    parameter["required"] = True
                    parameter["description"] = "The ETag of your last read (428 when missing, 412 when stale)."
                    parameter["schema"] = {"type": "string"}
            responses = operation.setdefault("responses", {})
            statuses = expected_statuses(method, path, operation, document["components"]["schemas"])
            statuses |= {int(status) for status in responses if status.isdigit() and int(status) >= 400}
            for status in sorted(statuses):
                if status < 400:
                    responses.setdefault(str(status), {"description": HTTPStatus(status).phrase})
                    continue
                declared = responses.get(str(status), {})
                response = _problem_response(status)
                if declared.get("description") and declared["description"] != "Validation Error":
                    response["description"] = declared["description"]  # the route's own words
                responses[str(status)] = response
            if not operation["parameters"]:
                del operation["parameters"]
    return document


def install(
    app: FastAPI, *, schemas: dict[str, Any] | None = None, security_schemes: dict[str, Any] | None = None
) -> None:
    """Make ``app.openapi()`` return the completed document (built once, then cached; ``schemas``
    and ``security_schemes``: see :func:`complete`)."""

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            document = get_openapi(title=app.title, version=app.version, description=app.description, routes=app.routes)
            app.openapi_schema = complete(document, schemas=schemas, security_schemes=security_schemes)
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
