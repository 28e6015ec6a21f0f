"""Request and response bodies of registrants.

Strings are NFC-normalised and trimmed; every string has a maximum length; unknown fields are
refused (422). Phones must be JSON strings (a JSON number is a 422): they are parsed against the
desk's country by the service. Dates of birth are partial ISO 8601 (``YYYY``, ``YYYY-MM``,
``YYYY-MM-DD``).
"""

from __future__ import annotations

import datetime as dt
import unicodedata
import uuid
from collections.abc import Callable
from typing import Annotated, Literal

import pycountry
from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    Strict,
    StrictBool,
    StrictStr,
    ValidationInfo,
    field_validator,
    model_validator,
)
from pydantic_core import PydanticCustomError

from app.core.client_ids import CLIENT_ID_FIELD
from app.core.countries import country_code
from app.core.dates import DateText, PapersDate
from app.core.explained import Explained
from app.core.partial import PartialUpdate
from app.core.text import clean, refuse_bidi_controls, required_one_line, shows_nothing
from app.registrants import matching
from app.registrants.normalize import (
    ARRIVAL_BEFORE_BIRTH,
    DOCUMENT_TYPES,
    FutureDate,
    check_arrival_date,
    clean_name,
    clean_optional_name,
    normalise_email,
    parse_partial_date,
)

Sex = Literal["female", "male", "unknown"]
StatusCategory = Literal[
    "student", "worker", "trainee", "entrepreneur", "family_member", "returnee", "seasonal_worker",
    "job_seeker", "retired", "other",
]  # fmt: skip
# desk_transfer: sending the person's file to another desk (e.g. Dakar back to Casablanca).
# The catalogue with labels, recipients and validity: app.privacy.purposes.PURPOSES.
ConsentPurpose = Literal[
    "service_delivery", "transfer_to_senegal", "desk_transfer", "partner_referral", "contact_sms_whatsapp",
    "contact_email", "statistics", "named_export",
]  # fmt: skip
ConsentChannel = Literal["in_person", "paper_form", "phone", "email", "whatsapp", "online"]
DocumentType = Literal[
    "passport", "cni_ecowas", "consular_card", "ma_residence_card", "birth_extract", "card_receipt",
    "laissez_passer", "student_card", "work_contract", "other",
]  # fmt: skip
assert set(DocumentType.__args__) == set(DOCUMENT_TYPES)  # type: ignore[attr-defined]


def _optional_text(value: str | None) -> str | None:
    """``value`` cleaned (:func:`~app.core.text.clean`), or None when it shows nothing (blank, or
    invisible characters only: :func:`~app.core.text.shows_nothing`), as an optional name is; a
    bidirectional control is refused (:func:`~app.core.text.refuse_bidi_controls`)."""
    if value is None or shows_nothing(value):
        return None
    return clean(refuse_bidi_controls(value))


def _stored(limit: int) -> Callable[[str | None], str | None]:
    """An ``AfterValidator`` checking ``limit`` on the value as stored (after :func:`clean`): NFC
    writes some characters as two (U+0958 क़ is क + U+093C; the Hebrew presentation forms
    U+FB1D–U+FB4E), so 200 typed can be 400 stored, past the column. The error is pydantic's
    ``string_too_long``, as for a value too long as typed."""

    def check(value: str | None) -> str | None:
        if value is not None and len(value) > limit:
            raise PydanticCustomError(
                "string_too_long",
                "String should have at most {max_length} characters once normalised (Unicode NFC)",
                {"max_length": limit},
            )
        return value

    return check


def _present(value: str) -> str:
    """``value`` unchanged; a pydantic error of type ``missing`` (what an absent field answers:
    "required") when nothing shows: empty, white space (TAB, line breaks, no-break spaces) or
    invisible characters only."""
    if shows_nothing(value):
        raise PydanticCustomError("missing", "Field required (empty, or white space and invisible characters only)")
    return value


