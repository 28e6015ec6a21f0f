"""Retention with a clock the test controls: the dry run lists, the run anonymises (audited), a
second run finds nothing new, a legal hold keeps a file; the same through ``diaspora-desk retention``."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

import httpx
import pytest
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from typer.testing import CliRunner

from app.audit.models import AuditEvent
from app.cases.models import Case, CaseNote
from app.cli import cli
from app.core.config import Settings
from app.core.db import run_after_commit, utcnow
from app.documents.storage import create_storage
from app.privacy.retention import RetentionPolicy, RetentionReport, run_retention
from app.registrants.models import Registrant
from tests.cases.conftest import open_case
from tests.conftest import TEST_SECRET, Staff

NOW = utcnow()
LATER = NOW + dt.timedelta(days=6 * 366)  # six years on: past the default five-year periods


@pytest.fixture
async def world(
    client: httpx.AsyncClient,
    agent: Staff,
    supervisor: Staff,
    make_registrant,  # type: ignore[no-untyped-def]
    sessionmaker: async_sessionmaker[AsyncSession],
) -> dict[str, Any]:
    """``inactive``: nothing since today; ``active``: an open case; ``recent``: a case closed today
    but an update of the file four years on; ``held``: inactive, under a legal hold until 2099."""
    people = {
        name: await make_registrant(family=family)
        for name, family in (("inactive", "Sané"), ("active", "Diop"), ("recent", "Mbaye"), ("held", "Fall"))
    }
    await open_case(client, agent, people["active"], description="Demande en cours")
    closed = await open_case(client, agent, people["recent"], description="Perte de passeport à Fès")
    note = await client.post(f"/api/v1/cases/{closed['id']}/notes", headers=agent.headers, json={"text": "Vu à Fès"})
    hold = await client.post(
        "/api/v1/privacy/legal-holds",
        headers=supervisor.headers,
        json={"registrant_id": str(people["held"]), "reason": "Enquête du procureur", "until": "2099-12-31"},
    )
    assert (note.status_code, hold.status_code) == (201, 201)
    async with sessionmaker() as session:
        await session.execute(
            update(Case).where(Case.id == uuid.UUID(closed["id"])).values(status="resolved", closed_at=NOW)
        )
        await session.execute(
            update(Registrant)
            .where(Registrant.id == people["recent"])
            .values(updated_at=NOW + dt.timedelta(days=4 * 365))
        )
        await session.commit()
    return {**people, "case": uuid.UUID(closed["id"]), "hold": hold.json()["id"]}


async def _run(sessionmaker: async_sessionmaker[AsyncSession], settings: Settings, *, apply: bool) -> RetentionReport:
    async with sessionmaker() as session:
        report = await run_retention(
            session, now=LATER, apply=apply, policy=RetentionPolicy.of(settings), storage=create_storage(settings)
        )
        await session.commit()
        await run_after_commit(session)
    return report


async def _families(sessionmaker: async_sessionmaker[AsyncSession], world: dict[str, Any]) -> dict[str, str]:
    async with sessionmaker() as session:
        rows = await session.execute(select(Registrant.id, Registrant.family_name))
        by_id = {rid: family for rid, family in rows}
    return {name: by_id[world[name]] for name in ("inactive", "active", "recent", "held")}


async def test_dry_run_lists_run_anonymises_and_second_run_finds_nothing_new(
    world: dict[str, Any], sessionmaker: async_sessionmaker[AsyncSession], settings: Settings
) -> None:
    dry = await _run(sessionmaker, settings, apply=False)
    listed = sorted((i.category, i.id, i.legal_hold_id is not None) for i in dry.items)
    assert listed == sorted(
        [
            ("closed_case", world["case"], False),
            ("registrant", world["inactive"], False),
            ("registrant", world["held"], True),
        ]
    )
    (held,) = dry.held
    assert (str(held.legal_hold_id), held.legal_hold_reason) == (world["hold"], "Enquête du procureur")
    assert dry.done == []
    assert await _families(sessionmaker, world) == {
        "inactive": "Sané",
        "active": "Diop",
        "recent": "Mbaye",
        "held": "Fall",
    }

    applied = await _run(sessionmaker, settings, apply=True)
    assert sorted(applied.done) == sorted([world["case"], world["inactive"]])
    assert await _families(sessionmaker, world) == {
        "inactive": "[anonymisé]",
        "active": "Diop",
        "recent": "Mbaye",
        "held": "Fall",
    }
    async with sessionmaker() as session:
        case = await session.get(Case, world["case"])
        notes = (await session.execute(select(CaseNote.text).where(CaseNote.case_id == world["case"]))).scalars().all()
        events = (
            (await session.execute(select(AuditEvent).where(AuditEvent.action.like("privacy.retention%"))))
            .scalars()
            .all()
        )
        erasures = (
            (await session.execute(select(AuditEvent.details).where(AuditEvent.action == "privacy.erasure")))
            .scalars()
            .all()
        )
    assert case is not None and (case.description, case.status, notes) == ("", "resolved", [""])
    assert sorted(e.action for e in events) == ["privacy.retention_case", "privacy.retention_run"]
    run_event = next(e for e in events if e.action == "privacy.retention_run")
    assert (
        run_event.details["cases_expired"],
        run_event.details["registrants_anonymised"],
        run_event.details["held"],
    ) == (1, 1, 1)
    assert [e["trigger"] for e in erasures] == ["retention"]

    again = await _run(sessionmaker, settings, apply=True)
    assert ([(i.category, i.id) for i in again.items], again.done) == ([("registrant", world["held"])], [])


def test_cli_dry_run_and_apply(world: dict[str, Any], settings: Settings, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DATABASE_URL", settings.database_url)
    monkeypatch.setenv("SECRET_KEY", TEST_SECRET)
    monkeypatch.setenv("DATA_DIR", str(settings.data_dir))
    later = LATER.isoformat()
    dry = CliRunner().invoke(cli, ["retention", "--dry-run", "--now", later])
    assert dry.exit_code == 0, dry.output
    assert f"would anonymise registrant {world['inactive']}" in dry.output
    assert f"would anonymise closed_case {world['case']}" in dry.output
    assert f"kept registrant {world['held']}" in dry.output and "Enquête du procureur" in dry.output
    assert f"DRY RUN (nothing written) at {later}: 2 past retention, 1 under legal hold" in dry.output
    applied = CliRunner().invoke(cli, ["retention", "--apply", "--now", later])
    assert applied.exit_code == 0, applied.output
    assert "applied at" in applied.output and "2 past retention, 1 under legal hold" in applied.output
    again = CliRunner().invoke(cli, ["retention", "--apply", "--now", later])
    assert "0 past retention, 1 under legal hold" in again.output
    bad = CliRunner().invoke(cli, ["retention", "--dry-run", "--now", "next tuesday"])
    assert bad.exit_code == 2 and "not an ISO 8601 time" in bad.output


async def test_a_case_expired_by_retention_gets_a_new_etag(
    world: dict[str, Any],
    client: httpx.AsyncClient,
    supervisor: Staff,
    sessionmaker: async_sessionmaker[AsyncSession],
    settings: Settings,
) -> None:
    url = f"/api/v1/cases/{world['case']}"
    before = await client.get(url, headers=supervisor.headers)
    await _run(sessionmaker, settings, apply=True)
    after = await client.get(url, headers=supervisor.headers)
    assert (before.json()["description"], after.json()["description"]) == ("Perte de passeport à Fès", "")
    assert after.headers["etag"] != before.headers["etag"]
