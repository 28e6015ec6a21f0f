"""Pseudonymous ids are HMAC-SHA256 of ``kind:id`` under the pseudonym key, whatever the key's length."""

from __future__ import annotations

import hashlib
import hmac
import uuid

import pytest

from app.reports.pseudonyms import Pseudonymizer


@pytest.mark.parametrize("length", [0, 1, 32, 63, 64, 65, 200])
def test_a_pseudonym_is_the_documented_hmac(length: int) -> None:
    key = hashlib.sha512(str(length).encode()).digest() * 4
    key = key[:length]
    pseudonym = Pseudonymizer(key)
    record = uuid.UUID("07725eed-5dba-4e93-926e-f38df3fc736e")
    expected = "P-" + hmac.digest(key, f"registrant:{record}".encode(), "sha256").hex()[:20]
    assert pseudonym("registrant", record) == expected
    assert pseudonym("registrant", str(record)) == expected
    assert pseudonym("case", record) != expected
    assert pseudonym("case", None) is None
    # each kind's call after the others' still hashes exactly "<kind>:<id>" (no state carried over)
    other = uuid.UUID("6f1b7a52-1c8e-4a54-b0a4-2b64c8b2c7d1")
    for kind, rid in [("case", record), ("registrant", other), ("case", other), ("registrant", record)] * 2:
        assert pseudonym(kind, rid) == "P-" + hmac.digest(key, f"{kind}:{rid}".encode(), "sha256").hex()[:20]