def _multiline_text(value: str | None) -> str | None:
    """A free text of several lines (notes): NFC, its line breaks and tabs kept, or None when it
    shows nothing; a bidirectional control is refused (:func:`~app.core.text.refuse_bidi_controls`)."""
    if value is None or shows_nothing(value):
        return None
    return unicodedata.normalize("NFC", refuse_bidi_controls(value))


CountryCode = Annotated[StrictStr, Field(min_length=2, max_length=2), AfterValidator(country_code)]
# no min_length: an empty name answers "missing" as a blank one does (_present)
Name = Annotated[
    StrictStr,
    Field(max_length=200),
    AfterValidator(_present),
    AfterValidator(clean_name),
    AfterValidator(_stored(200)),
]
OptionalName = Annotated[
    StrictStr, Field(max_length=200), AfterValidator(clean_optional_name), AfterValidator(_stored(200))
]


def _past_partial_date(raw: str) -> str:
    """:func:`parse_partial_date`; a date in the future is the error type ``date_in_future``."""
    try:
        return parse_partial_date(raw)
    except FutureDate as exc:
        raise PydanticCustomError("date_in_future", "{value} is in the future", {"value": raw}) from exc


PartialDate = Annotated[StrictStr, Field(max_length=10, examples=["1994-03"]), AfterValidator(_past_partial_date)]
Email = Annotated[StrictStr, Field(max_length=320), AfterValidator(normalise_email)]
ArrivalDate = Annotated[DateText, AfterValidator(check_arrival_date)]


def known_language(value: str) -> str:
    """``value`` when its primary language subtag (before any ``-``) is an ISO 639 code (two letters,
    ISO 639-1, or three, ISO 639-3: ``wo``, ``ff``, ``srr``, ``dyo``), per ``pycountry``'s tables;
    else ``PydanticCustomError`` ``unknown_language``."""
    primary = value.split("-", 1)[0]
    found = pycountry.languages.get(alpha_2=primary) if len(primary) == 2 else pycountry.languages.get(alpha_3=primary)
    if found is None:
        raise PydanticCustomError(
            "unknown_language", "{value} is not an ISO 639 language code (wo, ff, srr, fr, ar…)", {"value": value}
        )
    return value


def canonical_tag(value: str) -> str:
    """``value`` in BCP 47's canonical case (RFC 5646 §2.1.1): a two-letter region upper case
    (``fr-sn`` → ``fr-SN``), a four-letter script title case (``ar-arab`` → ``ar-Arab``), any other
    subtag lower case."""
    primary, _, subtag = value.partition("-")
    if not subtag:
        return primary
    if len(subtag) == 2 and subtag.isalpha():
        return f"{primary}-{subtag.upper()}"
    if len(subtag) == 4 and subtag.isalpha():
        return f"{primary}-{subtag.title()}"
    return f"{primary}-{subtag.lower()}"


LanguageTag = Annotated[
    str,
    Field(pattern=r"^[a-z]{2,3}(-[A-Za-z0-9]{2,8})?$", max_length=16),
    AfterValidator(known_language),
    AfterValidator(canonical_tag),
]
"""A language tag (BCP 47's primary language subtag and one optional subtag: ``wo``, ``fr-SN``) whose
language is a known ISO 639 code, in canonical case."""
LanguageCode = Annotated[LanguageTag, Strict()]
"""A :data:`LanguageTag` sent as a JSON string."""


def _once_each(tags: list[str]) -> list[str]:
    """``tags`` without repeats, in the order first given (a language said twice is spoken once)."""
    return list(dict.fromkeys(tags))


Languages = Annotated[list[LanguageCode], Field(max_length=10), AfterValidator(_once_each)]
"""The languages a person speaks, preferred first (messages go in the first one with a template):
at most 10 tags, each kept once."""


Text40 = Annotated[StrictStr, Field(max_length=40), AfterValidator(_optional_text), AfterValidator(_stored(40))]
Text120 = Annotated[StrictStr, Field(max_length=120), AfterValidator(_optional_text), AfterValidator(_stored(120))]
Text200 = Annotated[StrictStr, Field(max_length=200), AfterValidator(_optional_text), AfterValidator(_stored(200))]
# notes keep their lines: one-line texts only are cleaned of white space
Text2000 = Annotated[StrictStr, Field(max_length=2000), AfterValidator(_multiline_text), AfterValidator(_stored(2000))]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=False)


