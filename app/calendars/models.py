"""Desk calendars: public holidays per desk (opening hours live on the desk)."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import uuid

from sqlalchemy import Date, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.core.db import Base


class DeskHoliday(Base):
    """A day a desk is closed (a public holiday, local date in the desk's time zone).

    Editable: Islamic holidays are fixed after moon sighting and can differ by a day between
    countries (DOMAIN.md, "Time"). ``observed_from`` is the legal date when the holiday was moved
    (a Senegalese holiday falling on a Sunday is observed on the Monday); ``day`` is then the
    day the desk is actually closed.
    """

    __tablename__ = "desk_holidays"
    __table_args__ = (UniqueConstraint("desk_id", "day"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    desk_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("desks.id", ondelete="CASCADE"), index=True)
    day: Mapped[dt.date] = mapped_column(Date)
    name: Mapped[str] = mapped_column(String(200))
    observed_from: Mapped[dt.date | None] = mapped_column(Date)

    @property
    def etag(self) -> str:
        """The holiday's strong ETag: a digest of what a read of it shows (desk, day, name,
        ``observed_from``). A holiday is never edited, only removed and added again: one added
        again otherwise (another name) has another ETag."""
        shown = [
            str(self.desk_id),
            self.day.isoformat(),
            self.name,
            self.observed_from and self.observed_from.isoformat(),
        ]
        return '"' + hashlib.sha256(json.dumps(shown).encode()).hexdigest()[:32] + '"'
