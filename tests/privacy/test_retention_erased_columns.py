"""A closed case past retention loses at least what an erasure removes from the same tables (the
case, its notes, referrals and appointments): the partner's reference of a referral as well as its
outcome, an appointment's purpose and reason. A case emptied before retention removed all of it is
found again by the next run."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

import httpx
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.appointments.models import Appointment
from app.cases.models import Case, CaseNote, Referral
from app.core.config import Settings
from app.core.db import run_after_commit, utcnow
from app.documents.storage import create_storage
from app.privacy.retention import RetentionPolicy, RetentionReport, run_retention
from app.registrants.models import Registrant
from tests.appointments.conftest import insert_appointment
from tests.cases.conftest import open_case, refer
from tests.conftest import Staff

NOW = utcnow()
LATER = NOW + dt.timedelta(days=6 * 366)  # past the default five-year periods
TABLES = (Case, CaseNote, Referral, Appointment)


async def _closed_case(
    client: httpx.AsyncClient,
    agent: Staff,
    partner: dict[str, Any],
    sessionmaker: async_sessionmaker[AsyncSession],
    desk_id: uuid.UUID,
    registrant_id: uuid.UUID,
) -> uuid.UUID:
    """A case closed today with every free text a case's rows hold: description, outcome note, a
    note, a referral answered with the partner's reference and an outcome, an appointment of the
    case with its purpose and the reason it was cancelled."""
    case = await open_case(client, agent, registrant_id, description="perte de passeport à Fès")
    note = await client.post(f"/api/v1/cases/{case['id']}/notes", headers=agent.headers, json={"text": "vu à Fès"})
    assert note.status_code == 201, note.text
    referral = await refer(client, agent, case["id"], partner["id"], partner_reference="OIM-CASA-2026-117")
    appointment = await insert_appointment(
        sessionmaker,
        desk_id=desk_id,
        agent_id=agent.id,
        registrant_id=registrant_id,
        starts_at=NOW.replace(microsecond=0) - dt.timedelta(days=1),
        status="cancelled",
    )
    case_id = uuid.UUID(case["id"])
    async with sessionmaker() as session, session.begin():
        await session.execute(
            update(Referral)
            .where(Referral.id == uuid.UUID(referral["id"]))
            .values(status="answered", answered_on=NOW.date(), outcome="hébergé au foyer")
        )
        await session.execute(
            update(Appointment)
            .where(Appointment.id == appointment)
            .values(case_id=case_id, purpose="dépôt du dossier", status_reason="malade")
        )
        await session.execute(
            update(Case)
            .where(Case.id == case_id)
            .values(status="resolved", closed_at=NOW, outcome_category="social", outcome_note="rentré au pays")
        )
    return case_id


async def _rows(sessionmaker: async_sessionmaker[AsyncSession], case_id: uuid.UUID) -> dict[str, dict[str, Any]]:
    """Each table's row of the case (one each), column by column."""
    out = {}
    async with sessionmaker() as session:
        for model in TABLES:
            key = model.id if model is Case else model.case_id
            row = (await session.execute(select(model).where(key == case_id))).scalar_one()
            out[model.__tablename__] = {c.key: getattr(row, c.key) for c in model.__table__.columns}
    return out


def _emptied(before: dict[str, dict[str, Any]], after: dict[str, dict[str, Any]]) -> set[tuple[str, str]]:
    """The ``(table, column)`` that held a value before and hold none (null, ``""``) after."""
    return {
        (table, column)
        for table, columns in before.items()
        for column, value in columns.items()
        if value not in (None, "") and after[table][column] in (None, "")
    }


async def _retention(sessionmaker: async_sessionmaker[AsyncSession], settings: Settings) -> RetentionReport:
    async with sessionmaker() as session:
        report = await run_retention(
            session, now=LATER, apply=True, policy=RetentionPolicy.of(settings), storage=create_storage(settings)
        )
        await session.commit()
        await run_after_commit(session)
    return report


async def _still_served(sessionmaker: async_sessionmaker[AsyncSession], registrant_id: uuid.UUID) -> None:
    """The person's file was updated four years on: they are not due, only their closed case."""
    async with sessionmaker() as session, session.begin():
        await session.execute(
            update(Registrant).where(Registrant.id == registrant_id).values(updated_at=NOW + dt.timedelta(days=4 * 365))
        )


async def test_retention_empties_every_column_of_a_closed_case_that_an_erasure_empties(
    client: httpx.AsyncClient,
    agent: Staff,
    supervisor: Staff,
    partner: dict[str, Any],
    make_registrant,  # type: ignore[no-untyped-def]
    sessionmaker: async_sessionmaker[AsyncSession],
    settings: Settings,
    desk_ids: dict[str, uuid.UUID],
) -> None:
    erased, kept = await make_registrant(family="Sané"), await make_registrant(family="Diop")
    cases = {
        who: await _closed_case(client, agent, partner, sessionmaker, desk_ids["CASA-BASE"], rid)
        for who, rid in (("erased", erased), ("kept", kept))
    }
    before = {who: await _rows(sessionmaker, case_id) for who, case_id in cases.items()}
    request = await client.post(
        "/api/v1/privacy/subject-requests",
        headers=supervisor.headers,
        json={"registrant_id": str(erased), "kind": "erasure"},
    )
    erasure = await client.post(
        f"/api/v1/privacy/subject-requests/{request.json()['id']}/erase", headers=supervisor.headers
    )
    assert erasure.status_code == 200, erasure.text
    await _still_served(sessionmaker, kept)

    report = await _retention(sessionmaker, settings)

    assert report.done == [cases["kept"]]
    by_erasure = _emptied(before["erased"], await _rows(sessionmaker, cases["erased"]))
    by_retention = _emptied(before["kept"], await _rows(sessionmaker, cases["kept"]))
    assert {("referrals", "partner_reference"), ("appointments", "purpose")} <= by_erasure  # the test sees them
    assert sorted(by_erasure - by_retention) == []
    referral = (await _rows(sessionmaker, cases["kept"]))["referrals"]
    assert (referral["partner_reference"], referral["outcome"], referral["status"]) == (None, None, "answered")


async def test_a_case_emptied_but_for_a_partner_s_reference_is_found_and_emptied_by_the_next_run(
    client: httpx.AsyncClient,
    agent: Staff,
    partner: dict[str, Any],
    make_registrant,  # type: ignore[no-untyped-def]
    sessionmaker: async_sessionmaker[AsyncSession],
    settings: Settings,
    desk_ids: dict[str, uuid.UUID],
) -> None:
    rid = await make_registrant(family="Diop")
    case_id = await _closed_case(client, agent, partner, sessionmaker, desk_ids["CASA-BASE"], rid)
    await _still_served(sessionmaker, rid)
    # as a run that emptied the case's other texts but kept its referral's reference left it
    async with sessionmaker() as session, session.begin():
        await session.execute(update(Case).where(Case.id == case_id).values(description="", outcome_note=None))
        await session.execute(update(CaseNote).where(CaseNote.case_id == case_id).values(text=""))
        await session.execute(update(Referral).where(Referral.case_id == case_id).values(outcome=None))
        await session.execute(
            update(Appointment).where(Appointment.case_id == case_id).values(purpose=None, status_reason=None)
        )

    first = await _retention(sessionmaker, settings)
    second = await _retention(sessionmaker, settings)

    assert ([(i.category, i.id) for i in first.items], first.done) == ([("closed_case", case_id)], [case_id])
    assert (await _rows(sessionmaker, case_id))["referrals"]["partner_reference"] is None
    assert (second.items, second.done) == ([], [])
