"""The sequencer: links committed audit events into the hash chain, in batches, and signs the head.

Requests only INSERT their events (:mod:`app.audit.service`); nothing waits on a shared row. The
sequencer, like a transparency log's integrator (RFC 9162, Trillian), then takes the events that
are committed and not yet linked, gives each the next ``seq`` and its chain hash
(:func:`app.audit.chain.row_hash`), inserts the links and a signed checkpoint of the new head
(:mod:`app.audit.signing`), all in one short transaction.

Which events, in which order (PostgreSQL). An identity id is handed out at INSERT, not at COMMIT:
a transaction holding id 10 may commit after the one holding id 11, so sealing "every committed id
above the last one sealed" would skip 10 forever. Each event therefore records its inserting
transaction's id (``txid``, set by a trigger to ``pg_current_xact_id()``). A batch seals only
events whose transaction id is below the oldest transaction of this database still running
(:func:`horizon`): every such transaction has ended, so all their events are visible now and no
new one can ever appear below that horizon (a transaction that starts writing later gets a
larger id). Sealed in ``(txid, id)`` order, a batch resumes after the
last link's event, and one transaction's events stay contiguous in the chain. The price: a long
writing transaction (a large import) holds the horizon back, and events of transactions that began
after it wait for it to end before they are sealed. It delays sealing, never another writer.

Several processes may run a sequencer: each batch first takes a transaction-level advisory lock
(``pg_try_advisory_xact_lock``); whoever does not get it skips that round. The links' primary key
(``seq``) and unique ``event_id`` make a fork or a double seal fail rather than be stored.

SQLite serialises writers (``BEGIN IMMEDIATE``), so commit order is id order and every committed
event is sealable; ``txid`` is 0 there and the same code runs without horizon or advisory lock.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import ColumnElement, String, and_, exists, func, insert, select, text, tuple_, type_coerce
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from app.audit import chain
from app.audit.keys import KeyRing, read_rotations
from app.audit.models import GENESIS_HASH, AuditCheckpoint, AuditEvent, AuditLink, AuditWitnessedCheckpoint
from app.audit.signing import Checkpoint, Signer, load_signer
from app.core.config import Settings
from app.core.db import utcnow

log = logging.getLogger(__name__)

ADVISORY_LOCK_KEY = 0x6175_6469_7431
"""The PostgreSQL advisory lock key the sequencers of one database share ("audit1")."""

PINNED_SEARCH_PATH = "pg_catalog, public, pg_temp"
"""The ``search_path`` of the sequencer's and the verifier's transactions (PostgreSQL). The
application's role may create objects in schema ``number_series`` and set its own default
``search_path`` (``ALTER ROLE … SET``): an operator of its own found before ``pg_catalog``'s (an
``=`` that called a passed-over event linked) would otherwise change what these statements
mean. Every function they call by name is then ``pg_catalog``'s, every table ``public``'s."""

_PIN = "pg_catalog.set_config('search_path', :path, true)"
# row_security off: a policy hiding rows from the sequencer (a witnessed checkpoint) fails its reads.
_PIN_AND_LOCK = text(
    f"SELECT {_PIN}, pg_catalog.pg_try_advisory_xact_lock(:k), pg_catalog.set_config('row_security', 'off', true)"
).bindparams(path=PINNED_SEARCH_PATH)


async def pin_search_path(conn: AsyncConnection) -> None:
    """PostgreSQL: :data:`PINNED_SEARCH_PATH` for the rest of ``conn``'s transaction."""
    await conn.execute(text(f"SELECT {_PIN}"), {"path": PINNED_SEARCH_PATH})


_NO_TIMEOUTS = text(
    "SELECT pg_catalog.set_config('statement_timeout', '0', true), "
    "pg_catalog.set_config('idle_in_transaction_session_timeout', '0', true), "
    "pg_catalog.set_config('lock_timeout', '0', true), "
    "pg_catalog.set_config('row_security', 'off', true)"
)


async def pin_for_verification(conn: AsyncConnection) -> None:
    """PostgreSQL: :data:`PINNED_SEARCH_PATH`, and no statement, idle or lock timeout, for the rest
    of ``conn``'s transaction: the application's role may give itself a timeout of a millisecond
    (``ALTER ROLE … SET statement_timeout``) and so keep any verification of the log from ending.
    And ``row_security = off``: a row-level security policy on a table read then fails the read
    instead of hiding rows from it."""
    await pin_search_path(conn)
    await conn.execute(_NO_TIMEOUTS)


