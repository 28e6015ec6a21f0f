"""Response body of the delta sync."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, Field


class SyncItem(BaseModel):
    """One record: ``op`` ``upsert`` with ``data`` (as the record's own read renders it) and its
    ``etag`` (send it as ``If-Match`` to update), or ``delete`` (a tombstone) with ``reason``:
    ``deleted``, ``merged``, ``anonymised``, ``erased``, ``purged`` or ``out_of_scope``."""

    type: Literal["registrant", "case", "case_note", "referral", "appointment", "document"]
    id: str
    op: Literal["upsert", "delete"]
    data: dict[str, Any] | None = None
    etag: str | None = None
    reason: str | None = None


class SyncPageOut(BaseModel):
    """A page of changes. Send ``next_cursor`` next time (also when ``has_more`` is false: it is
    where the next sync resumes). ``reset``: the app must drop its local copy first.
    ``left_out`` (only when some are): the record types this app client's token does not receive,
    for want of their read scope; the app's copy holds none of them."""

    items: list[SyncItem]
    next_cursor: str = Field(description="Opaque; resume from here.")
    has_more: bool
    reset: bool
    left_out: list[Literal["registrant", "case", "case_note", "referral", "appointment", "document"]] | None = Field(
        default=None,
        description="Record types this token's scopes leave out of the sync (absent: none).",
    )
