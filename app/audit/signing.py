"""Signed checkpoints of the audit chain: Ed25519 (RFC 8032) with the ``cryptography`` library.

A checkpoint says "the chain's link ``seq`` has hash ``hash``", signed at ``signed_at``. The signed
text (:func:`checkpoint_note`) follows the shape of a transparency log's checkpoint (C2SP
tlog-checkpoint, RFC 9162 signed tree heads): an origin line, the size, the head hash, then the
time::

    diaspora-desk audit log
    1234
    9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08
    2026-11-30T04:12:00.123456+00:00

The private key lives in a PEM file outside the database (``AUDIT_SIGNING_KEY_FILE``; generated
into ``DATA_DIR`` outside production). Anyone holding only the public key can check checkpoints;
someone with full database rights but without the key cannot sign a rewritten history.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import hashlib
import json
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from app.audit import strict_json

ORIGIN = "diaspora-desk audit log"
_HEX_64 = re.compile(r"[0-9a-f]{64}")
_HEX_16 = re.compile(r"[0-9a-f]{16}")


def checkpoint_note(seq: int, head_hash: str, signed_at: dt.datetime) -> bytes:
    """The exact bytes a checkpoint's signature covers (UTF-8, one field per line, final newline)."""
    when = signed_at.astimezone(dt.UTC).isoformat(timespec="microseconds")
    return f"{ORIGIN}\n{seq}\n{head_hash}\n{when}\n".encode()


def _raw_public(key: Ed25519PublicKey) -> bytes:
    return key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def key_id_of(key: Ed25519PublicKey) -> str:
    """The key's id: the first 8 bytes (16 hex digits) of SHA-256 of its raw 32-byte public key."""
    return hashlib.sha256(_raw_public(key)).hexdigest()[:16]


@dataclass(frozen=True)
class Checkpoint:
    """A signed checkpoint as stored and exported (``signature``: base64)."""

    seq: int
    hash: str
    signed_at: dt.datetime
    key_id: str
    signature: str

    def as_json(self) -> dict[str, Any]:
        """The auditor's copy (``GET /api/v1/audit/checkpoint``, ``verify-audit --against``)."""
        return {
            "seq": self.seq,
            "hash": self.hash,
            "signed_at": self.signed_at.astimezone(dt.UTC).isoformat(timespec="microseconds"),
            "key_id": self.key_id,
            "signature": self.signature,
        }

    @classmethod
    def from_json(cls, data: Any) -> Checkpoint:
        """Parse :meth:`as_json`'s shape (``GET /api/v1/audit/checkpoint``'s body, whose optional
        ``public_key`` must be the key ``key_id`` names); ``ValueError`` when a field is missing,
        of another JSON type (``seq`` an integer, the others strings) or malformed."""
        if not isinstance(data, dict):
            raise ValueError("not a checkpoint: a JSON object is expected")
        missing = [name for name in ("seq", "hash", "signed_at", "key_id", "signature") if name not in data]
        if missing:
            raise ValueError(f"not a checkpoint: {', '.join(missing)} missing")
        seq = data["seq"]
        if not isinstance(seq, int) or isinstance(seq, bool) or seq < 1:
            raise ValueError("not a checkpoint: seq is a positive integer")
        texts = {name: data[name] for name in ("hash", "signed_at", "key_id", "signature")}
        if not all(isinstance(value, str) for value in texts.values()):
            raise ValueError("not a checkpoint: hash, signed_at, key_id and signature are strings")
        if not _HEX_64.fullmatch(texts["hash"]) or not _HEX_16.fullmatch(texts["key_id"]):
            raise ValueError("not a checkpoint: hash is 64 and key_id 16 lowercase hexadecimal digits")
        try:
            signed_at = dt.datetime.fromisoformat(texts["signed_at"])
        except ValueError:
            raise ValueError("not a checkpoint: signed_at is an ISO 8601 date and time with its offset") from None
        if signed_at.tzinfo is None:
            raise ValueError("signed_at has no offset")
        if "public_key" in data:
            if not isinstance(data["public_key"], str):
                raise ValueError("not a checkpoint: public_key is a string")
            if Verifier.from_b64(data["public_key"]).key_id != texts["key_id"]:
                raise ValueError("the checkpoint's public_key is not the key its key_id names")
        return cls(seq, texts["hash"], signed_at, texts["key_id"], texts["signature"])


