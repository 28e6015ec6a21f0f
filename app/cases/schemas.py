"""Request and response bodies of cases, transitions, notes, referrals and the timeline.

Dates (``opened_on``, ``due_date``, referral dates) are local calendar dates of the case's desk,
those a client sends between 2000-01-01 and 2100-12-31 (:data:`app.core.dates.DeskDate`);
``*_at`` are ISO 8601 instants with offset (UTC).
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Annotated, Any, Literal, Self

from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StrictBool,
    StrictInt,
    ValidationInfo,
    field_validator,
    model_validator,
)
from pydantic_core import PydanticCustomError

from app.cases.queues import CaseView
from app.cases.workflow import fields_for
from app.core.client_ids import CLIENT_ID_FIELD
from app.core.dates import DeskDate
from app.core.integers import INTEGER_MAX, INTEGER_MIN
from app.core.partial import PartialUpdate
from app.core.text import NotBlank, OneLine, OptionalOneLine, OptionalText, not_blank, nothing_as_empty
from app.privacy.purposes import LegalBasis
from app.registrants.schemas import LanguageTag

Channel = Literal["walk_in", "phone", "mobile_app", "web", "partner_referral"]
Priority = Literal["low", "normal", "high", "urgent"]
Status = Literal[
    "received",
    "qualified",
    "oriented",
    "referred",
    "in_follow_up",
    "pending_closure",
    "resolved",
    "closed_no_response",
    "closed_withdrawn",
    "transferred",
]
ClosingStatus = Literal["resolved", "closed_no_response", "closed_withdrawn"]
Outcome = Literal[
    "social",
    "psychosocial",
    "health",
    "economic",
    "training",
    "financing",
    "administrative",
    "legal",
    "information",
    "no_outcome",
]
Vulnerability = Literal[
    "minor",
    "unaccompanied_minor",
    "pregnant",
    "disability",
    "serious_illness",
    "elderly",
    "victim_of_violence",
    "trafficking_victim",
    "detained",
    "homeless",
    "stranded",
    "no_documents",
]
ReferralStatus = Literal["sent", "acknowledged", "answered", "declined", "no_answer"]
Queue = Literal["mine", "unassigned", "overdue", "due_today", "waiting_on_partner"]


def _trimmed_lower(value: object) -> object:
    return value.strip().lower() if isinstance(value, str) else value


LanguageCode = Annotated[LanguageTag, BeforeValidator(_trimmed_lower)]
"""The registrants' :data:`~app.registrants.schemas.LanguageTag` (pattern, length, known language,
canonical case), written in any case and with white space around."""
ConsentId = Annotated[
    StrictInt, Field(ge=INTEGER_MIN, le=INTEGER_MAX, description="The registrant's consent relied on.")
]
"""A consent's id, a JSON integer (``"1"`` or ``1.0`` is a 422); one beyond the SQL INTEGER range
answers 422 naming the field."""


class CaseCreate(BaseModel):
    """A new case for a registrant, opened at the registrant's desk; ``service_type`` is a code."""

    model_config = ConfigDict(extra="forbid")

    id: uuid.UUID | None = CLIENT_ID_FIELD
    registrant_id: uuid.UUID
    service_type: str = Field(min_length=1, max_length=40, examples=["RESIDENCE_MA"])
    channel: Channel
    priority: Priority = "normal"
    vulnerability_flags: list[Vulnerability] = Field(default_factory=list, max_length=12)
    description: Annotated[str, AfterValidator(nothing_as_empty)] = Field(default="", max_length=10_000)
    language: LanguageCode | None = Field(default=None, description="ISO 639-1 or 639-3 code", examples=["wo"])
    interpreter_used: StrictBool = False


