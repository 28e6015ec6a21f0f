"""Exports in progress are bounded per server process, in all and per staff member: past either
bound a new export is refused with ``Retry-After`` and nothing recorded, and every way an export
ends (sent, refused, failed while streaming) gives its place back."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from typing import Any

import pytest
from fastapi import FastAPI
from sqlalchemy import func, select

from app.audit.models import AuditEvent
from app.reports.errors import ExportsBusy, TooManyExports
from app.reports.slots import ExportSlots
from app.reports.streaming import ExportResponse
from tests.reports.test_exports import FEB, people  # noqa: F401 - the fixture


def test_places_are_counted_per_staff_member_and_in_all() -> None:
    slots = ExportSlots(total=3, per_user=2)
    ana, bob, cheikh = (uuid.uuid4() for _ in range(3))
    first, _ = slots.take(ana), slots.take(ana)
    with pytest.raises(TooManyExports) as mine:
        slots.take(ana)
    assert mine.value.status == 429 and mine.value.headers == {"Retry-After": "10"}
    slots.take(bob)
    with pytest.raises(ExportsBusy) as busy:
        slots.take(cheikh)
    assert busy.value.status == 503 and busy.value.headers == {"Retry-After": "10"}
    first.release()
    first.release()  # twice gives back one place only
    assert slots.in_progress == 2
    slots.take(cheikh)
    with pytest.raises(ExportsBusy):
        slots.take(ana)


async def _export_events(sessionmaker: Any) -> int:
    async with sessionmaker() as session:
        return int((await session.execute(select(func.count()).where(AuditEvent.entity_type == "export"))).scalar_one())


@pytest.mark.usefixtures("people")
async def test_an_export_past_the_bounds_is_refused_and_recorded_nowhere(  # type: ignore[no-untyped-def]
    app: FastAPI, client, make_staff, sessionmaker
) -> None:
    admin = await make_staff("admin", [])
    slots: ExportSlots = app.state.export_slots
    assert (slots.total, slots.per_user) == (4, 2)  # EXPORT_MAX_CONCURRENT, _PER_USER
    held = [slots.take(admin.id), slots.take(admin.id)]  # two of the admin's still streaming
    mine = await client.get("/api/v1/exports/cases", params=FEB, headers=admin.headers)
    assert mine.status_code == 429 and mine.headers["retry-after"] == "10"
    assert mine.json()["type"] == "/problems/too-many-exports"
    assert "2 exports" in mine.json()["detail"]
    held[0].release()
    others = [slots.take(uuid.uuid4()) for _ in range(3)]  # the server's four places taken
    busy = await client.get("/api/v1/exports/cases", params=FEB, headers=admin.headers)
    assert busy.status_code == 503 and busy.json()["type"] == "/problems/exports-busy"
    assert await _export_events(sessionmaker) == 0
    # a HEAD takes no place but answers as its GET would
    assert (await client.head("/api/v1/exports/cases", params=FEB, headers=admin.headers)).status_code == 503
    assert slots.in_progress == 4
    others[0].release()
    sent = await client.get("/api/v1/exports/cases", params=FEB, headers=admin.headers)
    assert sent.status_code == 200
    assert await _export_events(sessionmaker) == 2  # its start and finish
    assert slots.in_progress == 3  # its place given back once sent: the three still held


@pytest.mark.usefixtures("people")
async def test_a_refused_or_failed_export_gives_its_place_back(app: FastAPI, client, make_staff) -> None:  # type: ignore[no-untyped-def]
    admin, supervisor = await make_staff("admin", []), await make_staff("supervisor")
    slots: ExportSlots = app.state.export_slots
    for params, headers, status in [
        ({**FEB, "format": "pdf"}, admin.headers, 422),
        ({**FEB, "named": "true", "purpose": "pour voir les noms"}, supervisor.headers, 403),
        ({**FEB, "desk": "NOWHERE"}, admin.headers, 422),
    ]:
        for _ in range(3):  # more than a staff member's places: each was given back
            assert (await client.get("/api/v1/exports/cases", params=params, headers=headers)).status_code == status
    assert slots.in_progress == 0


async def test_a_stream_failing_midway_gives_its_place_back() -> None:
    slots = ExportSlots(total=1, per_user=1)
    slot = slots.take(uuid.uuid4())

    async def body() -> AsyncIterator[bytes]:
        yield b"id\n"
        raise RuntimeError("the database went away")

    sent: list[dict[str, Any]] = []

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b"", "more_body": False}

    response = ExportResponse(body(), media_type="text/csv")
    response.on_close = slot.release
    scope = {"type": "http", "asgi": {"spec_version": "2.4"}, "method": "GET", "path": "/", "headers": []}
    with pytest.raises(RuntimeError, match="went away"):
        await response(scope, receive, send)
    assert sent[0]["type"] == "http.response.start"
    assert slots.in_progress == 0
