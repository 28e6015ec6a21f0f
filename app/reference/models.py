"""Reference tables: administrative areas (regions, départements) of the countries served."""

from __future__ import annotations

from sqlalchemy import Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.core.db import Base


class AdminArea(Base):
    """A region (ISO 3166-2 code) or a département (``SN-DK-PIK``-style code) of a country."""

    __tablename__ = "admin_areas"
    __table_args__ = (UniqueConstraint("code"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    country: Mapped[str] = mapped_column(String(2), index=True)
    level: Mapped[str] = mapped_column(String(16))  # "region" | "departement"
    code: Mapped[str] = mapped_column(String(16))
    name: Mapped[str] = mapped_column(String(120))
    parent_code: Mapped[str | None] = mapped_column(String(16))
    search_key: Mapped[str] = mapped_column(String(120), index=True)
