"""The merge record: one registrant file merged into another, with what it takes to undo it."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from app.core.db import Base, UUIDPrimaryKey, utcnow

STATUSES = ("proposed", "merged", "rejected", "unmerged")


class RegistrantMerge(UUIDPrimaryKey, Base):
    """A merge of the ``merged`` file into the ``survivor`` file.

    ``status``: ``proposed`` (waiting for a supervisor, when a desk requires approval) →
    ``merged`` | ``rejected``; ``merged`` → ``unmerged``. ``choices`` maps each conflicting field
    to the file whose value the survivor keeps (``"survivor"`` or ``"merged"``).
    ``survivor_version``/``merged_version`` are the versions the choices were made on (a proposal
    is approved only while both files are still at them). ``snapshot`` (set when merged) holds
    both files' fields before the merge, the survivor's right after it, and the ids of every
    record moved, so that an unmerge puts everything back.
    """

    __tablename__ = "registrant_merges"
    __table_args__ = (
        Index("ix_registrant_merges_desk_status", "desk_id", "status", "proposed_at"),
        Index("ix_registrant_merges_merged", "merged_id"),
    )

    survivor_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("registrants.id"), index=True)
    merged_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("registrants.id"))
    desk_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("desks.id"))
    status: Mapped[str] = mapped_column(String(16))
    choices: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)
    survivor_version: Mapped[int] = mapped_column(Integer)
    merged_version: Mapped[int] = mapped_column(Integer)
    snapshot: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    note: Mapped[str | None] = mapped_column(Text)
    proposed_by: Mapped[uuid.UUID | None] = mapped_column()
    proposed_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    decided_by: Mapped[uuid.UUID | None] = mapped_column()
    decided_at: Mapped[dt.datetime | None] = mapped_column()
    unmerged_by: Mapped[uuid.UUID | None] = mapped_column()
    unmerged_at: Mapped[dt.datetime | None] = mapped_column()
