"""The application under benchmark plus two baseline routes with raw asyncpg (no auth, no ORM, no
audit): one reads one registrant row, one inserts a JSON body as one row — the ceilings the real
endpoints are compared with.
Bench-only: never imported by the production app.
"""

from __future__ import annotations

import asyncio
import json
import uuid

import asyncpg
from fastapi import Request
from fastapi.responses import JSONResponse

from app.core.config import Settings
from app.main import create_app

settings = Settings()
app = create_app(settings)
_pool: list[asyncpg.Pool] = []
_lock = asyncio.Lock()


async def _connections() -> asyncpg.Pool:
    async with _lock:
        if not _pool:
            dsn = settings.effective_database_url.replace("postgresql+asyncpg://", "postgresql://")
            pool = await asyncpg.create_pool(dsn, min_size=4, max_size=20)
            await pool.execute(
                "CREATE TABLE IF NOT EXISTS bench_inserts "
                "(id uuid PRIMARY KEY, body jsonb NOT NULL, created_at timestamptz NOT NULL DEFAULT now())"
            )
            _pool.append(pool)
    return _pool[0]


@app.post("/bench/baseline", include_in_schema=False)
async def baseline_insert(request: Request) -> JSONResponse:
    """The raw INSERT the registration is compared with: the JSON body stored as one row."""
    body = await request.json()
    new_id = uuid.uuid4()
    await (await _connections()).execute(
        "INSERT INTO bench_inserts (id, body) VALUES ($1, $2::jsonb)", new_id, json.dumps(body)
    )
    return JSONResponse({"id": str(new_id)}, status_code=201)


@app.get("/bench/baseline/{registrant_id}", include_in_schema=False)
async def baseline(registrant_id: uuid.UUID) -> JSONResponse:
    row = await (await _connections()).fetchrow(
        "SELECT id, registration_number, given_names, family_name, sex, date_of_birth, created_at "
        "FROM registrants WHERE id = $1",
        registrant_id,
    )
    if row is None:
        return JSONResponse({"detail": "not found"}, status_code=404)
    return JSONResponse({k: str(v) if v is not None else None for k, v in dict(row).items()})
