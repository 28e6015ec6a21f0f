"""Reference data and the first administrator, seeded by ``make run`` / ``diaspora-desk seed``.

Every step is idempotent: running it again adds only what is missing.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.auth.models import StaffUser
from app.cases.catalogue import seed_service_types
from app.core.config import Settings
from app.core.context import SYSTEM_ACTOR
from app.desks.models import Desk
from app.reference import service as reference
from app.reference.data import DEFAULT_DESKS
from app.users import service as users


@dataclass
class SeedReport:
    """What a seed run added; ``admin_password`` is set only when one was generated."""

    areas: int = 0
    desks: int = 0
    service_types: int = 0
    admin_email: str | None = None
    admin_password: str | None = None


async def seed_desks(session: AsyncSession) -> int:
    existing = set((await session.execute(select(Desk.code))).scalars().all())
    new = [Desk(**d) for d in DEFAULT_DESKS if d["code"] not in existing]
    session.add_all(new)
    await session.flush()
    return len(new)


async def seed_admin(session: AsyncSession, settings: Settings, report: SeedReport) -> None:
    """Create the first administrator unless an administrator exists.

    Uses ``DESK_ADMIN_EMAIL``/``DESK_ADMIN_PASSWORD``; without a password, one is generated and
    returned once in the report (it is stored only as an Argon2id hash).
    """
    if (await session.execute(select(StaffUser.id).where(StaffUser.role == "admin"))).first():
        return
    email = settings.desk_admin_email or "admin@diaspora-desk.example"
    password = settings.desk_admin_password.get_secret_value() if settings.desk_admin_password else None
    if password is None:
        password = secrets.token_urlsafe(12)
        report.admin_password = password
    desks = list((await session.execute(select(Desk.code))).scalars().all())
    await users.create(
        session,
        actor=SYSTEM_ACTOR,
        email=email,
        full_name="Administrateur",
        role="admin",
        password=password,
        desk_codes=desks,
    )
    report.admin_email = email


async def seed_all(session: AsyncSession, settings: Settings) -> SeedReport:
    """Seed areas, desks, the service catalogue and the first administrator (caller commits)."""
    report = SeedReport()
    report.areas = await reference.seed(session)
    report.desks = await seed_desks(session)
    report.service_types = await seed_service_types(session)
    await seed_admin(session, settings, report)
    return report
