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
(:func:`app.audit.state.horizon`): every such transaction has ended, so all their events are visible now and no
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
import hashlib
import json
import logging
import os
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import String, exists, insert, select, text, type_coerce
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from app.audit import chain
from app.audit.keys import KeyRing, read_rotations
from app.audit.models import AuditCheckpoint, AuditEvent, AuditLink, AuditWitnessedCheckpoint
from app.audit.signing import Checkpoint, Signer, load_checkpoint_file, load_signer
from app.audit.state import (
    CHECKPOINT_COLUMNS,
    Head,
    SealingState,
    backlog,
    checkpoint_at,
    head,
    horizon,
    next_txid,
    unsealed,
)
from app.audit.tail import tail_fault
from app.core.config import Settings
from app.core.db import utcnow

log = logging.getLogger(__name__)

ADVISORY_LOCK_KEY = 0x6175_6469_7431
"""The PostgreSQL advisory lock key the sequencers of one database share ("audit1")."""

PINNED_SEARCH_PATH = "pg_catalog, public, pg_temp"
"""The ``search_path`` of the sequencer's and the verifier's transactions (PostgreSQL). The
application's role may set its own default ``search_path`` (``ALTER ROLE … SET``), and a role that
may create objects somewhere (as it could in schema ``number_series`` before revision 3801; ``migrate``
now refuses one) could put there an operator found before ``pg_catalog``'s (an ``=`` that called a
passed-over event linked), which would otherwise change what these statements mean. Every function
they call by name is then ``pg_catalog``'s, every table ``public``'s. The application's
connections also start with this path (``app.core.db.APP_SEARCH_PATH``), but not behind PgBouncer,
which refuses startup parameters: this pin holds there too."""

_PIN = "pg_catalog.set_config('search_path', :path, true)"
# row_security off: a policy hiding rows from the sequencer (a witnessed checkpoint) fails its reads.
_PIN_AND_LOCK = text(
    f"SELECT {_PIN}, pg_catalog.pg_try_advisory_xact_lock(:k), pg_catalog.set_config('row_security', 'off', true)"
).bindparams(path=PINNED_SEARCH_PATH)


# The backend holding the sequencers' advisory lock in this database (a bigint key: classid is its
# high 32 bits, objid its low 32 bits, objsubid 1); pg_locks is readable by every role.
_LOCK_HOLDER = text(
    "SELECT pid FROM pg_catalog.pg_locks WHERE locktype = 'advisory' AND granted AND objsubid = 1"
    " AND database = (SELECT oid FROM pg_catalog.pg_database WHERE datname = pg_catalog.current_database())"
    " AND classid::pg_catalog.int8 = :high AND objid::pg_catalog.int8 = :low LIMIT 1"
).bindparams(high=ADVISORY_LOCK_KEY >> 32, low=ADVISORY_LOCK_KEY & 0xFFFF_FFFF)


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


def witness_file_for(settings: Settings) -> Path:
    """The file in which the servers of ``settings`` on this host keep their witness of the audit
    log (:class:`Sequencer`'s ``witness_file``): ``DATA_DIR/audit_witness-<16 hex digits>.json``,
    the digits the start of the SHA-256 of ``DATABASE_URL`` without its password (each database a
    ``DATA_DIR`` serves has its own)."""
    url = make_url(settings.effective_database_url).set(password=None)
    digest = hashlib.sha256(url.render_as_string(hide_password=False).encode()).hexdigest()[:16]
    return settings.data_dir / f"audit_witness-{digest}.json"


@dataclass(frozen=True)
class SealResult:
    """One batch: events sealed, the head after it, and its checkpoint (None if none was due)."""

    sealed: int
    head_seq: int
    checkpoint: Checkpoint | None


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


