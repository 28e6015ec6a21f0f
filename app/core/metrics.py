"""Prometheus metrics: requests answered and their latency, the audit log's sealing backlog.

``GET /metrics`` answers the Prometheus text exposition format (version 1.0.0, written by
``prometheus_client``: https://prometheus.github.io/client_python/) to an administrator or an
auditor (bearer access token), or to a scraper presenting ``METRICS_TOKEN`` as its bearer token.
Each app has its own registry (several apps in one process do not mix their counts).

=================================================  =========  =====================================
metric                                             type       labels / meaning
=================================================  =========  =====================================
``diaspora_desk_http_requests_total``              counter    ``method``, ``route`` (the route's
                                                              template, ``/api/v1/registrants/{registrant_id}``;
                                                              ``unmatched`` for no route),
                                                              ``status``
``diaspora_desk_http_request_duration_seconds``    histogram  ``method``, ``route``: from the
                                                              request's arrival to its last byte
``diaspora_desk_http_requests_in_progress``        gauge      requests being answered now
``diaspora_desk_audit_unsealed_events``            gauge      audit events committed, not sealed yet
``diaspora_desk_audit_oldest_unsealed_seconds``    gauge      age of the oldest of them (0: none);
                                                              alert when it stays above
                                                              ``AUDIT_MAX_UNSEALED_SECONDS``
``diaspora_desk_audit_lagging``                    gauge      1 when that age passes the bound
``diaspora_desk_audit_sealing_stopped``            gauge      1 when this process's sequencer
                                                              refuses to seal until an operator
                                                              acts (``/readyz``: ``"stopped"``)
``diaspora_desk_audit_sealing_failing``            gauge      1 while its rounds fail (the
                                                              database refuses them): it retries,
                                                              backing off (``"failing"``)
``diaspora_desk_audit_sealing_blocked``            gauge      1 while another session holds the
                                                              sealing lock past the bound, with
                                                              events waiting (``"blocked"``)
=================================================  =========  =====================================

The audit gauges are read from the database at each scrape (one indexed query, as ``/readyz``).
"""

from __future__ import annotations

import hmac
import time
from typing import Annotated

from fastapi import Depends, Request, Response
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.audit.state import backlog as audit_backlog
from app.auth.deps import get_actor, oauth2_scheme
from app.core.db import utcnow
from app.core.deps import RequestContextDep, SessionDep, SettingsDep
from app.core.errors import Forbidden
from app.core.routing import api_router

LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)
"""Histogram bounds in seconds: from a cached read (a few ms) to a large import (tens of seconds)."""
READER_ROLES = ("admin", "auditor")


class Metrics:
    """The app's metrics and their registry."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        self.requests = Counter(
            "diaspora_desk_http_requests",
            "HTTP requests answered, by method, route template and status code.",
            ["method", "route", "status"],
            registry=self.registry,
        )
        self.latency = Histogram(
            "diaspora_desk_http_request_duration_seconds",
            "Time from a request's arrival to its response's last byte, by method and route template.",
            ["method", "route"],
            buckets=LATENCY_BUCKETS,
            registry=self.registry,
        )
        self.in_progress = Gauge(
            "diaspora_desk_http_requests_in_progress", "Requests being answered.", registry=self.registry
        )
        self.unsealed = Gauge(
            "diaspora_desk_audit_unsealed_events",
            "Audit events committed but not yet sealed into the hash chain.",
            registry=self.registry,
        )
        self.unsealed_age = Gauge(
            "diaspora_desk_audit_oldest_unsealed_seconds",
            "Age in seconds of the oldest audit event not yet sealed (0 when none).",
            registry=self.registry,
        )
        self.lagging = Gauge(
            "diaspora_desk_audit_lagging",
            "1 when the oldest unsealed audit event is older than AUDIT_MAX_UNSEALED_SECONDS.",
            registry=self.registry,
        )
        self.sealing_stopped = Gauge(
            "diaspora_desk_audit_sealing_stopped",
            "1 when this process's audit sequencer refuses to seal until an operator acts (run verify-audit; "
            "its log says why).",
            registry=self.registry,
        )
        self.sealing_failing = Gauge(
            "diaspora_desk_audit_sealing_failing",
            "1 while this process's audit sequencer's rounds fail (the database refuses them); it retries, "
            "backing off.",
            registry=self.registry,
        )
        self.sealing_blocked = Gauge(
            "diaspora_desk_audit_sealing_blocked",
            "1 while another session has held the audit sequencers' lock for longer than AUDIT_MAX_UNSEALED_SECONDS "
            "and events older than that wait (/readyz names its PostgreSQL backend pid).",
            registry=self.registry,
        )


class MetricsMiddleware:
    """Pure-ASGI middleware counting and timing every HTTP request into ``metrics``."""

    def __init__(self, app: ASGIApp, metrics: Metrics) -> None:
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = "500"  # what the server answers if the app fails before starting a response

        async def send_observed(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = str(message["status"])
            await send(message)

        self.metrics.in_progress.inc()
        try:
            await self.app(scope, receive, send_observed)
        finally:
            self.metrics.in_progress.dec()
            route = scope.get("route")
            template = getattr(route, "path", None) or "unmatched"
            method = scope["method"]
            self.metrics.requests.labels(method, template, status).inc()
            self.metrics.latency.labels(method, template).observe(time.perf_counter() - started)


async def metrics_reader(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    context: RequestContextDep,
    token: Annotated[str | None, Depends(oauth2_scheme)],
) -> None:
    """Let through ``METRICS_TOKEN`` or an administrator's/auditor's access token.

    Raises ``Unauthorized`` (401) without a valid token, ``Forbidden`` (403) for other roles.
    """
    configured = settings.metrics_token.get_secret_value() if settings.metrics_token else ""
    if configured and token and hmac.compare_digest(token.encode(), configured.encode()):
        return
    actor = await get_actor(request, session, settings, context, token)
    if actor.role not in READER_ROLES:
        raise Forbidden(
            "Metrics are for administrators and auditors.",
            detail_fr="Les métriques sont réservées aux administrateurs et aux auditeurs.",
        )


router = api_router(tags=["health"])


@router.get(
    "/metrics",
    response_class=Response,
    dependencies=[Depends(metrics_reader)],
    responses={200: {"content": {CONTENT_TYPE_LATEST: {}}, "description": "Prometheus text format 1.0.0."}},
)
async def metrics(request: Request, session: SessionDep, settings: SettingsDep) -> Response:
    """The app's metrics in the Prometheus text format (see :mod:`app.core.metrics` for the list).

    401 without a valid token; 403 for a staff role other than admin or auditor.
    """
    state: Metrics = request.app.state.metrics
    pending = await audit_backlog(await session.connection())
    age = pending.age_seconds(utcnow())
    state.unsealed.set(pending.count)
    state.unsealed_age.set(age)
    state.lagging.set(1 if age > settings.audit_max_unsealed_seconds else 0)
    sealing = request.app.state.audit_sequencer.state
    state.sealing_stopped.set(1 if sealing == "stopped" else 0)
    state.sealing_failing.set(1 if sealing == "failing" else 0)
    state.sealing_blocked.set(1 if sealing == "blocked" else 0)
    return Response(generate_latest(state.registry), media_type=CONTENT_TYPE_LATEST)
