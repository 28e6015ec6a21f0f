"""Response bodies of data protection."""

from __future__ import annotations

import datetime as dt
import uuid

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