class Sequencer(SealingState):
    """Seals committed audit events of ``engine``'s database into the chain, signing with ``signer``;
    its state (running, failing, stopped) and the pace of its rounds: :class:`SealingState`."""

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
        witness_file: Path | None = None,
        max_unsealed_seconds: float = 30.0,
    ) -> None:
        super().__init__(
            interval_seconds=interval_seconds,
            max_backoff_seconds=max_backoff_seconds,
            reminder_seconds=reminder_seconds,
        )
        self.engine = engine
        self.signer = signer
        self.batch = batch
        self.clock = clock
        self._trusted: tuple[int, str] | None = None
        """The ``seq`` and signature of the last checkpoint whose signature this sequencer verified."""
        self.passed: int | None = None
        """The last event logged as one sealing cannot resume after (:attr:`Head.passed`)."""
        self.max_unsealed_seconds = max_unsealed_seconds
        """How long the sealing lock may be held elsewhere, events older than that waiting, before
        the state says ``"blocked"`` (``AUDIT_MAX_UNSEALED_SECONDS``)."""
        self.witness_file = witness_file
        """Where this process keeps its witness outside the database (:func:`witness_file_for`), or None."""
        self._from_file: Checkpoint | None = None
        self._written: Checkpoint | None = None
        self._write_failed = False
        self.file_refused: str | None = None
        """Why the witness file cannot be trusted (sealing stays stopped until a restart), or None."""
        if witness_file is not None:
            try:
                self._from_file = self._written = load_checkpoint_file(witness_file)
            except FileNotFoundError:
                pass  # a fresh install, or one upgraded from a version without it: the database's head is trusted
            except (OSError, ValueError) as exc:  # each message names the file
                self.file_refused = f"the witness file {exc}"

    async def _refusal(self, conn: AsyncConnection, last: Head, bound: int) -> str | None:
        """Why this round must not seal nor sign over head ``last`` (``bound``: :func:`app.audit.state.next_txid`),
        or None. The last checkpoint at or below the head must be signed by this sequencer's key
        and be the hash of its link (a row of another key, or not its link's hash, is no head a
        sequencer signed: the key file changed, the row was forged, or the tail was cut and sealed
        again under it); the links after it must be none (:func:`app.audit.tail.tail_fault`: each
        batch is signed in the transaction that writes it), but for a chain carried over from before
        checkpoints, checked before it is signed."""
        row = (
            await conn.execute(
                select(
                    *CHECKPOINT_COLUMNS,
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
        the ones it signed. A new process starts with the witness of its :attr:`witness_file`
        (written each time the witness moves on), once its key, or one a rotation handed over to
        it, vouches for it; otherwise sealing stays stopped (:attr:`file_refused`). Without a file
        (a fresh install, an upgraded one) it starts without a witness and trusts the database.

        On PostgreSQL a round that finds the lock held elsewhere, for longer than
        :attr:`max_unsealed_seconds` while events older than that wait, makes the state
        ``"blocked"`` (:meth:`_lock_missed`).
        """
        checkpoint = None
        async with self.engine.begin() as conn:
            postgres = conn.dialect.name == "postgresql"
            locked = True
            if postgres:
                locked = (await conn.execute(_PIN_AND_LOCK, {"k": ADVISORY_LOCK_KEY})).one()[1]
            if self._from_file is not None and self.file_refused is None:
                await self._take_file_witness(conn, self._from_file)
            if self.file_refused is not None:  # what the database shows first (another key's head: named so)
                reason = self.refused or self.file_refused
                if locked:
                    bound = await next_txid(conn)
                    reason = await self._refusal(conn, await head(conn, bound), bound) or self.file_refused
                self._refuse(reason)
                return SealResult(0, 0, None)
            if self.witnessed is not None and not await self._witness(conn, self.witnessed):
                return SealResult(0, self.witnessed.seq, None)
            if not locked:
                await self._read_latest(conn)
                await self._lock_missed(conn)
                return None
            self._lock_free()
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
            query = select(AuditEvent.id, *_CONTENT).where(*unsealed(last))
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
            here = await checkpoint_at(conn, seq)
            if seq > 0 and here is None:
                checkpoint = self.signer.sign(seq, prev, now)
                await store_checkpoint(conn, checkpoint)
            elif here is not None and here.hash == prev:
                self._adopt(here)
            elif here is not None:  # the next rounds find it again (_refusal): logged once
                self._refuse(_not_its_head(seq))
        if checkpoint is not None:  # committed
            self._witnessing(checkpoint)
        return SealResult(len(links), seq, checkpoint)

    async def _take_file_witness(self, conn: AsyncConnection, kept: Checkpoint) -> None:
        """Witness ``kept``, read from :attr:`witness_file` at start, once it is found signed by this
        sequencer's key or one a rotation handed over to it, and the database holds an event from
        before it was signed; otherwise :attr:`file_refused` says why. A database without such an
        event is not the log the file witnessed (made again, restored, or emptied): the checkpoint
        is not stored among its witnessed ones (where it would fail every later verification of
        a database made again on purpose), and sealing stays stopped until the operator decides."""
        self._from_file = None
        if not await self._trusts(conn, kept):
            self.file_refused = (
                f"the witness file {self.witness_file} holds a checkpoint (seq {kept.seq}, key {kept.key_id}) that "
                f"this server's key {self.signer.key_id} did not sign nor trust: the file was edited or comes from "
                "another log, or AUDIT_SIGNING_KEY_FILE is not the log's key (remove the file only if this database "
                'was made again on purpose; docs/audit.md, "The witness file")'
            )
        elif (
            await conn.execute(select(AuditEvent.id).where(AuditEvent.occurred_at <= kept.signed_at).limit(1))
        ).first() is None:
            self.file_refused = (
                f"the witness file {self.witness_file} holds checkpoint seq {kept.seq} signed at "
                f"{kept.signed_at.isoformat()}, and this database holds no audit event from before then: it is not the "
                "log this server witnessed. If the database was made again or restored on purpose, remove the file "
                "and restart; otherwise the log was emptied: run verify-audit --against the file "
                '(docs/audit.md, "The witness file")'
            )
        elif self.witnessed is None or kept.seq > self.witnessed.seq:
            self.witnessed = kept

    def _witnessing(self, checkpoint: Checkpoint) -> None:
        """Make ``checkpoint`` (signed by this sequencer, or read stored, committed) the witness, and
        write it to :attr:`witness_file` when newer than what this process wrote or read there: a
        file beside it, then renamed over it (a crash leaves the old one or the new one whole). A
        write that fails is logged once; sealing goes on, witnessed in memory only."""
        self.witnessed = checkpoint
        if self.witness_file is None or (self._written is not None and self._written.seq >= checkpoint.seq):
            return
        path = self.witness_file
        partial = path.with_name(f".{path.name}.{os.getpid()}.partial")
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            with partial.open("w", encoding="utf-8") as out:
                json.dump(checkpoint.as_json(), out)
                out.flush()
                os.fsync(out.fileno())
            os.replace(partial, path)
        except OSError as exc:
            if not self._write_failed:
                self._write_failed = True
                log.error("audit sequencer: the witness file %s cannot be written (%s)", path, exc)
            return
        self._written = checkpoint
        if self._write_failed:
            self._write_failed = False
            log.warning("audit sequencer: the witness file %s is written again", path)

    async def _lock_missed(self, conn: AsyncConnection) -> None:
        """This round found the sealing lock held elsewhere (PostgreSQL). Once that has lasted for
        longer than :attr:`max_unsealed_seconds` and the oldest event waiting is older than that,
        :attr:`lock_wait` names the holder's backend pid (``pg_locks``): the state is ``"blocked"``
        (logged once). A peer's short rounds never last that long, and a peer sealing leaves no
        event that old."""
        now = time.monotonic()
        if self.lock_missed_since is None:
            self.lock_missed_since = now
        if now - self.lock_missed_since <= self.max_unsealed_seconds:
            return
        if (await backlog(conn)).age_seconds(utcnow()) <= self.max_unsealed_seconds:
            self._lock_free(missed=True)
            return
        pid = (await conn.execute(_LOCK_HOLDER)).scalar()
        wait = f"waiting for the sealing lock, held by {f'PostgreSQL backend pid {pid}' if pid else 'another session'}"
        if wait != self.lock_wait:
            log.error(
                "audit sequencer: %s for more than %s s while events wait: nothing is sealed (pg_locks, "
                "pg_stat_activity name the session)",
                wait,
                self.max_unsealed_seconds,
            )
        self.lock_wait = wait

    def _lock_free(self, *, missed: bool = False) -> None:
        """The sealing lock taken this round (or, ``missed``, held elsewhere with no event waiting
        too long): no longer blocked."""
        if self.lock_wait is not None:
            log.warning("audit sequencer: no longer %s", self.lock_wait)
        self.lock_wait = None
        if not missed:
            self.lock_missed_since = None

    async def _read_latest(self, conn: AsyncConnection) -> None:
        """Take the latest stored checkpoint as the witness when it is newer and the hash of its
        link (:meth:`_adopt` checks the signature)."""
        row = (
            await conn.execute(
                select(
                    *CHECKPOINT_COLUMNS,
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
            self._witnessing(latest)

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

    async def run(self) -> None:
        """Seal every ``interval_seconds`` until cancelled. A round that raises makes the sequencer
        failing (:attr:`state`, :meth:`_failed`: logged once, then reminded) and the next rounds
        come less often (:attr:`delay_seconds`) until one succeeds; so do the rounds while sealing
        stays stopped (:attr:`stopped`), until one finds what stopped it gone."""
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