_NEXT_XID = text("SELECT pg_snapshot_xmax(pg_current_snapshot())::text::bigint")
# The oldest transaction of this database still running, as a 64-bit id. Every transaction that
# has an id holds an ExclusiveLock on it; it is this database's when its backend is connected here
# (pg_stat_activity: ``pid`` and ``datid`` are shown to every role) or, for a prepared transaction
# (no backend), when it holds a lock on something here. A transaction that took its id before
# touching any table (``SELECT pg_current_xact_id()``) is counted too. pg_locks is readable by
# every role. Its 32-bit xid is widened with the epoch of ``:next_xid`` (a running xid is less
# than 2^31 behind it).
_OLDEST_RUNNING_HERE = text(
    """
    SELECT min(:next_xid - (((:next_xid % 4294967296) - own.transactionid::text::bigint + 4294967296) % 4294967296))
    FROM pg_locks own
    WHERE own.locktype = 'transactionid' AND own.mode = 'ExclusiveLock' AND own.granted
      AND (
        EXISTS (
          SELECT 1 FROM pg_stat_activity backend
          WHERE backend.pid = own.pid
            AND backend.datid = (SELECT oid FROM pg_database WHERE datname = current_database())
        )
        OR EXISTS (
          SELECT 1 FROM pg_locks rel
          WHERE rel.virtualtransaction = own.virtualtransaction
            AND rel.database = (SELECT oid FROM pg_database WHERE datname = current_database())
        )
      )
    """
)


async def next_txid(conn: AsyncConnection) -> int:
    """The first transaction id not handed out yet (PostgreSQL, as ``conn``'s snapshot sees it);
    1 on SQLite, whose events all have txid 0. No stored event's txid can be at or above it."""
    if conn.dialect.name != "postgresql":
        return 1
    value: int = (await conn.execute(_NEXT_XID)).scalar_one()
    return value


async def horizon(conn: AsyncConnection, next_xid: int | None = None) -> int:
    """PostgreSQL: a transaction id below which every transaction that may have written events in
    this database has ended (committed or rolled back); ``next_xid``: :func:`next_txid`, when the
    caller read it already.

    The next unassigned id is read first, then the ids of this database's running transactions:
    a transaction with an id below the former is either listed by the latter or already ended (and
    then visible to the statements that follow). Transactions of other databases of the cluster do
    not hold it back (``pg_snapshot_xmin`` would: ids are shared by the whole cluster).
    """
    next_xid = await next_txid(conn) if next_xid is None else next_xid
    oldest = (await conn.execute(_OLDEST_RUNNING_HERE, {"next_xid": next_xid})).scalar_one()
    return min(next_xid, oldest) if oldest is not None else next_xid


# The details as their stored JSON text, read strictly by the hash (:func:`chain.canonical_details`)
# as the verifier reads them: a text it would refuse (a key twice) or that Python cannot decode
# (nested too deep) stops sealing before its event (:meth:`Sequencer._cannot_hash`) instead of
# being sealed as the driver's lenient decoding read it, or failing the whole batch's fetch.
_CONTENT = [getattr(AuditEvent, name) for name in chain.CONTENT_FIELDS[:-1]]
_CONTENT.append(type_coerce(AuditEvent.details, String).label("details"))


def signer_for(settings: Settings, *, create: bool = True) -> Signer:
    """The checkpoint signer of ``settings``: ``AUDIT_SIGNING_KEY_FILE``, or outside production a
    key generated once into ``DATA_DIR/audit_signing_key.pem`` (when ``create``: the running app;
    never for the command line's checks, where a new key would only make every signature fail).
    Raises ``FileNotFoundError`` when the file is missing and no key may be made, ``ValueError``
    when it holds no Ed25519 key."""
    create = create and settings.audit_signing_key_file is None and settings.environment != "production"
    return load_signer(settings.effective_audit_signing_key_file, create=create)


