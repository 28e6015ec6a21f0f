"""A known-answer audit event: its content, the canonical JSON of that content written out by hand,
and the chain hashes it must have (docstring of :mod:`app.audit.chain`).

The hex values were computed once with nothing but ``hashlib.sha256`` over the hand-written
strings below (and checked against ``json.dumps(..., sort_keys=True, separators=(",", ":"),
ensure_ascii=False)`` of the same values). They are literals on purpose: events already in
audit logs were hashed this way, so a change of the code that changes them breaks the
verification of every existing log.
"""

from __future__ import annotations

import datetime as dt
import uuid

from app.audit import chain

ACTOR_ID = uuid.UUID("6f1c2a4e-8d3b-4c5a-9e7f-0a1b2c3d4e5f")
DESK_ID = uuid.UUID("5b0e8a2e-1c1f-4d55-9a43-2f1c0e6b7a10")
ENTITY_ID = uuid.UUID("a3e1b2c4-5d6f-4a7b-8c9d-0e1f2a3b4c5d")
OCCURRED_AT = dt.datetime(2026, 11, 30, 11, 2, 3, 45678, tzinfo=dt.timezone(dt.timedelta(hours=1)))
"""10:02:03.045678 UTC, given in UTC+1: the content holds the UTC time."""
REQUEST_ID = "req-7f3a"
IP = "203.0.113.7"
USER_AGENT = "DiasporaDesk-Web/2.1 (Dakar; fr-SN) é"
DETAILS = {"changes": {"city": {"before": "Rabat", "after": "Fès"}}}

CONTENT = chain.Content(
    occurred_at=OCCURRED_AT,
    actor_id=ACTOR_ID,
    actor_label="agent@desk.example",
    actor_role="agent",
    action="registrant.update",
    entity_type="registrant",
    entity_id=str(ENTITY_ID),
    desk_id=DESK_ID,
    request_id=REQUEST_ID,
    ip=IP,
    user_agent=USER_AGENT,
    details=DETAILS,
)

COLUMNS = {
    "occurred_at": dt.datetime(2026, 11, 30, 10, 2, 3, 45678, tzinfo=dt.UTC),
    "actor_id": uuid.UUID("6f1c2a4e-8d3b-4c5a-9e7f-0a1b2c3d4e5f"),
    "actor_label": "agent@desk.example",
    "actor_role": "agent",
    "action": "registrant.update",
    "entity_type": "registrant",
    "entity_id": "a3e1b2c4-5d6f-4a7b-8c9d-0e1f2a3b4c5d",
    "desk_id": uuid.UUID("5b0e8a2e-1c1f-4d55-9a43-2f1c0e6b7a10"),
    "request_id": "req-7f3a",
    "ip": "203.0.113.7",
    "user_agent": "DiasporaDesk-Web/2.1 (Dakar; fr-SN) é",
    "details": {"changes": {"city": {"before": "Rabat", "after": "Fès"}}},
}
"""The vector event's columns, written out."""

CANONICAL = (
    '{"action":"registrant.update","actor_id":"6f1c2a4e-8d3b-4c5a-9e7f-0a1b2c3d4e5f",'
    '"actor_label":"agent@desk.example","actor_role":"agent",'
    '"details":{"changes":{"city":{"after":"Fès","before":"Rabat"}}},'
    '"entity_id":"a3e1b2c4-5d6f-4a7b-8c9d-0e1f2a3b4c5d","entity_type":"registrant","ip":"203.0.113.7",'
    '"occurred_at":"2026-11-30T10:02:03.045678+00:00","request_id":"req-7f3a",'
    '"user_agent":"DiasporaDesk-Web/2.1 (Dakar; fr-SN) é"}'
)
"""The version 2 content: every field but the desk, keys sorted, no spaces, UTF-8 as is."""

DIGEST = "15f7bcba0b7a6c82ec489fc6e925bab58ad44b28078783d782fd96735bb7a138"
"""SHA-256 of :data:`CANONICAL` (UTF-8)."""

PREV_HASH = "9c" * 32
SEQ = 42
HASH_V2 = "125ca4554188532e01e0b17a95e25eabb34ccbcba57fdccf86b3827819c5a9a6"
"""SHA-256 of ``f"{PREV_HASH}:42:5b0e8a2e-1c1f-4d55-9a43-2f1c0e6b7a10:{DIGEST}"``."""

HASH_V2_FIRST = "3730734d38af8b6d1188d18a1822abc9dff760df073be10d843670495fc48e15"
"""The same event as the first of a log: SHA-256 of ``f"{'0' * 64}:1:5b0e8a2e-…-2f1c0e6b7a10:{DIGEST}"``."""

HASH_V1 = "c6da6dad32ffb2c5152b1b4b2197e4870caed281fe612aa8f925eb7814def103"
"""Link version 1 at seq 42 after :data:`PREV_HASH`: SHA-256 of the canonical JSON of the content
plus ``"desk_id":"5b0e8a2e-…"``, ``"prev_hash":"9c9c…"`` and ``"seq":42``."""
