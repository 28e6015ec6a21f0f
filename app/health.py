"""The health checks and the problem types' page: ``/healthz``, ``/readyz``, ``/problems/{slug}``.

Module-level routes reading what they need from ``request.app.state`` (the engine, the audit
sequencer, the settings, the time-zone data's release), built once per process like every other
router (:mod:`app.core.routing`): routes defined inside :func:`app.main.create_app` closed over its
engine, and FastAPI's process-wide caches of endpoints (``fastapi.dependencies.models``, 4,096
entries) kept every app built in the process alive with its engine and compiled statements.
"""

from __future__ import annotations

from typing import Any

from fastapi import Request
from fastapi.responses import JSONResponse

from app.audit.state import backlog as audit_backlog
from app.core import errors
from app.core.db import utcnow
from app.core.db_errors import RETRY_AFTER_SECONDS, pgbouncer_not_configured, pgbouncer_not_configured_said
from app.core.routing import api_router

router = api_router(tags=["health"])


@router.get("/healthz")
async def healthz() -> dict[str, str]:
    """The process is up."""
    return {"status": "ok"}


@router.get("/readyz")
async def readyz(request: Request) -> dict[str, Any]:
    """The database answers; 503 ``service-unavailable`` (with ``Retry-After``) otherwise.

    ``tzdata``: the IANA time-zone release in force (``app.core.timezones``). ``audit`` reports
    the events committed but not yet sealed into the audit chain: how many, the age in seconds
    of the oldest, and ``lagging`` when that age passes ``AUDIT_MAX_UNSEALED_SECONDS`` (sealing
    is stuck, or a long transaction holds it back); ``sealing`` is this process's sequencer's
    state (:attr:`app.audit.state.SealingState.state`): ``"running"``, ``"failing"`` (its rounds
    raise: the database refuses its reads or writes; it retries, backing off), ``"blocked"``
    (another session has held the sequencers' advisory lock for longer than
    ``AUDIT_MAX_UNSEALED_SECONDS`` while events older than that wait; ``reason`` names its
    PostgreSQL backend pid) or ``"stopped"``
    (it refuses to seal until an operator acts: run ``verify-audit``); ``reason``, with
    ``"failing"``, when its rounds fail because PostgreSQL is reached through PgBouncer in
    transaction pooling mode the app was not told of: the line naming ``DATABASE_PGBOUNCER=true``
    (:func:`app.core.db_errors.pgbouncer_not_configured`), which the 503 of a failing database
    check gives in ``detail`` too. ``status`` is
    ``"degraded"`` unless sealing runs. Still 200: requests are served and audited, only
    sealing waits. When it stopped on a rewritten log, ``witnessed_checkpoint``
    is the checkpoint it had witnessed (``GET /api/v1/audit/checkpoint``'s shape): kept in a
    file, ``verify-audit --against`` it names the rewrite even if the database was made to
    refuse storing it.
    """
    state = request.app.state
    settings, sequencer = state.settings, state.audit_sequencer
    try:
        async with state.engine.connect() as conn:
            pending = await audit_backlog(conn)
    except Exception as exc:
        if (told := pgbouncer_not_configured(exc)) is not None:  # a setting to fix: named
            raise errors.ServiceUnavailable(
                f"The database cannot be used as configured: {told}.",
                detail_fr=f"La base de données ne peut pas être utilisée telle que configurée : {told}.",
                headers={"Retry-After": str(RETRY_AFTER_SECONDS)},
            ) from exc
        raise errors.ServiceUnavailable(
            "The database is not reachable.",
            detail_fr="La base de données est injoignable.",
            headers={"Retry-After": str(RETRY_AFTER_SECONDS)},
        ) from exc
    age = pending.age_seconds(utcnow())
    lagging = age > settings.audit_max_unsealed_seconds
    # The checkpoint a stopped sequencer kept: an operator keeps it and runs
    # `verify-audit --against` it, whatever the database now holds.
    kept = sequencer.witnessed if sequencer.rewritten else None
    witnessed = {"witnessed_checkpoint": kept.as_json()} if kept is not None else {}
    sealing = sequencer.state
    # Sealing failing on PgBouncer's transaction pooling the app was not told of: the setting named.
    told = pgbouncer_not_configured_said(sequencer.failure) if sealing == "failing" else None
    if sealing == "blocked":  # who holds the sealing lock
        told = sequencer.lock_wait
    reason = {"reason": told} if told is not None else {}
    return {
        "status": "ready" if sealing == "running" else "degraded",
        "tzdata": state.tz_version,
        "audit": {
            "unsealed_events": pending.count,
            "oldest_unsealed_seconds": round(age, 3),
            "lagging": lagging,
            "sealing": sealing,
            **reason,
            **witnessed,
        },
    }


@router.get("/problems/{slug}", include_in_schema=True)
async def problem_type(slug: str) -> JSONResponse:
    """What a problem ``type`` URI means: its status and titles."""
    for cls in errors.all_problem_types():
        if cls.slug == slug:
            return JSONResponse(
                {"type": cls.type_uri(), "status": cls.status, "title": {"fr": cls.title_fr, "en": cls.title_en}}
            )
    raise errors.NotFound("No such problem type.", detail_fr="Type de problème inconnu.")
