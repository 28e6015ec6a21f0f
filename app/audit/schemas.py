"""Response bodies of the audit log."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from pydantic import BaseModel, ConfigDict


class AuditEventOut(BaseModel):
    """One audit event; ``details`` never holds a sensitive value in clear."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    seq: int
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
    prev_hash: str
    hash: str
