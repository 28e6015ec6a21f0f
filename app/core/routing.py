"""The API's routers: every route built once per process, with the dependencies every route shares.

FastAPI (0.16x) builds the routes of a router given to ``include_router`` lazily, once per
application that includes it: each new application rebuilds every route's dependency graph and
response model on its first requests (pydantic schemas: about 0.3 s of CPU for the whole API).
A server process builds one application, but the tests build one per test. So the domains make
their routers with :func:`api_router`, whose routes are built when their module is imported,
already carrying :data:`SHARED_DEPENDENCIES`, and :func:`add_routes` hands those same route
objects to each application (Starlette's ``Router.routes``), which routes and documents them as
it does an included router's.
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine, Iterable, Sequence
from typing import Any

from fastapi import APIRouter, Depends, FastAPI, Request, Response
from fastapi.params import Depends as DependsParam
from fastapi.routing import APIRoute

from app.audit import strict_json
from app.core.conformance import reject_body_not_taken, reject_unknown_query_parameters
from app.core.media_types import reject_unsupported_media_type

SHARED_DEPENDENCIES: Sequence[DependsParam] = (
    Depends(reject_unknown_query_parameters),
    Depends(reject_body_not_taken),
    Depends(reject_unsupported_media_type),
)
"""The dependencies every route runs first: unknown or repeated query parameters answer 422
(:func:`app.core.conformance.reject_unknown_query_parameters`), and so does a body sent to an
operation that takes none (:func:`app.core.conformance.reject_body_not_taken`); a body of a media
type the operation does not take answers 415 (:func:`app.core.media_types.reject_unsupported_media_type`)."""


MAX_BODY_DEPTH = 64
"""How deep a request body may nest arrays and objects (``[[1]]`` is two levels). No operation's
body nests beyond a handful; deeper is refused 400 ``malformed-body`` naming this limit
(:class:`app.audit.strict_json.TooDeep`), before :mod:`json` would fail past its recursion limit."""


class StrictJSONRequest(Request):
    """A request whose JSON body is read strictly (:func:`app.audit.strict_json.loads`): an object
    holding one key twice (``{"given_names": "A", "given_names": "B"}``) raises
    :class:`app.audit.strict_json.DuplicateKey`, where :mod:`json` would keep the last value and
    drop the other, which the person typed too (RFC 8259 §4 leaves the meaning open); one nesting
    arrays or objects deeper than :data:`MAX_BODY_DEPTH` raises :class:`app.audit.strict_json.TooDeep`."""

    async def json(self) -> Any:
        if not hasattr(self, "_json"):
            body = await self.body()
            strict_json.check_depth(body, MAX_BODY_DEPTH)
            self._json = strict_json.loads(body)
        return self._json


class StrictJSONRoute(APIRoute):
    """A route reading its JSON body with :class:`StrictJSONRequest` (FastAPI's custom request
    class pattern: "Custom Request and APIRoute class" in its documentation). FastAPI turns the
    error into its 400 "There was an error parsing the body", whose cause
    :func:`app.core.problems` names in the problem's detail."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def strict(request: Request) -> Response:
            return await handler(StrictJSONRequest(request.scope, request.receive))

        return strict


def api_router(**options: Any) -> APIRouter:
    """An ``APIRouter`` (same keyword arguments: ``prefix``, ``tags``, ``include_in_schema``…)
    whose routes run :data:`SHARED_DEPENDENCIES` before their own dependencies and read their
    JSON bodies strictly (:class:`StrictJSONRoute`)."""
    options["dependencies"] = [*SHARED_DEPENDENCIES, *options.get("dependencies", ())]
    options.setdefault("route_class", StrictJSONRoute)
    return APIRouter(**options)


def add_routes(app: FastAPI, routers: Iterable[APIRouter]) -> None:
    """Serve the routes of ``routers`` (made by :func:`api_router`) in ``app``, in order.

    Raises:
        ValueError: a router's route does not run :data:`SHARED_DEPENDENCIES` first (a router
            made with ``APIRouter`` directly), or a router holds something other than API routes
            (an included router, a mount).
    """
    for router in routers:
        if list(router.dependencies[: len(SHARED_DEPENDENCIES)]) != list(SHARED_DEPENDENCIES):
            raise ValueError(f"router {router.prefix or '/'!r} was not made by api_router")
        if not all(isinstance(route, APIRoute) for route in router.routes):
            raise ValueError(f"router {router.prefix or '/'!r} holds more than API routes")
        app.router.routes.extend(router.routes)
