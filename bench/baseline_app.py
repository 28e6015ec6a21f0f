"""The application under benchmark plus a baseline route that reads one registrant row with raw
asyncpg (no auth, no ORM, no audit): the ceiling the real endpoints are compared with.
Bench-only: never imported by the production app.
"""

from __future__ import annotations

import asyncio
import uuid

import asyncpg
from fastapi.responses import JSONResponse

from app.core.config import Settings
from app.main import create_app

settings = Settings()
app = create_app(settings)
_pool: list[asyncpg.Pool] = []
_lock = asyncio.Lock()


@app.get("/bench/baseline/{registrant_id}", include_in_schema=False)
async def baseline(registrant_id: uuid.UUID) -> JSONResponse:
    async with _lock:
        if not _pool:
            dsn = settings.effective_database_url.replace("postgresql+asyncpg://", "postgresql://")
            _pool.append(await asyncpg.create_pool(dsn, min_size=4, max_size=20))
    row = await _pool[0].fetchrow(
        "SELECT id, registration_number, given_names, family_name, sex, date_of_birth, created_at "
        "FROM registrants WHERE id = $1",
        registrant_id,
    )
    if row is None:
        return JSONResponse({"detail": "not found"}, status_code=404)
    return JSONResponse({k: str(v) if v is not None else None for k, v in dict(row).items()})
