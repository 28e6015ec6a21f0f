"""Request and response bodies of desk calendars (holidays)."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StrictInt

from app.calendars.rules import SundayRule
from app.core.dates import DeskDate
from app.core.text import refuse_bidi_controls, shows_nothing


def _clean_name(value: str) -> str:
    cleaned = " ".join(value.split())
    if shows_nothing(cleaned):
        raise ValueError("the name must not be blank")
    return refuse_bidi_controls(cleaned)


HolidayName = Annotated[str, Field(min_length=1, max_length=200), AfterValidator(_clean_name)]
Year = Annotated[StrictInt, Field(ge=2000, le=2100)]


HolidayDay = DeskDate
"""A holiday's date, within the desk's calendar (:data:`app.core.dates.FIRST_YEAR` to
:data:`~app.core.dates.LAST_YEAR`), as appointments are."""


class HolidayCreate(BaseModel):
    """A holiday on its legal date ``day`` (the desk's local date).

    ``sunday_rule``: ``country`` (default) applies the desk country's rule — a Senegalese
    holiday on a Sunday is observed on the Monday; ``move_to_monday`` or ``keep`` force it.
    """

    model_config = ConfigDict(extra="forbid")

    day: HolidayDay = Field(examples=["2027-04-04"])
    name: HolidayName = Field(examples=["Fête de l'Indépendance"])
    sunday_rule: SundayRule = "country"


class HolidayOut(BaseModel):
    """A day the desk is closed; ``observed_from`` is the legal date when it was moved."""

    model_config = ConfigDict(from_attributes=True)

    desk_id: uuid.UUID
    day: dt.date
    name: str
    observed_from: dt.date | None
    etag: str = Field(
        description="The holiday's ETag (as the ETag header of its read): send it as If-Match to remove it only "
        "if it is still the holiday shown."
    )


class HolidayList(BaseModel):
    """A desk's holidays in one year (at most a few dozen: a bounded list, no cursor)."""

    desk_id: uuid.UUID
    year: int
    items: list[HolidayOut]


class BookedAppointment(BaseModel):
    """An appointment still booked on a day the desk closes: to move (or cancel) with the person."""

    id: uuid.UUID
    starts_at: dt.datetime


class HolidayAdded(HolidayOut):
    """A holiday just added, with the appointments still booked at the desk that day (by start):
    the desk's week flags them; each must be moved or cancelled with the person."""

    appointments_booked: list[BookedAppointment]


class HolidayImport(BaseModel):
    """Import the desk country's exactly-known public holidays of ``year``."""

    model_config = ConfigDict(extra="forbid")

    year: Year


class SkippedHoliday(BaseModel):
    """A legal date not imported, and why (``exists``: the desk is already closed that day)."""

    day: dt.date
    name: str
    reason: str


class HolidayImportOut(BaseModel):
    """The outcome of an import: holidays added, legal dates skipped."""

    year: int
    source: str = "holidays"
    added: list[HolidayOut]
    skipped: list[SkippedHoliday]
