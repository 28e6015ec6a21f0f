"""What someone with full rights on the database (but not the signing key) can do to the audit log.

Used by the tamper tests: lift the append-only triggers, rewrite links as a forger would (the link
formula is public), and, for tests that isolate one check, re-sign the head with the test's key.
"""

from __future__ import annotations

import hashlib
from typing import Any

from sqlalchemy import delete, select, text, update
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from app.audit import chain
from app.audit.models import GENESIS_HASH, AuditCheckpoint, AuditEvent, AuditLink
from app.audit.signing import Signer
from app.core.db import utcnow

TABLES = ("audit_events", "audit_links", "audit_checkpoints", "audit_witnessed_checkpoints")


async def lift_protection(session: AsyncSession) -> None:
    """Lift the append-only triggers for the rest of ``session``'s transaction (PostgreSQL: as
    the owner can, ``session_replication_role = replica``, which leaves no disabled trigger behind
    for ``verify-audit`` to name; SQLite: anyone can drop them)."""
    if session.bind.dialect.name == "postgresql":
        await session.execute(text("SET LOCAL session_replication_role = replica"))
    else:
        for table in TABLES:
            for verb in ("update", "delete", "replace"):
                await session.execute(text(f"DROP TRIGGER IF EXISTS {table}_no_{verb}"))


async def as_owner(engine: AsyncEngine, *statements: str, **params: Any) -> None:
    """Run ``statements`` (with ``params``) in one transaction with every protection lifted, as
    the owner can: the append-only triggers and the foreign keys (an event deleted or renumbered
    under its link). PostgreSQL: ``session_replication_role = replica`` for this transaction;
    SQLite: the triggers dropped, and foreign keys off on this connection meanwhile (a pragma
    that only takes effect outside a transaction)."""
    async with engine.connect() as conn:
        if conn.dialect.name == "postgresql":
            async with conn.begin():
                await conn.execute(text("SET LOCAL session_replication_role = replica"))
                for statement in statements:
                    await conn.execute(text(statement), params)
            return
        driver = (await conn.get_raw_connection()).driver_connection
        assert driver is not None
        await driver.execute("PRAGMA foreign_keys = OFF")
        try:
            for table in TABLES:
                for verb in ("update", "delete", "replace"):
                    await driver.execute(f"DROP TRIGGER IF EXISTS {table}_no_{verb}")
            for statement in statements:
                await driver.execute(statement, params)
            await driver.commit()
        finally:
            await driver.execute("PRAGMA foreign_keys = ON")


async def relink(
    session: AsyncSession, from_seq: int, *, first_prev: str | None = None, versions: dict[int, int] | None = None
) -> None:
    """Recompute every link from ``from_seq`` on from the events' current content, as a forger
    would; ``first_prev`` replaces the prev_hash of link ``from_seq``, ``versions`` forces link
    versions."""
    prev = first_prev
    if prev is None:
        prev = (
            await session.execute(select(AuditLink.hash).where(AuditLink.seq == from_seq - 1))
        ).scalar_one_or_none() or GENESIS_HASH
    rows = (
        await session.execute(
            select(AuditLink.seq, AuditLink.link_version, AuditEvent)
            .join(AuditEvent, AuditEvent.id == AuditLink.event_id)
            .where(AuditLink.seq >= from_seq)
            .order_by(AuditLink.seq)
        )
    ).all()
    for seq, version, event in rows:
        version = (versions or {}).get(seq, version)
        digest = chain.chain_hash(version, prev, seq, event)
        await session.execute(
            update(AuditLink).where(AuditLink.seq == seq).values(prev_hash=prev, hash=digest, link_version=version)
        )
        prev = digest


async def resign_head(session: AsyncSession, signer: Signer) -> None:
    """Replace every checkpoint by one of the current head, signed with ``signer`` (a key holder),
    and date every link as sealed then, in that one batch (the checkpoints deleted would otherwise
    leave batches no checkpoint signs)."""
    await session.execute(delete(AuditCheckpoint))
    seq, head_hash = (
        await session.execute(select(AuditLink.seq, AuditLink.hash).order_by(AuditLink.seq.desc()).limit(1))
    ).one()
    cp = signer.sign(seq, head_hash, utcnow())
    await session.execute(update(AuditLink).values(sealed_at=cp.signed_at))
    session.add(
        AuditCheckpoint(seq=cp.seq, hash=cp.hash, signed_at=cp.signed_at, key_id=cp.key_id, signature=cp.signature)
    )
    await session.flush()


def raw_copy_hash(line: bytes) -> str:
    """The link hash a forger computes over a COPY ``line``'s fields as they arrive, each between
    quotes, a NULL as ``null``, control characters raw: what the verifier's cheap form would build
    from those bytes, where the reference formula escapes the control characters."""
    fields = line.split(b"\t")
    quoted = [b"null" if v == b"\\N" else b'"' + v + b'"' for v in fields[7:17]]
    content = chain.V2_ENCODED % (*quoted[:4], fields[17], *quoted[4:])
    desk = b"" if fields[6] == b"\\N" else fields[6]
    digest = hashlib.sha256(content).hexdigest().encode()
    return hashlib.sha256(b":".join((fields[1], fields[0], desk, digest))).hexdigest()
