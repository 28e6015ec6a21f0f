"""A CSV export whose database cannot be had when its rows are about to be read (every pooled
connection busy, PostgreSQL unreachable) answers 503 ``service-unavailable`` with ``Retry-After``,
as the rest of the API does, instead of a 200 cut short after its header: its status and headers
wait for its first rows (``hold_headers``). Nothing of the file is sent and its place is given
back.

The database goes out of reach at the one moment that matters: once the request's transaction
that recorded ``export.start`` has ended (its connection back in the pool), before the export
takes its own connection.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlalchemy.orm import Session, SessionTransaction
from sqlalchemy.util import await_only

from app.audit.models import AuditEvent
from app.core.config import Settings
from app.core.db import AppSession
from app.main import create_app
from tests.conftest import TEST_SECRET
from tests.core.servers import ThrowAwayPostgres
from tests.core.test_database_outage import _admin_headers, postgres  # noqa: F401 - the fixture
from tests.reports.test_exports import FEB, people  # noqa: F401 - the fixture

_STARTED = "test_export_started"


@contextmanager
def _once_the_export_is_recorded(action: Callable[[], None]) -> Iterator[None]:
    """While the block runs, call ``action()`` (in the request's task, which waits for it) once
    the transaction that recorded an ``export.start`` has ended and given its connection back."""

    def flushed(session: Session, _context: Any) -> None:
        if any(isinstance(new, AuditEvent) and new.action == "export.start" for new in session.new):
            session.info[_STARTED] = True

    def ended(session: Session, transaction: SessionTransaction) -> None:
        if transaction.parent is None and session.info.pop(_STARTED, False):
            action()

    event.listen(AppSession, "after_flush", flushed)
    event.listen(AppSession, "after_transaction_end", ended)
    try:
        yield
    finally:
        event.remove(AppSession, "after_flush", flushed)
        event.remove(AppSession, "after_transaction_end", ended)


def _assert_unavailable(response: httpx.Response, app: FastAPI) -> None:
    assert response.status_code == 503, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert response.headers["retry-after"] == "5"
    assert "content-disposition" not in response.headers, "no file is announced"
    assert response.json()["type"] == "/problems/service-unavailable"  # the whole body: no CSV before it
    assert app.state.export_slots.in_progress == 0


@pytest.mark.usefixtures("people")
async def test_a_csv_export_whose_connection_cannot_be_had_answers_503_not_a_cut_file(  # type: ignore[no-untyped-def]
    settings: Settings, make_staff
) -> None:
    """The pool's only connection is taken by another request just as the export starts to read:
    the export waits the pool's timeout for it, then answers 503, as a saturated pool does."""
    app = create_app(settings.model_copy(update={"database_pool_size": 1, "database_pool_timeout_seconds": 0.5}))
    supervisor = await make_staff("supervisor", ["CASA-BASE"])
    held: list[AsyncConnection] = []
    try:
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver") as http:
            with _once_the_export_is_recorded(lambda: held.append(await_only(app.state.engine.connect()))):
                response = await http.get("/api/v1/exports/registrants", params=FEB, headers=supervisor.headers)
            assert held, "the pool's connection was taken"
            _assert_unavailable(response, app)
            assert "saturé" in response.json()["detail"]
            for connection in held:
                await connection.close()
            again = await http.get("/api/v1/exports/registrants", params=FEB, headers=supervisor.headers)
            assert again.status_code == 200, again.text
            assert again.content.startswith(b'\xef\xbb\xbf"person_id",')
    finally:
        for connection in held:
            await connection.close()
        await app.state.engine.dispose()


async def test_a_csv_export_whose_database_is_unreachable_answers_503_not_a_cut_file(
    postgres: ThrowAwayPostgres,  # noqa: F811 - the fixture
    tmp_path: Path,
) -> None:
    """PostgreSQL stops just as the export starts to read: 503 with ``Retry-After``, nothing of
    the file sent; once it is back, the export works."""
    app = create_app(
        Settings(
            database_url=postgres.url,
            data_dir=tmp_path / "var",
            environment="test",
            secret_key=TEST_SECRET,  # type: ignore[arg-type]
            database_connect_timeout_seconds=5,
            _env_file=None,  # type: ignore[call-arg]
        )
    )
    headers = await _admin_headers(app)
    stopped: list[bool] = []
    try:
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver") as http:
            with _once_the_export_is_recorded(lambda: stopped.append(postgres.stop("immediate") is None)):
                response = await http.get("/api/v1/exports/registrants", headers=headers)
            assert stopped, "the server was stopped"
            _assert_unavailable(response, app)
            assert "injoignable" in response.json()["detail"]
            postgres.start()
            again = await http.get("/api/v1/exports/registrants", headers=headers)
            assert again.status_code == 200, again.text
            assert again.content.startswith(b'\xef\xbb\xbf"person_id",')
    finally:
        await app.state.engine.dispose()
