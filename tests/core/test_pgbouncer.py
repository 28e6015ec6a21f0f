"""Behind PgBouncer in transaction pooling mode (a real PgBouncer the test starts in front of the
test's PostgreSQL database, with fewer server connections than the app has clients), concurrent
writes and audited reads all succeed: no ``prepared statement … does not exist``.

Needs PostgreSQL (``DATABASE_URL=postgresql+asyncpg://…``) and the Debian package ``pgbouncer``.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy.engine import make_url

from app.core.config import Settings
from app.core.db import behind_pgbouncer, create_engine
from app.main import create_app
from tests.core.servers import PgBouncer
from tests.db import postgres_url

needs_postgres = pytest.mark.skipif(postgres_url() is None, reason="PgBouncer stands in front of PostgreSQL only")


@pytest.fixture
def pgbouncer(database_url: str) -> Iterator[PgBouncer]:
    target = make_url(database_url)
    bouncer = PgBouncer(host=target.host or "127.0.0.1", port=target.port or 5432, pool_size=3)
    bouncer.start()
    yield bouncer
    bouncer.stop()


@pytest.fixture
async def bounced_app(settings: Settings, database_url: str, pgbouncer: PgBouncer) -> AsyncIterator[FastAPI]:
    url = make_url(database_url).set(host="127.0.0.1", port=pgbouncer.port)
    app = create_app(
        settings.model_copy(
            update={"database_url": url.render_as_string(hide_password=False), "database_pgbouncer": True}
        )
    )
    yield app
    await app.state.engine.dispose()


@needs_postgres
async def test_concurrent_writes_and_audited_reads_through_pgbouncer(bounced_app: FastAPI, make_staff) -> None:
    assert behind_pgbouncer(bounced_app.state.engine)
    agent = await make_staff("agent")  # written straight to the database, not through PgBouncer
    transport = httpx.ASGITransport(app=bounced_app, client=("203.0.113.30", 50000))
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:

        async def register(i: int) -> httpx.Response:
            body = {"given_names": f"Awa {chr(65 + i % 26)}", "family_name": f"Diop{i}", "sex": "female"}
            return await client.post(
                "/api/v1/registrants", headers=agent.headers, json=body, params={"confirm_duplicates": "true"}
            )

        created = await asyncio.gather(*(register(i) for i in range(24)))
        assert [r.status_code for r in created] == [201] * 24, [r.text for r in created if r.status_code != 201]
        paths = [f"/api/v1/registrants/{r.json()['id']}" for r in created]

        for round_ in range(3):  # audited reads (their own asyncpg path once the actor is cached), lists, writes
            responses = await asyncio.gather(
                *(client.get(path, headers=agent.headers) for path in paths),
                *(client.get("/api/v1/registrants", headers=agent.headers, params={"q": "Diop"}) for _ in range(4)),
                *(client.get("/readyz") for _ in range(4)),
                *(register(100 + 10 * round_ + i) for i in range(4)),
            )
            bad = [(r.request.url.path, r.status_code, r.text[:200]) for r in responses if r.status_code >= 300]
            assert bad == []
        logins = await asyncio.gather(
            *(client.post("/api/v1/auth/token", data={"username": agent.email, "password": p}) for p in ("x", "y"))
        )
        assert [r.status_code for r in logins] == [401, 401]


async def test_the_pgbouncer_option_of_the_url_or_the_setting_configures_the_engine(tmp_path) -> None:  # type: ignore[no-untyped-def]
    by_url = create_engine("postgresql+asyncpg://app@db.example:6432/desk?pgbouncer=true")
    plain = create_engine("postgresql+asyncpg://app@db.example:5432/desk")
    assert behind_pgbouncer(by_url) and not behind_pgbouncer(plain)
    assert "pgbouncer" not in by_url.url.query  # not passed on to asyncpg as a server setting
    setting = Settings(
        database_url="postgresql+asyncpg://app@db.example:6432/desk",
        database_pgbouncer=True,
        data_dir=tmp_path,
        _env_file=None,  # type: ignore[call-arg]
    )
    assert behind_pgbouncer(create_engine(setting.effective_database_url))
    for engine in (by_url, plain):
        await engine.dispose()
