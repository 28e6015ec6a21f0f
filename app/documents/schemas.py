"""Request and response bodies of documents."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from app.core.text import NotBlank

Kind = Literal[
    "passport",
    "national_id",
    "residence_card",
    "birth_extract",
    "diploma",
    "contract",
    "medical_certificate",
    "photo",
    "other",
]


class UploadFields(BaseModel):
    """The text fields of an upload form (besides the ``file`` part)."""

    model_config = ConfigDict(extra="forbid")

    kind: Kind
    description: str | None = Field(default=None, max_length=1000)


class DocumentOut(BaseModel):
    """A document's metadata. ``sha256`` and ``size_bytes`` describe the stored bytes (after
    metadata stripping when ``metadata_stripped``); ``received_sha256`` the bytes sent."""

    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    owner_type: str
    owner_id: uuid.UUID
    kind: str
    description: str | None
    original_filename: str
    media_type: str
    size_bytes: int
    sha256: str
    received_sha256: str
    metadata_stripped: bool
    uploaded_by: uuid.UUID | None
    created_at: dt.datetime


class DocumentDelete(BaseModel):
    """Why a document is deleted (kept in the audit log and on the row until purge)."""

    model_config = ConfigDict(extra="forbid")

    reason: NotBlank = Field(min_length=3, max_length=500)
