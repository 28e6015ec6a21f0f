"""Fixtures of the cases tests: registrants and consents written straight to the database (the
registrants API is another domain's), staff of each role, partners, and HTTP helpers."""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import asdict, dataclass
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.cases.models import Case, Partner, Referral
from app.core.text import fold
from app.desks.models import Desk
from app.registrants.models import Consent, Registrant, RegistrantPhone
from app.registrants.normalize import name_keys
from tests.conftest import Staff

_numbers = iter(range(1, 1_000_000))


@pytest.fixture
def make_registrant(sessionmaker: async_sessionmaker[AsyncSession]):  # type: ignore[no-untyped-def]
    """``await make_registrant("CASA-BASE", consents=["desk_transfer"])`` → the registrant's id.

    By default the person consents to referral to the partner "OIM Maroc" (the ``partner``
    fixture), as people referred at the counter do; pass ``consents=()`` for none. The consent is
    about the partner of that name if one is recorded (as the API binds it), else about none."""

    async def make(
        desk: str = "CASA-BASE",
        given: str = "Awa",
        family: str = "Ndiaye",
        consents: tuple[str, ...] = ("partner_referral",),
        withdrawn: tuple[str, ...] = (),
        partner_name: str = "OIM Maroc",
        registered_on: dt.date | None = None,
    ) -> uuid.UUID:
        async with sessionmaker() as session:
            desk_id, zone = (await session.execute(select(Desk.id, Desk.time_zone).where(Desk.code == desk))).one()
            registrant = Registrant(
                id=uuid.uuid4(),
                desk_id=desk_id,
                registration_number=f"TEST-2026-{next(_numbers):06d}",
                given_names=given,
                family_name=family,
                **asdict(name_keys(given, family)),
                sex="female",
                date_of_birth="1994-03",
                birth_year=1994,
                nationality="SN",
                languages=["wo", "fr"],
                residence_status="carte de séjour expirée",
                registered_on=registered_on or dt.datetime.now(ZoneInfo(zone)).date(),
            )
            session.add(registrant)
            await session.flush()
            session.add(RegistrantPhone(registrant_id=registrant.id, e164="+212612345678", whatsapp=True))
            bound = {}
            if "partner_referral" in (*consents, *withdrawn):
                designated = select(Partner.id).where(Partner.name_key == fold(partner_name))
                bound["partner_id"] = (await session.execute(designated)).scalar_one_or_none()
            for purpose in (*consents, *withdrawn):
                session.add(
                    Consent(
                        registrant_id=registrant.id,
                        purpose=purpose,
                        granted=True,
                        channel="counter",
                        notice_version="2026-01",
                        language="fr",
                        partner_name=partner_name if purpose == "partner_referral" else None,
                        **(bound if purpose == "partner_referral" else {}),
                        withdrawn_at=dt.datetime(2026, 6, 1, tzinfo=dt.UTC) if purpose in withdrawn else None,
                    )
                )
            await session.commit()
            return registrant.id

    return make


async def registered_on(sessionmaker: async_sessionmaker[AsyncSession], registrant_id: Any, day: dt.date) -> None:
    """Date the registration of ``registrant_id`` back to ``day`` (the API registers today only):
    a person's request cannot be received before their file existed."""
    async with sessionmaker() as session:
        await session.execute(
            update(Registrant).where(Registrant.id == uuid.UUID(str(registrant_id))).values(registered_on=day)
        )
        await session.commit()


@pytest.fixture
async def agent(make_staff) -> Staff:  # type: ignore[no-untyped-def]
    return await make_staff("agent", ["CASA-BASE"], email="agent.casa@desk.example")


@pytest.fixture
async def agent2(make_staff) -> Staff:  # type: ignore[no-untyped-def]
    return await make_staff("agent", ["CASA-BASE"], email="agent2.casa@desk.example")


@pytest.fixture
async def supervisor(make_staff) -> Staff:  # type: ignore[no-untyped-def]
    return await make_staff("supervisor", ["CASA-BASE"], email="supervisor.casa@desk.example")


@pytest.fixture
async def admin(make_staff) -> Staff:  # type: ignore[no-untyped-def]
    return await make_staff("admin", ["CASA-BASE", "DKR-MOB"], email="admin@desk.example")


@pytest.fixture
async def dakar_agent(make_staff) -> Staff:  # type: ignore[no-untyped-def]
    return await make_staff("agent", ["DKR-MOB"], email="agent.dakar@desk.example")


@pytest.fixture
async def partner(client: httpx.AsyncClient, admin: Staff) -> dict[str, Any]:
    """An active partner handling RESIDENCE_MA and LEGAL_AID in Morocco."""
    response = await client.post(
        "/api/v1/partners",
        headers=admin.headers,
        json={
            "name": "OIM Maroc",
            "kind": "international_organisation",
            "country": "MA",
            "city": "Rabat",
            "contact_email": "contact@iom.example",
            "contact_phone": "+212 5 37 65 28 81",
            "service_types": ["RETURN_REINTEGRATION", "EMERGENCY"],
        },
    )
    assert response.status_code == 201, response.text
    return response.json()  # type: ignore[no-any-return]


async def open_case(
    client: httpx.AsyncClient, staff: Staff, registrant_id: uuid.UUID, service_type: str = "SOCIAL", **extra: Any
) -> dict[str, Any]:
    """POST /cases and return the body (asserting 201)."""
    body = {"registrant_id": str(registrant_id), "service_type": service_type, "channel": "walk_in", **extra}
    response = await client.post("/api/v1/cases", headers=staff.headers, json=body)
    assert response.status_code == 201, response.text
    return response.json()  # type: ignore[no-any-return]


async def etag(client: httpx.AsyncClient, staff: Staff, case_id: str) -> str:
    response = await client.get(f"/api/v1/cases/{case_id}", headers=staff.headers)
    assert response.status_code == 200, response.text
    return response.headers["etag"]


async def move(client: httpx.AsyncClient, staff: Staff, case_id: str, to: str, **body: Any) -> httpx.Response:
    """POST a transition with the case's current ETag."""
    tag = await etag(client, staff, case_id)
    return await client.post(
        f"/api/v1/cases/{case_id}/transitions",
        headers={**staff.headers, "If-Match": tag},
        json={"to": to, **body},
    )


async def refer(client: httpx.AsyncClient, staff: Staff, case_id: str, partner_id: str, **body: Any) -> dict[str, Any]:
    response = await client.post(
        f"/api/v1/cases/{case_id}/referrals", headers=staff.headers, json={"partner_id": partner_id, **body}
    )
    assert response.status_code == 201, response.text
    return response.json()  # type: ignore[no-any-return]


@dataclass
class Db:
    """Direct database edits for arranging a test's starting state (never for asserting)."""

    sessionmaker: async_sessionmaker[AsyncSession]

    async def set_case(self, case_id: str, **values: Any) -> None:
        async with self.sessionmaker() as session:
            await session.execute(update(Case).where(Case.id == uuid.UUID(case_id)).values(**values))
            await session.commit()

    async def set_referral(self, referral_id: str, **values: Any) -> None:
        async with self.sessionmaker() as session:
            await session.execute(update(Referral).where(Referral.id == uuid.UUID(referral_id)).values(**values))
            await session.commit()


@pytest.fixture
def db(sessionmaker: async_sessionmaker[AsyncSession]) -> Db:
    return Db(sessionmaker)
