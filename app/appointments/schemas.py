"""Request and response bodies of appointments.

Times coming in must carry an offset (``2026-03-02T10:00:00+01:00`` or ``…Z``): a naive
datetime is a 422. Times going out are given twice: the UTC instant (``starts_at``) and the
desk's local time with its offset on that date (``start_local``).
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, model_validator
from pydantic_core import PydanticCustomError

from app.core.client_ids import CLIENT_ID_FIELD
from app.core.dates import FIRST_YEAR, LAST_YEAR, InstantText
from app.core.explained import out_of_years, refused
from app.core.partial import PartialUpdate
from app.core.text import OptionalText


def _appointment_time(value: dt.datetime) -> dt.datetime:
    # A first, coarse bound on the year as written (whatever its offset), before any zone
    # arithmetic could overflow; the exact rule, on the desk's local date, is checked with the
    # desk (app.calendars.service.require_calendar_moment).
    if not FIRST_YEAR - 1 <= value.year <= LAST_YEAR + 1:
        en, fr = out_of_years(value.year, FIRST_YEAR, LAST_YEAR)
        msg = f"must be between {FIRST_YEAR} and {LAST_YEAR} (the desk's local date)"
        raise refused("date_range", msg, en=en, fr=fr)
    if value.second or value.microsecond:
        raise PydanticCustomError(
            "whole_minute", "must be on a whole minute (no seconds or fractions): appointments are booked by the minute"
        )
    return value


AppointmentTime = Annotated[InstantText, AfterValidator(_appointment_time)]
"""An appointment's start or end: ISO 8601 with an offset (RFC 3339), on a whole minute, on a local
date of the desk between :data:`app.core.dates.FIRST_YEAR` and :data:`~app.core.dates.LAST_YEAR`
(checked exactly with the desk). A time with seconds or a fraction of one
(``10:00:00.123456789Z``, whose nanoseconds would be cut to microseconds) is refused, not rounded."""


class AppointmentCreate(BaseModel):
    """A new appointment for a case or a registrant (at least one; both must agree)."""

    model_config = ConfigDict(extra="forbid")

    id: uuid.UUID | None = CLIENT_ID_FIELD
    desk_id: uuid.UUID
    agent_id: uuid.UUID = Field(description="A staff user who is an active member of the desk.")
    case_id: uuid.UUID | None = None
    registrant_id: uuid.UUID | None = None
    starts_at: AppointmentTime = Field(examples=["2027-03-01T10:00:00+01:00"])
    ends_at: AppointmentTime = Field(examples=["2027-03-01T10:30:00+01:00"])
    purpose: OptionalText = Field(default=None, max_length=500)

    @model_validator(mode="after")
    def _has_subject(self) -> AppointmentCreate:
        if self.case_id is None and self.registrant_id is None:
            raise ValueError("give case_id or registrant_id")
        return self


class AppointmentReschedule(PartialUpdate):
    """New times (both), and optionally another agent or purpose, of a booked appointment: leave a
    field out to keep it; ``purpose`` null or ``""`` clears it; ``agent_id`` refuses null."""

    CLEARABLE = frozenset({"purpose"})

    starts_at: AppointmentTime
    ends_at: AppointmentTime
    agent_id: uuid.UUID | None = None
    purpose: OptionalText = Field(default=None, max_length=500)


class AppointmentTransition(BaseModel):
    """A status change: ``kept`` from 60 minutes before the start (same local day), ``missed`` once
    started, ``cancelled`` while booked."""

    model_config = ConfigDict(extra="forbid")

    status: Literal["kept", "missed", "cancelled"]
    reason: OptionalText = Field(default=None, max_length=2000)


class AppointmentOut(BaseModel):
    """An appointment: UTC instants, and the desk's local times with offset (``+01:00``…)."""

    id: uuid.UUID
    desk_id: uuid.UUID
    time_zone: str = Field(description="The desk's IANA time zone.")
    agent_id: uuid.UUID
    registrant_id: uuid.UUID
    case_id: uuid.UUID | None
    starts_at: dt.datetime = Field(description="UTC instant.")
    ends_at: dt.datetime = Field(description="UTC instant.")
    start_local: str = Field(description="ISO 8601 local time at the desk with its offset.")
    end_local: str = Field(description="ISO 8601 local time at the desk with its offset.")
    local_date: dt.date = Field(description="The desk's local date of the start.")
    status: str
    purpose: str | None
    status_reason: str | None
    created_at: dt.datetime
    updated_at: dt.datetime
    to_move: bool = Field(
        default=False,
        description="True for a booked appointment that a booking now would refuse: the desk closes that day for "
        "a holiday, or its opening hours (changed after the booking) no longer hold it. It stays booked, for the "
        "agents to move or cancel with the person; ``to_move_reason`` says why.",
    )
    to_move_reason: Literal["holiday", "outside-opening-hours"] | None = Field(
        default=None, description="``holiday`` or ``outside-opening-hours`` when ``to_move``; else null."
    )
    person_notified: bool | None = Field(
        default=None,
        description="In the answer to a status change only: whether a message to the person was queued.",
    )


class FreeSlotOut(BaseModel):
    """A free slot: UTC instants and the desk's local times with their offset."""

    starts_at: dt.datetime = Field(description="UTC instant.")
    ends_at: dt.datetime = Field(description="UTC instant.")
    start_local: str = Field(description="ISO 8601 local time at the desk with its offset.")
    end_local: str = Field(description="ISO 8601 local time at the desk with its offset.")


class FreeDayOut(BaseModel):
    """A local day of the desk: closed for ``holiday`` (its name), else its free slots."""

    date: dt.date
    holiday: str | None
    opening_hours: list[list[str]] = Field(description='Local ``[["09:00", "12:30"], …]``; empty when closed.')
    slots: list[FreeSlotOut]


class FreeSlotsOut(BaseModel):
    """Free slots of one agent at one desk over consecutive local days."""

    desk_id: uuid.UUID
    time_zone: str
    agent_id: uuid.UUID
    duration_minutes: int
    days: list[FreeDayOut]
