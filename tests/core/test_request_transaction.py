"""The request's transaction commits before its response is sent."""

from __future__ import annotations

import httpx
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
