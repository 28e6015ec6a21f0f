"""Which keys sign the audit log's checkpoints: one at a time, each handed over to the next by a
rotation that both keys signed.

A rotation (``diaspora-desk rotate-audit-key``, :mod:`app.audit.cli`) is an audit event
(:data:`ROTATION_ACTION`) whose details name the key in use and the next one (their raw public
keys, base64) and the signed head it follows (the latest checkpoint's ``seq`` and ``hash``), with
both keys' Ed25519 signatures of that statement (:func:`rotation_note`). The event is sealed into
the chain by the key in use, like any other. So a verifier trusting either key trusts the other:
the old one vouches for the new (an auditor who kept the old public key follows the rotation, told
nothing new), the new one for the old (the server's ``verify-audit``, run with the new key file,
verifies the checkpoints signed before). Someone with the database's rights but neither key cannot
make one (a rotation event of the application's role's own making, without both signatures, is
named and followed by nothing).

Along the chain a key signs from the link of the rotation that handed over to it (the old key may
still sign until the new one first does: servers restart one by one) and never after a later key
has signed (:meth:`KeyRing.check`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import String, cast, select
from sqlalchemy.ext.asyncio import AsyncConnection

from app.audit import strict_json
from app.audit.models import GENESIS_HASH, AuditEvent, AuditLink
from app.audit.signing import Checkpoint, Signer, Verifier
from app.audit.walk import Failure

ROTATION_ACTION = "audit.signing_key_rotated"
"""The action of a rotation event (entity ``audit_key``, its id the new key's id)."""

ROTATION_ORIGIN = "diaspora-desk audit key rotation"


def rotation_note(previous_key: str, key: str, head_seq: int, head_hash: str) -> bytes:
    """The bytes both keys sign (UTF-8, one field per line, final newline): the origin line, the
    key in use and the next one (raw public keys, base64), the ``seq`` and hash of the signed head
    the rotation follows (0 and the genesis hash when nothing is signed yet)."""
    return f"{ROTATION_ORIGIN}\n{previous_key}\n{key}\n{head_seq}\n{head_hash}\n".encode()


def rotation_details(old: Signer, new: Signer, head_seq: int, head_hash: str) -> dict[str, Any]:
    """The details of the rotation event handing over from ``old`` to ``new`` after the signed
    head ``head_seq``/``head_hash``, both signatures included."""
    note = rotation_note(old.public_key_b64, new.public_key_b64, head_seq, head_hash)
    return {
        "previous_key_id": old.key_id,
        "previous_public_key": old.public_key_b64,
        "key_id": new.key_id,
        "public_key": new.public_key_b64,
        "head_seq": head_seq,
        "head_hash": head_hash,
        "previous_signature": old.sign_bytes(note),
        "signature": new.sign_bytes(note),
    }


@dataclass(frozen=True)
class Rotation:
    """A rotation event whose statement both keys signed: sealed at link ``seq`` (None: not yet)."""

    seq: int | None
    event_id: int
    previous: Verifier
    key: Verifier
    head_seq: int
    head_hash: str


def parse_rotation(seq: int | None, event_id: int, details: str) -> Rotation:
    """The rotation of an event's ``details`` (its stored JSON text); ``ValueError`` saying why it
    is none: a field missing or malformed, a signature that does not verify."""
    try:
        data = strict_json.loads(details)
        previous = Verifier.from_b64(data["previous_public_key"])
        key = Verifier.from_b64(data["public_key"])
        head_seq, head_hash = data["head_seq"], data["head_hash"]
        signatures = data["previous_signature"], data["signature"]
    except (ValueError, KeyError, TypeError, AttributeError, RecursionError) as exc:
        raise ValueError(f"not a key rotation ({type(exc).__name__}: {exc})") from exc
    if (
        not isinstance(head_seq, int)
        or not isinstance(head_hash, str)
        or not all(isinstance(s, str) for s in signatures)
    ):
        raise ValueError("not a key rotation (head_seq, head_hash or a signature of another type)")
    note = rotation_note(previous.public_key_b64, key.public_key_b64, head_seq, head_hash)
    for who, verifier, signature in (("previous", previous, signatures[0]), ("new", key, signatures[1])):
        if not verifier.verify_bytes(signature, note):
            raise ValueError(f"its {who} key's signature does not verify")
    return Rotation(seq, event_id, previous, key, head_seq, head_hash)


async def read_rotations(conn: AsyncConnection) -> tuple[list[Rotation], list[Failure]]:
    """The rotations sealed into the chain, in ``seq`` order, and a fault for each rotation event
    sealed that is none (unsigned, malformed) or that follows a head the chain does not hold."""
    rows = (
        await conn.execute(
            select(AuditLink.seq, AuditEvent.id, cast(AuditEvent.details, String))
            .join(AuditLink, AuditLink.event_id == AuditEvent.id)
            .where(AuditEvent.action == ROTATION_ACTION)
            .order_by(AuditLink.seq)
        )
    ).all()
    rotations: list[Rotation] = []
    faults: list[Failure] = []
    for seq, event_id, details in rows:
        try:
            rotation = parse_rotation(seq, event_id, details)
        except ValueError as exc:
            faults.append((seq, event_id, f"the key rotation of event {event_id} is refused: {exc}"))
            continue
        anchored: str | None = GENESIS_HASH
        if rotation.head_seq > 0:
            linked = select(AuditLink.hash).where(AuditLink.seq == rotation.head_seq)
            anchored = (await conn.execute(linked)).scalar_one_or_none()
        if rotation.head_seq >= seq or anchored != rotation.head_hash:
            head = f"{rotation.head_seq} ({rotation.head_hash[:16]}…)"
            reason = f"it follows head {head}, not one the chain holds before it"
            faults.append((seq, event_id, f"the key rotation of event {event_id} is refused: {reason}"))
            continue
        rotations.append(rotation)
    return rotations, faults


class KeyRing:
    """The keys a verifier trusting ``root`` trusts: ``root``, and along the chain of ``rotations``
    (sealed, in ``seq`` order) every key handed over to or from it. Rotations that do not hand over
    from the key in force are :attr:`faults` and followed by nothing."""

    def __init__(self, root: Verifier, rotations: list[Rotation] | None = None) -> None:
        self.root = root
        self.faults: list[Failure] = []
        keys: list[Verifier] = []
        handovers: list[int] = []
        for rotation in rotations or []:
            if not keys:
                keys, handovers = [rotation.previous], [0]
            elif rotation.previous.key_id != keys[-1].key_id:
                self.faults.append(
                    (
                        rotation.seq,
                        rotation.event_id,
                        f"the key rotation of event {rotation.event_id} hands over from key "
                        f"{rotation.previous.key_id}, not from the key in force ({keys[-1].key_id})",
                    )
                )
                continue
            keys.append(rotation.key)
            handovers.append(rotation.seq or 0)
        index = {key.key_id: i for i, key in enumerate(keys)}
        if root.key_id not in index:  # no rotation reaches the trusted key: it alone is trusted
            keys, handovers, index = [root], [0], {root.key_id: 0}
        self.keys, self.handovers, self.index = keys, handovers, index
        self.in_force = 0
        """The index in :attr:`keys` of the key of the last checkpoint :meth:`check` passed."""

    def verifier_for(self, key_id: str) -> Verifier | None:
        """The trusted key of id ``key_id`` (None: none)."""
        at = self.index.get(key_id)
        return self.keys[at] if at is not None else None

    def verify(self, checkpoint: Checkpoint) -> bool:
        """Whether ``checkpoint`` is signed by a trusted key, over its own fields."""
        verifier = self.verifier_for(checkpoint.key_id) if isinstance(checkpoint.key_id, str) else None
        return verifier is not None and verifier.verify(checkpoint)

    def check(self, checkpoint: Checkpoint) -> str | None:
        """Why ``checkpoint`` (the next one in ``seq`` order) is not signed by the key in force at
        its ``seq``, or None: a key trusted, from its rotation's link on, never before a key that
        has already signed, and a signature that verifies."""
        which = f"checkpoint at seq {checkpoint.seq}"
        at = self.index.get(checkpoint.key_id) if isinstance(checkpoint.key_id, str) else None
        if at is None:
            rotated = " nor by a key a rotation handed over to or from it" if len(self.keys) > 1 else ""
            return f"{which}: signed by key {checkpoint.key_id}, not by the trusted key {self.root.key_id}{rotated}"
        if not self.keys[at].verify(checkpoint):
            return f"{which}: signature does not verify"
        if at < self.in_force:
            return f"{which}: signed by key {checkpoint.key_id} after key {self.keys[self.in_force].key_id} took over"
        if isinstance(checkpoint.seq, int) and checkpoint.seq < self.handovers[at]:
            return (
                f"{which}: signed by key {checkpoint.key_id} before the rotation handing over to it (link "
                f"{self.handovers[at]})"
            )
        self.in_force = at
        return None
