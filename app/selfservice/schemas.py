"""Request and response bodies of self-service (``/api/v1/self/…``) and of the desk's linking.

What a person sees of their file is chosen here, field by field: contact details, their
requests with status and dates, their appointments' times. Never staff notes, descriptions
written by staff, assignees, residence status or who at the desk did what.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Annotated, Literal, Self

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StrictStr, model_validator

from app.appointments.schemas import AppointmentTime
from app.core.partial import PartialUpdate
from app.core.text import nothing_as_none
from app.registrants.schemas import CountryCode, Email, PhoneIn, PhoneOut, Text120

CodeChannel = Literal["sms", "whatsapp", "email"]
Language = Literal["fr", "en", "wo"]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class _Recipient(_Strict):
    """Exactly one of ``phone`` (any written form; ``country`` is the ISO 3166-1 alpha-2 code
    assumed when it has no ``+``/``00`` prefix) or ``email``."""

    phone: StrictStr | None = Field(default=None, min_length=1, max_length=64, examples=["+221 77 123 45 67"])
    country: CountryCode = "SN"
    email: Email | None = None

    @model_validator(mode="after")
    def _one_recipient(self) -> Self:
        if (self.phone is None) == (self.email is None):
            raise ValueError("give exactly one of phone or email")
        return self


class CodeRequest(_Recipient):
    """Ask for a sign-in code. ``channel``: ``sms`` or ``whatsapp`` for a phone (default ``sms``),
    ``email`` for an e-mail address. ``language`` of the message; left out, the language kept on
    the recipient's account, else French."""

    channel: CodeChannel | None = None
    language: Language | None = None

    @model_validator(mode="after")
    def _channel_fits(self) -> Self:
        if self.channel is None:
            self.channel = "sms" if self.phone is not None else "email"
        if (self.channel == "email") != (self.email is not None):
            raise ValueError("channel email goes with email; sms and whatsapp with phone")
        return self


class CodeSent(BaseModel):
    """The same answer whether or not an account exists for the recipient: a code was sent if
    the address can receive one. ``expires_in`` and ``resend_after`` in seconds."""

    status: Literal["code_sent"] = "code_sent"
    expires_in: int
    resend_after: int


class SignIn(_Recipient):
    """Sign in (or up, the first time) with the code received; ``language``: the person's
    language for the app and messages, kept on the account; left out, the account keeps the one it
    has (French for a new account)."""

    code: StrictStr = Field(pattern=r"^[0-9]{6}$")
    language: Language | None = None


class AccountOut(BaseModel):
    """The signed-in person's account. ``linked``: a desk has linked it to the person's file."""

    id: uuid.UUID
    kind: str
    identifier: str
    language: str
    linked: bool
    registration_number: str | None
    desk_code: str | None
    created_at: dt.datetime


class PersonToken(BaseModel):
    """The token response (RFC 6749 §5.1 shape); ``expires_in`` in seconds."""

    access_token: str
    token_type: Literal["bearer"] = "bearer"
    expires_in: int
    account: AccountOut


class LinkRequest(_Strict):
    """The link code the desk agent handed over at the counter (case, spaces and dashes ignored)."""

    code: StrictStr = Field(min_length=1, max_length=32)


class LinkCodeOut(BaseModel):
    """A link code, shown once: the agent gives it to the person (printed or read aloud)."""

    code: str
    registrant_id: uuid.UUID
    expires_at: dt.datetime


class LinkedAccountOut(BaseModel):
    """An account linked to a registrant, as the desk sees it (identifier partly masked)."""

    id: uuid.UUID
    kind: str
    identifier_masked: str
    linked_at: dt.datetime | None
    last_sign_in_at: dt.datetime | None


class ContactOut(BaseModel):
    """The person's contact details. ``host_city``/``host_region_code``: where they live in the
    host country. ``version``: the ETag's number (send the ETag back in ``If-Match``)."""

    registration_number: str
    given_names: str
    family_name: str
    email: str | None
    phones: list[PhoneOut]
    host_country: str | None
    host_city: str | None
    host_region_code: str | None
    version: int


