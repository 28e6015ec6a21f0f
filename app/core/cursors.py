"""Opaque cursors the API issues, authenticated so that a client cannot make one up.

A cursor is base64url (no padding) of a JSON object holding its fields and ``m``, an HMAC-SHA256
(truncated to 128 bits, base64url) of the other fields' canonical JSON and of the list it belongs
to (``context``: which list or feed, so a cursor of one list is not taken by another). The key is
derived from the signing key as ``HMAC-SHA256(signing_key, "diaspora-desk/cursor/v1")``: a
dedicated key, as for pseudonyms (:mod:`app.reports.pseudonyms`), so a cursor's MAC never equals
anything the token machinery computes. Changing ``SECRET_KEY`` makes the cursors issued before it
invalid (400): a client starts its list, or its sync, over.

The request's session carries the key (``session.info["cursor_key"]``, set by
:func:`app.core.db.create_sessionmaker` for the app's sessions), so that the services that page
need no extra argument.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from typing import Any, Final

from sqlalchemy.ext.asyncio import AsyncSession

from app.core.config import Settings

_DERIVATION_LABEL: Final = b"diaspora-desk/cursor/v1"
_MAC_BYTES: Final = 16
SESSION_KEY: Final = "cursor_key"
"""The ``session.info`` entry holding the key."""


class NotIssued(ValueError):
    """The token is not a cursor this API issued (malformed, or its MAC does not match)."""


def cursor_key(settings: Settings) -> bytes:
    """The key that authenticates cursors under these settings."""
    return hmac.new(settings.signing_key().encode(), _DERIVATION_LABEL, hashlib.sha256).digest()


def key_of(session: AsyncSession) -> bytes:
    """The cursor key the session carries; ``RuntimeError`` for a session made without one (a
    programming error: only the app's sessions page)."""
    key = session.info.get(SESSION_KEY)
    if not isinstance(key, bytes):
        raise RuntimeError("this session carries no cursor key (create_sessionmaker(..., cursor_key=...))")
    return key


def _mac(fields: dict[str, Any], key: bytes, context: str) -> str:
    canonical = json.dumps([context, fields], separators=(",", ":"), sort_keys=True, ensure_ascii=True)
    digest = hmac.new(key, canonical.encode(), hashlib.sha256).digest()[:_MAC_BYTES]
    return base64.urlsafe_b64encode(digest).decode().rstrip("=")


def b64_json(token: str) -> Any:
    """The JSON value a base64url token (padding optional) holds; raises ``ValueError``."""
    return json.loads(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)))


def seal(fields: dict[str, Any], *, key: bytes, context: str) -> str:
    """The cursor token of ``fields`` (JSON-serialisable; ``m`` is reserved) for ``context``."""
    raw = json.dumps({**fields, "m": _mac(fields, key, context)}, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def unseal(token: str, *, key: bytes, context: str) -> dict[str, Any]:
    """The fields of a cursor issued by :func:`seal` for ``context`` under ``key``.

    Raises :class:`NotIssued` for anything else: not base64url JSON, not an object, no MAC, or a
    MAC that does not match (a field changed, another list's cursor, another key).
    """
    try:
        data = b64_json(token)
    except (ValueError, UnicodeDecodeError) as exc:
        raise NotIssued("not a cursor") from exc
    if not isinstance(data, dict) or not isinstance(data.get("m"), str):
        raise NotIssued("not a cursor")
    fields = {k: v for k, v in data.items() if k != "m"}
    if not hmac.compare_digest(data["m"], _mac(fields, key, context)):
        raise NotIssued("not a cursor this API issued")
    return fields
