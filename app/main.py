"""The ASGI application: routers, middleware, error handlers; the health checks are :mod:`app.health`."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Final

from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware
from fastapi.routing import APIRoute

from app import health
from app.audit.sequencer import Sequencer, witness_file_for
from app.auth.cache import AuthCache
from app.clients import openapi as client_openapi
from app.core import integrity, openapi, problems, timezones
from app.core.compression import JsonGzipMiddleware
from app.core.config import Settings
from app.core.conformance import HeadAsGet, NoStoreByDefault
from app.core.cursors import cursor_key
from app.core.db import create_engine, create_sessionmaker
from app.core.interpreter import short_switch_interval
from app.core.metrics import Metrics, MetricsMiddleware
from app.core.metrics import router as metrics_router
from app.core.middleware import BodySizeLimitMiddleware, RequestContextMiddleware, TextGuard
from app.core.routing import SHARED_DEPENDENCIES, add_routes
from app.documents.router import streamed_upload
from app.notifications.worker import Worker
from app.reports.slots import ExportSlots
from app.routers import ROUTERS
from app.startup import check_service, load_audit_signer, read_settings
from app.web import router as web


def _upload_routes() -> list[APIRoute]:
    """The routes of :data:`ROUTERS` that stream a document upload (``streamed_upload``)."""
    return [r for router in ROUTERS for r in router.routes if isinstance(r, APIRoute) and streamed_upload(r)]


# Multipart framing allowance on top of an uploaded file's own limit.
_MULTIPART_OVERHEAD = 64 * 1024
EXPOSED_HEADERS: Final = (
    "ETag",
    "Location",
    "X-Request-ID",
    "X-Export-Id",
    "X-Export-Rows",
    "X-Export-Unnamed-Rows",
    "Content-Disposition",
    "Retry-After",
    "Idempotent-Replayed",
    "Content-Range",
    "Accept-Ranges",
    "Accept-Post",
    "Accept-Patch",
)
"""The response headers a browser client served from another origin (``CORS_ORIGINS``) may read
besides the safelisted ones: every header the API sets for a client (the export's counts and id,
a file's name, when to retry, a replayed answer, a download's range), not the browser's own
security headers (``X-Frame-Options``, ``X-Content-Type-Options``)."""


def create_app(settings: Settings | None = None) -> FastAPI:
    """Build the application for ``settings`` (read from the environment when omitted).

    The database engine is created here and disposed of at shutdown; no connection is opened
    until the first request. Raises :class:`app.startup.CannotStart` when a setting is refused
    (settings read here), what a setting names cannot be used (:func:`app.startup.check_service`:
    directories, time-zone data, notification templates) or the audit signing key cannot be used.
    """
    settings = settings or read_settings()
    check_service(settings)  # refuses to start on host or older time-zone data, unusable paths…
    tz_version = timezones.log_database()
    engine = create_engine(
        settings.effective_database_url,
        pool_size=settings.database_pool_size,
        max_overflow=settings.database_max_overflow,
        pool_timeout=settings.database_pool_timeout_seconds,
        pre_ping=settings.database_pre_ping,
        connect_timeout=settings.database_connect_timeout_seconds,
        busy_timeout=settings.database_busy_timeout_seconds,
        pgbouncer=settings.database_pgbouncer,
    )

    sequencer = Sequencer(
        engine,
        load_audit_signer(settings),
        batch=settings.audit_seal_batch,
        interval_seconds=settings.audit_seal_interval_seconds,
        witness_file=witness_file_for(settings),
        max_unsealed_seconds=settings.audit_max_unsealed_seconds,
    )

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        with short_switch_interval():
            sealing = asyncio.create_task(sequencer.run(), name="audit-sequencer")
            background = []
            if settings.jobs_in_process:  # notification delivery and periodic jobs (docs/notifications.md)
                worker = Worker(app.state.sessionmaker, settings)
                background.append(asyncio.create_task(worker.run(), name="notification-worker"))
            yield
            for task in (*background, sealing):
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task
            await engine.dispose()

    app = FastAPI(
        title="Diaspora Desk API",
        version="0.1.0",
        description="Case management for the desks serving Senegalese abroad. Errors are RFC 9457 problem+json.",
        lifespan=lifespan,
        dependencies=list(SHARED_DEPENDENCIES),  # the routes declared here; the routers' carry them too
    )
    app.state.settings = settings
    app.state.tz_version = tz_version
    app.state.engine = engine
    app.state.sessionmaker = create_sessionmaker(engine, cursor_key=cursor_key(settings))
    app.state.auth_cache = AuthCache(ttl_seconds=settings.actor_cache_seconds)
    app.state.audit_sequencer = sequencer
    app.state.metrics = Metrics()
    app.state.export_slots = ExportSlots(
        total=settings.export_max_concurrent, per_user=settings.export_max_concurrent_per_user
    )

    problems.install(app)
    integrity.install(app)
    openapi.install(app, schemas=client_openapi.SCHEMAS, security_schemes=client_openapi.SECURITY_SCHEMES)
    app.add_middleware(TextGuard)  # inside the size guard: it reads bounded bodies only
    app.add_middleware(
        BodySizeLimitMiddleware,
        max_bytes=settings.max_request_body_bytes,
        path_limits=(
            # Document uploads (the desk's and the self-service's, every route marked as one) stream
            # to storage and stop at DOCUMENTS_MAX_BYTES themselves.
            *((route.path_regex.pattern, None) for route in _upload_routes()),
            (r"/api/v1/imports/registers", settings.import_max_bytes + _MULTIPART_OVERHEAD),
        ),
    )
    if settings.cors_origins:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=settings.cors_origins,
            allow_methods=["*"],
            allow_headers=["*"],
            expose_headers=list(EXPOSED_HEADERS),
        )
    app.add_middleware(JsonGzipMiddleware)  # JSON answers only: downloads and exports pass untouched
    app.add_middleware(NoStoreByDefault)
    app.add_middleware(RequestContextMiddleware)
    app.add_middleware(MetricsMiddleware, metrics=app.state.metrics)
    app.add_middleware(HeadAsGet)  # outermost: everything inside sees the GET it answers

    add_routes(app, [*ROUTERS, metrics_router])  # built once per process (app.core.routing)
    web.mount(app)
    add_routes(app, [health.router])

    return app