class ContactUpdate(PartialUpdate):
    """A correction of contact details: only the fields sent change; ``phones`` replaces the list
    (null refused). ``host_region`` is a region name or code of the desk's country."""

    CLEARABLE = frozenset({"email", "host_city", "host_region"})

    email: Email | None = None
    phones: list[PhoneIn] | None = Field(default=None, max_length=10)
    host_city: Text120 | None = None
    host_region: Text120 | None = None


class ServiceTypeOut(BaseModel):
    """A service type a person may request themselves."""

    code: str
    label_fr: str
    label_en: str


class RequestLink(BaseModel):
    """Another of the person's requests, named from this one: read it at
    ``/api/v1/self/requests/{id}``. ``desk_code``/``desk_name``: the desk that follows it."""

    id: uuid.UUID
    case_number: str
    status: str
    desk_code: str
    desk_name: str


class RequestOut(BaseModel):
    """One of the person's requests (a case): number, type, status and dates only, with the
    history of its statuses (oldest first). ``continued_as``: for a request transferred to another
    desk, the request that desk follows it under (also listed among the person's requests);
    ``continues``: the transferred request this one continues, when it is one of the person's."""

    id: uuid.UUID
    case_number: str
    service_type: ServiceTypeOut
    status: str
    channel: str
    desk_code: str
    desk_name: str
    opened_on: dt.date
    closed_at: dt.datetime | None
    updated_at: dt.datetime
    status_history: list[StatusChange]
    continued_as: RequestLink | None
    continues: RequestLink | None


class StatusChange(BaseModel):
    """A change of a request's status (``at``: UTC instant)."""

    status: str
    at: dt.datetime


class RequestCreate(_Strict):
    """A new request at the person's desk; ``description`` in the person's words."""

    service_type: StrictStr = Field(min_length=1, max_length=40)
    description: Annotated[StrictStr | None, AfterValidator(nothing_as_none)] = Field(default=None, max_length=2000)


class PersonDocumentOut(BaseModel):
    """A document the person sent, to their file (``owner_type`` ``registrant``) or one of their
    requests (``case``), as they see it: what it is and what it holds, never who at the desk
    handled it or when. ``kind``, ``original_filename`` and ``description`` are those sent.
    ``already_on_file``: the desk already held this same file there (given at the counter, or sent
    before), so nothing was recorded again — not the kind, name or description sent either; ``id``
    is then the document the desk holds it as."""

    id: uuid.UUID
    owner_type: Literal["registrant", "case"]
    owner_id: uuid.UUID
    kind: str
    original_filename: str
    description: str | None
    media_type: str
    size_bytes: int
    sha256: str
    already_on_file: bool


class SlotOut(BaseModel):
    """A free slot, in the desk's time zone (ISO 8601 with that day's offset)."""

    starts_at: dt.datetime
    ends_at: dt.datetime


class SlotsOut(BaseModel):
    """Free slots of the person's desk between ``from_date`` and ``to_date`` (local dates)."""

    desk_code: str
    time_zone: str
    slot_minutes: int
    slots: list[SlotOut]


class BookingIn(_Strict):
    """Book a free slot (``starts_at`` exactly as listed, any offset); ``case_id``: one of the
    person's open requests it is about (optional); ``purpose``: a note for the desk (kept with the
    appointment for staff; the person's listing names the request's service type instead)."""

    starts_at: AppointmentTime
    case_id: uuid.UUID | None = None
    purpose: Annotated[StrictStr | None, AfterValidator(nothing_as_none)] = Field(default=None, max_length=500)


class RescheduleIn(_Strict):
    """Move a booked appointment to another free slot."""

    starts_at: AppointmentTime


class PersonAppointmentOut(BaseModel):
    """One of the person's appointments, in the desk's time zone, at ``desk_code`` (their desk, or
    the one a request of theirs was transferred to: that desk alone moves or cancels it). What it
    is for, in words meant for the person: ``service_type``, the service type of the request it is
    about (null when about no request). No agent named, and never the appointment's ``purpose``,
    free text the desk keeps for itself (the person's own booking note included)."""

    id: uuid.UUID
    desk_code: str
    case_id: uuid.UUID | None
    starts_at: dt.datetime
    ends_at: dt.datetime
    status: str
    service_type: ServiceTypeOut | None
    version: int


RequestOut.model_rebuild()
