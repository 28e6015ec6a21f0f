"""The application under benchmark (``bench.baseline_app``) plus a raw-asyncpg "my queue" route:
the same page of the same open cases, read with one SQL statement and no auth, ORM or audit — the
ceiling ``GET /api/v1/cases?queue=mine`` is compared with. Bench-only.
"""

from __future__ import annotations

import uuid

import asyncpg
from fastapi.responses import JSONResponse

from bench import baseline_app
from bench.baseline_app import app

OPEN = ("received", "qualified", "oriented", "referred", "in_follow_up", "pending_closure")


@app.get("/bench/baseline/my-queue/{user_id}", include_in_schema=False)
async def baseline_my_queue(user_id: uuid.UUID) -> JSONResponse:
    async with baseline_app._lock:
        if not baseline_app._pool:
            dsn = baseline_app.settings.effective_database_url.replace("postgresql+asyncpg://", "postgresql://")
            baseline_app._pool.append(await asyncpg.create_pool(dsn, min_size=4, max_size=20))
    pool = baseline_app._pool[0]
    rows = await pool.fetch(
        "SELECT id, case_number, desk_id, registrant_id, service_type_id, status, priority, due_date, created_at "
        "FROM cases WHERE assignee_id = $1 AND status = ANY($2::varchar[]) "
        "ORDER BY created_at, id LIMIT 51",
        user_id,
        list(OPEN),
    )
    return JSONResponse([{k: str(v) for k, v in dict(r).items()} for r in rows[:50]])
