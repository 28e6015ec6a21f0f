"""The import report, as the API and the command line show it."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any, Literal

from pydantic import BaseModel, Field

Outcome = Literal["imported", "flagged", "rejected", "already_imported", "already_flagged"]


class RowWarning(BaseModel):
    """Something dropped or doubtful in an otherwise imported (or flagged) row."""

    field: str
    message: str


class RowCandidate(BaseModel):
    """Who a flagged row may be: an existing registrant, or an earlier row of the same file.

    ``registrant_id``/``registration_number`` name a registrant (created before this import, or
    by an earlier row of this file, then ``line`` is that row's line too); ``line`` alone names an
    earlier row that was itself held. ``score`` in [0, 1]; ``reasons`` as the registry gives them.
    """

    registrant_id: uuid.UUID | None = None
    registration_number: str | None = None
    line: int | None = None
    score: float
    reasons: list[str] = Field(default_factory=list)


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
    warnings: list[RowWarning] = Field(default_factory=list)
    candidates: list[RowCandidate] = Field(default_factory=list)


class ImportCounts(BaseModel):
    """Rows per outcome; ``total`` is their sum (every data row lands in exactly one)."""

    total: int = 0
    imported: int = 0
    flagged: int = 0
    rejected: int = 0
    already_imported: int = 0
    already_flagged: int = 0
    with_warnings: int = 0


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
    return ImportCounts(**tally)
