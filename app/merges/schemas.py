"""Request and response bodies of merges."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from app.core.text import OptionalText

MergeableField = Literal[
    "given_names", "family_name", "name_arabic", "sex", "date_of_birth", "place_of_birth", "nationality",
    "origin_region_code", "origin_departement_code", "host_city", "host_region_code", "email", "languages",
    "status_category", "occupation", "arrival_date", "residence_status", "notes",
]  # fmt: skip
MERGEABLE: tuple[str, ...] = MergeableField.__args__  # type: ignore[attr-defined]
Side = Literal["survivor", "merged"]
Status = Literal["proposed", "merged", "rejected", "unmerged"]


class FileRef(BaseModel):
    """One of the two files: id, registration number and the ETag its choices were made on."""

    id: uuid.UUID
    registration_number: str
    desk_id: uuid.UUID
    etag: str


class FieldConflict(BaseModel):
    """A field whose values differ between the two files (a missing value counts as a value).

    ``residence_status`` values are null for a role that may not read them.
    """

    field: MergeableField
    survivor: Any
    merged: Any


class ListOverLimit(BaseModel):
    """A list the survivor would hold too many items of: ``count`` after the merge, ``limit`` the
    most the API accepts (``PATCH /api/v1/registrants/{id}``)."""

    field: Literal["phones", "documents"]
    count: int
    limit: int


class MergePreview(BaseModel):
    """What merging ``merged`` into ``survivor`` would do: the conflicts a request must choose for,
    how many records of each kind would move to the survivor, and whether it needs approval.
    ``over_limit`` lists the lists the survivor would hold too many items of: while it is not
    empty, the merge is refused (409 ``merge-too-many-values``)."""

    survivor: FileRef
    merged: FileRef
    conflicts: list[FieldConflict]
    moves: dict[str, int]
    over_limit: list[ListOverLimit]
    approval_required: bool


class MergeCreate(BaseModel):
    """A merge of ``merged_id`` into ``survivor_id``.

    ``survivor_etag``/``merged_etag``: each file's ``ETag`` from your last read (as for
    ``If-Match``); 428 when missing or ``*``, 412 when stale. ``choices``: for
    every conflicting field (see the preview), which file's value the survivor keeps (a choice for
    a field whose values agree changes nothing and is not kept on the merge record).
    """

    model_config = ConfigDict(extra="forbid")

    survivor_id: uuid.UUID
    merged_id: uuid.UUID
    survivor_etag: str | None = Field(default=None, max_length=64, examples=['"v3"'])
    merged_etag: str | None = Field(default=None, max_length=64, examples=['"v1"'])
    choices: dict[MergeableField, Side] = Field(default_factory=dict)
    note: OptionalText = Field(default=None, max_length=2000)


class MergeDecision(BaseModel):
    """Approving or rejecting a proposed merge, with an optional note."""

    model_config = ConfigDict(extra="forbid")

    note: OptionalText = Field(default=None, max_length=2000)


class MergeOut(BaseModel):
    """A merge record. ``moved`` counts the records moved to the survivor (when merged), per kind
    of :data:`app.merges.moves.KINDS`; ``followed``, once unmerged, the records attached since to a
    case, an appointment or a link code given back that went back with it (``appointments``,
    ``notifications``, ``disclosures``, ``person_accounts``)."""

    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    survivor_id: uuid.UUID
    merged_id: uuid.UUID
    survivor_registration_number: str | None = None
    merged_registration_number: str | None = None
    desk_id: uuid.UUID
    status: Status
    choices: dict[str, Side]
    note: str | None
    moved: dict[str, int] = Field(default_factory=dict)
    followed: dict[str, int] = Field(default_factory=dict)
    proposed_by: uuid.UUID | None
    proposed_at: dt.datetime
    decided_by: uuid.UUID | None
    decided_at: dt.datetime | None
    unmerged_by: uuid.UUID | None
    unmerged_at: dt.datetime | None
