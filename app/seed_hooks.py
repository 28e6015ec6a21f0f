"""Catalogues seeded by other domains (the service catalogue lives with cases)."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession


async def seed_catalogues(session: AsyncSession) -> int:
    """Seed the domain catalogues; returns how many service types were added."""
    from app.cases.catalogue import seed_service_types

    return await seed_service_types(session)