class PhoneIn(_Strict):
    """A phone as written; parsed to E.164 with the desk's country as default."""

    number: StrictStr = Field(min_length=1, max_length=64, examples=["77 123 45 67"])  # pasted marks count too
    whatsapp: StrictBool = False
    label: Text40 | None = Field(default=None, examples=["mobile"])


class DocumentIn(_Strict):
    """An identity document; ``number`` is normalised (upper case, no spaces/dashes/dots);
    ``expires_on`` between 1900 and 2100 (:data:`app.core.dates.PapersDate`: an old document is
    recorded as written, and ``9999-12-31`` is a "never" placeholder, not a date; a document that
    does not expire has none)."""

    doc_type: DocumentType
    number: StrictStr = Field(min_length=1, max_length=64, examples=["A01234567"])
    issuing_country: CountryCode | None = Field(default=None, examples=["SN"])
    expires_on: PapersDate | None = None


class ConsentIn(_Strict):
    """Consent for one purpose, as informed at collection (DOMAIN.md "Data protection")."""

    purpose: ConsentPurpose
    granted: StrictBool
    channel: ConsentChannel
    notice_version: Annotated[StrictStr, AfterValidator(required_one_line)] = Field(max_length=32, examples=["2026-01"])
    language: LanguageCode = Field(
        examples=["wo"], description="Language the notice was given in: the person's, not the interface's."
    )
    partner_id: uuid.UUID | None = Field(
        default=None,
        description="partner_referral: the partner (GET /api/v1/partners) the decision is about, for good: "
        "a later rename, deactivation or partner with a like name changes nothing. Refused for the other purposes.",
    )
    partner_name: Text200 | None = Field(
        default=None,
        description="partner_referral: the partner's name as shown to the person; without partner_id, the partner "
        "whose name it is (case, accents and spacing aside); with it, must be that partner's name. Stored as the "
        "partner's name when omitted. Refused for the other purposes.",
    )

    @model_validator(mode="after")
    def _partner_named(self) -> ConsentIn:
        if self.purpose == "partner_referral" and self.partner_id is None and not self.partner_name:
            raise ValueError("partner_referral consent names the partner (partner_id)")
        if self.purpose != "partner_referral" and (self.partner_name is not None or self.partner_id is not None):
            # it would be stored and shown as if the consent were limited to that partner
            raise ValueError(
                f"a {self.purpose} consent names no partner: partner_id and partner_name are for partner_referral"
            )
        return self


