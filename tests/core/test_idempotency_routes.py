"""Every ``POST`` of the API accepts ``Idempotency-Key`` (README: "Creates accept Idempotency-Key"),
or says in its ``openapi_extra`` why not; the routes are walked, so a new one has to choose.

Before this test, the key was taken route by route and nothing checked it: merges, their
approval and unmerge, import-row resolutions, subject requests, consents, legal holds and case
transitions all ignored it (a retry answered 409 or did the work twice).
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import Any

from fastapi import FastAPI
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute, iter_route_contexts

from app.core.idempotency import NOT_KEYED, get_idempotency

# Each reviewed: a token, secret or password in the exchange, no signed-in user, or a body that is
# streamed, a file, or idempotent by its content (the reason is in the route's openapi_extra).
NOT_KEYED_ROUTES = {
    "/api/v1/auth/logout",
    "/api/v1/auth/token",
    "/api/v1/cases/{case_id}/documents",
    "/api/v1/clients",
    "/api/v1/imports/registers",
    "/api/v1/oauth/authorize",
    "/api/v1/oauth/revoke",
    "/api/v1/oauth/token",
    "/api/v1/privacy/subject-requests/{request_id}/archive",
    "/api/v1/registrants/{registrant_id}/documents",
    "/api/v1/registrants/{registrant_id}/self-service/link-codes",
    "/api/v1/self/codes",
    "/api/v1/self/documents",
    "/api/v1/self/requests/{case_id}/documents",
    "/api/v1/self/sessions",
    "/api/v1/users",
}


def post_routes(app: FastAPI) -> list[tuple[str, APIRoute]]:
    """Every ``POST`` route of the app (included routers' too), by path."""
    return sorted(
        (context.path, context.original_route)
        for context in iter_route_contexts(app.routes)
        if isinstance(context.original_route, APIRoute) and "POST" in (context.methods or ())
    )


def depends_on(dependant: Dependant, call: Callable[..., Any]) -> bool:
    """Whether ``call`` is among the dependencies of ``dependant``, at any depth."""
    return any(d.call is call or depends_on(d, call) for d in dependant.dependencies)


def test_every_post_accepts_an_idempotency_key_or_says_why_not(app: FastAPI) -> None:
    keyed, not_keyed = [], []
    for path, route in post_routes(app):
        reason = (route.openapi_extra or {}).get(NOT_KEYED)
        takes_key = depends_on(route.dependant, get_idempotency)
        assert takes_key != bool(reason), f"{path}: take Idempotency-Key, or say why not (app.core.idempotency)"
        if takes_key:
            # taking the header is not enough: the stored answer is replayed before the work
            source = inspect.getsource(route.endpoint)
            assert ".replay(" in source and ".respond(" in source, path
            keyed.append(path)
        else:
            assert len(reason) >= 40, path  # a reason a client can act on
            not_keyed.append(path)
    assert set(not_keyed) == NOT_KEYED_ROUTES
    assert len(keyed) >= 30
    assert {
        "/api/v1/registrant-merges",
        "/api/v1/registrant-merges/{merge_id}/approve",
        "/api/v1/registrant-merges/{merge_id}/reject",
        "/api/v1/registrant-merges/{merge_id}/unmerge",
        "/api/v1/imports/{batch_id}/rows/{line}/resolution",
        "/api/v1/imports/{batch_id}/resolutions",
        "/api/v1/privacy/subject-requests",
    } <= set(keyed)


async def test_the_openapi_document_says_which_posts_take_no_key(client: Any) -> None:
    document = (await client.get("/openapi.json")).json()
    for path, item in document["paths"].items():
        operation = item.get("post")
        if operation is None:
            continue
        takes_key = any(p["in"] == "header" and p["name"] == "idempotency-key" for p in operation.get("parameters", []))
        assert takes_key != (NOT_KEYED in operation), path
