"""Request and response bodies of ``/api/v1/…/notifications`` and the documents-missing request."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints, field_validator

from app.cases.catalogue_data import document_label
from app.core.text import OneLine, fold, not_blank
from app.registrants.schemas import LanguageCode

DocumentLabel = Annotated[OneLine, Field(max_length=200)]
"""One missing document's label (≤ 200 characters): one line, pasted white space one space
(:data:`app.core.text.OneLine`), ``missing`` when blank."""


class NotificationOut(BaseModel):
    """One message to the person and its delivery status (never its content: a one-time code or
    a template's values stay in the outbox). ``status``: ``queued``, ``sending``, ``in_flight``
    (handed to the server or provider, answer pending), ``in_doubt`` (handed over, answer lost:
    it may or may not have arrived; waits for a person's decision), ``sent``, ``failed``,
    ``withheld`` (consent withdrawn before sending), ``skipped`` (not queued: ``reason`` is
    ``no_consent``, ``no_channel``, ``fixed_line`` or ``opted_out``). ``registrant_id``: the person's
    file and ``desk_id`` its desk (``null`` for a message to no file, such as a self-service
    account's code)."""

    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    registrant_id: uuid.UUID | None = None
    desk_id: uuid.UUID | None = None
    event: str
    channel: str
    recipient: str
    language: str
    status: str
    reason: str | None
    attempts: int
    next_attempt_at: dt.datetime
    created_at: dt.datetime
    sent_at: dt.datetime | None
    provider: str | None
    message_id: str


class PreferenceIn(BaseModel):
    """The channel the person chose (``none``: no messages; ``null``: let the desk choose) and the
    language of the messages (``null``: the first of the person's languages with a template)."""

    model_config = ConfigDict(extra="forbid")

    channel: Literal["email", "sms", "whatsapp", "none"] | None = None
    language: LanguageCode | None = None


class PreferenceOut(PreferenceIn):
    """The stored choice; ``version`` 0 when the person never chose (ETag ``"v0"``)."""

    model_config = ConfigDict(extra="ignore")

    language: str | None = None  # as stored (a tag chosen before tags were checked stays readable)

    registrant_id: uuid.UUID
    version: int


class DocumentsMissingIn(BaseModel):
    """The documents the desk waits for; omitted: those the case's service type usually requires."""

    model_config = ConfigDict(extra="forbid")

    documents: list[DocumentLabel] | None = Field(default=None, min_length=1, max_length=20)

    @field_validator("documents")
    @classmethod
    def _each_once(cls, documents: list[str] | None) -> list[str] | None:
        """Refuse a document named twice — compared as names are, accents, case and punctuation
        aside (:func:`app.core.text.fold`), a code as its label: ``Passeport``/``passeport``/``passport``
        — rather than drop what the agent typed."""
        seen: dict[str, str] = {}
        for document in documents or []:
            key = fold(document_label(document, "fr"))
            if key in seen:
                raise ValueError(f"documents names the same document twice: {seen[key]!r} and {document!r}")
            seen[key] = document
        return documents


class DocumentsMissingOut(BaseModel):
    """What was asked, and what became of the message to the person (``notification_status``
    ``queued`` or ``skipped`` with its ``reason``)."""

    case_id: uuid.UUID
    documents: list[str]
    notification_id: uuid.UUID | None
    notification_status: str
    reason: str | None


class ResolutionIn(BaseModel):
    """A decision about a message in doubt: ``resend`` (the person did not get it) or ``sent``
    (they did); ``note`` says how it was checked (≤ 500 characters)."""

    model_config = ConfigDict(extra="forbid")

    decision: Literal["resend", "sent"]
    note: (
        Annotated[
            str, StringConstraints(strip_whitespace=True, min_length=1, max_length=500), AfterValidator(not_blank)
        ]
        | None
    ) = None
