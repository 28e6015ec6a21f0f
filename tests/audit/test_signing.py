"""Signed checkpoints (app/audit/signing.py): the signed text, the key id, the auditor's JSON copy,
strict base64, and the key file (created with its directories, readable by its owner only; the
errors that name what is wrong)."""

from __future__ import annotations

import base64
import dataclasses
import datetime as dt
import os
import stat
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from app.audit.signing import Checkpoint, Signer, checkpoint_note, key_id_of, load_signer

# RFC 8032 section 7.1, TEST 1
RFC8032_SECRET = bytes.fromhex("9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60")
HEAD = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"
PARIS_SUMMER = dt.timezone(dt.timedelta(hours=2))


@pytest.fixture
def host_in_sao_paulo(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The process's local time zone is America/Sao_Paulo (UTC-3) for the test."""
    monkeypatch.setenv("TZ", "America/Sao_Paulo")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


def _signer() -> Signer:
    return Signer(Ed25519PrivateKey.from_private_bytes(RFC8032_SECRET))


def test_the_signed_note_gives_the_time_in_utc_whatever_the_hosts_zone(host_in_sao_paulo: None) -> None:
    signed_at = dt.datetime(2026, 11, 30, 6, 12, 0, 123456, tzinfo=PARIS_SUMMER)
    assert checkpoint_note(1234, HEAD, signed_at) == (
        b"diaspora-desk audit log\n1234\n" + HEAD.encode() + b"\n2026-11-30T04:12:00.123456+00:00\n"
    )


def test_the_auditors_copy_gives_the_time_in_utc_whatever_the_hosts_zone(host_in_sao_paulo: None) -> None:
    checkpoint = _signer().sign(1234, HEAD, dt.datetime(2026, 11, 30, 6, 12, 0, 123456, tzinfo=PARIS_SUMMER))
    assert checkpoint.as_json()["signed_at"] == "2026-11-30T04:12:00.123456+00:00"


def test_the_key_id_is_the_first_16_hex_digits_of_the_sha256_of_the_raw_public_key() -> None:
    # sha256 of RFC 8032 TEST 1's public key d75a9801…07511a: 21fe31dfa154a261626bf854…
    assert key_id_of(_signer().public_key) == "21fe31dfa154a261"
    assert _signer().key_id == "21fe31dfa154a261"


def test_a_checkpoint_without_an_offset_or_a_field_is_refused_saying_why() -> None:
    good = _signer().sign(7, HEAD, dt.datetime(2026, 11, 30, 4, 12, tzinfo=dt.UTC)).as_json()
    assert Checkpoint.from_json(good).seq == 7
    with pytest.raises(ValueError) as naive:
        Checkpoint.from_json(good | {"signed_at": "2026-11-30T04:12:00"})
    assert str(naive.value) == "signed_at has no offset"
    with pytest.raises(ValueError) as words:
        Checkpoint.from_json(good | {"signed_at": "yesterday"})
    assert str(words.value) == "not a checkpoint: signed_at is an ISO 8601 date and time with its offset"
    with pytest.raises(ValueError) as missing:
        Checkpoint.from_json({k: v for k, v in good.items() if k != "hash"})
    assert str(missing.value) == "not a checkpoint: hash missing"


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ({"seq": "7"}, "seq is a positive integer"),
        ({"seq": 7.0}, "seq is a positive integer"),
        ({"seq": True}, "seq is a positive integer"),
        ({"seq": 0}, "seq is a positive integer"),
        ({"hash": HEAD.upper()}, "hexadecimal"),
        ({"hash": HEAD[:-1]}, "hexadecimal"),
        ({"key_id": 12}, "are strings"),
        ({"signature": None}, "are strings"),
        ({"public_key": base64.b64encode(bytes(32)).decode()}, "is not the key its key_id names"),
        ({"public_key": "not a key"}, "not an Ed25519 public key"),
    ],
)
def test_a_kept_checkpoint_of_other_types_or_with_another_public_key_is_refused(
    change: dict[str, object], reason: str
) -> None:
    signer = _signer()
    good = signer.sign(7, HEAD, dt.datetime(2026, 11, 30, 4, 12, tzinfo=dt.UTC)).as_json()
    good["public_key"] = signer.public_key_b64  # as GET /api/v1/audit/checkpoint gives it
    assert Checkpoint.from_json(good).seq == 7
    with pytest.raises(ValueError, match=reason):
        Checkpoint.from_json(good | change)
    with pytest.raises(ValueError, match="JSON object"):
        Checkpoint.from_json([good])


def test_a_signature_with_characters_outside_base64_is_refused() -> None:
    signer = _signer()
    checkpoint = signer.sign(7, HEAD, dt.datetime(2026, 11, 30, 4, 12, tzinfo=dt.UTC))
    assert signer.verify(checkpoint)
    for junk in ("!", "\n", " ", "*"):
        mangled = checkpoint.signature[:40] + junk + checkpoint.signature[40:]
        assert not signer.verify(dataclasses.replace(checkpoint, signature=mangled))


def test_a_missing_key_file_is_named_when_it_may_not_be_created(tmp_path: Path) -> None:
    path = tmp_path / "audit.pem"
    with pytest.raises(FileNotFoundError) as missing:
        load_signer(path, create=False)
    assert str(missing.value) == f"audit signing key {path} does not exist (AUDIT_SIGNING_KEY_FILE)"
    assert not path.exists()


def test_a_new_key_file_is_created_with_its_directories_readable_by_its_owner_only(tmp_path: Path) -> None:
    path = tmp_path / "var" / "keys" / "audit.pem"
    umask = os.umask(0o022)
    try:
        signer = load_signer(path, create=True)
    finally:
        os.umask(umask)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert load_signer(path, create=False).key_id == signer.key_id


def test_a_key_file_holding_another_kind_of_key_is_refused_saying_so(tmp_path: Path) -> None:
    path = tmp_path / "ec.pem"
    path.write_bytes(
        ec.generate_private_key(ec.SECP256R1()).private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    )
    with pytest.raises(ValueError) as refused:
        load_signer(path, create=False)
    assert (
        str(refused.value) == f"audit signing key {path} (AUDIT_SIGNING_KEY_FILE) does not hold an Ed25519 private key"
    )


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        (b"", "holds no unencrypted PEM (PKCS#8) private key"),
        (b"not a key at all\n", "holds no unencrypted PEM (PKCS#8) private key"),
        ("public", "holds no unencrypted PEM (PKCS#8) private key"),
        ("encrypted", "holds no unencrypted PEM (PKCS#8) private key"),
        (None, "cannot be read: Is a directory"),
    ],
)
def test_a_key_file_that_cannot_be_used_is_refused_naming_it_and_its_setting(
    tmp_path: Path, content: bytes | str | None, reason: str
) -> None:
    path = tmp_path / "audit.pem"
    key = Ed25519PrivateKey.generate()
    if content is None:
        path.mkdir()
    elif content == "public":
        path.write_bytes(
            key.public_key().public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        )
    elif content == "encrypted":
        path.write_bytes(
            key.private_bytes(
                serialization.Encoding.PEM,
                serialization.PrivateFormat.PKCS8,
                serialization.BestAvailableEncryption(b"secret"),
            )
        )
    else:
        assert isinstance(content, bytes)
        path.write_bytes(content)
    with pytest.raises((OSError, ValueError)) as refused:
        load_signer(path, create=False)
    assert str(refused.value) == f"audit signing key {path} (AUDIT_SIGNING_KEY_FILE) {reason}"
