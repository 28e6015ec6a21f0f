"""The audit log: append-only events, the hash chain that links them, and its signed checkpoints.

Four tables, each INSERT-only for the application's database role (``docs/audit.md``):

* ``audit_events``: what happened. Written in the request's own transaction, without any shared
  row to wait on.
* ``audit_links``: the hash chain. The sequencer (:mod:`app.audit.sequencer`) gives each committed
  event its place ``seq`` and its chain hash, in batches.
* ``audit_checkpoints``: the chain head after each batch, signed with Ed25519
  (:mod:`app.audit.signing`).
* ``audit_witnessed_checkpoints``: checkpoints a running sequencer found replaced by another
  (:class:`AuditWitnessedCheckpoint`).
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from sqlalchemy import BigInteger, ForeignKey, Index, Integer, SmallInteger, String, text
from sqlalchemy.orm import Mapped, mapped_column

from app.core.db import Base, CanonicalJSON, utcnow

BigIntPK = BigInteger().with_variant(Integer(), "sqlite")

GENESIS_HASH = "0" * 64


class AuditEvent(Base):
    """One audited action, as recorded in the request's transaction.

    ``txid`` is the inserting transaction's id on PostgreSQL (set by a trigger, whatever the
    client sends; 0 on SQLite). The sequencer seals events in ``(txid, id)`` order once no
    transaction older than them is still running.
    """

    __tablename__ = "audit_events"
    __table_args__ = (
        Index("ix_audit_events_entity", "entity_type", "entity_id"),
        Index("ix_audit_events_occurred_at", "occurred_at"),
        Index("ix_audit_events_txid_id", "txid", "id"),
    )

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True, autoincrement=True)
    txid: Mapped[int] = mapped_column(BigInteger, server_default=text("0"))
    occurred_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    actor_id: Mapped[uuid.UUID | None] = mapped_column(index=True)
    actor_label: Mapped[str] = mapped_column(String(320))
    actor_role: Mapped[str] = mapped_column(String(32))
    action: Mapped[str] = mapped_column(String(64), index=True)
    entity_type: Mapped[str] = mapped_column(String(64))
    entity_id: Mapped[str | None] = mapped_column(String(64))
    desk_id: Mapped[uuid.UUID | None] = mapped_column(index=True)
    request_id: Mapped[str | None] = mapped_column(String(64))
    ip: Mapped[str | None] = mapped_column(String(64))
    user_agent: Mapped[str | None] = mapped_column(String(512))
    details: Mapped[dict[str, Any]] = mapped_column(CanonicalJSON, default=dict)


class AuditLink(Base):
    """Event ``event_id``'s place ``seq`` (1, 2, 3… without gaps) in the hash chain.

    ``hash`` is computed by :func:`app.audit.chain.chain_hash` from ``prev_hash`` (the hash of
    link ``seq - 1``), ``seq`` and the event; ``link_version`` says with which formula (1: before
    revision 0006, 2: since).
    """

    __tablename__ = "audit_links"

    seq: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    event_id: Mapped[int] = mapped_column(ForeignKey("audit_events.id"), unique=True)
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))
    link_version: Mapped[int] = mapped_column(SmallInteger)
    sealed_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class AuditCheckpoint(Base):
    """The chain head at ``seq`` (its ``hash``), signed at ``signed_at`` by key ``key_id``.

    ``signature`` is the base64 Ed25519 signature (RFC 8032) of
    :func:`app.audit.signing.checkpoint_note`.
    """

    __tablename__ = "audit_checkpoints"

    seq: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    hash: Mapped[str] = mapped_column(String(64))
    signed_at: Mapped[dt.datetime] = mapped_column()
    key_id: Mapped[str] = mapped_column(String(16))
    signature: Mapped[str] = mapped_column(String(88))


class AuditWitnessedCheckpoint(Base):
    """A checkpoint a running sequencer signed or read, stored again when it found another
    checkpoint (or another link hash) at the same ``seq``: the log was cut and sealed again behind
    its back (:meth:`app.audit.sequencer.Sequencer.seal_once`). Fields as :class:`AuditCheckpoint`;
    ``witnessed_at``: when it was stored here. ``verify-audit`` checks each like a stored checkpoint."""

    __tablename__ = "audit_witnessed_checkpoints"

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True)
    seq: Mapped[int] = mapped_column(BigInteger)
    hash: Mapped[str] = mapped_column(String(64))
    signed_at: Mapped[dt.datetime] = mapped_column()
    key_id: Mapped[str] = mapped_column(String(16))
    signature: Mapped[str] = mapped_column(String(88))
    witnessed_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class AuditPayload(Base):
    """Personal values an audit event refers to, kept outside the hash chain so they can be erased.

    An event of a person's file stores ``{"personal": {"payload": id, "digest": …, "registrant": id}}``
    in its ``details``; ``digest`` is the SHA-256 (hex) of ``salt`` and the canonical JSON of ``value``
    (:mod:`app.audit.payloads`). The chain hashes the event with its digest, never the values, so
    deleting this row (erasure of ``registrant_id``) leaves every chain hash verifiable, and the
    random salt, deleted with the row, keeps the digest from being matched against guessed values.
    The only table of the audit log the application may DELETE from.
    """

    __tablename__ = "audit_payloads"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    registrant_id: Mapped[uuid.UUID] = mapped_column(index=True)
    salt: Mapped[str] = mapped_column(String(32))
    value: Mapped[dict[str, Any]] = mapped_column(CanonicalJSON)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
