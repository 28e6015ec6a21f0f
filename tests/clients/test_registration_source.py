"""A registration records where it was made: at the counter (a staff sign-in, the desk's web
client) or through an app client (mobile app, server), so reports can tell them apart."""

from __future__ import annotations

import uuid
from typing import Any

import httpx
from sqlalchemy import select

from app.registrants.models import Registrant
from tests.clients.test_oauth import client_credentials_token, confidential_client
from tests.conftest import Staff


async def _source(sessionmaker: Any, registrant_id: str) -> str:
    async with sessionmaker() as session:
        found: str = (
            await session.execute(select(Registrant.source).where(Registrant.id == uuid.UUID(registrant_id)))
        ).scalar_one()
    return found


async def test_a_staff_member_signed_in_registers_at_the_counter(  # type: ignore[no-untyped-def]
    agent: Staff, make_registrant_via_api: Any, sessionmaker
) -> None:
    assert await _source(sessionmaker, await make_registrant_via_api(agent)) == "counter"


async def test_an_app_client_s_registration_is_an_api_one(  # type: ignore[no-untyped-def]
    client: httpx.AsyncClient, admin: Staff, agent: Staff, make_registrant_via_api: Any, sessionmaker
) -> None:
    _, auth = await confidential_client(client, admin, agent, ["registrants:read", "registrants:write"])
    token = await client_credentials_token(client, auth)
    app = Staff(agent.id, agent.email, agent.role, {"Authorization": f"Bearer {token['access_token']}"})
    assert await _source(sessionmaker, await make_registrant_via_api(app)) == "api"
