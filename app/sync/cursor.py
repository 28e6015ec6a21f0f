"""Where a delta sync stands: the cursor the API hands out and reads back.

A cursor is sealed (:mod:`app.core.cursors`, context ``sync``): one the API did not issue — made
up, or issued and then edited (another ``seq``, desk fingerprint or place) — answers 400.
Cursors of the first version (``"v": 1``, unsealed), which devices may still hold from before,
are read when they point inside the log (their ``seq`` at most the sealed head, checked by
:func:`app.sync.service.page`) and answered with a sealed one.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any, Final

from app.core import cursors
from app.core.errors import BadRequest
from app.core.integers import BIGINT_MAX
from app.sync import records

_CURSOR_VERSION: Final = 2
_UNSEALED_VERSION: Final = 1
_CONTEXT: Final = "sync"
_MAX_PLACE_PARTS: Final = 5

Place = tuple[str, ...]
"""An item's place inside its event (see :func:`app.sync.service._event_items`), compared as a
tuple of strings: ``("0",)`` the record the event names, ``("1", type rank, id)`` one it carries
along, a case's notes and the like just after the case (``(*case place, type rank, id)``)."""


def bad_cursor() -> BadRequest:
    """The 400 problem of a sync cursor this API did not issue."""
    return BadRequest("The sync cursor is not valid.", detail_fr="Le curseur de synchronisation n'est pas valide.")


@dataclass
class Cursor:
    """Where a sync stands: ``phase`` ``snapshot`` (first sync: type ``kind`` after id ``after``,
    the feed to resume at ``seq``) or ``changes`` (events after ``seq``; with ``within``, the
    event ``seq`` itself was sent up to the item at that place, the rest follows); ``scope``
    fingerprints the actor's desks and rights; ``sealed``: read from a sealed cursor."""

    phase: str
    seq: int
    scope: str
    kind: int = 0
    after: str | None = None
    within: Place | None = None
    sealed: bool = True

    def encode(self, *, key: bytes) -> str:
        """The sealed token of this position."""
        fields = {
            "v": _CURSOR_VERSION,
            "p": self.phase,
            "s": self.seq,
            "f": self.scope,
            "k": self.kind,
            "a": self.after,
            "w": list(self.within) if self.within is not None else None,
        }
        return cursors.seal(fields, key=key, context=_CONTEXT)

    @classmethod
    def decode(cls, token: str, *, key: bytes) -> Cursor:
        """Raises ``BadRequest`` (400) for a cursor this API did not issue."""
        try:
            data = cursors.b64_json(token)
            sealed = not (isinstance(data, dict) and data.get("v") == _UNSEALED_VERSION and "m" not in data)
            if sealed:
                data = cursors.unseal(token, key=key, context=_CONTEXT)
            cursor = cls(
                phase=data["p"],
                seq=data["s"],
                scope=data["f"],
                kind=data["k"],
                after=data["a"],
                within=_place(data.get("w")),
                sealed=sealed,
            )
            valid = (
                data["v"] == (_CURSOR_VERSION if sealed else _UNSEALED_VERSION)
                and cursor.phase in {"snapshot", "changes"}
                and type(cursor.seq) is int
                and 0 <= cursor.seq <= BIGINT_MAX
                and isinstance(cursor.scope, str)
                and type(cursor.kind) is int
                and 0 <= cursor.kind <= len(records.TYPES)
                and (cursor.after is None or str(uuid.UUID(cursor.after)) == cursor.after)
                and (cursor.within is None or cursor.phase == "changes")
            )
        except (ValueError, TypeError, KeyError, AttributeError, UnicodeDecodeError) as exc:
            raise bad_cursor() from exc
        if not valid:
            raise bad_cursor()
        return cursor


def _place(value: Any) -> Place | None:
    if value is None:
        return None
    if not (isinstance(value, list) and 1 <= len(value) <= _MAX_PLACE_PARTS and all(isinstance(v, str) for v in value)):
        raise ValueError("not a place")
    return tuple(value)
