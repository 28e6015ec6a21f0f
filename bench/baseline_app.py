"""The application under benchmark plus two baseline routes with raw asyncpg (no auth, no ORM, no
audit): one reads one registrant row, one inserts a JSON body as one row — the ceilings the real
endpoints are compared with. A third route, the *shell* of ``POST /api/v1/registrants``, takes
the registration's own dependencies (bearer token and role, session, idempotency, the
``confirm_duplicates`` flag) and validates its body as ``RegistrantCreate``, then inserts it as
the raw route does: what a registration costs before its own work (duplicate check, numbering,
match keys, audit event, receipt).
Bench-only: never imported by the production app.
"""

from __future__ import annotations

import asyncio
import json
import uuid
from typing import Annotated

import asyncpg
from fastapi import Query, Request
from fastapi.responses import JSONResponse

from app.core.collector import freeze_startup_objects
from app.core.config import Settings
from app.core.deps import SessionDep, SettingsDep
from app.core.idempotency import IdempotencyDep
from app.main import create_app
from app.registrants.router import WriterActor
from app.registrants.schemas import RegistrantCreate

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


@app.post(
    "/bench/baseline",
    include_in_schema=False,
    # parses its body itself, as a raw endpoint does; declared so the app-wide body-not-taken
    # check (app.core.conformance) lets it through
    openapi_extra={"requestBody": {"content": {"application/json": {}}}},
)
async def baseline_insert(request: Request) -> JSONResponse:
    """The raw INSERT the registration is compared with: the JSON body stored as one row."""
    body = await request.json()
    new_id = uuid.uuid4()
    await (await _connections()).execute(
        "INSERT INTO bench_inserts (id, body) VALUES ($1, $2::jsonb)", new_id, json.dumps(body)
    )
    return JSONResponse({"id": str(new_id)}, status_code=201)


@app.post("/bench/shell", include_in_schema=False, status_code=201)
async def registration_shell(
    body: RegistrantCreate,
    session: SessionDep,
    actor: WriterActor,
    app_settings: SettingsDep,
    idem: IdempotencyDep,
    confirm_duplicates: Annotated[bool, Query()] = False,
) -> JSONResponse:
    """``POST /api/v1/registrants``'s signature around the raw INSERT (see the module's text)."""
    new_id = uuid.uuid4()
    await (await _connections()).execute(
        "INSERT INTO bench_inserts (id, body) VALUES ($1, $2::jsonb)", new_id, body.model_dump_json()
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


freeze_startup_objects()  # as app.asgi does in the serving process
