"""Dedupe keys of the messages: built and read in one place.

A message's ``dedupe_key`` names the change it announces (``case_status:<case id>:<version>:<status>``):
one message per change, ever (:mod:`app.notifications.outbox`). The key is also the only link from a
message to the case or appointment it is about, which :func:`subject` reads back (an unmerge gives
the messages about a case back with the case, :mod:`app.merges.followers`).
"""

from __future__ import annotations

import uuid
from typing import Final, Literal

CASE_EVENTS: Final = frozenset({"case_received", "case_status", "documents_missing"})
"""Events whose key names a case right after the event."""
APPOINTMENT_EVENTS: Final = frozenset({"appointment", "appointment_reminder"})
"""Events whose key names an appointment right after the event."""


def key(event: str, record_id: uuid.UUID, *more: object) -> str:
    """``event:record_id[:more…]``: the dedupe key of a message about one record."""
    return ":".join([event, str(record_id), *(str(m) for m in more)])


def subject(dedupe_key: str) -> tuple[Literal["case", "appointment"], str] | None:
    """What a message is about, read from its key: ``("case", id)``, ``("appointment", id)``, or
    ``None`` (a registration receipt, a sign-in code…)."""
    event, _, rest = dedupe_key.partition(":")
    record_id = rest.split(":", 1)[0]
    if event in CASE_EVENTS:
        return "case", record_id
    if event in APPOINTMENT_EVENTS:
        return "appointment", record_id
    return None
