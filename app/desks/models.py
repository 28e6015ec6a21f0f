"""Desks: the offices that receive people."""

from __future__ import annotations

from typing import Any

from sqlalchemy import JSON, Integer, String, false
from sqlalchemy.orm import Mapped, mapped_column

from app.core.db import Base, Timestamps, UUIDPrimaryKey


def default_number_prefix(code: str) -> str:
    """A desk's default ``number_prefix``: its code up to the first dash (``CASA-BASE`` → ``CASA``)."""
    return code.split("-")[0][:12]


def _prefix_of_inserted_code(context: Any) -> str:
    return default_number_prefix(context.get_current_parameters()["code"])


class Desk(UUIDPrimaryKey, Timestamps, Base):
    """An office such as ``CASA-BASE`` (Casablanca) or ``DKR-MOB`` (Dakar mobility desk).

    ``country`` is ISO 3166-1 alpha-2; ``time_zone`` an IANA zone name (never a fixed offset);
    ``opening_hours`` maps ISO weekday numbers (``"1"`` = Monday) to ``[["09:00", "16:30"], …]``
    in the desk's local time. ``number_prefix`` (unique, fixed at creation) begins every human
    number the desk issues (``CASA`` → ``CASA-2026-000123``, ``CASA-2026-C-000042``); by default
    the code up to its first dash. ``merge_requires_approval``: an agent's merge of two registrant
    files is only proposed, and a supervisor or administrator approves it (``app.merges``).
    """

    __tablename__ = "desks"
    code: Mapped[str] = mapped_column(String(32), unique=True)
    number_prefix: Mapped[str] = mapped_column(String(12), unique=True, index=True, default=_prefix_of_inserted_code)
    name: Mapped[str] = mapped_column(String(200))
    country: Mapped[str] = mapped_column(String(2))
    city: Mapped[str] = mapped_column(String(120))
    time_zone: Mapped[str] = mapped_column(String(64))
    opening_hours: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    is_active: Mapped[bool] = mapped_column(default=True)
    # When true, an agent's merge of two registrant files waits for a supervisor's approval.
    merge_requires_approval: Mapped[bool] = mapped_column(default=False, server_default=false())
    version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version}