class Verifier:
    """Checks checkpoint signatures against one trusted public key."""

    def __init__(self, public_key: Ed25519PublicKey) -> None:
        self.public_key = public_key
        self.key_id = key_id_of(public_key)

    @property
    def public_key_b64(self) -> str:
        """The raw 32-byte public key, base64 (how it is published)."""
        return base64.b64encode(_raw_public(self.public_key)).decode()

    @classmethod
    def from_b64(cls, value: str) -> Verifier:
        """From a published key (:attr:`public_key_b64`); ``ValueError`` when malformed."""
        try:
            return cls(Ed25519PublicKey.from_public_bytes(base64.b64decode(value.strip(), validate=True)))
        except (binascii.Error, ValueError) as exc:
            raise ValueError("not an Ed25519 public key (base64 of 32 bytes)") from exc

    def verify_bytes(self, signature: str, message: bytes) -> bool:
        """True when ``signature`` (base64) is this key's Ed25519 signature of ``message``."""
        try:
            self.public_key.verify(base64.b64decode(signature, validate=True), message)
        except (binascii.Error, ValueError, TypeError, InvalidSignature):
            return False
        return True

    def verify(self, checkpoint: Checkpoint) -> bool:
        """True when ``checkpoint`` was signed by this key over its own fields."""
        if checkpoint.key_id != self.key_id:
            return False
        try:
            signature = base64.b64decode(checkpoint.signature, validate=True)
            note = checkpoint_note(checkpoint.seq, checkpoint.hash, checkpoint.signed_at)
            self.public_key.verify(signature, note)
        except (binascii.Error, InvalidSignature):
            return False
        except (TypeError, ValueError, AttributeError):  # a NULL or garbage field of a stored row
            return False
        return True


class Signer(Verifier):
    """Signs checkpoints with an Ed25519 private key."""

    def __init__(self, private_key: Ed25519PrivateKey) -> None:
        super().__init__(private_key.public_key())
        self._private_key = private_key

    def sign_bytes(self, message: bytes) -> str:
        """This key's Ed25519 signature of ``message``, base64."""
        return base64.b64encode(self._private_key.sign(message)).decode()

    def sign(self, seq: int, head_hash: str, signed_at: dt.datetime) -> Checkpoint:
        """The checkpoint of head ``seq``/``head_hash`` at ``signed_at``."""
        signature = self._private_key.sign(checkpoint_note(seq, head_hash, signed_at))
        return Checkpoint(seq, head_hash, signed_at, self.key_id, base64.b64encode(signature).decode())


def load_signer(path: Path, *, create: bool) -> Signer:
    """The signer whose PEM (PKCS#8) private key is in ``path``.

    When the file does not exist and ``create`` is true, a new key is generated into it (mode
    0600). Raises ``FileNotFoundError`` otherwise, ``OSError`` when it cannot be read (a
    directory), ``ValueError`` when it holds no Ed25519 private key (each message names the file
    and the setting).
    """
    if not path.exists():
        if not create:
            raise FileNotFoundError(f"audit signing key {path} does not exist (AUDIT_SIGNING_KEY_FILE)")
        path.parent.mkdir(parents=True, exist_ok=True)
        pem = Ed25519PrivateKey.generate().private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as out:
            out.write(pem)
    named = f"audit signing key {path} (AUDIT_SIGNING_KEY_FILE)"
    try:
        pem = path.read_bytes()
    except OSError as exc:  # a directory, no permission
        raise OSError(f"{named} cannot be read: {exc.strerror}") from exc
    try:
        key = serialization.load_pem_private_key(pem, password=None)
    except (ValueError, TypeError, UnsupportedAlgorithm) as exc:  # not PEM, a public key, encrypted
        raise ValueError(f"{named} holds no unencrypted PEM (PKCS#8) private key") from exc
    if not isinstance(key, Ed25519PrivateKey):
        raise ValueError(f"{named} does not hold an Ed25519 private key")
    return Signer(key)


def load_checkpoint_file(path: Path) -> Checkpoint:
    """A checkpoint an auditor kept (JSON as exported, UTF-8 with or without a byte order mark);
    ``ValueError`` when it is not one (a key twice in it too: a reader keeping the first value
    would see another checkpoint than the one verified), ``OSError`` when it cannot be read. Each
    message is a sentence naming the file."""
    try:
        raw = path.read_bytes()
    except FileNotFoundError as exc:
        raise FileNotFoundError(f"{path} does not exist") from exc
    except OSError as exc:  # a directory, no permission
        raise OSError(f"{path} cannot be read: {exc.strerror}") from exc
    try:
        text = raw.decode("utf-8-sig")  # Notepad and PowerShell's Out-File write a BOM
    except UnicodeDecodeError as exc:
        raise ValueError(f"{path} is not UTF-8 text") from exc
    try:
        return Checkpoint.from_json(strict_json.loads(text))
    except json.JSONDecodeError as exc:
        raise ValueError(f"{path} is not JSON: {exc}") from exc
    except strict_json.DuplicateKey as exc:
        raise ValueError(f"{path} is not a checkpoint: {exc}") from exc
    except RecursionError as exc:  # arrays or objects nested past Python's limit
        raise ValueError(f"{path} is not a checkpoint: JSON nested too deep") from exc
    except ValueError as exc:  # Checkpoint.from_json: a field missing, of another type, malformed
        raise ValueError(f"{path} is not a checkpoint: {str(exc).removeprefix('not a checkpoint: ')}") from exc
