"""Access tokens, opaque tokens and password checks (``app/core/security.py``), function by function.

Expected values come from outside the code: tokens are read back with PyJWT itself, forged ones
are made with PyJWT (RFC 7519 claims, RFC 8725 §3.1: the algorithm is the server's, never the
token's), digests with ``hashlib``, hashes with argon2-cffi, normal forms with ``unicodedata``.
"""

from __future__ import annotations

import base64
import datetime as dt
import re
import time
import unicodedata
import uuid
from collections.abc import Callable
from typing import Any

import jwt
import pytest
from argon2 import PasswordHasher

from app.core import security
from tests.conftest import TEST_SECRET

USER = uuid.UUID("6f1c2a44-3b7e-4d21-9a0e-5c8f7d9e0b12")


def _forge(claims: dict[str, Any], *, key: str | None = TEST_SECRET, algorithm: str = "HS256") -> str:
    """A token made with PyJWT; a claim given as ``None`` is left out."""
    now = int(time.time())
    base = {"sub": str(USER), "role": "agent", "tv": 3, "iat": now, "exp": now + 300, "typ": "access"}
    payload = {name: value for name, value in {**base, **claims}.items() if value is not None}
    return jwt.encode(payload, key, algorithm=algorithm)  # type: ignore[arg-type]


def test_an_access_token_is_an_hs256_jwt_with_the_documented_claims() -> None:
    token = security.create_access_token(user_id=USER, role="agent", token_version=3, key=TEST_SECRET, ttl_seconds=900)
    assert jwt.get_unverified_header(token) == {"alg": "HS256", "typ": "JWT"}
    claims = jwt.decode(token, TEST_SECRET, algorithms=["HS256"])
    assert set(claims) == {"sub", "role", "tv", "iat", "exp", "jti", "typ"}
    assert (claims["sub"], claims["role"], claims["tv"], claims["typ"]) == (str(USER), "agent", 3, "access")
    assert claims["exp"] - claims["iat"] == 900
    assert abs(claims["iat"] - time.time()) < 60
    assert re.fullmatch(r"[0-9a-f]{32}", claims["jti"])


def test_a_client_token_carries_its_client_and_scopes_and_a_given_jti() -> None:
    token = security.create_access_token(
        user_id=USER,
        role="agent",
        token_version=1,
        key=TEST_SECRET,
        ttl_seconds=60,
        client_id="mobile",
        scope="cases:read registrants:read",
        jti="abc",
    )
    claims = jwt.decode(token, TEST_SECRET, algorithms=["HS256"])
    assert (claims["cid"], claims["scope"], claims["jti"]) == ("mobile", "cases:read registrants:read", "abc")
    bare = security.create_access_token(
        user_id=USER, role="agent", token_version=1, key=TEST_SECRET, ttl_seconds=60, client_id="mobile"
    )
    assert jwt.decode(bare, TEST_SECRET, algorithms=["HS256"])["scope"] == ""


def test_a_valid_token_decodes_to_its_claims() -> None:
    now = int(time.time())
    token = _forge({"exp": now + 300, "jti": "j-1"})
    claims = security.decode_access_token(token, key=TEST_SECRET)
    assert claims == security.AccessClaims(
        user_id=USER,
        role="agent",
        token_version=3,
        expires_at=dt.datetime.fromtimestamp(now + 300, dt.UTC),
        client_id=None,
        scopes=None,
        jti="j-1",
    )


def test_a_client_tokens_scopes_are_its_space_separated_scope_claim() -> None:
    claims = security.decode_access_token(_forge({"cid": "mobile", "scope": "a:read  b:write"}), key=TEST_SECRET)
    assert claims is not None
    assert (claims.client_id, claims.scopes, claims.jti) == ("mobile", frozenset({"a:read", "b:write"}), None)
    no_scope = security.decode_access_token(_forge({"cid": "mobile"}), key=TEST_SECRET)
    assert no_scope is not None and no_scope.scopes == frozenset()


def test_the_leeway_extends_the_expiry_and_is_added_to_it() -> None:
    expired = int(time.time()) - 10
    token = _forge({"exp": expired, "iat": expired - 60})
    assert security.decode_access_token(token, key=TEST_SECRET) is None
    claims = security.decode_access_token(token, key=TEST_SECRET, leeway_seconds=30)
    assert claims is not None
    assert claims.expires_at == dt.datetime.fromtimestamp(expired + 30, dt.UTC)


