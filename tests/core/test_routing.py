"""Routes built once per process (app.core.routing): every application serves the same route
objects, each running the shared dependencies once; a router made otherwise is refused."""

from __future__ import annotations

import gc
import weakref

import httpx
import pytest
from fastapi import APIRouter, Depends, FastAPI
from fastapi.routing import APIRoute, iter_route_contexts

from app.core.config import Settings
from app.core.conformance import reject_body_not_taken, reject_unknown_query_parameters
from app.core.media_types import reject_unsupported_media_type
from app.core.routing import add_routes, api_router
from app.main import create_app
from tests.conftest import TEST_SECRET


def _settings(tmp_path, name: str) -> Settings:
    return Settings(
        database_url=f"sqlite+aiosqlite:///{tmp_path / name}",
        data_dir=tmp_path / "var",
        environment="test",
        secret_key=TEST_SECRET,  # type: ignore[arg-type]
        _env_file=None,  # type: ignore[call-arg]
    )


def _api_routes(app: FastAPI) -> list[tuple[str, object]]:
    """(path, dependency graph the application runs) of each API route."""
    return [(c.path, c.dependant) for c in iter_route_contexts(app.routes) if isinstance(c.original_route, APIRoute)]


def test_two_applications_serve_the_same_built_routes(tmp_path) -> None:
    first, second = create_app(_settings(tmp_path, "a.sqlite3")), create_app(_settings(tmp_path, "b.sqlite3"))
    one, other = _api_routes(first), _api_routes(second)
    assert [path for path, _ in one] == [path for path, _ in other] and len(one) > 100
    rebuilt = sorted({a[0] for a, b in zip(one, other, strict=True) if a[1] is not b[1]})
    assert rebuilt == []  # the health checks and problem types too (app.health)


async def test_an_application_no_longer_used_is_freed_with_its_engine(settings: Settings) -> None:
    """Nothing process-wide keeps an application that served requests, nor its database engine
    and compiled statements: FastAPI's caches of endpoints held a route that the factory declared
    inside itself, and with it every application a process had built (the test suite: ~150 engines
    and 1.5 million objects after 150 tests)."""
    app = create_app(settings)  # a migrated database: /readyz reads the audit backlog
    engine = weakref.ref(app.state.engine)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://desk") as client:
        assert (await client.get("/readyz")).status_code == 200
        assert (await client.get("/problems/not-found")).status_code == 200
        assert (await client.get("/healthz")).status_code == 200
    await app.state.engine.dispose()
    del app, client
    gc.collect()
    assert engine() is None


def test_every_route_runs_the_query_parameter_check_once_and_first(tmp_path) -> None:
    app = create_app(_settings(tmp_path, "c.sqlite3"))
    for context in iter_route_contexts(app.routes):
        if not isinstance(context.original_route, APIRoute):
            continue
        calls = [d.call for d in context.dependant.dependencies]
        assert calls.count(reject_unknown_query_parameters) == 1, context.path
        assert calls[0] is reject_unknown_query_parameters, context.path


def test_a_router_not_made_by_api_router_is_refused() -> None:
    bare = APIRouter(prefix="/api/v1/bare")

    @bare.get("/x")
    async def x() -> dict[str, str]:
        return {}

    with pytest.raises(ValueError, match="not made by api_router"):
        add_routes(FastAPI(), [bare])


def test_a_router_including_another_is_refused() -> None:
    outer, inner = api_router(prefix="/api/v1/outer"), api_router(prefix="/inner")

    @inner.get("/x")
    async def x() -> dict[str, str]:
        return {}

    outer.include_router(inner)
    with pytest.raises(ValueError, match="holds more than API routes"):
        add_routes(FastAPI(), [outer])


def test_api_router_keeps_the_routers_own_dependencies_after_the_shared_ones() -> None:
    async def own() -> None:
        return None

    router = api_router(prefix="/api/v1/own", dependencies=[Depends(own)])

    @router.get("/x")
    async def x() -> dict[str, str]:
        return {}

    app = FastAPI()
    add_routes(app, [router])
    (route,) = [r for r in app.routes if isinstance(r, APIRoute)]
    assert [d.call for d in route.dependant.dependencies] == [
        reject_unknown_query_parameters,
        reject_body_not_taken,
        reject_unsupported_media_type,
        own,
    ]