class RegistrantCreate(_Strict):
    """A new registrant.

    ``origin_region``/``origin_departement`` are Senegalese areas (code like ``SN-DK`` or name),
    ``host_region`` an area of the desk's country; all are checked against the reference tables.
    ``residence_status`` may only be sent by a supervisor or an administrator (403 otherwise).
    ``desk_code`` defaults to the actor's only desk and is required when they have several.
    """

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "given_names": "Ndèye Fatou",
                    "family_name": "N'Diaye",
                    "sex": "female",
                    "date_of_birth": "1994-03",
                    "nationality": "SN",
                    "origin_region": "Thiès",
                    "host_city": "Casablanca",
                    "phones": [{"number": "06 12 34 56 78", "whatsapp": True, "label": "mobile"}],
                    "documents": [{"doc_type": "passport", "number": "A0 123 4567", "issuing_country": "SN"}],
                    "languages": ["wo", "fr"],
                    "status_category": "student",
                    "consents": [
                        {
                            "purpose": "service_delivery",
                            "granted": True,
                            "channel": "in_person",
                            "notice_version": "2026-01",
                            "language": "wo",
                        }
                    ],
                }
            ]
        },
    )

    id: uuid.UUID | None = CLIENT_ID_FIELD
    given_names: Name
    family_name: Name
    name_arabic: OptionalName | None = None
    sex: Sex = "unknown"
    date_of_birth: PartialDate | None = None
    place_of_birth: Text200 | None = None
    nationality: CountryCode | None = Field(default=None, examples=["SN"])
    origin_region: Text120 | None = Field(default=None, examples=["SN-TH"])
    origin_departement: Text120 | None = Field(default=None, examples=["Mbour"])
    host_city: Text120 | None = None
    host_region: Text120 | None = Field(default=None, examples=["MA-06"])
    email: Email | None = None
    phones: list[PhoneIn] = Field(default_factory=list, max_length=10)
    documents: list[DocumentIn] = Field(default_factory=list, max_length=10)
    languages: Languages = Field(default_factory=list)
    status_category: StatusCategory | None = None
    occupation: Text200 | None = None
    arrival_date: ArrivalDate | None = None
    residence_status: Text2000 | None = Field(default=None, description="Restricted: supervisor/admin only.")
    notes: Text2000 | None = None
    consents: list[ConsentIn] = Field(default_factory=list, max_length=10)
    desk_code: Annotated[StrictStr, Field(max_length=32)] | None = Field(default=None, examples=["CASA-BASE"])

    @field_validator("arrival_date")
    @classmethod
    def _arrival_after_birth(cls, arrival: dt.date | None, info: ValidationInfo) -> dt.date | None:
        born = info.data.get("date_of_birth")
        if arrival and born and arrival.isoformat() < born:  # named at the arrival date, as PATCH names it
            raise Explained(ARRIVAL_BEFORE_BIRTH[1], ARRIVAL_BEFORE_BIRTH[0])
        return arrival


class RegistrantUpdate(PartialUpdate):
    """A partial update (PATCH): only the fields sent change; ``phones``/``documents``/``languages``
    replace the whole list when sent (``[]`` empties it). Null clears the fields a file may lack;
    the names, ``sex`` and the lists refuse it. Consents change through their own endpoints; the
    desk never changes."""

    CLEARABLE = frozenset({
        "name_arabic", "date_of_birth", "place_of_birth", "nationality", "origin_region", "origin_departement",
        "host_city", "host_region", "email", "status_category", "occupation", "arrival_date", "residence_status",
        "notes", "reason",
    })  # fmt: skip

    given_names: Name | None = None
    family_name: Name | None = None
    name_arabic: OptionalName | None = None
    sex: Sex | None = None
    date_of_birth: PartialDate | None = None
    place_of_birth: Text200 | None = None
    nationality: CountryCode | None = None
    origin_region: Text120 | None = None
    origin_departement: Text120 | None = None
    host_city: Text120 | None = None
    host_region: Text120 | None = None
    email: Email | None = None
    phones: list[PhoneIn] | None = Field(default=None, max_length=10)
    documents: list[DocumentIn] | None = Field(default=None, max_length=10)
    languages: Languages | None = None
    status_category: StatusCategory | None = None
    occupation: Text200 | None = None
    arrival_date: ArrivalDate | None = None
    residence_status: Text2000 | None = None
    notes: Text2000 | None = None
    reason: Text2000 | None = Field(
        default=None, description="Why the record is corrected; kept in its correction history."
    )


class PhoneOut(BaseModel):
    """A phone of a registrant. ``verified`` false: the ``phonenumbers`` library could not validate
    it (a new range, a typo); it is kept as typed (``raw``), ``e164`` is null and ``flag`` is
    ``unverified_number`` for the agent to check with the person."""

    model_config = ConfigDict(from_attributes=True)

    e164: str | None = Field(description="E.164 (+221771234567); null for an unverified number.")
    verified: bool = Field(description="False when the number could not be validated (kept as typed in raw).")
    raw: str | None = Field(description="The number as typed (format characters removed); null on older records.")
    whatsapp: bool
    label: str | None
    flag: str | None = Field(
        description="A doubt for a human to check: likely_senegalese_without_prefix, unverified_number."
    )


class DocumentOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    doc_type: str
    number: str
    issuing_country: str | None
    expires_on: dt.date | None


class ConsentOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    purpose: str
    granted: bool
    channel: str
    notice_version: str
    language: str
    partner_name: str | None
    partner_id: uuid.UUID | None
    recorded_at: dt.datetime
    recorded_by: uuid.UUID | None
    withdrawn_at: dt.datetime | None
    expires_at: dt.datetime | None = None


class RegistrantOut(BaseModel):
    """A registrant. ``residence_status`` is null for roles that may not read it (agents, auditors)."""

    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    registration_number: str
    registered_on: dt.date = Field(description="The desk's local date of registration.")
    desk_id: uuid.UUID
    given_names: str
    family_name: str
    name_arabic: str | None
    sex: str
    date_of_birth: str | None
    place_of_birth: str | None
    nationality: str | None
    origin_region_code: str | None
    origin_departement_code: str | None
    host_country: str | None
    host_city: str | None
    host_region_code: str | None
    email: str | None
    phones: list[PhoneOut]
    documents: list[DocumentOut]
    languages: list[str]
    status_category: str | None
    occupation: str | None
    arrival_date: dt.date | None
    residence_status: str | None = None
    notes: str | None
    consents: list[ConsentOut]
    source: str
    created_at: dt.datetime
    updated_at: dt.datetime
    version: int
    anonymised_at: dt.datetime | None = Field(
        default=None, description="When the file was anonymised (erasure); null while it identifies the person."
    )


class RegistrantSummary(BaseModel):
    """A registrant in a list (no phones, documents or restricted fields)."""

    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    registration_number: str
    desk_id: uuid.UUID
    given_names: str
    family_name: str
    sex: str
    date_of_birth: str | None
    status_category: str | None
    host_city: str | None = None
    created_at: dt.datetime


class FieldComparison(BaseModel):
    """How one field of a candidate compared (Fellegi–Sunter, ``app.registrants.linkage``):
    the agreement ``level`` (``exact``, ``variant``, ``partial``, ``similar``, ``year``, ``close``,
    ``different``…) and the ``weight`` in bits it added (``log2(m / u)``; negative is evidence
    against), with its ``m`` and ``u`` probabilities (``u`` from the registry's term frequencies
    for names, places and phones)."""

    field: str
    level: str
    weight: float
    m: float
    u: float


class DuplicateCandidate(BaseModel):
    """A registrant who may be the same person: ``score`` in [0, 1] is the match probability
    (Fellegi–Sunter with term-frequency adjustments), ``match_weight`` its weight in bits
    (``prior_weight`` plus each comparison's weight), ``comparisons`` every field compared, and
    ``reasons`` short codes for them (``same_document``, ``same_phone``, ``same_phone_last_digits``
    (an unverified number and the other's phone end with the same 9 digits: weaker than
    ``same_phone``), ``same_family_name``, ``same_given_names``, ``name_variant``,
    ``same_birth_date``, ``same_birth_year``, ``different_sex``…)."""

    id: uuid.UUID
    registration_number: str
    desk_id: uuid.UUID
    given_names: str
    family_name: str
    date_of_birth: str | None
    sex: str
    score: float
    strength: Literal["strong", "possible"]
    reasons: list[str]
    match_weight: float = 0.0
    prior_weight: float = 0.0
    comparisons: list[FieldComparison] = Field(default_factory=list)
    through: str | None = Field(
        default=None,
        description="The registration number of a file merged into this one whose names and details matched best "
        "(the comparisons are of that file's values, not of those shown; reason merged_file); null when this "
        "file's own did.",
    )

    @staticmethod
    def ranked(found: list[DuplicateCandidate]) -> list[DuplicateCandidate]:
        """Best first (score, then registration number), at most ``MAX_CANDIDATES``."""
        return sorted(found, key=lambda c: (-c.score, c.registration_number))[: matching.MAX_CANDIDATES]

    @staticmethod
    def strength_of(value: float) -> Literal["strong", "possible"]:
        return "strong" if value >= matching.STRONG_THRESHOLD else "possible"