@pytest.mark.parametrize(
    "make",
    [
        pytest.param(lambda: _forge({"typ": "refresh"}), id="another type"),
        pytest.param(lambda: _forge({"typ": None}), id="no type"),
        pytest.param(lambda: _forge({"exp": None}), id="no expiry"),
        pytest.param(lambda: _forge({"sub": None}), id="no subject"),
        pytest.param(lambda: _forge({"sub": "not-a-uuid"}), id="subject not a uuid"),
        pytest.param(lambda: _forge({}, key="another-secret-key-that-is-long-enough-for-hs256"), id="another key"),
        pytest.param(lambda: _forge({}, algorithm="HS384"), id="another algorithm, same key"),
        pytest.param(lambda: _forge({}, key=None, algorithm="none"), id="alg none"),
        pytest.param(lambda: _forge({"nbf": int(time.time()) + 120}), id="not yet valid"),
        pytest.param(lambda: "not.a.token", id="malformed"),
    ],
)
def test_a_token_that_is_not_a_valid_access_token_decodes_to_none(make: Callable[[], str]) -> None:
    # Made when the test runs, not when it is collected: the times in it are relative to now.
    assert security.decode_access_token(make(), key=TEST_SECRET) is None


def test_an_opaque_token_is_256_random_bits_stored_as_its_sha256() -> None:
    token = security.new_opaque_token()
    assert re.fullmatch(r"[A-Za-z0-9_-]{43}", token)
    assert len(base64.urlsafe_b64decode(token + "=")) == 32
    assert security.new_opaque_token() != token
    assert security.token_digest("abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"


def test_a_password_hash_is_argon2id_of_the_nfkc_form() -> None:
    stored = security.hash_password("ﬁlm\u0301")  # the "fi" ligature; "m" + combining acute
    assert stored.startswith("$argon2id$")
    assert PasswordHasher().verify(stored, unicodedata.normalize("NFKC", "ﬁlm\u0301"))
    assert security.normalise_password("ﬁ①") == "fi1"


def test_a_current_hash_is_valid_without_rehash() -> None:
    stored = security.hash_password("correct horse")
    assert security.check_password("correct horse", stored) == security.PasswordCheck(valid=True, rehash=False)
    assert security.verify_password("correct horse", stored) is True
    assert security.verify_password("correct horsE", stored) is False
    assert security.password_needs_rehash(stored) is False


def test_a_hash_with_weaker_parameters_is_valid_and_asks_for_a_rehash() -> None:
    weak = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1).hash("correct horse")
    assert security.check_password("correct horse", weak) == security.PasswordCheck(valid=True, rehash=True)
    assert security.password_needs_rehash(weak) is True


def test_a_hash_of_the_typed_form_is_valid_and_asks_for_a_rehash() -> None:
    nfd = unicodedata.normalize("NFD", "Sénégal")
    legacy = PasswordHasher().hash(nfd)  # stored before passwords were normalised
    assert security.check_password(nfd, legacy) == security.PasswordCheck(valid=True, rehash=True)
    assert security.check_password(unicodedata.normalize("NFC", "Sénégal"), legacy).valid is True


def test_no_account_or_a_broken_hash_is_never_valid() -> None:
    assert security.check_password("anything", None) == security.PasswordCheck(valid=False, rehash=False)
    assert security.check_password("anything", "not an argon2 hash") == security.PasswordCheck(valid=False)


def test_a_token_without_role_or_version_claims_has_no_role_and_version_0() -> None:
    claims = security.decode_access_token(_forge({"role": None, "tv": None}), key=TEST_SECRET)
    assert claims is not None
    assert (claims.role, claims.token_version) == ("", 0)


async def test_a_token_without_a_version_is_never_current(client, make_staff) -> None:  # type: ignore[no-untyped-def]
    # Accounts start at token version 1: a token that does not say its version is not theirs.
    staff = await make_staff("agent")
    current = _forge({"sub": str(staff.id), "tv": 1})
    unversioned = _forge({"sub": str(staff.id), "tv": None})
    me = await client.get("/api/v1/auth/me", headers={"Authorization": f"Bearer {current}"})
    refused = await client.get("/api/v1/auth/me", headers={"Authorization": f"Bearer {unversioned}"})
    assert (me.status_code, refused.status_code) == (200, 401)


def test_a_wrong_password_whose_nfkc_form_is_none_of_its_typed_forms_is_refused() -> None:
    # "ﬁ" (U+FB01) is the same in NFC and NFD, and "fi" in NFKC: three candidates, one of them new.
    stored = security.hash_password("film")
    assert security.check_password("ﬁlmm", stored) == security.PasswordCheck(valid=False)
