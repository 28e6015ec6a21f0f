"""The production app plus one bench-only baseline route; never imported by the service itself.

``GET /bench/baseline/{id}`` reads one registrant row with raw asyncpg (no auth, no ORM, no
audit) and returns it as JSON: the floor against which the real endpoints are compared.
"""

from __future__ import annotations

import asyncio
import os
import uuid
from typing import Any

import asyncpg
from fastapi import FastAPI
from fastapi.responses import JSONResponse

from app.main import create_app

_pool: asyncpg.Pool | None = None
_lock = asyncio.Lock()


def _dsn() -> str:
    return os.environ["DATABASE_URL"].replace("postgresql+asyncpg://", "postgresql://", 1)


async def _get_pool() -> asyncpg.Pool:
    global _pool
    if _pool is None:
        async with _lock:
            if _pool is None:
                _pool = await asyncpg.create_pool(_dsn(), min_size=10, max_size=20)
    assert _pool is not None
    return _pool


def build() -> FastAPI:
    application = create_app()

    @application.get("/bench/baseline/{registrant_id}", include_in_schema=False)
    async def baseline(registrant_id: uuid.UUID) -> JSONResponse:
        pool = await _get_pool()
        row = await pool.fetchrow("SELECT * FROM registrants WHERE id = $1", registrant_id)
        if row is None:
            return JSONResponse({"detail": "not found"}, status_code=404)
        body: dict[str, Any] = {
            k: (v if isinstance(v, (int, str, bool, type(None))) else str(v)) for k, v in row.items()
        }
        return JSONResponse(body)

    return application


app = build()
