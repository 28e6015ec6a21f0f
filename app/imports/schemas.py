"""The import report, as the API and the command line show it."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StrictInt, ValidationInfo, field_validator, model_validator
from pydantic_core import PydanticCustomError

from app.core.db import INTEGER_MAX
from app.core.text import OptionalText

Outcome = Literal["imported", "flagged", "rejected", "already_imported", "already_flagged"]
Resolution = Literal["pending", "linked", "created", "discarded"]


class RowWarning(BaseModel):
    """Something dropped or doubtful in an otherwise imported (or flagged) row."""

    field: str
    message: str
    message_fr: str | None = Field(
        default=None, description="The same warning in French (null for rows imported before it was kept)."
    )


class RowCandidate(BaseModel):
    """Who a flagged row may be: an existing registrant, or an earlier row of the same file.

    ``registrant_id``/``registration_number`` name a registrant (created before this import, or
    by an earlier row of this file, then ``line`` is that row's line too); ``line`` alone names an
    earlier row that was itself held. ``score`` in [0, 1]; ``reasons`` as the registry gives them;
    ``through`` as a registration's candidate has it (``DuplicateCandidate.through``).
    """

    registrant_id: uuid.UUID | None = None
    registration_number: str | None = None
    line: int | None = None
    score: float
    reasons: list[str] = Field(default_factory=list)
    through: str | None = Field(
        default=None,
        description="The registration number of a file merged into the candidate whose names and details matched "
        "the row best (its last reason is then merged_file: the values compared were that file's, not the "
        "candidate's); null when the candidate's own did, and for an earlier row of the file.",
    )


class RowReport(BaseModel):
    """One data row: ``line`` in the file (header = line 1), the register's ``N°`` and its outcome.

    ``reason`` is set for rejected rows; ``candidates`` for flagged rows; ``registrant_id`` for
    imported rows (and already imported ones, pointing at the earlier import's registrant).
    """

    line: int
    number: str | None
    outcome: Outcome
    name: str
    registrant_id: uuid.UUID | None = None
    reason: str | None = None
    reason_fr: str | None = Field(
        default=None, description="The same reason in French (null for rows imported before it was kept)."
    )
    warnings: list[RowWarning] = Field(default_factory=list)
    candidates: list[RowCandidate] = Field(default_factory=list)
    resolution: Resolution | None = Field(
        default=None,
        description="Flagged rows: pending until an agent links the row to a candidate (linked), creates a new "
        "person (created, then registrant_id is set) or discards it.",
    )

    @model_validator(mode="after")
    def _flagged_rows_start_pending(self) -> RowReport:
        if self.outcome == "flagged" and self.resolution is None:
            self.resolution = "pending"
        return self


class ImportCounts(BaseModel):
    """Rows per outcome; ``total`` is their sum (every data row lands in exactly one). ``pending``,
    ``linked``, ``created`` and ``discarded`` split the flagged rows by their resolution."""

    total: int = 0
    imported: int = 0
    flagged: int = 0
    rejected: int = 0
    already_imported: int = 0
    already_flagged: int = 0
    with_warnings: int = 0
    pending: int = Field(default=0, description="Flagged rows not resolved yet.")
    linked: int = Field(default=0, description="Flagged rows resolved as a candidate already registered.")
    created: int = Field(default=0, description="Flagged rows resolved as a new person (registered then).")
    discarded: int = Field(default=0, description="Flagged rows resolved by discarding them.")


class ImportReport(BaseModel):
    """What an import did (or would do, for a dry run) with a register file.

    ``batch_id`` is null for a dry run (nothing is stored). ``previous_batch_ids`` lists earlier
    real imports of the same bytes for the same desk. ``duration_ms`` is wall time. ``status``:
    ``completed``; for a stored batch whose run failed after committing some of its chunks,
    ``interrupted`` (``rows`` are those stored; re-running the file resumes it), or ``running``
    while it is under way or when the failure could not be recorded.
    """

    batch_id: uuid.UUID | None
    dry_run: bool
    desk_code: str
    filename: str | None
    file_sha256: str
    file_size: int
    file_format: Literal["csv", "xlsx"]
    encoding: str | None
    delimiter: str | None
    columns: dict[str, str]
    ignored_columns: list[str]
    previous_batch_ids: list[uuid.UUID] = Field(default_factory=list)
    counts: ImportCounts
    duration_ms: int
    status: Literal["running", "completed", "interrupted"] = "completed"
    created_at: dt.datetime | None = None
    rows: list[RowReport]

    def rows_with(self, outcome: str) -> list[RowReport]:
        """The rows of one outcome, in file order."""
        return [r for r in self.rows if r.outcome == outcome]


def counts_of(rows: list[RowReport]) -> ImportCounts:
    """Count rows per outcome."""
    tally: dict[str, Any] = {"total": len(rows), "with_warnings": sum(1 for r in rows if r.warnings)}
    for row in rows:
        tally[row.outcome] = tally.get(row.outcome, 0) + 1
        if row.outcome == "flagged" and row.resolution is not None:
            tally[row.resolution] = tally.get(row.resolution, 0) + 1
    return ImportCounts(**tally)


UpdatableField = Literal[
    "given_names", "family_name", "date_of_birth", "sex", "place_of_birth", "origin_region", "host_city",
    "occupation", "email", "status_category", "residence_status", "arrival_date", "phones", "documents", "notes",
]  # fmt: skip


class RowResolutionIn(BaseModel):
    """How to resolve one flagged row.

    ``decision``: ``link`` (the row is ``registrant_id``, one of its candidates; ``update_fields``
    copies those fields of the row onto that person: values replace the person's, ``phones`` and
    ``documents`` are added to theirs, ``notes`` appended; ``registrant_etag`` guards that update
    as ``If-Match`` would; absent for the version it has when the resolution is stored), ``create``
    (a new person, registered with a new number, the row's date of registration kept) or ``discard``.
    """

    model_config = ConfigDict(extra="forbid")

    decision: Literal["link", "create", "discard"]
    registrant_id: uuid.UUID | None = None
    update_fields: list[UpdatableField] = Field(default_factory=list, max_length=20)
    registrant_etag: str | None = Field(default=None, max_length=64)
    note: OptionalText = Field(default=None, max_length=2000)

    @field_validator("registrant_id", "update_fields", "registrant_etag")
    @classmethod
    def _only_for_link(cls, value: Any, info: ValidationInfo) -> Any:
        # named at its own field, so the client sees which value a create or a discard would drop
        decision = info.data.get("decision")
        if decision is not None and decision != "link" and value:
            raise PydanticCustomError(
                "not_applicable",
                "does not apply to decision {decision}: only link takes it",
                {"decision": decision},
            )
        return value

    @model_validator(mode="after")
    def _fits_decision(self) -> RowResolutionIn:
        if self.decision == "link" and self.registrant_id is None:
            raise ValueError("decision link needs registrant_id: the candidate the row is")
        if len(set(self.update_fields)) != len(self.update_fields):
            raise ValueError("update_fields names a field twice")
        return self


MAX_LINE = INTEGER_MAX
"""The largest line a row can have (``import_rows.line`` is an ``INTEGER``): a line beyond it is
refused as input (422 naming it, exit 2 on the command line) before any query, on every database
alike, instead of overflowing the driver (PostgreSQL) or being looked up (SQLite)."""


class BulkRowResolution(RowResolutionIn):
    """One row of a bulk resolution: its ``line`` and its decision."""

    line: StrictInt = Field(ge=2, le=MAX_LINE)


class BulkResolutionIn(BaseModel):
    """Rows resolved together, all or nothing (each line at most once)."""

    model_config = ConfigDict(extra="forbid")

    items: list[BulkRowResolution] = Field(min_length=1, max_length=500)

    @model_validator(mode="after")
    def _lines_once(self) -> BulkResolutionIn:
        lines = [i.line for i in self.items]
        if len(set(lines)) != len(lines):
            raise ValueError("each line may appear once")
        return self


class RowResolutionOut(BaseModel):
    """A resolved row: its ``line``, ``resolution``, the ``registrant_id`` linked or created (null
    when discarded), when and by whom, and the batch's counts after it."""

    batch_id: uuid.UUID
    line: int
    resolution: Resolution
    registrant_id: uuid.UUID | None
    registration_number: str | None
    resolved_at: dt.datetime
    resolved_by: uuid.UUID | None
    counts: ImportCounts


class BulkResolutionOut(BaseModel):
    """The rows resolved by a bulk request, in request order, and the batch's counts after them."""

    batch_id: uuid.UUID
    rows: list[RowResolutionOut]
    counts: ImportCounts
