"""The request's transaction commits before its response is sent."""

from __future__ import annotations

import sqlite3

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import event, func, select
from sqlalchemy.orm import Session

from app.core.db import AppSession
from app.registrants.models import Registrant


class CommitRefused(RuntimeError):
    pass


async def test_a_failed_commit_answers_a_problem_not_a_success(app: FastAPI, make_staff, sessionmaker) -> None:
    agent = await make_staff("agent", ["CASA-BASE"])
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    body = {"given_names": "Awa", "family_name": "Faye", "sex": "female", "desk_code": "CASA-BASE"}
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
        event.listen(AppSession, "before_commit", _refuse)
        try:
            response = await http.post("/api/v1/registrants", json=body, headers=agent.headers)
        finally:
            event.remove(AppSession, "before_commit", _refuse)
    assert response.status_code == 500
    assert response.headers["content-type"].startswith("application/problem+json")
    async with sessionmaker() as session:
        assert (await session.execute(select(func.count()).select_from(Registrant))).scalar_one() == 0


def _refuse(session: Session) -> None:
    """The request's final commit fails, as a lost connection or a constraint checked at commit
    would make it fail (savepoints released on the way still succeed)."""
    if not session.in_nested_transaction():
        raise CommitRefused("commit refused for the test")


async def test_a_saturated_pool_answers_503_with_retry_after(settings, make_staff) -> None:
    from app.main import create_app

    app = create_app(settings.model_copy(update={"database_pool_size": 1, "database_pool_timeout_seconds": 0.3}))
    agent = await make_staff("agent", ["CASA-BASE"])
    transport = httpx.ASGITransport(app=app)
    try:
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
            async with app.state.engine.connect() as busy:  # the only connection, held elsewhere
                await busy.execute(select(1))
                response = await http.get("/api/v1/registrants", headers=agent.headers)
            assert response.status_code == 503
            assert response.headers["retry-after"] == "5"
            assert response.json()["type"] == "/problems/service-unavailable"
            assert (await http.get("/api/v1/registrants", headers=agent.headers)).status_code == 200
    finally:
        await app.state.engine.dispose()


async def test_a_write_kept_waiting_by_another_sqlite_writer_answers_503_and_saves_nothing(
    settings, make_staff, sessionmaker
) -> None:
    if not settings.database_url.startswith("sqlite"):
        pytest.skip("the write lock and its busy timeout are SQLite's; PostgreSQL locks rows")
    from app.main import create_app

    app = create_app(settings.model_copy(update={"database_busy_timeout_seconds": 0.2}))
    agent = await make_staff("agent", ["CASA-BASE"])
    body = {"given_names": "Awa", "family_name": "Faye", "sex": "female", "desk_code": "CASA-BASE"}
    path = settings.database_url.removeprefix("sqlite+aiosqlite:///")
    other_writer = sqlite3.connect(path, isolation_level=None)
    try:
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver") as http:
            other_writer.execute("BEGIN IMMEDIATE")  # an import's long transaction, say
            refused = await http.post("/api/v1/registrants", json=body, headers=agent.headers)
            other_writer.execute("ROLLBACK")
            assert refused.status_code == 503, refused.text
            assert refused.headers["retry-after"] == "5"
            assert refused.json()["type"] == "/problems/service-unavailable"
            assert "occupée par une autre écriture" in refused.json()["detail"]
            async with sessionmaker() as session:
                assert (await session.execute(select(func.count()).select_from(Registrant))).scalar_one() == 0
            accepted = await http.post("/api/v1/registrants", json=body, headers=agent.headers)
            assert accepted.status_code == 201, accepted.text
    finally:
        other_writer.close()
        await app.state.engine.dispose()
