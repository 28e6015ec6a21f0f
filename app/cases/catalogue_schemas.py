"""Request and response bodies of the service catalogue and partners."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StrictBool, StrictInt, StrictStr

from app.cases.catalogue_data import SERVICE_TYPE_CATEGORIES
from app.core.explained import refused
from app.core.partial import PartialUpdate
from app.core.text import OneLine, OptionalOneLine, OptionalText, normalise_typed_identifier
from app.desks.schemas import CountryCode
from app.registrants.schemas import Email

Category = Literal[
    "administrative",
    "legal",
    "social",
    "health",
    "psychosocial",
    "economic",
    "training",
    "education",
    "mobility",
    "reintegration",
    "emergency",
    "information",
]
assert set(SERVICE_TYPE_CATEGORIES) == set(Category.__args__)  # type: ignore[attr-defined]

PartnerKind = Literal["consulate", "international_organisation", "ngo", "national_agency", "local_authority", "other"]
DocumentName = Annotated[str, Field(min_length=1, max_length=80, pattern=r"^[a-z][a-z0-9_]*$")]
ServiceCode = Annotated[str, Field(pattern=r"^[A-Z][A-Z0-9_]{1,39}$", examples=["LEGAL_AID"])]


def _typed_phone(value: str) -> str:
    """``value`` by the rule for typed identifiers (pasted direction marks, Unicode spaces and
    dashes); one that shows nothing is refused, with its reason."""
    if not (typed := normalise_typed_identifier(value)):
        raise refused(
            "missing",
            "Field required (empty, or white space and invisible characters only)",
            en="empty: a phone number is expected",
            fr="vide : un numéro de téléphone est attendu",
        )
    return typed


Phone = Annotated[
    StrictStr,
    Field(min_length=1, max_length=64, examples=["05 22 12 34 56", "+221 33 889 12 34"]),
    AfterValidator(_typed_phone),
]
"""A partner's phone as typed: read with the partner's country as the default (a local number at a
Moroccan partner, ``05 22 12 34 56``, is +212…) and stored in E.164 by
:func:`app.cases.catalogue.contact_phone`, as a person's phone is read with the desk's country."""


class ServiceTypeCreate(BaseModel):
    """A new catalogue entry; ``default_sla_days`` in business days of the case's desk (0–250)."""

    model_config = ConfigDict(extra="forbid")

    code: ServiceCode
    label_fr: OneLine = Field(max_length=200)
    label_en: OneLine = Field(max_length=200)
    category: Category
    default_sla_days: StrictInt = Field(ge=0, le=250)
    documents_required: list[DocumentName] = Field(default_factory=list, max_length=30)
    closure_requires_approval: StrictBool = False


class ServiceTypeUpdate(PartialUpdate):
    """A partial update; ``is_active: false`` retires the type (it keeps its cases, takes no new).
    No field takes null."""

    label_fr: OneLine | None = Field(default=None, max_length=200)
    label_en: OneLine | None = Field(default=None, max_length=200)
    category: Category | None = None
    default_sla_days: StrictInt | None = Field(default=None, ge=0, le=250)
    documents_required: list[DocumentName] | None = Field(default=None, max_length=30)
    closure_requires_approval: StrictBool | None = None
    is_active: StrictBool | None = None


class DocumentLabels(BaseModel):
    """The words of the document codes, by language (``{"passport": "Passeport", …}``): the
    catalogue's ``documents_required``, identity documents' ``doc_type`` and uploaded documents'
    ``kind``, as the messages to the person say them (``app/cases/catalogue_data.py``)."""

    fr: dict[str, str]
    en: dict[str, str]


class ServiceTypeOut(BaseModel):
    """A catalogue entry."""

    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    code: str
    label_fr: str
    label_en: str
    category: str
    default_sla_days: int
    documents_required: list[str]
    closure_requires_approval: bool
    sensitive: bool = Field(
        description="The type itself is sensitive data (category legal, health, psychosocial or emergency): "
        "messages to the person name it by a neutral label."
    )
    is_active: bool
    retired_at: dt.datetime | None


class PartnerCreate(BaseModel):
    """A partner organisation; ``country`` ISO 3166-1 alpha-2; ``contact_phone`` as typed (local to
    ``country``, or international)."""

    model_config = ConfigDict(extra="forbid")

    name: OneLine = Field(max_length=200)
    kind: PartnerKind
    country: CountryCode
    city: OptionalOneLine = Field(default=None, max_length=120)
    contact_name: OptionalOneLine = Field(default=None, max_length=200)
    contact_email: Email | None = None
    contact_phone: Phone | None = None
    notes: OptionalText = Field(default=None, max_length=2000)
    service_types: list[ServiceCode] = Field(default_factory=list, max_length=50)


class PartnerUpdate(PartialUpdate):
    """A partial update; ``service_types`` replaces the list; ``is_active: false`` stops referrals;
    null clears the city, the contact's details and the notes."""

    CLEARABLE = frozenset({"city", "contact_name", "contact_email", "contact_phone", "notes"})

    name: OneLine | None = Field(default=None, max_length=200)
    kind: PartnerKind | None = None
    country: CountryCode | None = None
    city: OptionalOneLine = Field(default=None, max_length=120)
    contact_name: OptionalOneLine = Field(default=None, max_length=200)
    contact_email: Email | None = None
    contact_phone: Phone | None = None
    notes: OptionalText = Field(default=None, max_length=2000)
    service_types: list[ServiceCode] | None = Field(default=None, max_length=50)
    is_active: StrictBool | None = None


class PartnerOut(BaseModel):
    """A partner with the codes of the service types it handles."""

    id: uuid.UUID
    name: str
    kind: str
    country: str
    city: str | None
    contact_name: str | None
    contact_email: str | None
    contact_phone: str | None
    notes: str | None
    service_types: list[str]
    is_active: bool
    created_at: dt.datetime