class CaseUpdate(PartialUpdate):
    """A partial update; a new ``due_date`` (local date, not before ``opened_on``) needs a reason,
    and ``due_date_reason`` goes only with a new ``due_date`` (422 ``not_applicable`` at the field
    otherwise); null clears the ``language`` only."""

    CLEARABLE = frozenset({"language"})

    priority: Priority | None = None
    vulnerability_flags: list[Vulnerability] | None = Field(default=None, max_length=12)
    description: Annotated[str, AfterValidator(nothing_as_empty)] | None = Field(default=None, max_length=10_000)
    language: LanguageCode | None = None
    interpreter_used: StrictBool | None = None
    due_date: DeskDate | None = None
    due_date_reason: Annotated[str, AfterValidator(not_blank)] | None = Field(
        default=None, min_length=1, max_length=500
    )

    @field_validator("due_date_reason")
    @classmethod
    def _reason_only_with_due_date(cls, reason: str | None, info: ValidationInfo) -> str | None:
        # a reason for a due date not changed would be stored nowhere: refused, not dropped (an
        # invalid due_date is absent from info.data and has its own error)
        if reason is not None and "due_date" in info.data and info.data["due_date"] is None:
            raise PydanticCustomError(
                "not_applicable", "does not apply without due_date: it is the reason for changing the due date"
            )
        return reason

    @model_validator(mode="after")
    def _reason_with_due_date(self) -> Self:
        if self.due_date is not None and not self.due_date_reason:
            raise ValueError("changing due_date needs due_date_reason")
        return self


class TransitionIn(BaseModel):
    """A status change. Closing (and ``pending_closure``) needs ``outcome_category``;
    ``pending_closure`` takes ``requested_status`` (default ``resolved``); a reopen or a refused
    closure request needs ``reason``; ``transferred`` needs ``to_desk`` (code) and may name the
    ``consent_id`` used as legal basis, or (supervisors, administrators) another ``legal_basis``
    justified in ``legal_basis_note`` (see app.privacy.purposes). A field the move does not take
    (:func:`app.cases.workflow.accepted_fields`) is refused (422 ``field-not-applicable``), as is a
    ``consent_id`` with another legal basis than ``consent``."""

    model_config = ConfigDict(extra="forbid")

    to: Status
    outcome_category: Outcome | None = None
    outcome_note: OptionalText = Field(default=None, max_length=2000)
    requested_status: ClosingStatus | None = None
    reason: Annotated[str, AfterValidator(not_blank)] | None = Field(default=None, min_length=1, max_length=500)
    to_desk: str | None = Field(default=None, max_length=32)
    consent_id: ConsentId | None = None
    legal_basis: LegalBasis | None = Field(default=None, description="A transfer's legal basis (absent: consent).")
    legal_basis_note: OptionalText = Field(default=None, max_length=500)


class AssignmentIn(BaseModel):
    """Assign to a staff user of the case's desk, or ``null`` to unassign."""

    model_config = ConfigDict(extra="forbid")

    assignee_id: uuid.UUID | None


class CaseOut(BaseModel):
    """A case. ``is_overdue``: open and past its due date (desk's today); ``waiting_on_partner``:
    a referral awaits an answer; ``partner_answer_overdue``: that answer is late;
    ``allowed_transitions``: the moves the reader may make now, in the workflow's order
    (:func:`app.cases.workflow.allowed_for`: their role, the type's closure approval, a referral
    awaiting its answer for ``referred``, the person's file anonymised)."""

    id: uuid.UUID
    case_number: str
    desk_id: uuid.UUID
    desk_code: str
    registrant_id: uuid.UUID
    service_type: str
    channel: str
    priority: str
    vulnerability_flags: list[str]
    description: str
    language: str | None
    interpreter_used: bool
    assignee_id: uuid.UUID | None
    status: str
    allowed_transitions: list[str] = Field(
        description="The statuses the reader may move the case to now (app.cases.workflow.allowed_for)."
    )
    transition_fields: dict[str, list[str]] = Field(
        description="For each allowed status, the fields the move asks for (see app.cases.workflow.fields_for)."
    )
    outcome_category: str | None
    outcome_note: str | None
    closure_requested_status: str | None
    opened_on: dt.date
    due_date: dt.date
    is_overdue: bool
    waiting_on_partner: bool
    partner_answer_overdue: bool
    closed_at: dt.datetime | None
    transferred_from_case_id: uuid.UUID | None
    transferred_to_case_id: uuid.UUID | None
    created_at: dt.datetime
    updated_at: dt.datetime

    @classmethod
    def of(cls, view: CaseView) -> CaseOut:
        c = view.case
        return cls(
            id=c.id,
            case_number=c.case_number,
            desk_id=c.desk_id,
            desk_code=view.desk_code,
            registrant_id=c.registrant_id,
            service_type=view.service_type,
            channel=c.channel,
            priority=c.priority,
            vulnerability_flags=list(c.vulnerability_flags),
            description=c.description,
            language=c.language,
            interpreter_used=c.interpreter_used,
            assignee_id=c.assignee_id,
            status=c.status,
            allowed_transitions=list(view.allowed_transitions),
            transition_fields={t: list(fields_for(c.status, t)) for t in view.allowed_transitions},
            outcome_category=c.outcome_category,
            outcome_note=c.outcome_note,
            closure_requested_status=c.closure_requested_status,
            opened_on=c.opened_on,
            due_date=c.due_date,
            is_overdue=view.is_overdue,
            waiting_on_partner=view.waiting_on_partner,
            partner_answer_overdue=view.partner_answer_overdue,
            closed_at=c.closed_at,
            transferred_from_case_id=c.transferred_from_case_id,
            transferred_to_case_id=c.transferred_to_case_id,
            created_at=c.created_at,
            updated_at=c.updated_at,
        )


