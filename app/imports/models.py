"""Import batches and their rows: what each run of a register import did, row by row.

A batch is stored for every real run (never for a dry run). Its rows keep the raw cells exactly
as read (so a later export can neutralise formula-looking text), the outcome, and for a flagged
row the normalised values and the duplicate candidates an agent needs to resolve it.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from app.core.db import Base, UUIDPrimaryKey, utcnow

STATUSES = ("running", "completed", "interrupted")
OUTCOMES = ("imported", "flagged", "rejected", "already_imported", "already_flagged")
RESOLUTIONS = ("pending", "linked", "created", "discarded")


class ImportBatch(UUIDPrimaryKey, Base):
    """One run of ``import-register`` on one file for one desk.

    ``file_sha256`` fingerprints the bytes; ``counts`` maps each outcome to its number of rows;
    ``duration_ms`` is the wall time of the run. ``status`` is one of :data:`STATUSES`: ``running``
    while its chunks are being committed, ``completed`` when every row is stored, ``interrupted``
    when the run failed after committing some chunks (see :mod:`app.imports.service`; one whose
    process died leaves ``running``, shown ``interrupted``: :func:`app.imports.batches.shown_status`).
    """

    __tablename__ = "import_batches"
    __table_args__ = (Index("ix_import_batches_desk_file", "desk_id", "file_sha256"),)

    desk_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("desks.id"), index=True)
    actor_id: Mapped[uuid.UUID | None] = mapped_column()
    actor_label: Mapped[str] = mapped_column(String(320))
    filename: Mapped[str | None] = mapped_column(String(255))
    file_sha256: Mapped[str] = mapped_column(String(64))
    file_size: Mapped[int] = mapped_column(Integer)
    file_format: Mapped[str] = mapped_column(String(8))
    encoding: Mapped[str | None] = mapped_column(String(32))
    delimiter: Mapped[str | None] = mapped_column(String(4))
    columns: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)
    ignored_columns: Mapped[list[str]] = mapped_column(JSON, default=list)
    counts: Mapped[dict[str, int]] = mapped_column(JSON, default=dict)
    duration_ms: Mapped[int] = mapped_column(Integer, default=0)
    status: Mapped[str] = mapped_column(String(16), default="completed", server_default="completed")
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class ImportRow(Base):
    """One data row of a batch and its outcome.

    ``line`` is the row's line in the file (the header is line 1); ``source_number`` the
    register's own ``N°``. ``registrant_id`` is the registrant created (``imported``) or created
    by an earlier run (``already_imported``). ``candidates`` (flagged rows) lists
    ``{"registrant_id", "registration_number", "score", "reasons", "through"}`` (``through``: a file
    merged into the candidate that matched; absent from rows stored before it was kept) or
    ``{"line", …}`` for an earlier row of the same file. ``resolution`` is ``pending`` for a flagged
    row until an agent decides (``app.imports.resolutions``): ``linked`` (same person as a candidate, then
    ``registrant_id`` is that person), ``created`` (a new person, ``registrant_id``) or
    ``discarded``; ``resolved_at``/``resolved_by`` say when and by whom.
    ``raw`` holds the cells as read, never evaluated.
    """

    __tablename__ = "import_rows"
    __table_args__ = (
        Index("ix_import_rows_batch_line", "batch_id", "line"),
        Index("ix_import_rows_desk_fingerprint", "desk_id", "row_fingerprint"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    batch_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("import_batches.id", ondelete="CASCADE"))
    desk_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("desks.id"))
    line: Mapped[int] = mapped_column(Integer)
    source_number: Mapped[str | None] = mapped_column(String(64))
    outcome: Mapped[str] = mapped_column(String(24))
    row_fingerprint: Mapped[str] = mapped_column(String(64))
    registrant_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("registrants.id", ondelete="SET NULL"))
    reason: Mapped[str | None] = mapped_column(Text)
    reason_fr: Mapped[str | None] = mapped_column(Text)
    warnings: Mapped[list[dict[str, str]]] = mapped_column(JSON, default=list)
    candidates: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    data: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    raw: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)
    resolution: Mapped[str | None] = mapped_column(String(24))
    resolved_at: Mapped[dt.datetime | None] = mapped_column()
    resolved_by: Mapped[uuid.UUID | None] = mapped_column()


class ImportLease(Base):
    """A desk's import lock on PostgreSQL, held by one run (``holder``) until ``expires_at``
    (:mod:`app.imports.holding`): ``kind`` ``real`` (one at a time per desk, ``batch_id`` its
    batch once stored) or ``dry`` (dry runs side by side). The run renews it while it lives; a
    lease past ``expires_at`` is a dead run's, and holds nothing. SQLite has its own lock (a file)."""

    __tablename__ = "import_leases"

    holder: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    desk_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("desks.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(8))
    batch_id: Mapped[uuid.UUID | None] = mapped_column()
    expires_at: Mapped[dt.datetime] = mapped_column()
