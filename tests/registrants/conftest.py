"""Registrant fixtures: staff of each desk, a minimal valid body, row counting."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.audit import payloads
from app.audit.models import AuditEvent
from app.cases.models import Partner
from app.registrants.models import Consent, IdentityDocument, Registrant, RegistrantPhone

URL = "/api/v1/registrants"


def person(**overrides: Any) -> dict[str, Any]:
    """A valid create body (no duplicates on an empty register)."""
    body: dict[str, Any] = {
        "given_names": "Ndèye Fatou",
        "family_name": "N'Diaye",
        "sex": "female",
        "date_of_birth": "1994-03-12",
    }
    body.update(overrides)
    return body


@pytest.fixture
async def casa_agent(make_staff):  # type: ignore[no-untyped-def]
    return await make_staff("agent", ["CASA-BASE"])


@pytest.fixture
async def dakar_agent(make_staff):  # type: ignore[no-untyped-def]
    return await make_staff("agent", ["DKR-MOB"])


@pytest.fixture
async def casa_supervisor(make_staff):  # type: ignore[no-untyped-def]
    return await make_staff("supervisor", ["CASA-BASE"])


@pytest.fixture
async def oim_maroc(sessionmaker: async_sessionmaker[AsyncSession]) -> uuid.UUID:
    """The partner "OIM Maroc" (its id), which a registration's referral consent may name."""
    async with sessionmaker() as session:
        partner = Partner(name="OIM Maroc", kind="international_organisation", country="MA")
        session.add(partner)
        await session.commit()
        return partner.id


@pytest.fixture
def create(client: httpx.AsyncClient) -> Callable[..., Awaitable[httpx.Response]]:
    """``await create(staff, body, confirm=False)`` → the POST response."""

    async def _create(staff: Any, body: dict[str, Any], confirm: bool = False, **kwargs: Any) -> httpx.Response:
        params = {"confirm_duplicates": "true"} if confirm else None
        return await client.post(URL, json=body, headers=staff.headers, params=params, **kwargs)

    return _create


@pytest.fixture
def count_rows(sessionmaker: async_sessionmaker[AsyncSession]) -> Callable[[], Awaitable[dict[str, int]]]:
    """Rows in the registrant tables and registrant audit events, to prove nothing was written."""

    async def _count() -> dict[str, int]:
        async with sessionmaker() as session:
            out = {}
            for name, model in (
                ("registrants", Registrant),
                ("phones", RegistrantPhone),
                ("documents", IdentityDocument),
                ("consents", Consent),
            ):
                out[name] = (await session.execute(select(func.count()).select_from(model))).scalar_one()
            out["audit_writes"] = (
                await session.execute(
                    select(func.count()).where(
                        AuditEvent.entity_type == "registrant", AuditEvent.action != "registrant.read"
                    )
                )
            ).scalar_one()
            return out

    return _count


@pytest.fixture
def audit_events(sessionmaker: async_sessionmaker[AsyncSession]) -> Callable[..., Awaitable[list[AuditEvent]]]:
    async def _events(entity_id: uuid.UUID | str, action: str | None = None) -> list[AuditEvent]:
        async with sessionmaker() as session:
            stmt = select(AuditEvent).where(AuditEvent.entity_id == str(entity_id)).order_by(AuditEvent.id)
            if action:
                stmt = stmt.where(AuditEvent.action == action)
            return list((await session.execute(stmt)).scalars().all())

    return _events


@pytest.fixture
def personal_values(sessionmaker: async_sessionmaker[AsyncSession]) -> Callable[..., Awaitable[Any]]:
    """``await personal_values(event)``: the personal values an audit event refers to (its erasable
    payload, checked against the digest in the event), or ``"erased"``."""

    async def _values(event: AuditEvent) -> Any:
        reference = event.details["personal"]
        async with sessionmaker() as session:
            return (await payloads.resolve(session, [reference]))[reference["payload"]]

    return _values
