"""The official FastAPI full-stack template's ``POST /api/v1/items/`` measured in the same run as
the registration, when a checkout of it is at hand (it is not part of this repository).

``BENCH_TEMPLATE`` names the template's ``backend`` directory and ``BENCH_TEMPLATE_PYTHON`` an
interpreter with its packages installed (the ``dependencies`` of its ``pyproject.toml``). The
scenario creates its own database (named by ``DATABASE_URL``, and by ``POSTGRES_SERVER``,
``POSTGRES_PORT``, ``POSTGRES_USER``, ``POSTGRES_PASSWORD`` and ``POSTGRES_DB`` for the template's
releases before August 2026, which run on Python 3.10 to 3.13), migrates it with the template's
Alembic scripts, creates the template's first superuser (``app.initial_data``), signs in through
its ``/api/v1/login/access-token`` and POSTs items with the same load generator, 32 clients and one
server process as the registrations. Without the two variables it is skipped and says so.
"""

from __future__ import annotations

import asyncio
import os
import subprocess
from pathlib import Path

import httpx
from sqlalchemy.engine import make_url

from bench.common import BenchDatabase, Request, Result, Server, load, to_json

SUPERUSER = "bench-admin@desk.example"
PASSWORD = "bench-template-password"


def configured() -> tuple[Path, str] | None:
    """(the template's backend directory, its interpreter), or None when not both are set."""
    backend, python = os.environ.get("BENCH_TEMPLATE"), os.environ.get("BENCH_TEMPLATE_PYTHON")
    return (Path(backend), python) if backend and python else None


async def run(*, seconds: float) -> Result | None:
    """``POST /api/v1/items/`` as the template's superuser, each answered 200; None when no
    template is configured. Raises ``RuntimeError`` when a configured one cannot be prepared."""
    where = configured()
    if where is None:
        return None
    backend, python = where
    db = BenchDatabase("dd_bench_template")
    await db.create()
    where_db = make_url(db.url)
    env = {
        "DATABASE_URL": db.dsn(),  # the template since August 2026
        "POSTGRES_SERVER": where_db.host or "127.0.0.1",  # the template before: one variable a part
        "POSTGRES_PORT": str(where_db.port or 5432),
        "POSTGRES_USER": where_db.username or "postgres",
        # its settings skip an empty value and refuse its own placeholder: on a trust-auth
        # server any password will do
        "POSTGRES_PASSWORD": where_db.password or "bench-template-unused",
        "POSTGRES_DB": where_db.database or "",
        "SECRET_KEY": "bench-template-secret-key-0123456789",
        "PROJECT_NAME": "bench",
        "FIRST_SUPERUSER": SUPERUSER,
        "FIRST_SUPERUSER_PASSWORD": PASSWORD,
        "ENVIRONMENT": "production",
    }
    try:
        for step in (["-m", "alembic", "upgrade", "head"], ["-m", "app.initial_data"]):
            command = [python, *step]
            setup = {**os.environ, **env, "PYTHONPATH": str(backend)}
            await asyncio.to_thread(subprocess.run, command, cwd=backend, env=setup, check=True)
        with Server("app.main:app", env, root=backend, python=python) as server:
            async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{server.port}", timeout=30) as client:
                form = {"username": SUPERUSER, "password": PASSWORD}
                answer = await client.post("/api/v1/login/access-token", data=form)
                token = answer.raise_for_status().json()["access_token"]
            headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
            return await load(
                "template: POST /api/v1/items/",
                server.port,
                lambda n: Request("POST", "/api/v1/items/", headers, to_json({"title": f"Item {n}"})),
                seconds=seconds,
                expect=(200,),
                server=server,
            )
    finally:
        await db.drop()
