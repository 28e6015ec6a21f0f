"""Request and response bodies of desks."""

from __future__ import annotations

import datetime as dt
import itertools
import re
import uuid
import zoneinfo
from typing import Annotated

import pycountry
from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StrictBool

from app.core.partial import PartialUpdate
from app.core.text import not_blank

_HOURS = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$")


def _country(value: str) -> str:
    code = value.strip().upper()
    if pycountry.countries.get(alpha_2=code) is None:
        raise ValueError(f"{value!r} is not an ISO 3166-1 alpha-2 country code")
    return code


def _time_zone(value: str) -> str:
    if value not in zoneinfo.available_timezones():
        raise ValueError(f"{value!r} is not an IANA time zone name")
    return value


def _opening_hours(value: dict[str, list[list[str]]]) -> dict[str, list[list[str]]]:
    cleaned: dict[str, list[list[str]]] = {}
    for day, spans in value.items():
        if day not in {"1", "2", "3", "4", "5", "6", "7"}:
            raise ValueError("opening hours are keyed by ISO weekday, '1' (Monday) to '7' (Sunday)")
        for span in spans:
            if len(span) != 2 or not all(_HOURS.match(t) for t in span) or span[0] >= span[1]:
                raise ValueError('each span is ["HH:MM", "HH:MM"] with the start before the end')
        ordered = sorted(spans)
        for before, after in itertools.pairwise(ordered):
            if after[0] < before[1]:
                raise ValueError(f"opening spans of day {day} overlap: {before} and {after}")
        if ordered:
            cleaned[day] = ordered
    return dict(sorted(cleaned.items()))


CountryCode = Annotated[str, AfterValidator(_country)]
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
    name: Annotated[str, AfterValidator(not_blank)] = Field(min_length=1, max_length=200)
    country: CountryCode = Field(examples=["MA"])
    city: Annotated[str, AfterValidator(not_blank)] = Field(min_length=1, max_length=120)
    time_zone: TimeZoneName = Field(examples=["Africa/Casablanca"])
    opening_hours: OpeningHours = Field(default_factory=dict, examples=[{"1": [["09:00", "16:30"]]}])
    merge_requires_approval: StrictBool = Field(
        default=False, description="An agent's merge of two registrant files waits for a supervisor's approval."
    )


class DeskUpdate(PartialUpdate):
    """A partial update of a desk (its code never changes). No field takes null."""

    name: Annotated[str, AfterValidator(not_blank)] | None = Field(default=None, min_length=1, max_length=200)
    city: Annotated[str, AfterValidator(not_blank)] | None = Field(default=None, min_length=1, max_length=120)
    time_zone: TimeZoneName | None = None
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


class DeskDirectoryEntry(BaseModel):
    """Another desk as any staff member may name it (a transfer's receiving desk): no hours, no ids."""

    model_config = ConfigDict(from_attributes=True)

    code: str
    name: str
    country: str
    city: str
