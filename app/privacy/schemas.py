"""Request and response bodies of data protection; dates a client sends are between 2000-01-01 and
2100-12-31 (:data:`app.core.dates.DeskDate`)."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from app.core.dates import DeskDate
from app.core.text import not_blank


class PurposeOut(BaseModel):
    """One consent purpose: labels, recipients, categories of data, consent validity in days."""

    code: str
    label_fr: str
    label_en: str
    recipients: list[str]
    categories: list[str]
    validity_days: int | None


class DisclosureOut(BaseModel):
    """One entry of the register of disclosures (see ``app.privacy.models.Disclosure``);
    ``recipient_name`` for a provider: the channel in words (:func:`app.privacy.register.recipient_name`)."""

    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    registrant_id: uuid.UUID
    registration_number: str
    desk_code: str
    kind: str
    purpose: str
    recipient_type: str
    recipient_id: str | None
    recipient_name: str
    entity_type: str | None
    entity_id: str | None
    fields: list[str]
    legal_basis: str
    consent_id: int | None
    justification: str | None
    disclosed_at: dt.datetime
    disclosed_by: uuid.UUID | None


class SubjectRequestIn(BaseModel):
    """A person's request about their data, as received at the desk (``received_on``: a date of the
    person's desk, default and at most its today, the local date in its time zone)."""

    model_config = ConfigDict(extra="forbid")

    registrant_id: uuid.UUID
    kind: Literal["access", "erasure"] = "access"
    channel: Literal["in_person", "paper_form", "phone", "email", "post", "online"] = "in_person"
    received_on: DeskDate | None = None


class SubjectRequestOut(BaseModel):
    """A subject request with its deadline and, once answered, when and by whom; ``desk_id``: the
    desk of the person's file, whose calendar (time zone) tells when it is overdue."""

    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    registrant_id: uuid.UUID
    desk_id: uuid.UUID
    kind: str
    channel: str
    received_on: dt.date
    due_on: dt.date
    recorded_at: dt.datetime
    recorded_by: uuid.UUID | None
    fulfilled_at: dt.datetime | None
    fulfilled_by: uuid.UUID | None
    archive_sha256: str | None


class ErasedFileOut(BaseModel):
    """One file of the person the erasure reached: the one asked about (``link`` ``request``), a
    file merged with it (``merge``) or one on the other side of a transfer (``transfer``), at any
    desk; when it was anonymised, whether it already was, and how many records of each kind this
    erasure removed or blanked in it (``counts``: empty when it already was, and for a merged file,
    erased with its survivor and counted there)."""

    registrant_id: uuid.UUID
    desk_code: str
    link: Literal["request", "merge", "transfer"]
    anonymised_at: dt.datetime
    already_erased: bool
    counts: dict[str, int]


class ErasureOut(BaseModel):
    """The outcome of an erasure: when the file was anonymised, whether it already was (then
    nothing changed), how many records of each kind were removed or blanked across every file of
    the person it reached (``counts``, the sum of ``files_erased[].counts``), the stored files
    removed, and those files (``files_erased``, the requested one first, each with its own counts)."""

    subject_request_id: uuid.UUID
    registrant_id: uuid.UUID
    anonymised_at: dt.datetime
    already_erased: bool
    counts: dict[str, int]
    files_removed: int
    files_erased: list[ErasedFileOut]


Reason = Annotated[str, Field(min_length=3, max_length=2000), AfterValidator(not_blank)]


class LegalHoldIn(BaseModel):
    """A legal hold to place: why (a court case, an inquiry…) and, optionally, its last day (a date
    of the person's desk, not before its today: the hold is in force through the end of that day there)."""

    model_config = ConfigDict(extra="forbid")

    registrant_id: uuid.UUID
    reason: Reason
    until: DeskDate | None = None


class LegalHoldOut(BaseModel):
    """A legal hold, in force from ``set_at`` until released or until the end of ``until``."""

    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    registrant_id: uuid.UUID
    reason: str
    until: dt.date | None
    set_at: dt.datetime
    set_by: uuid.UUID | None
    set_by_label: str
    released_at: dt.datetime | None
    released_by: uuid.UUID | None


class CorrectionOut(BaseModel):
    """One field of a registrant corrected: the values before and after, why, who and when."""

    model_config = ConfigDict(from_attributes=True)

    field: str
    old_value: Any
    new_value: Any
    reason: str | None
    version: int
    corrected_at: dt.datetime
    corrected_by: uuid.UUID | None
    corrected_by_label: str