@dataclass(frozen=True)
class Head:
    """The last link's ``seq`` and ``hash``, and the ``(txid, id)`` of the event after which
    sealing resumes: the last link's, or, when :attr:`passed` names that one, the last event
    before it that can be resumed after."""

    seq: int
    hash: str
    txid: int
    event_id: int
    passed: int | None = None
    """The last link's event when sealing cannot resume after it: gone (deleted under its link),
    or its txid one no transaction has had yet (edited: every later event would wait for ever)."""


async def head(conn: AsyncConnection, bound: int | None = None) -> Head:
    """The chain's last link and where sealing resumes (``seq`` 0 and the genesis hash when the
    chain is empty). ``bound``: :func:`next_txid`, read here when not given. An event whose txid
    is not below it cannot have been sealed (nothing can be after it yet): sealing resumes after
    the last link's event that is below it, so an edited txid neither stops sealing for ever nor
    hides the events after it from :func:`backlog` (``verify-audit`` names the event)."""
    bound = await next_txid(conn) if bound is None else bound
    row = (
        await conn.execute(
            select(AuditLink.seq, AuditLink.hash, AuditLink.event_id, AuditEvent.txid, AuditEvent.id)
            .outerjoin(AuditEvent, and_(AuditEvent.id == AuditLink.event_id, AuditEvent.txid < bound))
            .order_by(AuditLink.seq.desc())
            .limit(1)
        )
    ).first()
    if row is None:
        return Head(0, GENESIS_HASH, -1, 0)
    seq, last_hash, linked, txid, event_id = row
    if event_id is not None:
        return Head(seq, last_hash, txid, event_id)
    resume = (
        await conn.execute(
            select(AuditEvent.txid, AuditEvent.id)
            .join(AuditLink, AuditLink.event_id == AuditEvent.id)
            .where(AuditEvent.txid < bound)
            .order_by(AuditLink.seq.desc())
            .limit(1)
        )
    ).first()
    txid, event_id = resume if resume is not None else (-1, 0)
    return Head(seq, last_hash, txid, event_id, passed=linked)


def _unsealed(after: Head) -> list[ColumnElement[bool]]:
    linked = exists().where(AuditLink.event_id == AuditEvent.id)
    return [tuple_(AuditEvent.txid, AuditEvent.id) > tuple_(after.txid, after.event_id), ~linked]


@dataclass(frozen=True)
class Backlog:
    """Events committed but not yet sealed: how many, and the time of the oldest."""

    count: int
    oldest: dt.datetime | None

    def age_seconds(self, now: dt.datetime) -> float:
        """Seconds since the oldest unsealed event was recorded (0 when there is none)."""
        return max(0.0, (now - self.oldest).total_seconds()) if self.oldest else 0.0


async def backlog(conn: AsyncConnection) -> Backlog:
    """The events visible to ``conn`` that no link seals yet."""
    after = await head(conn)
    count, oldest = (
        await conn.execute(select(func.count(), func.min(AuditEvent.occurred_at)).where(*_unsealed(after)))
    ).one()
    return Backlog(count, oldest)


@dataclass(frozen=True)
class SealResult:
    """One batch: events sealed, the head after it, and its checkpoint (None if none was due)."""

    sealed: int
    head_seq: int
    checkpoint: Checkpoint | None


_CHECKPOINT = (
    AuditCheckpoint.seq,
    AuditCheckpoint.hash,
    AuditCheckpoint.signed_at,
    AuditCheckpoint.key_id,
    AuditCheckpoint.signature,
)


async def _checkpoint_at(conn: AsyncConnection, seq: int) -> Checkpoint | None:
    """The checkpoint stored at ``seq`` (None when there is none)."""
    row = (await conn.execute(select(*_CHECKPOINT).where(AuditCheckpoint.seq == seq))).first()
    return Checkpoint(*row) if row is not None else None


async def latest_checkpoint(conn: AsyncConnection) -> Checkpoint | None:
    """The most recent signed checkpoint, or None before the first event is sealed."""
    row = (await conn.execute(select(AuditCheckpoint).order_by(AuditCheckpoint.seq.desc()).limit(1))).first()
    if row is None:
        return None
    return Checkpoint(row.seq, row.hash, row.signed_at, row.key_id, row.signature)


