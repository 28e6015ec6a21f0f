"""An XLSX export that fails while its workbook is written answers a problem (RFC 9457), not a 200
and a cut body: its status and headers wait for the file's first bytes (``hold_headers``). Its end
is recorded as cut short, its place given back, and no writer process or file is left. A client
that goes away meanwhile stops it the same way, with nothing sent."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import anyio
import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import select

from app.audit.models import AuditEvent
from app.reports.slots import ExportSlots
from tests.reports.test_exports import FEB, people  # noqa: F401 - the fixture
from tests.reports.xlsx_values import writer_processes, writers_killed, writers_stopped

pytestmark = pytest.mark.usefixtures("people")
XLSX = {**FEB, "format": "xlsx"}


def _files(folder: Path) -> list[Path]:
    return list(folder.iterdir())


def _remove(folder: Path) -> None:
    folder.rmdir()


def _remake(folder: Path) -> None:
    folder.mkdir()


async def _finishes(sessionmaker: Any) -> list[dict[str, Any]]:
    async with sessionmaker() as session:
        rows = await session.execute(select(AuditEvent.details).where(AuditEvent.action == "export.finish"))
        return [dict(details) for (details,) in rows]


def _asgi_get(path: str, authorization: str) -> dict[str, Any]:
    """The ASGI scope of ``GET path`` with the XLSX export's query (:data:`XLSX`)."""
    query = "&".join(f"{key}={value}" for key, value in XLSX.items())
    return {
        "type": "http",
        "asgi": {"version": "3.0", "spec_version": "2.3"},
        "http_version": "1.1",
        "method": "GET",
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": query.encode(),
        "headers": [(b"host", b"testserver"), (b"authorization", authorization.encode())],
        "client": ("203.0.113.7", 50000),
        "server": ("testserver", 80),
        "root_path": "",
    }


async def _assert_failed_and_cleaned(
    response: httpx.Response, app: FastAPI, sessionmaker: Any, export_tmpdir: Path
) -> None:
    assert response.status_code == 500, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert "content-disposition" not in response.headers, "no file is announced"
    problem = response.json()
    assert problem["type"] == "/problems/export-failed"
    assert problem["detail"].startswith("Le fichier de l'export n'a pas pu être écrit ; rien n'a été envoyé.")
    [finish] = await _finishes(sessionmaker)
    assert (finish["completed"], finish["rows_written"]) == (False, 0), "nothing of the file left"
    slots: ExportSlots = app.state.export_slots
    assert slots.in_progress == 0
    assert writer_processes() == []
    assert _files(export_tmpdir) == []


async def test_an_xlsx_export_whose_file_cannot_be_made_answers_a_problem(  # type: ignore[no-untyped-def]
    app: FastAPI, client, make_staff, sessionmaker, export_tmpdir: Path
) -> None:
    supervisor = await make_staff("supervisor")
    _remove(export_tmpdir)  # the temporary folder is gone (a disk unmounted, a cleaner run)
    response = await client.get("/api/v1/exports/cases", params=XLSX, headers=supervisor.headers)
    _remake(export_tmpdir)
    await _assert_failed_and_cleaned(response, app, sessionmaker, export_tmpdir)


async def test_an_xlsx_export_whose_writer_process_is_killed_answers_a_problem(  # type: ignore[no-untyped-def]
    app: FastAPI, client, make_staff, sessionmaker, export_tmpdir: Path
) -> None:
    """``kill -9`` of the writer, as the out-of-memory killer would, as soon as it runs."""
    supervisor = await make_staff("supervisor")
    with writers_killed() as killed:
        response = await client.get("/api/v1/exports/registrants", params=XLSX, headers=supervisor.headers)
    assert killed, "the writer was seen"
    await _assert_failed_and_cleaned(response, app, sessionmaker, export_tmpdir)


async def test_a_client_gone_before_the_workbook_is_written_gets_nothing_and_the_export_stops(  # type: ignore[no-untyped-def]
    app: FastAPI, make_staff, sessionmaker, export_tmpdir: Path
) -> None:
    supervisor = await make_staff("supervisor")
    messages = iter([{"type": "http.request", "body": b"", "more_body": False}, {"type": "http.disconnect"}])
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        return next(messages)

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    await app(_asgi_get("/api/v1/exports/registrants", supervisor.headers["Authorization"]), receive, send)
    assert sent == [], "nothing is sent to a client that left"
    [finish] = await _finishes(sessionmaker)
    assert finish["completed"] is False
    assert app.state.export_slots.in_progress == 0
    assert writer_processes() == []
    assert _files(export_tmpdir) == []


async def test_an_xlsx_export_whose_writer_stalls_answers_a_problem(  # type: ignore[no-untyped-def]
    app: FastAPI, client, make_staff, sessionmaker, export_tmpdir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A writer stopped as soon as it runs (as a hung disk holds it) uses no CPU: once the stall
    limit has passed, the export fails and gives its place back instead of waiting for good."""
    monkeypatch.setattr(app.state.settings, "export_writer_stall_seconds", 2.0)
    supervisor = await make_staff("supervisor")
    began = time.monotonic()
    with writers_stopped(kill_after=30) as stopped:
        response = await client.get("/api/v1/exports/registrants", params=XLSX, headers=supervisor.headers)
    assert stopped, "the writer was seen"
    assert time.monotonic() - began < 15, "failed at the stall limit, not when the test's watchdog killed the writer"
    await _assert_failed_and_cleaned(response, app, sessionmaker, export_tmpdir)


async def test_a_client_gone_while_the_writer_is_stalled_stops_the_export_at_once(  # type: ignore[no-untyped-def]
    app: FastAPI, make_staff, sessionmaker, export_tmpdir: Path
) -> None:
    """The client leaves while the export waits on a stopped writer (the stall limit, 60 s, far
    off): the export stops at once, its writer killed and its place given back."""
    supervisor = await make_staff("supervisor")
    sent: list[dict[str, Any]] = []
    with writers_stopped(kill_after=30) as stopped:
        first = True

        async def receive() -> dict[str, Any]:
            nonlocal first
            if first:
                first = False
                return {"type": "http.request", "body": b"", "more_body": False}
            while not stopped:  # noqa: ASYNC110 - the list is filled by a thread: the client leaves once the writer is stopped
                await anyio.sleep(0.01)
            await anyio.sleep(0.5)  # the export is waiting on it by now
            return {"type": "http.disconnect"}

        async def send(message: dict[str, Any]) -> None:
            sent.append(message)

        began = time.monotonic()
        await app(_asgi_get("/api/v1/exports/registrants", supervisor.headers["Authorization"]), receive, send)
        took = time.monotonic() - began
    assert took < 10, f"the export waited {took:.0f} s on a writer it no longer needed"
    assert sent == [], "nothing is sent to a client that left"
    [finish] = await _finishes(sessionmaker)
    assert finish["completed"] is False
    assert app.state.export_slots.in_progress == 0
    assert writer_processes() == []
    assert _files(export_tmpdir) == []
