"""One-time codes, link codes and person access tokens: generated, hashed and verified.

* Sign-in codes: 6 random digits (``secrets``), stored as HMAC-SHA256 under a key derived from
  the server's ``SECRET_KEY`` and bound to the code's row and recipient, compared in constant
  time (``hmac.compare_digest``). NIST SP 800-63B §5.1.3 (out-of-band authenticators).
* Link codes: 10 characters of Crockford's base32 (50 bits), easy to read aloud and type; stored
  as their keyed HMAC-SHA256, looked up by it.
* Person access tokens: JWT (PyJWT, HS256, RFC 7519) signed with a key of their own derived from
  ``SECRET_KEY`` and carrying ``aud`` ``self-service`` and ``typ`` ``person_access``. A staff
  token (other key, no audience, ``typ`` ``access``) never verifies here, and a person token never
  verifies as a staff token (RFC 8725 §3.11, "Use Explicit Typing"; §3.9, audiences).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import secrets
import uuid
from dataclasses import dataclass
from typing import Any

import jwt

from app.core.db import utcnow
from app.core.ids import new_id

AUDIENCE = "self-service"
TOKEN_TYPE = "person_access"
_ALGORITHM = "HS256"
_CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
LINK_CODE_LENGTH = 10


def _derived(server_key: str, purpose: str) -> bytes:
    return hmac.new(server_key.encode(), f"diaspora-desk/self-service/{purpose}".encode(), hashlib.sha256).digest()


def new_sign_in_code() -> str:
    """Six random decimal digits (``"042917"``)."""
    return f"{secrets.randbelow(1_000_000):06d}"


def code_hash(server_key: str, *, code_id: uuid.UUID, identifier: str, code: str) -> str:
    """The hex HMAC-SHA256 a sign-in code is stored as (bound to its row and recipient)."""
    message = f"{code_id}:{identifier}:{code}".encode()
    return hmac.new(_derived(server_key, "codes"), message, hashlib.sha256).hexdigest()


def code_matches(server_key: str, *, code_id: uuid.UUID, identifier: str, code: str, stored: str) -> bool:
    """Constant-time comparison of a typed code with the stored hash."""
    return hmac.compare_digest(code_hash(server_key, code_id=code_id, identifier=identifier, code=code), stored)


def new_link_code() -> str:
    """Ten characters of Crockford's base32 (``"7K3QX9M2PD"``), 50 random bits."""
    return "".join(secrets.choice(_CROCKFORD) for _ in range(LINK_CODE_LENGTH))


def normalise_link_code(typed: str) -> str:
    """A typed link code as issued: spaces and dashes dropped, upper case, and the letters
    Crockford's base32 reads as digits (``O`` → 0, ``I``/``L`` → 1) mapped."""
    text = typed.strip().upper().replace(" ", "").replace("-", "")
    return text.translate(str.maketrans("OIL", "011"))


def link_code_digest(server_key: str, code: str) -> str:
    """The hex HMAC-SHA256 a link code is stored and looked up as."""
    return hmac.new(_derived(server_key, "link-codes"), code.encode(), hashlib.sha256).hexdigest()


@dataclass(frozen=True)
class PersonClaims:
    """The claims of a verified person access token."""

    account_id: uuid.UUID
    token_version: int


def create_person_token(*, account_id: uuid.UUID, token_version: int, server_key: str, ttl_seconds: int) -> str:
    """A signed person access token valid ``ttl_seconds`` from now."""
    now = utcnow()
    claims: dict[str, Any] = {
        "sub": str(account_id),
        "aud": AUDIENCE,
        "typ": TOKEN_TYPE,
        "tv": token_version,
        "iat": int(now.timestamp()),
        "exp": int((now + dt.timedelta(seconds=ttl_seconds)).timestamp()),
        "jti": new_id().hex,
    }
    return jwt.encode(claims, _derived(server_key, "tokens"), algorithm=_ALGORITHM)


def decode_person_token(token: str, *, server_key: str, leeway_seconds: int = 0) -> PersonClaims | None:
    """The claims of a valid person token, or ``None`` (malformed, forged, expired, a staff token,
    another audience or type)."""
    try:
        claims = jwt.decode(
            token,
            _derived(server_key, "tokens"),
            algorithms=[_ALGORITHM],
            audience=AUDIENCE,
            options={"require": ["exp", "sub", "aud", "typ"]},
            leeway=dt.timedelta(seconds=leeway_seconds),
        )
        if claims.get("typ") != TOKEN_TYPE:
            return None
        return PersonClaims(account_id=uuid.UUID(claims["sub"]), token_version=int(claims["tv"]))
    except (jwt.PyJWTError, ValueError, KeyError, TypeError):
        return None