async def store_checkpoint(
    conn: AsyncConnection,
    checkpoint: Checkpoint,
    table: type[AuditCheckpoint | AuditWitnessedCheckpoint] = AuditCheckpoint,
) -> None:
    """Insert the row of a checkpoint this sequencer signed, or witnessed (``table``
    :class:`AuditWitnessedCheckpoint`, stamped with when)."""
    witnessed = {"witnessed_at": utcnow()} if table is AuditWitnessedCheckpoint else {}
    await conn.execute(
        insert(table).values(
            seq=checkpoint.seq,
            hash=checkpoint.hash,
            signed_at=checkpoint.signed_at,
            key_id=checkpoint.key_id,
            signature=checkpoint.signature,
            **witnessed,
        )
    )


def _not_its_head(seq: int) -> str:
    return (
        f"the checkpoint stored at seq {seq} is not the chain's head there (the tail was cut under it, or the row "
        "was written behind the sequencer's back)"
    )


def _untrusted(checkpoint: Checkpoint, signer: Signer) -> str:
    """Why ``checkpoint`` is no head this sequencer may sign after: another key's, or not signed as it reads."""
    if checkpoint.key_id != signer.key_id:
        return (
            f"the checkpoint at seq {checkpoint.seq} is signed by key {checkpoint.key_id}, not by this server's key "
            f"{signer.key_id} (AUDIT_SIGNING_KEY_FILE) nor by a key a rotation handed over to it: another key file "
            "than the log's (to change keys, run rotate-audit-key first: docs/audit.md, \"Rotating the signing "
            'key"), or a forged row'
        )
    return f"the checkpoint at seq {checkpoint.seq} does not verify with this server's key: a forged row"


