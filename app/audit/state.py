"""The audit log's state as the sequencer, ``/readyz``, the metrics and ``verify-audit`` read it.

The log's side: the first transaction id not handed out yet and the horizon below which every
transaction has ended (:func:`next_txid`, :func:`horizon`), the head and where sealing resumes
(:func:`head`), the events committed and not sealed yet (:func:`backlog`), the latest checkpoint
(:func:`latest_checkpoint`). The sequencer's side (:class:`SealingState`): whether its rounds run,
fail or have stopped, and why, as ``/readyz`` (``audit.sealing``) and the metrics report it; and
how long it waits before its next round (:attr:`SealingState.delay_seconds`).
"""

from __future__ import annotations

import datetime as dt
import logging
import time
from dataclasses import dataclass

from sqlalchemy import ColumnElement, and_, exists, func, select, text, tuple_
from sqlalchemy.ext.asyncio import AsyncConnection

from app.audit.models import GENESIS_HASH, AuditCheckpoint, AuditEvent, AuditLink
from app.audit.signing import Checkpoint

# The sequencer's logger: what it logs of its state is the sequencer's to say.
log = logging.getLogger("app.audit.sequencer")

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


def unsealed(after: Head) -> list[ColumnElement[bool]]:
    """The conditions on :class:`AuditEvent` of an event not sealed yet: after ``after`` (where
    sealing resumes) in the sealing order ``(txid, id)``, and in no link."""
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
        await conn.execute(select(func.count(), func.min(AuditEvent.occurred_at)).where(*unsealed(after)))
    ).one()
    return Backlog(count, oldest)


CHECKPOINT_COLUMNS = (
    AuditCheckpoint.seq,
    AuditCheckpoint.hash,
    AuditCheckpoint.signed_at,
    AuditCheckpoint.key_id,
    AuditCheckpoint.signature,
)
"""The columns of :class:`AuditCheckpoint` in :class:`app.audit.signing.Checkpoint`'s order."""


async def checkpoint_at(conn: AsyncConnection, seq: int) -> Checkpoint | None:
    """The checkpoint stored at ``seq`` (None when there is none)."""
    row = (await conn.execute(select(*CHECKPOINT_COLUMNS).where(AuditCheckpoint.seq == seq))).first()
    return Checkpoint(*row) if row is not None else None


async def latest_checkpoint(conn: AsyncConnection) -> Checkpoint | None:
    """The most recent signed checkpoint, or None before the first event is sealed."""
    row = (await conn.execute(select(AuditCheckpoint).order_by(AuditCheckpoint.seq.desc()).limit(1))).first()
    if row is None:
        return None
    return Checkpoint(row.seq, row.hash, row.signed_at, row.key_id, row.signature)


class SealingState:
    """A sequencer's state, as ``/readyz`` and the metrics report it, and the pace of its rounds."""

    def __init__(self, *, interval_seconds: float, max_backoff_seconds: float, reminder_seconds: float) -> None:
        self.interval_seconds = interval_seconds
        """The wait between rounds while they run."""
        self.max_backoff_seconds = max_backoff_seconds
        """The longest wait between rounds while they fail or sealing stays stopped (:attr:`delay_seconds`)."""
        self.reminder_seconds = reminder_seconds
        """How often, at most, a failing sequencer logs that it still fails (one line)."""
        self.failure: str | None = None
        """The error of the last round, when it raised (``"ProgrammingError: …"``, first line)."""
        self.failed_rounds = 0
        """Rounds failed in a row."""
        self.stopped_rounds = 0
        """Rounds in a row that ended with sealing stopped (:attr:`stopped`)."""
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
        """Why the last round refused to seal and sign (:meth:`app.audit.sequencer.Sequencer._refusal`),
        logged once; None when it did not."""
        self.lock_wait: str | None = None
        """Who keeps this sequencer from sealing (``"waiting for the sealing lock, held by PostgreSQL
        backend pid 4242"``) when the sealing lock has been held elsewhere for longer than the
        bound while events older than it wait (:meth:`app.audit.sequencer.Sequencer._lock_missed`);
        None otherwise."""
        self.lock_missed_since: float | None = None
        """Since when (``time.monotonic()``) every round found the sealing lock held elsewhere."""

    @property
    def stopped(self) -> bool:
        """Whether sealing has stopped in this process: the log was rewritten behind a checkpoint
        it witnessed, the next event cannot be hashed (:attr:`blocked`; see
        :meth:`app.audit.sequencer.Sequencer.seal_once`), or what it would sign over is not what a
        sequencer wrote (:attr:`refused`). ``/readyz`` and the metrics report it."""
        return self.rewritten or self.blocked is not None or self.refused is not None

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

    @property
    def state(self) -> str:
        """``"stopped"`` (:attr:`stopped`: it refuses to seal until an operator acts), ``"failing"``
        (its last round raised: :attr:`failure`; it retries, backing off), ``"blocked"`` (another
        session holds the sealing lock: :attr:`lock_wait`) or ``"running"``: ``/readyz``'s
        ``audit.sealing``."""
        if self.stopped:
            return "stopped"
        if self.failure is not None:
            return "failing"
        return "blocked" if self.lock_wait is not None else "running"

    @property
    def delay_seconds(self) -> float:
        """How long :meth:`app.audit.sequencer.Sequencer.run` waits before the next round:
        ``interval_seconds``, doubled for each round failed in a row, or ended with sealing stopped,
        up to ``max_backoff_seconds`` (or the interval, if longer). A stopped sequencer checks again
        each round whether what stopped it is still there (a faulty tail walked and checked whole,
        an event that cannot be hashed read again): an operator's repair is noticed at the next
        round, ``max_backoff_seconds`` after it at most."""
        rounds = self.failed_rounds or self.stopped_rounds
        if not rounds:
            return self.interval_seconds
        bound = max(self.interval_seconds, self.max_backoff_seconds)
        return min(bound, self.interval_seconds * 2.0 ** min(rounds, 32))

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
        """A round ran to its end: no longer failing; one more round stopped in a row, or none."""
        if self.failed_rounds:
            log.warning("audit sequencer: sealing resumed after %s failed rounds", self.failed_rounds)
        self.failure, self.failed_rounds = None, 0
        self.stopped_rounds = self.stopped_rounds + 1 if self.stopped else 0
