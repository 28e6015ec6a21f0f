"""Response bodies of the audit log."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from pydantic import BaseModel, ConfigDict


class AuditEventOut(BaseModel):
    """One audit event; ``details`` never holds a sensitive value in clear.

    ``seq``, ``prev_hash`` and ``hash`` are its link in the chain, null until the sequencer has
    sealed it (normally within a second of its commit).
    """

    model_config = ConfigDict(from_attributes=True)

    id: int
    seq: int | None
    occurred_at: dt.datetime
    actor_id: uuid.UUID | None
    actor_label: str
    actor_role: str
    action: str
    entity_type: str
    entity_id: str | None
    desk_id: uuid.UUID | None
    request_id: str | None
    ip: str | None
    user_agent: str | None
    details: dict[str, Any]
    prev_hash: str | None
    hash: str | None


class CheckpointOut(BaseModel):
    """The latest signed checkpoint, for auditors to keep outside the database.

    ``signature`` is the base64 Ed25519 signature by ``public_key`` (base64 of the raw 32-byte key,
    id ``key_id``) of the lines ``diaspora-desk audit log``, ``seq``, ``hash``, ``signed_at``, each
    ending in a newline. Saved as JSON, the body is what ``diaspora-desk verify-audit --against``
    takes.
    """

    seq: int
    hash: str
    signed_at: str
    """UTC, ISO 8601 with microseconds and ``+00:00``: exactly as in the signed text."""
    key_id: str
    signature: str
    public_key: str
