"""Request and response bodies of desks."""

from __future__ import annotations

import datetime as dt
import itertools
import re
import uuid
from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StrictBool

from app.core.countries import country_code
from app.core.partial import PartialUpdate
from app.core.text import OneLine
from app.core.timezones import zone_name_problem

_HOURS = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$")
END_OF_DAY = "24:00"
"""The end of the day as an opening span's end (ISO 8601 allows 24:00 for it): open until midnight."""


def _time_zone(value: str) -> str:
    """A canonical IANA location zone (:func:`app.core.timezones.zone_name_problem`); whether it
    belongs to the desk's country is checked by the service, which knows the country."""
    if (problem := zone_name_problem(value)) is not None:
        raise ValueError(problem)
    return value


def _span_is_valid(span: list[str]) -> bool:
    """``["HH:MM", "HH:MM"]``, the start before the end; ``"24:00"`` only as the end."""
    if len(span) != 2:
        return False
    start, end = span
    return bool(_HOURS.match(start)) and (bool(_HOURS.match(end)) or end == END_OF_DAY) and start < end


def _opening_hours(value: dict[str, list[list[str]]]) -> dict[str, list[list[str]]]:
    cleaned: dict[str, list[list[str]]] = {}
    for day, spans in value.items():
        if day not in {"1", "2", "3", "4", "5", "6", "7"}:
            raise ValueError("opening hours are keyed by ISO weekday, '1' (Monday) to '7' (Sunday)")
        for span in spans:
            if not _span_is_valid(span):
                raise ValueError(
                    'each span is ["HH:MM", "HH:MM"] with the start before the end; "24:00" (midnight, the end '
                    "of the day) only as an end"
                )
        ordered = sorted(spans)
        for before, after in itertools.pairwise(ordered):
            if after[0] < before[1]:
                raise ValueError(f"opening spans of day {day} overlap: {before} and {after}")
        if ordered:
            cleaned[day] = ordered
    return dict(sorted(cleaned.items()))


CountryCode = Annotated[str, AfterValidator(country_code)]
TimeZoneName = Annotated[str, AfterValidator(_time_zone)]
OpeningHours = Annotated[dict[str, list[list[str]]], AfterValidator(_opening_hours)]


class DeskCreate(BaseModel):
    """A new desk: ``country`` ISO 3166-1 alpha-2, ``time_zone`` IANA, hours in local time."""

    model_config = ConfigDict(extra="forbid")

    code: str = Field(pattern=r"^[A-Z][A-Z0-9-]{1,31}$", examples=["CASA-BASE"])
    number_prefix: str | None = Field(
        default=None,
        pattern=r"^[A-Z][A-Z0-9]{1,11}$",
        examples=["CASA"],
        description="Begins the desk's registration, case and transfer numbers; unique among desks and fixed "
        "once created. Default: the code up to its first dash (409 `number-prefix-taken` if another desk has it).",
    )
    name: OneLine = Field(max_length=200)
    country: CountryCode = Field(examples=["MA"])
    city: OneLine = Field(max_length=120)
    time_zone: TimeZoneName = Field(examples=["Africa/Casablanca"])
    opening_hours: OpeningHours = Field(default_factory=dict, examples=[{"1": [["09:00", "16:30"]]}])
    merge_requires_approval: StrictBool = Field(
        default=False, description="An agent's merge of two registrant files waits for a supervisor's approval."
    )


class DeskUpdate(PartialUpdate):
    """A partial update of a desk (its code never changes). No field takes null."""

    name: OneLine | None = Field(default=None, max_length=200)
    city: OneLine | None = Field(default=None, max_length=120)
    time_zone: TimeZoneName | None = None
    confirm_time_zone_change: StrictBool | None = Field(
        default=None,
        description="With a new `time_zone` for a desk that already holds registrations, cases or appointments: "
        "`true` confirms the change (else 409 `desk-time-zone-in-use`). Their UTC instants are then read in the new "
        "zone (some local dates move; booked appointments keep their instant). Audited.",
    )
    opening_hours: OpeningHours | None = None
    is_active: StrictBool | None = None
    merge_requires_approval: StrictBool | None = None


class DeskOut(BaseModel):
    """A desk as the API shows it."""

    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    code: str
    number_prefix: str
    name: str
    country: str
    city: str
    time_zone: str
    opening_hours: dict[str, list[list[str]]]
    is_active: bool
    merge_requires_approval: bool
    created_at: dt.datetime


class DeskWarning(BaseModel):
    """Something about a desk just created that the administrator should know: ``code``
    ``no-opening-hours`` (``field`` ``opening_hours``): no opening hours were given, so the desk
    takes no appointment until they are set."""

    code: str
    field: str
    detail: str


class DeskCreated(DeskOut):
    """The desk created, with ``warnings`` (empty when there is nothing to say)."""

    warnings: list[DeskWarning]


class AppointmentOutsideHours(BaseModel):
    """An upcoming appointment still booked that the desk's opening hours no longer hold."""

    id: uuid.UUID
    starts_at: dt.datetime = Field(description="UTC instant.")
    start_local: str = Field(description="ISO 8601 local time at the desk with its offset.")


class DeskUpdated(DeskOut):
    """The desk updated, with ``warnings`` (``appointments-outside-opening-hours``) and
    ``appointments_outside_hours``: the upcoming appointments still booked that its opening hours
    (or its time zone) as changed no longer hold, by start (empty when the change leaves none
    out, or changes neither)."""

    warnings: list[DeskWarning]
    appointments_outside_hours: list[AppointmentOutsideHours]


def outside_hours_warning(desk_id: uuid.UUID, count: int) -> DeskWarning:
    """The warning of a change of opening hours (or time zone) leaving ``count`` (> 0) upcoming
    appointments outside the hours."""
    return DeskWarning(
        code="appointments-outside-opening-hours",
        field="opening_hours",
        detail=f"{count} upcoming appointment(s) still booked now lie outside the opening hours: they stay booked, "
        f"listed in appointments_outside_hours and flagged to_move (to_move_reason outside-opening-hours) in "
        f"GET /api/v1/appointments?desk_id={desk_id}&status=booked, to move or cancel with the person.",
    )


NO_OPENING_HOURS = DeskWarning(
    code="no-opening-hours",
    field="opening_hours",
    detail="No opening hours were given: the desk is never open, so no appointment can be booked there until "
    "PATCH /api/v1/desks/{id} sets them (registrations and cases are not affected).",
)


class DeskDirectoryEntry(BaseModel):
    """Another desk as any staff member may name it (a transfer's receiving desk): no hours, no ids."""

    model_config = ConfigDict(from_attributes=True)

    code: str
    name: str
    country: str
    city: str
