"""Administrative areas: seeding from ISO 3166-2 (pycountry) and lookup by name or code."""

from __future__ import annotations

import re

import pycountry
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.core.text import fold
from app.reference.data import REGION_COUNTRIES, SENEGAL_DEPARTEMENTS
from app.reference.models import AdminArea

_ISO_NOTE = re.compile(r"\s*\(EH(-partial)?\)$")


def _departement_code(region_code: str, name: str) -> str:
    letters = fold(name).replace(" ", "").upper()
    return f"{region_code}-{letters[:3]}"


def reference_areas() -> list[AdminArea]:
    """The regions of Senegal and Morocco and the départements of Senegal, as new rows."""
    areas: list[AdminArea] = []
    for country in REGION_COUNTRIES:
        for sub in pycountry.subdivisions.get(country_code=country) or []:  # type: ignore[no-untyped-call]
            if sub.type != "Region":
                continue
            name = _ISO_NOTE.sub("", sub.name)
            areas.append(
                AdminArea(
                    country=country, level="region", code=sub.code, name=name, parent_code=None, search_key=fold(name)
                )
            )
    seen: set[str] = set()
    for region_code, names in SENEGAL_DEPARTEMENTS.items():
        for name in names:
            code = _departement_code(region_code, name)
            suffix = 2
            while code in seen:
                code = f"{_departement_code(region_code, name)}{suffix}"
                suffix += 1
            seen.add(code)
            areas.append(
                AdminArea(
                    country="SN",
                    level="departement",
                    code=code,
                    name=name,
                    parent_code=region_code,
                    search_key=fold(name),
                )
            )
    return areas


async def seed(session: AsyncSession) -> int:
    """Insert the reference areas that are missing; returns how many were added. Idempotent."""
    existing = set((await session.execute(select(AdminArea.code))).scalars().all())
    new = [a for a in reference_areas() if a.code not in existing]
    session.add_all(new)
    await session.flush()
    return len(new)


async def find_area(session: AsyncSession, *, country: str, level: str, text: str) -> AdminArea | None:
    """The area of ``country`` and ``level`` whose code or folded name equals ``text``."""
    key = fold(text)
    stmt = select(AdminArea).where(AdminArea.country == country, AdminArea.level == level)
    stmt = stmt.where((AdminArea.code == text.strip().upper()) | (AdminArea.search_key == key))
    return (await session.execute(stmt)).scalars().first()


async def list_areas(session: AsyncSession, *, country: str, level: str | None = None) -> list[AdminArea]:
    """The areas of ``country`` (optionally one level), by code."""
    stmt = select(AdminArea).where(AdminArea.country == country.upper()).order_by(AdminArea.code)
    if level:
        stmt = stmt.where(AdminArea.level == level)
    return list((await session.execute(stmt)).scalars().all())
