"""Guard: an erased person leaves nothing on any device. The person holds one record of every type
the sync sends (at their own desk, at a desk their file was transferred to, at a desk a merge or a
booking put them in); after the erasure, every device holding one of them gets its tombstone
(``anonymised``), and a device synced incrementally holds exactly what a fresh device holds."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

import httpx
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.appointments.models import Appointment
from app.cases.models import Case
from app.core.config import Settings
from app.core.db import run_after_commit, utcnow
from app.desks.models import Desk
from app.documents.storage import create_storage
from app.privacy.retention import RetentionPolicy, run_retention
from app.registrants.models import Registrant
from app.sync import records
from tests.cases.conftest import move, open_case, refer
from tests.conftest import Staff
from tests.merges.conftest import Pair, merge
from tests.sync.test_sync import PASSPORT, sync_all

Key = tuple[str, str]


def _held(items: list[dict[str, Any]], held: set[Key] | None = None) -> set[Key]:
    """What a device holds after applying ``items`` in order to ``held``."""
    out = set(held or ())
    for item in items:
        key = (item["type"], item["id"])
        if item["op"] == "upsert":
            out.add(key)
        else:
            out.discard(key)
    return out


async def _upload(client: httpx.AsyncClient, staff: Staff, owner: str, owner_id: str) -> str:
    response = await client.post(
        f"/api/v1/{owner}/{owner_id}/documents",
        headers=staff.headers,
        files={"file": ("p.pdf", PASSPORT.read_bytes(), "application/pdf")},
        data={"kind": "passport", "description": "passeport de la personne"},
    )
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


async def _note(client: httpx.AsyncClient, staff: Staff, case_id: str) -> None:
    response = await client.post(f"/api/v1/cases/{case_id}/notes", json={"text": "suivi"}, headers=staff.headers)
    assert response.status_code == 201, response.text


async def _book(
    sessionmaker: async_sessionmaker[AsyncSession], desk: str, agent: Staff, registrant: str, case: str | None
) -> None:
    """An appointment stored directly (booking one needs a free slot, not under test here)."""
    async with sessionmaker() as session:
        desk_id = (await session.execute(select(Desk.id).where(Desk.code == desk))).scalar_one()
        start = dt.datetime(2027, 3, 1, 10, tzinfo=dt.UTC)
        session.add(
            Appointment(
                desk_id=desk_id,
                agent_id=agent.id,
                registrant_id=uuid.UUID(registrant),
                case_id=uuid.UUID(case) if case else None,
                starts_at=start,
                ends_at=start + dt.timedelta(minutes=30),
            )
        )
        await session.commit()


async def test_every_synced_record_of_an_erased_person_gets_its_tombstone_at_every_desk(
    client: httpx.AsyncClient,
    make_staff: Any,
    make_registrant: Any,
    admin: Staff,
    partner: dict[str, Any],
    audit_log: Any,
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    agent: Staff = await make_staff("agent", ["CASA-BASE"])
    supervisor: Staff = await make_staff("supervisor", ["CASA-BASE"])
    dakar_agent: Staff = await make_staff("agent", ["DKR-MOB"])
    both: Staff = await make_staff("agent", ["CASA-BASE", "DKR-MOB"])
    person = str(await make_registrant("CASA-BASE", consents=("partner_referral", "transfer_to_senegal")))
    await make_registrant("CASA-BASE", given="Modou", family="Sy")  # someone else, kept everywhere

    case = (await open_case(client, agent, uuid.UUID(person)))["id"]
    await _note(client, agent, case)
    await refer(client, agent, case, partner["id"])
    await _upload(client, agent, "registrants", person)
    await _upload(client, agent, "cases", case)
    await _book(sessionmaker, "CASA-BASE", agent, person, case)
    await _book(sessionmaker, "DKR-MOB", both, person, None)  # booked at the other desk

    sent = (await open_case(client, agent, uuid.UUID(person)))["id"]
    moved = await move(client, agent, sent, "transferred", to_desk="DKR-MOB", legal_basis_note="retour")
    assert moved.status_code == 200, moved.text
    received = moved.json()["transferred_to_case_id"]
    copy = (await client.get(f"/api/v1/cases/{received}", headers=dakar_agent.headers)).json()["registrant_id"]
    await _note(client, dakar_agent, received)
    await _upload(client, dakar_agent, "cases", received)
    await _upload(client, dakar_agent, "registrants", copy)

    duplicate = str(await make_registrant("DKR-MOB", consents=()))  # the same person, registered at Dakar
    dakar_case = (await open_case(client, dakar_agent, uuid.UUID(duplicate)))["id"]
    await _note(client, dakar_agent, dakar_case)
    await _upload(client, dakar_agent, "cases", dakar_case)
    pair = Pair(survivor=person, merged=duplicate, case_id=dakar_case, survivor_number="", merged_number="")
    merged = await merge(client, admin, pair, choices={})  # the Dakar case stays at Dakar, now the person's
    assert merged.status_code in (200, 201), merged.text

    await audit_log.seal()
    devices = {"casa": agent, "dakar": dakar_agent, "both": both}
    before: dict[str, tuple[set[Key], str]] = {}
    for name, staff in devices.items():
        items, cursor = await sync_all(client, staff)
        before[name] = (_held(items), cursor)

    request = await client.post(
        "/api/v1/privacy/subject-requests",
        headers=supervisor.headers,
        json={"registrant_id": person, "kind": "erasure", "channel": "in_person"},
    )
    assert request.status_code == 201, request.text
    erased = await client.post(f"/api/v1/privacy/subject-requests/{request.json()['id']}/erase", headers=admin.headers)
    assert erased.status_code == 200, erased.text
    await audit_log.seal()

    tombstoned: set[str] = set()
    for name, staff in devices.items():
        held, cursor = before[name]
        changes, _ = await sync_all(client, staff, cursor)
        fresh = _held((await sync_all(client, staff))[0])
        assert _held(changes, held) == fresh, name  # the device synced incrementally holds what a new one holds
        dropped = {(i["type"], i["id"]) for i in changes if i.get("reason") == "anonymised"}
        assert held - fresh == dropped & held, name  # what the person had is exactly what was tombstoned
        tombstoned |= {kind for kind, _ in dropped}
        assert len(fresh) == (1 if name != "dakar" else 0), (name, fresh)  # only the other person is left
    assert tombstoned == set(records.TYPES)  # one of every synced type was held, and dropped


async def test_the_documents_retention_removes_from_a_closed_case_are_tombstoned(
    client: httpx.AsyncClient,
    make_staff: Any,
    make_registrant: Any,
    audit_log: Any,
    sessionmaker: async_sessionmaker[AsyncSession],
    settings: Settings,
) -> None:
    agent: Staff = await make_staff("agent", ["CASA-BASE"])
    person = await make_registrant("CASA-BASE")
    case = (await open_case(client, agent, person))["id"]
    document = await _upload(client, agent, "cases", case)
    now = utcnow()
    async with sessionmaker() as session:  # closed today, the file updated since: only the case expires
        await session.execute(update(Case).where(Case.id == uuid.UUID(case)).values(status="resolved", closed_at=now))
        later = now + dt.timedelta(days=4 * 365)
        await session.execute(update(Registrant).where(Registrant.id == person).values(updated_at=later))
        await session.commit()
    await audit_log.seal()
    held, cursor = await sync_all(client, agent)
    assert ("document", document) in _held(held)

    async with sessionmaker() as session:
        policy = RetentionPolicy.of(settings)
        storage = create_storage(settings)
        report = await run_retention(
            session, now=now + dt.timedelta(days=6 * 366), apply=True, policy=policy, storage=storage
        )
        await session.commit()
        await run_after_commit(session)
    assert report.done == [uuid.UUID(case)]
    await audit_log.seal()

    changes, _ = await sync_all(client, agent, cursor)
    assert {"type": "document", "id": document, "op": "delete", "reason": "purged"} in changes
    assert _held(changes, _held(held)) == _held((await sync_all(client, agent))[0])
