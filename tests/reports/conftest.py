"""Fixtures of the reports tests: a small data set built row by row in each test.

Rows are inserted directly through the models (the registrants and cases services live on other
branches); every helper returns what it created.
"""

from __future__ import annotations

import datetime as dt
import itertools
import tempfile
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.appointments.models import Appointment
from app.auth.models import StaffUser
from app.cases.models import Case, Partner, Referral, ServiceType
from app.registrants.models import Consent, IdentityDocument, Registrant, RegistrantPhone
from app.registrants.normalize import name_keys


@pytest.fixture
def export_tmpdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The system's temporary folder for the test: where the exports' workbooks go, watched by it."""
    path = tmp_path / "exports"
    path.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(path))
    return path


_ZONES = {"CASA-BASE": "Africa/Casablanca", "DKR-MOB": "Africa/Dakar"}
_numbers = itertools.count(1)


def utc(y: int, m: int, d: int, h: int = 10, minute: int = 0) -> dt.datetime:
    return dt.datetime(y, m, d, h, minute, tzinfo=dt.UTC)


@dataclass
class World:
    """Builds registrants, service types, partners, cases and referrals in one session."""

    session: AsyncSession
    desks: dict[str, uuid.UUID]
    service_types: dict[str, uuid.UUID] = field(default_factory=dict)
    partners: dict[str, uuid.UUID] = field(default_factory=dict)
    agent_id: uuid.UUID | None = None

    async def registrant(
        self,
        *,
        desk: str = "CASA-BASE",
        sex: str = "female",
        dob: str | None = "1990-05-17",
        at: dt.datetime | None = None,
        family: str = "Ndiaye",
        given: str = "Aïssatou",
        region: str | None = "SN-DK",
        city: str | None = "Casablanca",
        status: str | None = "student",
        phones: list[str] | None = None,
        documents: list[tuple[str, str]] | None = None,
        consents: tuple[str, ...] = ("named_export",),
        **extra: Any,
    ) -> Registrant:
        n = next(_numbers)
        registrant = Registrant(
            desk_id=self.desks[desk],
            registration_number=f"{desk[:4]}-2026-{n:06d}",
            given_names=given,
            family_name=family,
            **asdict(name_keys(given, family)),
            sex=sex,
            date_of_birth=dob,
            birth_year=int(dob[:4]) if dob else None,
            origin_region_code=region,
            host_city=city,
            status_category=status,
            residence_status="titre de séjour en cours",
            created_at=at or utc(2026, 2, 10),
            registered_on=(at or utc(2026, 2, 10)).astimezone(ZoneInfo(_ZONES[desk])).date(),
            **extra,
        )
        self.session.add(registrant)
        await self.session.flush()
        for purpose in consents:  # named_export by default: named exports name the person
            self.session.add(
                Consent(
                    registrant_id=registrant.id,
                    purpose=purpose,
                    granted=True,
                    channel="in_person",
                    notice_version="2026-01",
                    language="wo",
                    recorded_at=at or utc(2026, 2, 10),
                )
            )
        for i, e164 in enumerate(phones or []):
            self.session.add(RegistrantPhone(registrant_id=registrant.id, e164=e164, position=i))
        for i, (doc_type, number) in enumerate(documents or []):
            self.session.add(
                IdentityDocument(
                    registrant_id=registrant.id,
                    doc_type=doc_type,
                    number=number,
                    position=i,
                    expires_on=dt.date(2031, 1, 31),
                )
            )
        await self.session.flush()
        return registrant

    async def consent(self, registrant: Registrant, purpose: str, **values: Any) -> Consent:
        """A granted consent recorded on 10 February 2026, or as ``values`` say (granted, recorded_at,
        withdrawn_at, expires_at…)."""
        defaults = {"granted": True, "channel": "in_person", "notice_version": "2026-01", "language": "wo"}
        consent = Consent(
            registrant_id=registrant.id, purpose=purpose, **{**defaults, "recorded_at": utc(2026, 2, 10), **values}
        )
        self.session.add(consent)
        await self.session.flush()
        return consent

    async def service_type(self, code: str, category: str = "social") -> uuid.UUID:
        if code not in self.service_types:
            found = (
                await self.session.execute(select(ServiceType).where(ServiceType.code == code))
            ).scalar_one_or_none()
            if found is None:
                found = ServiceType(code=code, label_fr=code, label_en=code, category=category, default_sla_days=10)
                self.session.add(found)
                await self.session.flush()
            self.service_types[code] = found.id
        return self.service_types[code]

    async def partner(self, name: str) -> uuid.UUID:
        if name not in self.partners:
            partner = Partner(name=name, kind="ngo", country="MA")
            self.session.add(partner)
            await self.session.flush()
            self.partners[name] = partner.id
        return self.partners[name]

    async def case(
        self,
        registrant: Registrant,
        *,
        service: str = "SOCIAL",
        opened: dt.date = dt.date(2026, 2, 10),
        due: dt.date | None = None,
        status: str = "received",
        outcome: str | None = None,
        closed_at: dt.datetime | None = None,
        channel: str = "walk_in",
    ) -> Case:
        n = next(_numbers)
        case = Case(
            case_number=f"CASE-{n:06d}",
            desk_id=registrant.desk_id,
            registrant_id=registrant.id,
            service_type_id=await self.service_type(service),
            channel=channel,
            status=status,
            outcome_category=outcome,
            opened_on=opened,
            due_date=due or opened + dt.timedelta(days=14),
            closed_at=closed_at,
            description="a description that must never be exported",
        )
        self.session.add(case)
        await self.session.flush()
        return case

    async def referral(
        self,
        case: Case,
        *,
        partner: str = "OIM Maroc",
        referred: dt.date = dt.date(2026, 2, 11),
        expected: dt.date = dt.date(2026, 2, 25),
        answered: dt.date | None = None,
        status: str = "sent",
    ) -> Referral:
        referral = Referral(
            case_id=case.id,
            partner_id=await self.partner(partner),
            status=status,
            referred_on=referred,
            expected_answer_on=expected,
            answered_on=answered,
            partner_reference="REF-001",
        )
        self.session.add(referral)
        await self.session.flush()
        return referral

    async def agent(self) -> uuid.UUID:
        if self.agent_id is None:
            user = StaffUser(
                email=f"agent-{uuid.uuid4().hex[:8]}@desk.example", full_name="Agent", role="agent", password_hash="x"
            )
            self.session.add(user)
            await self.session.flush()
            self.agent_id = user.id
        return self.agent_id

    async def appointment(
        self,
        registrant: Registrant,
        *,
        starts_at: dt.datetime,
        status: str = "kept",
        case: Case | None = None,
        minutes: int = 30,
    ) -> Appointment:
        appointment = Appointment(
            desk_id=registrant.desk_id,
            agent_id=await self.agent(),
            registrant_id=registrant.id,
            case_id=case.id if case else None,
            starts_at=starts_at,
            ends_at=starts_at + dt.timedelta(minutes=minutes),
            status=status,
            purpose="free text that must never be exported",
        )
        self.session.add(appointment)
        await self.session.flush()
        return appointment


@pytest.fixture
def build(
    sessionmaker: async_sessionmaker[AsyncSession], desk_ids: dict[str, uuid.UUID]
) -> Callable[[Callable[[World], Awaitable[Any]]], Awaitable[Any]]:
    """``await build(fn)``: run ``fn(world)`` in one committed transaction and return its result."""

    async def run(fn: Callable[[World], Awaitable[Any]]) -> Any:
        async with sessionmaker() as session:
            result = await fn(World(session=session, desks=desk_ids))
            await session.commit()
            return result

    return run
