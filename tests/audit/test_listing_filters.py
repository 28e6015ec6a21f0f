"""The audit event listing's filters: each narrows to the matching events; times are inclusive UTC bounds."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest

from app.audit.models import AuditEvent

UTC = dt.UTC
ACTOR_A = uuid.UUID("00000000-0000-4000-8000-00000000000a")
ACTOR_B = uuid.UUID("00000000-0000-4000-8000-00000000000b")
DESK_1 = uuid.UUID("00000000-0000-4000-8000-0000000000d1")
DESK_2 = uuid.UUID("00000000-0000-4000-8000-0000000000d2")
T0 = dt.datetime(2026, 11, 30, 10, 0, 0, tzinfo=UTC)
SECOND = dt.timedelta(seconds=1)

EVENTS = [
    # request_id names the event in the answers
    dict(request_id="e1", actor_id=ACTOR_A, action="case.read", entity_type="case", entity_id="1", desk_id=DESK_1),
    dict(request_id="e2", actor_id=ACTOR_B, action="case.update", entity_type="case", entity_id="2", desk_id=DESK_2),
    dict(request_id="e3", actor_id=ACTOR_A, action="registrant.read", entity_type="registrant", entity_id="1"),
]


@pytest.fixture
async def listed(sessionmaker, client, make_staff):  # type: ignore[no-untyped-def]
    """``await listed(**params)`` → the ``request_id`` of the events listed, newest first."""
    async with sessionmaker() as session:
        for i, fields in enumerate(EVENTS):
            session.add(AuditEvent(occurred_at=T0 + i * SECOND, actor_label="x", actor_role="agent", **fields))
        await session.commit()
    auditor = await make_staff("auditor", [])

    async def listed(**params: str) -> list[str]:
        response = await client.get("/api/v1/audit/events", params=params, headers=auditor.headers)
        assert response.status_code == 200, response.text
        return [item["request_id"] for item in response.json()["items"]]

    return listed


async def test_without_filters_every_event_is_listed(listed) -> None:
    assert await listed() == ["e3", "e2", "e1"]


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"actor_id": str(ACTOR_A)}, ["e3", "e1"]),
        ({"actor_id": str(ACTOR_B)}, ["e2"]),
        ({"action": "case.update"}, ["e2"]),
        ({"entity_type": "case"}, ["e2", "e1"]),
        ({"entity_id": "1"}, ["e3", "e1"]),
        ({"entity_type": "case", "entity_id": "1"}, ["e1"]),
        ({"desk_id": str(DESK_2)}, ["e2"]),
        ({"desk_id": str(DESK_1)}, ["e1"]),
        ({"since": "2026-11-30T10:00:01+00:00"}, ["e3", "e2"]),
        ({"until": "2026-11-30T10:00:01+00:00"}, ["e2", "e1"]),
        ({"since": "2026-11-30T11:00:01+01:00", "until": "2026-11-30T11:00:01+01:00"}, ["e2"]),
        ({"since": "2026-11-30T10:00:00.000001+00:00", "until": "2026-11-30T10:00:01.999999+00:00"}, ["e2"]),
        ({"actor_id": str(ACTOR_A), "since": "2026-11-30T10:00:01+00:00"}, ["e3"]),
        ({"action": "case.delete"}, []),
    ],
)
async def test_each_filter_lists_exactly_the_matching_events(
    listed, params: dict[str, str], expected: list[str]
) -> None:
    assert await listed(**params) == expected
