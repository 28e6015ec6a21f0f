"""Response bodies of data protection."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Literal

from pydantic import BaseModel, ConfigDict


class PurposeOut(BaseModel):
    """One consent purpose: labels, recipients, categories of data, consent validity in days."""

    code: str
    label_fr: str
    label_en: str
    recipients: list[str]
    categories: list[str]
    validity_days: int | None


class DisclosureOut(BaseModel):
    """One entry of the register of disclosures (see ``app.privacy.models.Disclosure``)."""

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
    """A person's request about their data, as received at the desk (``received_on``: default today)."""

    model_config = ConfigDict(extra="forbid")

    registrant_id: uuid.UUID
    kind: Literal["access"] = "access"
    channel: Literal["in_person", "paper_form", "phone", "email", "post", "online"] = "in_person"
    received_on: dt.date | None = None


class SubjectRequestOut(BaseModel):
    """A subject request with its deadline and, once answered, when and by whom."""

    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    registrant_id: uuid.UUID
    kind: str
    channel: str
    received_on: dt.date
    due_on: dt.date
    recorded_at: dt.datetime
    recorded_by: uuid.UUID | None
    fulfilled_at: dt.datetime | None
    fulfilled_by: uuid.UUID | None
    archive_sha256: str | None
