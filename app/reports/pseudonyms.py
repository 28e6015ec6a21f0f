"""Pseudonymous ids: a keyed hash (HMAC-SHA256) of a record's id, stable and not reversible.

The key is ``PSEUDONYM_KEY`` when set, otherwise derived from the signing key as
``HMAC-SHA256(signing_key, "diaspora-desk/pseudonym/v1")`` — a dedicated key, so a pseudonym never
equals anything the token machinery computes. Changing either key changes every pseudonym (set
``PSEUDONYM_KEY`` explicitly to keep pseudonyms stable across a rotation of ``SECRET_KEY``).

Without the key, a pseudonym cannot be linked back to the person: the input is a random UUID and
HMAC is a pseudo-random function. With the key, the desk can recompute the pseudonym of a known
person (to answer a data-subject request about an export).
"""

from __future__ import annotations

import hashlib
import hmac
import uuid
from typing import Any

from app.core.config import Settings

_DERIVATION_LABEL = b"diaspora-desk/pseudonym/v1"
PSEUDONYM_HEX_CHARS = 20  # 80 bits: collision-free in practice for millions of people
_BLOCK = 64  # SHA-256's block size in bytes
_IPAD = bytes(b ^ 0x36 for b in range(256))
_OPAD = bytes(b ^ 0x5C for b in range(256))


def pseudonym_key(settings: Settings) -> bytes:
    """The key of pseudonymous ids for these settings."""
    if settings.pseudonym_key is not None:
        return settings.pseudonym_key.get_secret_value().encode()
    return hmac.new(settings.signing_key().encode(), _DERIVATION_LABEL, hashlib.sha256).digest()


class Pseudonymizer:
    """Computes ``P-`` + 20 hex characters for a (kind, id) pair, e.g. ``P-3f9a0c…``.

    ``kind`` separates namespaces (``registrant``, ``case``…) so ids of different kinds never
    collide or correlate.
    """

    def __init__(self, key: bytes) -> None:
        self._key = key
        # HMAC (RFC 2104) with its two keyed SHA-256 states computed once: each pseudonym then
        # costs two copies and two updates instead of OpenSSL's whole HMAC set-up.
        block = (hashlib.sha256(key).digest() if len(key) > _BLOCK else key).ljust(_BLOCK, b"\0")
        self._inner = hashlib.sha256(block.translate(_IPAD))
        self._outer = hashlib.sha256(block.translate(_OPAD))
        self._by_kind: dict[str, Any] = {}  # kind -> inner state after "<kind>:"

    def _hmac(self, message: bytes) -> bytes:
        """HMAC-SHA256 of ``message`` under the key (equal to ``hmac.digest(key, message, "sha256")``)."""
        inner = self._inner.copy()
        inner.update(message)
        outer = self._outer.copy()
        outer.update(inner.digest())
        return outer.digest()

    def __call__(self, kind: str, record_id: uuid.UUID | str | None) -> str | None:
        """``P-`` + the first 20 hex characters of HMAC-SHA256(key, ``"<kind>:<record_id>"``);
        None for None. An export calls it once or twice a row: the inner state already holding
        ``"<kind>:"`` is kept per kind, so a call hashes only the id."""
        if record_id is None:
            return None
        inner = self._by_kind.get(kind)
        if inner is None:
            inner = self._by_kind[kind] = self._inner.copy()
            inner.update(f"{kind}:".encode())
        inner = inner.copy()
        inner.update(str(record_id).encode())
        outer = self._outer.copy()
        outer.update(inner.digest())
        return "P-" + outer.hexdigest()[:PSEUDONYM_HEX_CHARS]
