"""Merge fixtures: two files of one person with records of every kind, and HTTP helpers."""

from __future__ import annotations

import datetime as dt
import io
import uuid
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.appointments.models import Appointment
from app.desks.models import Desk
from tests.conftest import Staff

URL = "/api/v1/registrant-merges"
REGISTRANTS = "/api/v1/registrants"
# What a read shows that a merge and its unmerge legitimately change: the version and its time.
MOVING = {"version", "updated_at"}


def awa(**overrides: Any) -> dict[str, Any]:
    """The survivor's registration body."""
    body: dict[str, Any] = {
        "given_names": "Awa",
        "family_name": "Badji",
        "sex": "female",
        "date_of_birth": "1994-03-12",
        "occupation": "couturière",
        "phones": [{"number": "+212612345678", "whatsapp": True}],
    }
    body.update(overrides)
    return body


def awa_again() -> dict[str, Any]:
    """The same person registered a second time: another occupation, an e-mail, a second phone,
    a passport and a consent the first file lacks."""
    return awa(
        occupation="commerçante",
        email="awa.badji@example.org",
        phones=[{"number": "+221771234567"}, {"number": "+212612345678"}],
        documents=[{"doc_type": "passport", "number": "A01234567", "issuing_country": "SN"}],
        consents=[
            {
                "purpose": "statistics",
                "granted": True,
                "channel": "in_person",
                "notice_version": "2026-01",
                "language": "fr",
            }
        ],
    )


def _png() -> bytes:
    """A small PNG scan (the upload sniffs the type and strips metadata with Pillow)."""
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (8, 8), (200, 30, 30)).save(out, format="PNG")
    return out.getvalue()


@dataclass
class Pair:
    """Two files of one person: ``survivor`` and ``merged`` (ids), and the merged file's case."""

    survivor: str
    merged: str
    case_id: str
    survivor_number: str
    merged_number: str


async def register(client: httpx.AsyncClient, staff: Staff, body: dict[str, Any]) -> dict[str, Any]:
    response = await client.post(REGISTRANTS, json=body, headers=staff.headers, params={"confirm_duplicates": "true"})
    assert response.status_code == 201, response.text
    return response.json()  # type: ignore[no-any-return]


async def read(client: httpx.AsyncClient, staff: Staff, registrant_id: str) -> httpx.Response:
    return await client.get(f"{REGISTRANTS}/{registrant_id}", headers=staff.headers)


def stable(record: dict[str, Any]) -> dict[str, Any]:
    """A read without what legitimately moves (version, update time)."""
    return {k: v for k, v in record.items() if k not in MOVING}


@pytest.fixture
async def agent(make_staff) -> Staff:  # type: ignore[no-untyped-def]
    return await make_staff("agent", ["CASA-BASE"])


@pytest.fixture
async def supervisor(make_staff) -> Staff:  # type: ignore[no-untyped-def]
    return await make_staff("supervisor", ["CASA-BASE"])


@pytest.fixture
async def pair(client: httpx.AsyncClient, agent: Staff, sessionmaker: async_sessionmaker[AsyncSession]) -> Pair:
    """Two CASA-BASE files of Awa Badji; the second has a case with a note, an appointment
    (stored directly: booking one needs a free slot in the desk's opening hours, not under test
    here) and an uploaded document."""
    first = await register(client, agent, awa())
    second = await register(client, agent, awa_again())
    case = await client.post(
        "/api/v1/cases",
        headers=agent.headers,
        json={"registrant_id": second["id"], "service_type": "SOCIAL", "channel": "walk_in"},
    )
    assert case.status_code == 201, case.text
    note = await client.post(
        f"/api/v1/cases/{case.json()['id']}/notes", headers=agent.headers, json={"text": "Vue au guichet."}
    )
    assert note.status_code == 201, note.text
    upload = await client.post(
        f"{REGISTRANTS}/{second['id']}/documents",
        headers=agent.headers,
        files={"file": ("passeport.png", _png(), "image/png")},
        data={"kind": "passport"},
    )
    assert upload.status_code == 201, upload.text
    async with sessionmaker() as session:
        desk_id = (await session.execute(select(Desk.id).where(Desk.code == "CASA-BASE"))).scalar_one()
        start = dt.datetime(2027, 3, 1, 10, tzinfo=dt.UTC)
        session.add(
            Appointment(
                desk_id=desk_id,
                agent_id=agent.id,
                registrant_id=uuid.UUID(second["id"]),
                starts_at=start,
                ends_at=start + dt.timedelta(minutes=30),
            )
        )
        await session.commit()
    return Pair(
        survivor=first["id"],
        merged=second["id"],
        case_id=case.json()["id"],
        survivor_number=first["registration_number"],
        merged_number=second["registration_number"],
    )


async def merge(
    client: httpx.AsyncClient, staff: Staff, pair: Pair, *, choices: dict[str, str] | None = None, **extra: Any
) -> httpx.Response:
    """POST a merge of ``pair`` with both files' current ETags (unless ``extra`` overrides them)."""
    etags = {}
    for name, registrant_id in (("survivor", pair.survivor), ("merged", pair.merged)):
        response = await read(client, staff, registrant_id)
        etags[f"{name}_etag"] = response.headers.get("etag")
    body = {
        "survivor_id": pair.survivor,
        "merged_id": pair.merged,
        **etags,
        "choices": {"occupation": "merged", "email": "merged"} if choices is None else choices,
        **extra,
    }
    return await client.post(URL, json=body, headers=staff.headers)


async def require_approval(client: httpx.AsyncClient, admin: Staff) -> None:
    """Make CASA-BASE require a supervisor's approval of an agent's merge."""
    desk = next(
        d for d in (await client.get("/api/v1/desks", headers=admin.headers)).json() if d["code"] == "CASA-BASE"
    )
    etag = (await client.get(f"/api/v1/desks/{desk['id']}", headers=admin.headers)).headers["etag"]
    response = await client.patch(
        f"/api/v1/desks/{desk['id']}",
        json={"merge_requires_approval": True},
        headers={**admin.headers, "If-Match": etag},
    )
    assert response.status_code == 200, response.text
    assert response.json()["merge_requires_approval"] is True
