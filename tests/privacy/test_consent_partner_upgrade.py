"""Revision 3601 on a database written before it: each ``partner_referral`` consent bound to the one
partner its name designates (none, or several: left unbound, covering no referral), and partners
whose names fold alike renamed so that the folded name can be unique."""

from __future__ import annotations

import asyncio
import datetime as dt
import uuid
from typing import Any

import httpx
import sqlalchemy as sa
from alembic import command
from fastapi import FastAPI
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.cases.models import Partner
from app.core.config import Settings
from app.registrants.models import Consent
from tests.alembic_config import alembic_config
from tests.cases.conftest import open_case
from tests.conftest import Staff

# the partners table as revision 3501 has it (the model has name_key since 3601)
PARTNERS_3501 = sa.table(
    "partners",
    sa.column("id", sa.Uuid()),
    sa.column("name", sa.String()),
    sa.column("kind", sa.String()),
    sa.column("country", sa.String()),
    sa.column("is_active", sa.Boolean()),
    sa.column("version", sa.Integer()),
    sa.column("created_at", sa.DateTime(timezone=True)),
    sa.column("updated_at", sa.DateTime(timezone=True)),
)


async def test_the_upgrade_binds_consents_to_the_one_partner_their_name_designates(
    app: FastAPI,
    client: httpx.AsyncClient,
    admin: Staff,
    agent: Staff,
    make_registrant: Any,
    partner: dict[str, Any],
    settings: Settings,
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    caritas = await client.post(
        "/api/v1/partners", headers=admin.headers, json={"name": "Caritas Rabat", "kind": "ngo", "country": "MA"}
    )
    assert caritas.status_code == 201, caritas.text
    oim_person = await make_registrant(given="Awa", partner_name="oim maroc")
    caritas_person = await make_registrant(given="Binta", partner_name="Caritas Rabat")
    nobody_person = await make_registrant(given="Coumba", partner_name="Croix-Rouge Maroc")
    await app.state.engine.dispose()

    config = alembic_config(settings.effective_database_url)
    await asyncio.to_thread(command.downgrade, config, "3501")
    later = dt.datetime.now(dt.UTC) + dt.timedelta(minutes=1)
    twin = uuid.uuid4()
    async with sessionmaker() as session:  # a partner the code before 3601 let in: the name but for case
        await session.execute(
            sa.insert(PARTNERS_3501).values(
                id=twin,
                name="CARITAS  RABAT",
                kind="ngo",
                country="MA",
                is_active=True,
                version=1,
                created_at=later,
                updated_at=later,
            )
        )
        await session.commit()
    await app.state.engine.dispose()
    await asyncio.to_thread(command.upgrade, config, "head")
    await app.state.engine.dispose()

    async with sessionmaker() as session:
        bound = {r: p for r, p in (await session.execute(select(Consent.registrant_id, Consent.partner_id))).all()}
        names = {i: n for i, n in (await session.execute(select(Partner.id, Partner.name))).all()}
    assert bound == {oim_person: uuid.UUID(partner["id"]), caritas_person: None, nobody_person: None}
    assert names == {
        uuid.UUID(partner["id"]): "OIM Maroc",
        uuid.UUID(caritas.json()["id"]): "Caritas Rabat",  # the oldest keeps its name
        twin: "CARITAS  RABAT (2)",
    }

    # what the upgraded database does: the bound consent covers its partner, the others none
    oim_case = await open_case(client, agent, oim_person)
    caritas_case = await open_case(client, agent, caritas_person)
    referrals = [
        await client.post(f"/api/v1/cases/{case}/referrals", headers=agent.headers, json={"partner_id": to})
        for case, to in ((oim_case["id"], partner["id"]), (caritas_case["id"], caritas.json()["id"]))
    ]
    assert [r.status_code for r in referrals] == [201, 409]
    again = await client.post(
        "/api/v1/partners", headers=admin.headers, json={"name": "caritas rabat (2)", "kind": "ngo", "country": "MA"}
    )
    assert again.status_code == 409
