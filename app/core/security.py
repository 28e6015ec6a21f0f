"""Password hashing (Argon2id, argon2-cffi) and access tokens (JWT, PyJWT).

The JWT algorithm is fixed on the server (HS256); a token's own ``alg`` header is never trusted
(RFC 8725 §3.1). Refresh tokens are opaque random strings stored only as SHA-256 digests.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
import unicodedata
import uuid
from dataclasses import dataclass
from typing import Any

import jwt
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from app.core.db import utcnow
from app.core.ids import new_id

JWT_ALGORITHM = "HS256"
_hasher = PasswordHasher()  # argon2-cffi defaults: Argon2id, RFC 9106 low-memory profile
# Verified against when the account does not exist, so both paths cost one Argon2 verification.
_DUMMY_HASH = _hasher.hash(secrets.token_urlsafe(16))


def normalise_password(password: str) -> str:
    """``password`` in Unicode NFKC (UAX #15), as NIST SP 800-63B §5.1.1.2 advises verifiers to
    apply before hashing, so that "é" sent precomposed (NFC, most keyboards) or decomposed (NFD,
    some devices) is the same password."""
    return unicodedata.normalize("NFKC", password)


def hash_password(password: str) -> str:
    """The Argon2id PHC string for ``password`` after :func:`normalise_password`."""
    return _hasher.hash(normalise_password(password))


def _matches(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


@dataclass(frozen=True)
class PasswordCheck:
    """The outcome of :func:`check_password`: ``valid``, and ``rehash`` when the stored hash should
    be replaced by :func:`hash_password` of the password just checked."""

    valid: bool
    rehash: bool = False


def check_password(password: str, password_hash: str | None) -> PasswordCheck:
    """Check ``password`` against ``password_hash`` (``None``: no account; the time is still spent).

    The NFKC form (:func:`normalise_password`) is tried first. Hashes stored before passwords were
    normalised hold the text as it was typed then, in whatever form the device sent: when the NFKC
    form fails and the password has other forms, it is tried as sent and in NFC and NFD; a match
    there asks for a ``rehash`` (no migration: each account moves to the normalised hash at its
    next login). ``rehash`` is also set when the hash's Argon2 parameters are weaker than today's.
    """
    normalised = normalise_password(password)
    stored = password_hash or _DUMMY_HASH
    if _matches(stored, normalised):
        valid = password_hash is not None
        return PasswordCheck(valid=valid, rehash=valid and _hasher.check_needs_rehash(stored))
    legacy = dict.fromkeys((password, unicodedata.normalize("NFC", password), unicodedata.normalize("NFD", password)))
    legacy.pop(normalised, None)
    for candidate in legacy:
        if _matches(stored, candidate):
            return PasswordCheck(valid=password_hash is not None, rehash=password_hash is not None)
    return PasswordCheck(valid=False)


def verify_password(password: str, password_hash: str | None) -> bool:
    """True when ``password`` matches ``password_hash`` (see :func:`check_password`)."""
    return check_password(password, password_hash).valid


def password_needs_rehash(password_hash: str) -> bool:
    """True when the hash was made with weaker parameters than the current ones."""
    return _hasher.check_needs_rehash(password_hash)


@dataclass(frozen=True)
class AccessClaims:
    """The claims of a verified access token."""

    user_id: uuid.UUID
    role: str
    token_version: int
    expires_at: dt.datetime
    """``exp`` plus the leeway: the instant after which the token is refused."""
    client_id: str | None = None
    """The app client the token was issued to (``cid``); ``None`` for a staff sign-in."""
    scopes: frozenset[str] | None = None
    """The token's scopes (``scope``, RFC 6749 §3.3); ``None`` for a staff sign-in (no narrowing)."""
    jti: str | None = None


def create_access_token(
    *,
    user_id: uuid.UUID,
    role: str,
    token_version: int,
    key: str,
    ttl_seconds: int,
    client_id: str | None = None,
    scope: str | None = None,
    jti: str | None = None,
) -> str:
    """A signed JWT for the user, valid ``ttl_seconds`` from now.

    A token issued to an app client also carries ``cid`` (its ``client_id``) and ``scope`` (space
    separated, RFC 8693 §4.2 / RFC 9068 §2.2.3), which narrow what it may do.
    """
    now = utcnow()
    claims: dict[str, Any] = {
        "sub": str(user_id),
        "role": role,
        "tv": token_version,
        "iat": int(now.timestamp()),
        "exp": int((now + dt.timedelta(seconds=ttl_seconds)).timestamp()),
        "jti": jti or new_id().hex,
        "typ": "access",
    }
    if client_id is not None:
        claims["cid"] = client_id
        claims["scope"] = scope or ""
    return jwt.encode(claims, key, algorithm=JWT_ALGORITHM)


def decode_access_token(token: str, *, key: str, leeway_seconds: int = 0) -> AccessClaims | None:
    """The token's claims, or ``None`` when it is malformed, forged, of another type, expired, or
    not yet valid.

    ``leeway_seconds`` of clock skew are tolerated on ``exp``, ``nbf`` and ``iat`` (RFC 7519
    §4.1.4-4.1.6 "some small leeway"; PyJWT's ``leeway``): a token whose ``iat`` is up to that far
    in the future is accepted, one further ahead is refused.
    """
    try:
        claims = jwt.decode(
            token,
            key,
            algorithms=[JWT_ALGORITHM],
            options={"require": ["exp", "sub", "typ"]},
            leeway=dt.timedelta(seconds=leeway_seconds),
        )
        if claims.get("typ") != "access":
            return None
        return AccessClaims(
            user_id=uuid.UUID(claims["sub"]),
            role=str(claims.get("role", "")),
            token_version=int(claims.get("tv", 0)),
            expires_at=dt.datetime.fromtimestamp(claims["exp"], dt.UTC) + dt.timedelta(seconds=leeway_seconds),
            client_id=str(claims["cid"]) if "cid" in claims else None,
            scopes=frozenset(str(claims.get("scope", "")).split()) if "cid" in claims else None,
            jti=str(claims["jti"]) if "jti" in claims else None,
        )
    except (jwt.PyJWTError, ValueError, KeyError, TypeError):
        return None


def new_opaque_token() -> str:
    """A 256-bit random URL-safe token (refresh tokens)."""
    return secrets.token_urlsafe(32)


def token_digest(token: str) -> str:
    """SHA-256 hex digest under which an opaque token is stored."""
    return hashlib.sha256(token.encode()).hexdigest()