class NoteCreate(BaseModel):
    """A note; ``confidential`` for health, psychosocial or legal content; ``internal_assessment``
    for the desk's own assessment, which a subject access archive leaves out where the law allows
    withholding it (docs/data-protection.md)."""

    model_config = ConfigDict(extra="forbid")

    id: uuid.UUID | None = CLIENT_ID_FIELD
    text: Annotated[str, Field(min_length=1, max_length=10_000), AfterValidator(not_blank)]
    confidential: StrictBool = False
    internal_assessment: StrictBool = False


class NoteOut(BaseModel):
    """A note; ``text`` is null when it is confidential and the reader may not see sensitive data."""

    id: uuid.UUID
    case_id: uuid.UUID
    author_id: uuid.UUID | None
    author_label: str
    confidential: bool
    internal_assessment: bool = False
    text: str | None
    created_at: dt.datetime


class ReferralCreate(BaseModel):
    """A referral to an active partner; dates are the desk's local dates (defaults: today, +10 business days).

    Legal basis: the registrant's ``partner_referral`` consent naming this partner, in force now
    (``consent_id`` may name it); or, for a supervisor or an administrator, ``vital_interest`` or
    ``legal_obligation`` with a ``legal_basis_justification`` (at least 20 characters).
    """

    model_config = ConfigDict(extra="forbid")

    partner_id: uuid.UUID
    referred_on: DeskDate | None = None
    expected_answer_on: DeskDate | None = None
    partner_reference: OptionalOneLine = Field(default=None, max_length=120)
    consent_id: ConsentId | None = None
    legal_basis: LegalBasis = "consent"
    legal_basis_justification: OptionalText = Field(default=None, max_length=2000)


class ReferralUpdate(PartialUpdate):
    """The partner's acknowledgement, reference, answer or silence. No field takes null."""

    status: ReferralStatus | None = None
    partner_reference: OneLine | None = Field(default=None, max_length=120)
    expected_answer_on: DeskDate | None = None
    answered_on: DeskDate | None = None
    outcome: NotBlank | None = Field(default=None, max_length=2000)


class ReferralOut(BaseModel):
    """A referral with its partner's name."""

    id: uuid.UUID
    case_id: uuid.UUID
    partner_id: uuid.UUID
    partner_name: str
    status: str
    referred_on: dt.date
    expected_answer_on: dt.date
    answered_on: dt.date | None
    partner_reference: str | None
    outcome: str | None
    created_at: dt.datetime
    allowed_statuses: list[str] = Field(
        default_factory=list, description="Statuses it may move to (app.cases.workflow.REFERRAL_TRANSITIONS)."
    )


class TimelineEventOut(BaseModel):
    """One event of a case, with who did it and when."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    kind: str
    occurred_at: AwareDatetime
    actor_id: uuid.UUID | None
    actor_label: str
    actor_role: str
    details: dict[str, Any]