class Sequencer:
    """Seals committed audit events of ``engine``'s database into the chain, signing with ``signer``."""

    def __init__(
        self,
        engine: AsyncEngine,
        signer: Signer,
        *,
        batch: int = 1000,
        interval_seconds: float = 0.2,
        clock: Callable[[], dt.datetime] = utcnow,
        max_backoff_seconds: float = 30.0,
        reminder_seconds: float = 60.0,
    ) -> None:
        self.engine = engine
        self.signer = signer
        self.batch = batch
        self.interval_seconds = interval_seconds
        self.clock = clock
        self.max_backoff_seconds = max_backoff_seconds
        """The longest wait between rounds while they fail (:attr:`delay_seconds`)."""
        self.reminder_seconds = reminder_seconds
        """How often, at most, a failing sequencer logs that it still fails (one line)."""
        self.failure: str | None = None
        """The error of the last round, when it raised (``"ProgrammingError: …"``, first line)."""
        self.failed_rounds = 0
        """Rounds failed in a row."""
        self._reminded_at = 0.0
        self.witnessed: Checkpoint | None = None
        """The latest checkpoint this sequencer signed (once its transaction committed) or read
        from the database, signed by its key and the hash of its link."""
        self.rewritten = False
        """Whether :attr:`witnessed` was found gone or changed (sealing has stopped)."""
        self.store_refused = False
        """Whether the database refused to store :attr:`witnessed` again (logged once)."""
        self.blocked: tuple[int, str] | None = None
        """The event the last round could not hash, and why (sealing waits before it)."""
        self._blocked_logged: int | None = None
        self.refused: str | None = None
        """Why the last round refused to seal and sign (:meth:`_refusal`), logged once; None when it did not."""
        self._trusted: tuple[int, str] | None = None
        """The ``seq`` and signature of the last checkpoint whose signature this sequencer verified."""
        self.passed: int | None = None
        """The last event logged as one sealing cannot resume after (:attr:`Head.passed`)."""

    @property
    def stopped(self) -> bool:
        """Whether sealing has stopped in this process: the log was rewritten behind a checkpoint
        it witnessed, the next event cannot be hashed (:attr:`blocked`; see :meth:`seal_once`), or
        what it would sign over is not what a sequencer wrote (:attr:`refused`). ``/readyz`` and
        the metrics report it."""
        return self.rewritten or self.blocked is not None or self.refused is not None

    async def _refusal(self, conn: AsyncConnection, last: Head, bound: int) -> str | None:
        """Why this round must not seal nor sign over head ``last`` (``bound``: :func:`next_txid`),
        or None. The last checkpoint at or below the head must be signed by this sequencer's key
        and be the hash of its link (a row of another key, or not its link's hash, is no head a
        sequencer signed: the key file changed, the row was forged, or the tail was cut and sealed
        again under it); the links after it must be none (:func:`app.audit.tail.tail_fault`: each
        batch is signed in the transaction that writes it), but for a chain carried over from before
        checkpoints, checked before it is signed."""
        row = (
            await conn.execute(
                select(
                    *_CHECKPOINT,
                    select(AuditLink.hash).where(AuditLink.seq == AuditCheckpoint.seq).scalar_subquery(),
                )
                .where(AuditCheckpoint.seq <= last.seq)
                .order_by(AuditCheckpoint.seq.desc())
                .limit(1)
            )
        ).first()
        trusted = None
        if row is not None:
            trusted = Checkpoint(*row[:5])
            if self._trusted != (trusted.seq, trusted.signature):
                if not await self._trusts(conn, trusted):
                    return _untrusted(trusted, self.signer)
                self._trusted = (trusted.seq, trusted.signature)
            if row[5] != trusted.hash:
                return _not_its_head(trusted.seq)
        if last.seq > (trusted.seq if trusted is not None else 0):
            from app.audit.tail import tail_fault  # it reads the head and horizon of this module

            return await tail_fault(conn, trusted, last, bound)
        return None

    async def _trusts(self, conn: AsyncConnection, checkpoint: Checkpoint) -> bool:
        """Whether ``checkpoint`` is signed by this sequencer's key, or by a key that a rotation
        sealed into the chain handed over to it (:mod:`app.audit.keys`): a new key file signs
        after the old one's checkpoints only once ``rotate-audit-key`` has run."""
        if checkpoint.key_id == self.signer.key_id:
            return self.signer.verify(checkpoint)
        rotations, _ = await read_rotations(conn)
        ring = KeyRing(self.signer, rotations)
        at = ring.index.get(checkpoint.key_id)
        return at is not None and at < ring.index[self.signer.key_id] and ring.verify(checkpoint)

    def _refuse(self, reason: str | None) -> None:
        """Record why sealing is refused (None: it is not); an error logged once per reason, and a
        line when it resumes."""
        if reason is not None and reason != self.refused:
            log.error("audit sequencer: %s: sealing stops, nothing is signed (run verify-audit)", reason)
        elif reason is None and self.refused is not None:
            log.warning("audit sequencer: sealing resumes (no longer: %s)", self.refused)
        self.refused = reason

    def _cannot_hash(self, event_id: int, exc: BaseException) -> None:
        """Stop the batch before event ``event_id``, whose content ``exc`` kept from being hashed
        (details nested past Python's recursion limit, not JSON, a time Python cannot hold…: on
        SQLite, written behind the application's back; PostgreSQL refuses such events at INSERT).
        The events before it are sealed; it and those after wait, reported, rather than every round
        failing with a traceback. Logged once per event."""
        first_line = (str(exc).splitlines() or [""])[0]
        self.blocked = (event_id, f"{type(exc).__name__}: {first_line}")
        if self._blocked_logged != event_id:
            self._blocked_logged = event_id
            log.error(
                "audit sequencer: event %s cannot be hashed (%s): sealing stops before it, the events after it "
                "wait (run verify-audit)",
                event_id,
                self.blocked[1],
            )

    async def seal_once(self) -> SealResult | None:
        """Seal up to ``batch`` events in one transaction and sign the new head.

        Returns None when another process holds the sequencing lock. The head is also signed
        when it has no checkpoint yet (a chain carried over from before checkpoints existed).
        On PostgreSQL the transaction runs with :data:`PINNED_SEARCH_PATH`.

        A witness while it runs: the sequencer signs whatever waits, so someone with the
        database's rights but not the key could cut links and checkpoints, edit the events cut
        and have them signed again (by this process or another one). Each round, whether it holds
        the lock or not, first checks that the last checkpoint it signed or read (:attr:`witnessed`)
        is still stored and still the hash of its link (:meth:`_witness`); if not, it stops sealing
        (``/readyz`` and the metrics say so), logs an error and stores that checkpoint among the
        witnessed ones, where ``verify-audit`` finds it. It then
        takes as its witness the latest stored checkpoint when that one is newer, signed by its
        key and the hash of its link: every running process remembers every head it saw, not only
        the ones it signed. A new process starts without a witness.
        """
        checkpoint = None
        async with self.engine.begin() as conn:
            postgres = conn.dialect.name == "postgresql"
            locked = True
            if postgres:
                locked = (await conn.execute(_PIN_AND_LOCK, {"k": ADVISORY_LOCK_KEY})).one()[1]
            if self.witnessed is not None and not await self._witness(conn, self.witnessed):
                return SealResult(0, self.witnessed.seq, None)
            if not locked:
                await self._read_latest(conn)
                return None
            bound = await next_txid(conn)
            last = await head(conn, bound)
            refusal = await self._refusal(conn, last, bound)
            self._refuse(refusal)
            if refusal is not None:
                return SealResult(0, last.seq, None)
            if last.passed is not None and last.passed != self.passed:
                self.passed = last.passed
                log.error(
                    "audit sequencer: event %s of the last link %s is gone or has a txid no transaction has had "
                    "yet (edited): sealing resumes after event %s (run verify-audit)",
                    last.passed,
                    last.seq,
                    last.event_id,
                )
            query = select(AuditEvent.id, *_CONTENT).where(*_unsealed(last))
            if postgres:
                query = query.where(AuditEvent.txid < await horizon(conn, bound))
            rows = (await conn.execute(query.order_by(AuditEvent.txid, AuditEvent.id).limit(self.batch))).all()
            seq, prev, now = last.seq, last.hash, self.clock()
            links = []
            version, row_hash = chain.CURRENT_LINK_VERSION, chain.row_hash
            self.blocked = None
            for event_id, *content in rows:
                try:
                    digest = row_hash(version, prev, seq + 1, *content)
                except (ValueError, TypeError, AttributeError, RecursionError, OverflowError) as exc:
                    self._cannot_hash(event_id, exc)
                    break
                seq += 1
                links.append(
                    {
                        "seq": seq,
                        "event_id": event_id,
                        "prev_hash": prev,
                        "hash": digest,
                        "link_version": version,
                        "sealed_at": now,
                    }
                )
                prev = digest
            if links:
                await conn.execute(insert(AuditLink), links)
            here = await _checkpoint_at(conn, seq)
            if seq > 0 and here is None:
                checkpoint = self.signer.sign(seq, prev, now)
                await store_checkpoint(conn, checkpoint)
            elif here is not None and here.hash == prev:
                self._adopt(here)
            elif here is not None:  # the next rounds find it again (_refusal): logged once
                self._refuse(_not_its_head(seq))
        if checkpoint is not None:  # committed
            self.witnessed = checkpoint
        return SealResult(len(links), seq, checkpoint)

    async def _read_latest(self, conn: AsyncConnection) -> None:
        """Take the latest stored checkpoint as the witness when it is newer and the hash of its
        link (:meth:`_adopt` checks the signature)."""
        row = (
            await conn.execute(
                select(
                    *_CHECKPOINT,
                    select(AuditLink.hash).where(AuditLink.seq == AuditCheckpoint.seq).scalar_subquery(),
                )
                .order_by(AuditCheckpoint.seq.desc())
                .limit(1)
            )
        ).first()
        if row is not None and row[5] == row[1]:
            self._adopt(Checkpoint(*row[:5]))

    def _adopt(self, latest: Checkpoint) -> None:
        """Witness ``latest`` (a stored checkpoint, the hash of its link) when it is newer than
        :attr:`witnessed` and signed by this sequencer's key."""
        if (self.witnessed is None or latest.seq > self.witnessed.seq) and self.signer.verify(latest):
            self.witnessed = latest

    async def _witness(self, conn: AsyncConnection, signed: Checkpoint) -> bool:
        """Whether checkpoint ``signed`` (the last this sequencer signed or read) is stored, and
        its link's hash is still its hash. When not: stores it among the witnessed checkpoints
        (once; again if that row is gone), where ``verify-audit`` finds it beyond the last link (it
        was cut) or beside another signed head of its size; logs an error the first time it finds
        the log rewritten."""
        stored, linked, kept = (
            await conn.execute(
                select(
                    select(AuditCheckpoint.hash).where(AuditCheckpoint.seq == signed.seq).scalar_subquery(),
                    select(AuditLink.hash).where(AuditLink.seq == signed.seq).scalar_subquery(),
                    exists().where(
                        AuditWitnessedCheckpoint.seq == signed.seq,
                        AuditWitnessedCheckpoint.hash == signed.hash,
                        AuditWitnessedCheckpoint.signature == signed.signature,
                    ),
                )
            )
        ).one()
        if stored == signed.hash and linked == signed.hash:
            return True
        if not self.rewritten:  # stopped first: whatever keeps the evidence from being stored
            self.rewritten = True
            log.error(
                "audit sequencer: the checkpoint this process witnessed at seq %s is %s (stored as witnessed); the "
                "log was rewritten behind it: sealing stops (run verify-audit, and verify-audit --against the "
                "checkpoint /readyz shows)",
                signed.seq,
                "gone" if stored is None else "no longer the chain's",
            )
        if kept:
            return False
        try:
            # In a savepoint on PostgreSQL: a constraint, a revoked grant or a failing default the
            # owner put there to refuse the row leaves the round's transaction usable.
            async with conn.begin_nested() if conn.dialect.name == "postgresql" else contextlib.nullcontext():
                await store_checkpoint(conn, signed, AuditWitnessedCheckpoint)
        except DBAPIError as exc:
            if not self.store_refused:
                self.store_refused = True
                log.error(
                    "audit sequencer: the database refuses to store the checkpoint this process witnessed at "
                    "seq %s (%s): keep the checkpoint /readyz shows and run verify-audit --against it",
                    signed.seq,
                    (str(exc.orig).splitlines() or [""])[0],
                )
        return False

    async def seal_all(self) -> int:
        """Seal batches until a batch finds less than a full one; the number of events sealed.

        Deterministic for tests: after it returns, every event committed (by transactions that
        have all ended) before the call is sealed.
        """
        total = 0
        while True:
            result = await self.seal_once()
            if result is None:
                return total
            total += result.sealed
            if result.sealed < self.batch:
                return total

    @property
    def state(self) -> str:
        """``"stopped"`` (:attr:`stopped`: it refuses to seal until an operator acts), ``"failing"``
        (its last round raised: :attr:`failure`; it retries, backing off) or ``"running"``:
        ``/readyz``'s ``audit.sealing``."""
        if self.stopped:
            return "stopped"
        return "failing" if self.failure is not None else "running"

    @property
    def delay_seconds(self) -> float:
        """How long :meth:`run` waits before the next round: ``interval_seconds``, doubled for
        each round failed in a row, up to ``max_backoff_seconds`` (or the interval, if longer)."""
        if not self.failed_rounds:
            return self.interval_seconds
        bound = max(self.interval_seconds, self.max_backoff_seconds)
        return min(bound, self.interval_seconds * 2.0 ** min(self.failed_rounds, 32))

    def _failed(self, exc: Exception) -> None:
        """A round raised ``exc``: failing. The first time (or when the error changes) the
        traceback is logged; then a one-line reminder every ``reminder_seconds`` at most."""
        line = f"{type(exc).__name__}: {(str(exc).splitlines() or [''])[0]}"
        self.failed_rounds += 1
        now = time.monotonic()
        if line != self.failure:
            self.failure, self._reminded_at = line, now
            log.exception(
                "audit sequencer: sealing failed (%s); retrying, backing off up to every %s s while it fails",
                line,
                max(self.interval_seconds, self.max_backoff_seconds),
            )
        elif now - self._reminded_at >= self.reminder_seconds:
            self._reminded_at = now
            log.error(
                "audit sequencer: sealing still failing after %s rounds in a row (%s); next try in %s s",
                self.failed_rounds,
                line,
                round(self.delay_seconds, 3),
            )

    def _succeeded(self) -> None:
        if self.failed_rounds:
            log.warning("audit sequencer: sealing resumed after %s failed rounds", self.failed_rounds)
        self.failure, self.failed_rounds = None, 0

    async def run(self) -> None:
        """Seal every ``interval_seconds`` until cancelled. A round that raises makes the sequencer
        failing (:attr:`state`, :meth:`_failed`: logged once, then reminded) and the next rounds
        come less often (:attr:`delay_seconds`) until one succeeds."""
        while True:
            try:
                await self.seal_all()
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                self._failed(exc)
            else:
                self._succeeded()
            await asyncio.sleep(self.delay_seconds)
