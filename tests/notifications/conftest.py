"""Fixtures of the notification tests: people on file with their contacts and consents written
straight to the database (the registrants API is another domain's)."""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import asdict

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.desks.models import Desk
from app.registrants.models import Consent, Registrant, RegistrantPhone
from app.registrants.normalize import name_keys

_numbers = iter(range(1, 1_000_000))


@pytest.fixture
def make_person(sessionmaker: async_sessionmaker[AsyncSession]):  # type: ignore[no-untyped-def]
    """``await make_person(consents=("contact_email",), email=…, phone=…, whatsapp=…)`` → id."""

    async def make(
        desk: str = "CASA-BASE",
        *,
        consents: tuple[str, ...] = ("contact_email", "contact_sms_whatsapp"),
        withdrawn: tuple[str, ...] = (),
        email: str | None = "awa.ndiaye@example.org",
        phone: str | None = "+212612345678",
        whatsapp: bool = True,
        languages: tuple[str, ...] = ("wo", "fr"),
        given: str = "Awa",
    ) -> uuid.UUID:
        async with sessionmaker() as session:
            desk_id = (await session.execute(select(Desk.id).where(Desk.code == desk))).scalar_one()
            registrant = Registrant(
                id=uuid.uuid4(),
                desk_id=desk_id,
                registration_number=f"NOTE-2026-{next(_numbers):06d}",
                given_names=given,
                family_name="Ndiaye",
                **asdict(name_keys(given, "Ndiaye")),
                sex="female",
                nationality="SN",
                email=email,
                languages=list(languages),
            )
            session.add(registrant)
            await session.flush()
            if phone:
                session.add(
                    RegistrantPhone(registrant_id=registrant.id, e164=phone, digits=phone[1:], whatsapp=whatsapp)
                )
            for purpose in (*consents, *withdrawn):
                session.add(
                    Consent(
                        registrant_id=registrant.id,
                        purpose=purpose,
                        granted=True,
                        channel="in_person",
                        notice_version="2026-01",
                        language="wo",
                        recorded_at=dt.datetime(2026, 1, 5, tzinfo=dt.UTC),
                        withdrawn_at=dt.datetime(2026, 6, 1, tzinfo=dt.UTC) if purpose in withdrawn else None,
                    )
                )
            await session.commit()
            return registrant.id

    return make
