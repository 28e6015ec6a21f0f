"""Verification of the audit log: the chain, every signed checkpoint, and an auditor's checkpoint.

Checked, in ``seq`` order; every fault found is reported (up to :data:`app.audit.walk.FAULT_LIMIT`,
the others counted), one per link at most, and the checks go on past one: an edit does not hide
behind an earlier one, nor a checkpoint signed by another key keep the links from being checked:

* link after link (:mod:`app.audit.walk`): every ``seq`` from 1 to the last is present once (a
  gap is told apart: the link deleted, or only its event); each ``prev_hash`` is the previous
  link's hash; each hash is recomputed from its event's stored content
  (:func:`app.audit.chain.row_hash`; details read strictly, :mod:`app.audit.strict_json`) with its
  link version, a known one that never goes back from 2 to 1; each event comes after the previous
  link's in the sealing order ``(txid, id)``;
* every checkpoint is signed by the trusted key, its ``seq`` exists and its hash is the link's
  hash there (a rewritten history or a truncated tail cannot match a signature made before);
  and so is every checkpoint a running sequencer witnessed and stored again, which must also be
  the stored checkpoint at its ``seq`` (:meth:`app.audit.sequencer.Sequencer.seal_once`);
* the last link's event has a ``txid`` some transaction has had (a later one, edited, would have
  held every later event back from sealing before the sequencer learnt to pass it);
* the last link is signed by a checkpoint (the sequencer signs each head in the transaction that
  links it, so an unsigned head means links were added or rewritten behind its back);
* no event ordered before the last link's event (``(txid, id)``, the sequencer's order) is left
  out of the chain: the sequencer seals only events of ended transactions, in that order, and
  resumes after the head, so such an event was passed over by a link written behind its back (the
  application's role may INSERT links) and would never be sealed nor counted as waiting;
* the checkpoints are complete as the links record their batches (:mod:`app.audit.batches`),
  whatever the checks above found, but for a batch a fault they named explains (the links up to
  links deleted, a cut tail, the last link unsigned, a checkpoint not signed by the trusted key);
* every stored checkpoint signed by one key the trusted key does not trust is one fault naming
  both (a wrong ``--public-key`` reads as that, not as tampering); a kept checkpoint signed by such
  a key is :class:`KeyMismatch`, raised before any link is read;
* optionally, a checkpoint an auditor kept elsewhere (``verify-audit --against FILE``);
* then the events' personal values kept outside the chain: none altered, none deleted but by an
  erasure (:mod:`app.audit.payload_check`).

Events committed but not yet sealed are reported as pending, not as a failure.

On PostgreSQL the links and their events are streamed in one ``COPY … TO STDOUT`` and hashed as
the bytes arrive (:mod:`app.audit.copy_reader`: only the reference formula ever reports a
mismatch). ``verify_log(..., streamed=False)`` keeps the previous keyset reader (bench/audit.py
measures both).
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import exists, select
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncConnection

from app.audit import chain
from app.audit.batches import batch_faults
from app.audit.copy_reader import AS_TEXT, Link, pg_copy
from app.audit.keys import KeyRing, read_rotations
from app.audit.models import GENESIS_HASH, AuditCheckpoint, AuditEvent, AuditLink, AuditWitnessedCheckpoint
from app.audit.payload_check import payload_faults, start_beside
from app.audit.protection import protection_faults, witness_store_fault
from app.audit.sequencer import pin_for_verification
from app.audit.signing import Checkpoint, Verifier
from app.audit.state import Backlog, backlog, head, next_txid
from app.audit.tail import links_of_rows, passed_over, reference_links
from app.audit.walk import FAULT_LIMIT, Failure, Faults, Walk

BATCH = 10_000

_COLUMNS = ", ".join(AS_TEXT.get(name, f"e.{name}") for name in chain.CONTENT_FIELDS)
_PG_BATCH = (
    f"SELECT l.seq, l.prev_hash, l.hash, l.link_version, e.id, e.txid, {_COLUMNS} "  # noqa: S608 (constant)
    "FROM audit_links l JOIN audit_events e ON e.id = l.event_id WHERE l.seq > $1 ORDER BY l.seq LIMIT $2"
)


@dataclass(frozen=True)
class VerifyResult:
    """What :func:`verify_log` found: the links read and checked, the checkpoints whose signature
    verified, the events still waiting to be sealed, and the faults: the first one (``broken_seq``,
    ``broken_id``, ``reason``), and all of them (:attr:`faults`, up to
    :data:`app.audit.walk.FAULT_LIMIT`; :attr:`more_faults` counts the others). Built with the
    first fault only, :attr:`faults` is that one."""

    checked: int
    checkpoints: int
    pending: Backlog
    broken_seq: int | None = None
    broken_id: int | None = None
    reason: str | None = None
    faults: tuple[Failure, ...] = ()
    more_faults: int = 0

    def __post_init__(self) -> None:
        if self.reason is not None and not self.faults:
            object.__setattr__(self, "faults", ((self.broken_seq, self.broken_id, self.reason),))

    @classmethod
    def of(cls, checked: int, checkpoints: int, pending: Backlog, faults: Faults) -> VerifyResult:
        """The result with ``faults`` (the first one as ``broken_seq``, ``broken_id``, ``reason``)."""
        if not faults.kept:
            return cls(checked, checkpoints, pending)
        seq, event_id, reason = faults.kept[0]
        return cls(checked, checkpoints, pending, seq, event_id, reason, tuple(faults.kept), faults.more)

    @property
    def ok(self) -> bool:
        return self.reason is None


async def _pg_links(conn: AsyncConnection) -> AsyncIterator[list[Link]]:
    driver = (await conn.get_raw_connection()).driver_connection
    assert driver is not None
    last = 0
    row_hash = chain.text_row_hash
    while True:
        rows = await driver.fetch(_PG_BATCH, last, BATCH)
        if not rows:
            return
        yield links_of_rows(rows, row_hash)
        last = rows[-1][0]


async def verify_log(
    conn: AsyncConnection, verifier: Verifier, *, against: Checkpoint | None = None, streamed: bool = True
) -> VerifyResult:
    """Verify the chain and checkpoints visible to ``conn``, then the personal values (see the
    module docstring); every fault found is reported (up to :data:`app.audit.walk.FAULT_LIMIT`,
    the others counted), the first one as :attr:`VerifyResult.reason`.

    ``verifier`` holds the trusted public key; ``against`` is a checkpoint kept outside the
    database. Reads only; run it in a transaction with one snapshot (REPEATABLE READ on
    PostgreSQL) so a sealing batch in between cannot be mistaken for an inconsistency. In such a
    transaction on PostgreSQL the checkpoints' batches and the personal values are checked on a
    second connection of ``conn``'s engine sharing the snapshot, beside the chain
    (:func:`app.audit.payload_check.start_beside`; both are the server's work mostly). They are
    reported after the chain's checks, batches first. ``streamed=False`` reads PostgreSQL in keyset
    batches, hashes each event with the reference formula only and checks the batches and the
    personal values after the chain (the previous reader, kept for comparison). On PostgreSQL the rest of the
    transaction runs with :data:`app.audit.sequencer.PINNED_SEARCH_PATH` and no timeouts
    (:func:`app.audit.sequencer.pin_for_verification`). What the catalog shows changed on the
    audit tables (:func:`app.audit.protection.protection_faults`) is named first; only what
    changes the reads themselves (an ``ON SELECT`` rule, row-level security, a relation of their
    name in ``pg_catalog``) is reported alone, no link read: what is read then cannot be trusted.
    The trial store of a witness (:func:`app.audit.protection.witness_store_fault`) runs last,
    unless the catalog named something. :class:`KeyMismatch` when ``against`` is signed by a key
    ``verifier`` does not trust, nor any rotation in the log; :class:`KeptUnsigned` when it names
    a trusted key whose signature of it does not verify.
    """
    faults = Faults()
    protected = True
    if conn.dialect.name == "postgresql":
        await pin_for_verification(conn)
        # First, before any read: what changes the reads themselves stops here (row-level security
        # fails them, row_security off); what changes only the writes is named, and the log checked
        protection = await protection_faults(conn)
        if protection.hiding is not None:
            return VerifyResult(0, 0, Backlog(0, None), None, None, protection.hiding)
        faults.extend((None, None, reason) for reason in protection.faults)
        protected = not protection.faults
    side = _Beside()
    beside = await start_beside(conn, side.check) if streamed else None
    try:
        checked, checkpoints, pending, covered = await _verify_chain(conn, verifier, against, streamed, faults)
        unread = None
        try:
            await beside if beside is not None else await side.check(conn)
        except (ValueError, TypeError, AttributeError) as exc:  # a payload the driver or the ORM cannot convert
            unread = f"the payloads cannot be read ({exc!r})"
        except DBAPIError as exc:  # a column retyped: with the chain's faults said, this one is said too
            if not faults:
                raise
            unread = f"the personal values cannot be checked ({(str(exc.orig).splitlines() or [''])[0]})"
        if covered is not None:  # but for those the chain's faults explain (app.audit.batches)
            faults.extend(fault for fault in side.batches if fault[0] not in covered)
        for seq, event_id, reason in side.payloads.kept:  # those found before a payload could not be read, too
            faults.add((seq, event_id, f"event {event_id}: {reason}" if event_id is not None else reason))
        faults.more += side.payloads.more
        if unread is not None:
            faults.add((None, None, unread))
        if protected and conn.dialect.name == "postgresql" and (refused := await witness_store_fault(conn)):
            faults.add((None, None, refused))
        return VerifyResult.of(checked, checkpoints, pending, faults)
    finally:
        if beside is not None:  # the chain raised: what the task says is not asked for
            beside.cancel()  # nothing when it is done already (it may have failed before the chain did)
            with contextlib.suppress(Exception, asyncio.CancelledError):
                await beside  # its outcome retrieved, lest asyncio print it ("never retrieved")


@dataclass
class _Beside:
    """The checks that need no link read by the walk, and every fault they found: the checkpoints
    complete as the links record their batches (:func:`app.audit.batches.batch_faults`), and the
    personal values (:func:`app.audit.payload_check.payload_faults`, which raises what it raises;
    the faults found before it did are kept)."""

    batches: list[Failure] = field(default_factory=list)
    payloads: Faults = field(default_factory=Faults)

    async def check(self, conn: AsyncConnection) -> None:
        """Run both checks on ``conn``, their faults into :attr:`batches` and :attr:`payloads`."""
        try:
            self.batches = await batch_faults(conn)
        except (ValueError, TypeError, AttributeError) as exc:  # a sealing time the driver or the ORM cannot convert
            self.batches = [(None, None, f"the links' sealing times cannot be read ({exc!r})")]
        await payload_faults(conn, self.payloads)


def _unsigned(which: str, checkpoint: Checkpoint, verifier: Verifier) -> str:
    """The reason given for ``which`` checkpoint, whose signature the trusted key does not verify:
    signed by another key (its ``key_id`` says which: a wrong ``--public-key`` or key file, or a
    checkpoint forged with a key of the forger's), or not signed as it now reads."""
    if checkpoint.key_id != verifier.key_id:
        return f"{which}: signed by key {checkpoint.key_id}, not by the trusted key {verifier.key_id}"
    return f"{which}: signature does not verify"


class KeyMismatch(ValueError):
    """The checkpoint an auditor kept (``verify-audit --against``) is signed by a key that the key
    given to the verifier does not trust, nor any key rotation sealed in the log: one of the two is
    not this log's, and nothing can be told from comparing them (the message says both key ids)."""

    def __init__(self, kept: Checkpoint, verifier: Verifier) -> None:
        super().__init__(
            f"the kept checkpoint is signed by key {kept.key_id}, which the trusted key {verifier.key_id} does not "
            "trust (nor any key rotation in the log)"
        )
        self.kept_key_id, self.key_id = kept.key_id, verifier.key_id


class KeptUnsigned(ValueError):
    """The checkpoint an auditor kept (``verify-audit --against``) names a key the verifier trusts,
    but that key's signature of it does not verify: the file was edited (its ``hash``,
    ``signed_at``…) or holds another log's checkpoint. It proves nothing of this log, whose
    verification it does not concern."""

    def __init__(self, kept: Checkpoint) -> None:
        super().__init__(f"the kept checkpoint is not one key {kept.key_id} signed: its signature does not verify")
        self.key_id = kept.key_id


def _foreign_key(refused: list[tuple[int, str | None]], verifier: Verifier) -> str | None:
    """The one fault for the stored checkpoints when none verifies and all (``(seq, key id)``
    each) name one key the verifier does not trust: signed by that key (a wrong ``--public-key``
    or key file, or every checkpoint replaced by a forger's), said once rather than a fault a
    checkpoint, which would read as tampering with the events; None otherwise."""
    key_ids = {key_id for _, key_id in refused}
    if len(key_ids) != 1 or None in key_ids:
        return None
    (key_id,) = key_ids
    return (
        f"every checkpoint ({len(refused)}) is signed by key {key_id}, not by the trusted key {verifier.key_id}: "
        "the key given (--public-key, or AUDIT_SIGNING_KEY_FILE's) is not the one that signs this log, or every "
        "checkpoint was replaced; the links were checked, not against a signature"
    )


async def _verify_chain(
    conn: AsyncConnection, verifier: Verifier, against: Checkpoint | None, streamed: bool, faults: Faults
) -> tuple[int, int, Backlog, set[int] | None]:
    """:func:`verify_log` but for the batches and the personal values: the faults into ``faults``;
    the links read, the checkpoints whose signature verifies, the events waiting, and the links
    at which a batch no checkpoint signs is a consequence of a fault named here (None: any batch,
    the links could not all be read): the link before links missing (the checkpoint after it
    gone with them), the last link of a cut tail or of one no checkpoint signs, a checkpoint not
    signed by the trusted key. :class:`KeyMismatch` when ``against`` is signed by a key not trusted."""
    pending = await backlog(conn)
    try:
        stored = (await conn.execute(select(AuditCheckpoint).order_by(AuditCheckpoint.seq))).all()
    except (ValueError, TypeError, AttributeError) as exc:  # a row the driver or the ORM cannot convert
        faults.add((None, None, f"the checkpoints cannot be read ({type(exc).__name__}: {exc})"))
        stored = []
    rotations, refused = await read_rotations(conn)
    ring = KeyRing(verifier, rotations)
    for fault in (*refused, *ring.faults):
        faults.add(fault)
    if against is not None and (not isinstance(against.key_id, str) or ring.verifier_for(against.key_id) is None):
        raise KeyMismatch(against, verifier)
    checkpoints: dict[int, str] = {}
    unsigned: list[Failure] = []
    foreign: list[tuple[int, str | None]] = []
    for cp in stored:
        signed = Checkpoint(cp.seq, cp.hash, cp.signed_at, cp.key_id, cp.signature)
        if not isinstance(cp.seq, int):
            unsigned.append((cp.seq, None, _unsigned(f"checkpoint at seq {cp.seq}", signed, verifier)))
        elif (reason := ring.check(signed)) is not None:
            unsigned.append((cp.seq, None, reason))
        else:
            checkpoints[cp.seq] = cp.hash
            continue
        known = isinstance(cp.key_id, str) and ring.verifier_for(cp.key_id) is not None
        foreign.append((cp.seq, None if known else cp.key_id))
    covered = {seq for seq, _, _ in unsigned if isinstance(seq, int)}
    every = _foreign_key(foreign, verifier) if stored and not checkpoints else None
    if every is not None:
        faults.add((None, None, every))
    else:
        faults.extend(unsigned)
    witnessed = await _witnessed(conn, ring, checkpoints, faults)
    if against is not None:
        if not ring.verify(against):  # edited, or another log's under the same key: the file's fault
            raise KeptUnsigned(against)
        if checkpoints.get(against.seq, against.hash) != against.hash:
            faults.add((against.seq, None, f"the kept checkpoint at seq {against.seq} differs from the stored one"))
            against = None  # the chain is checked against the stored one: one fault, not two
    wanted = {**witnessed, **checkpoints}
    if against is not None:
        wanted[against.seq] = against.hash

    kept_seq = against.seq if against is not None else None
    walk = Walk(wanted, kept_seq, faults=faults)
    try:
        if conn.dialect.name != "postgresql":
            async for batch in reference_links(conn):
                walk.links(batch)
        elif streamed:
            encoded = {seq: value.encode() for seq, value in wanted.items()}
            walk = Walk(encoded, kept_seq, GENESIS_HASH.encode(), faults)
            await pg_copy(conn, walk, max(wanted, default=0))
        else:
            async for batch in _pg_links(conn):
                walk.links(batch)
    except (ValueError, TypeError, RecursionError) as exc:  # a row the driver or the ORM cannot even convert
        seq = walk.expected_seq
        faults.add((seq, None, f"a link from seq {seq} on cannot be read ({type(exc).__name__}: {exc})"))
        return seq - 1, len(checkpoints), pending, None
    covered.update(first - 1 for first, _ in await _gaps(conn, walk.gaps, faults))
    # every checkpoint another key's: the last link is signed, by that key (said once, above)
    signed_up_to = max(_stored_seqs(stored)) if every is not None else max(checkpoints, default=0)
    last = await _after_walk(conn, walk, max(wanted, default=0), signed_up_to, faults)
    if max(wanted, default=0) > last or signed_up_to != last:
        covered.add(last)  # a cut tail, or links no checkpoint signs: named once, by _after_walk
    return last, len(checkpoints), pending, covered


def _stored_seqs(stored: Sequence[Any]) -> list[int]:
    """The ``seq`` of each checkpoint of ``stored`` (rows) that is a number."""
    return [cp.seq for cp in stored if isinstance(cp.seq, int)] or [0]


async def _witnessed(
    conn: AsyncConnection, ring: KeyRing, checkpoints: dict[int, str], faults: Faults
) -> dict[int, str]:
    """The checkpoints a running sequencer witnessed and stored again (``seq`` → hash), to be
    checked against the chain like the stored ones; a fault for each one differing from the
    stored checkpoint at its ``seq`` (two signed heads of one size: the log was rewritten after the
    witnessed one was signed). A row not signed by the trusted key is passed over: it proves
    nothing, and the application's role (which may INSERT there, as the sequencer does) would
    otherwise fail every verification."""
    try:
        found = (await conn.execute(select(AuditWitnessedCheckpoint).order_by(AuditWitnessedCheckpoint.id))).all()
    except (ValueError, TypeError, AttributeError) as exc:  # a row the driver or the ORM cannot convert
        faults.add((None, None, f"the witnessed checkpoints cannot be read ({type(exc).__name__}: {exc})"))
        return {}
    witnessed: dict[int, str] = {}
    for row in found:
        signed = Checkpoint(row.seq, row.hash, row.signed_at, row.key_id, row.signature)
        which = f"witnessed checkpoint at seq {row.seq}"
        if not isinstance(row.seq, int) or not ring.verify(signed):
            continue  # not evidence: only a sequencer holding the key could have signed it
        other = checkpoints.get(row.seq, witnessed.get(row.seq, row.hash))
        if other != row.hash:
            faults.add(
                (
                    row.seq,
                    None,
                    f"the {which} (hash {row.hash[:16]}…, kept by a running sequencer at "
                    f"{row.witnessed_at.isoformat(timespec='seconds')}) differs from the stored one (hash "
                    f"{other[:16]}…): two signed heads of one size, the log was cut and sealed again after it was "
                    "signed",
                )
            )
            continue
        witnessed[row.seq] = row.hash
    return witnessed


async def _gaps(conn: AsyncConnection, gaps: list[tuple[int, int]], faults: Faults) -> list[tuple[int, int]]:
    """The faults of the ``seq`` ranges the walk found missing: each link stored whose event is
    gone (deleted under it, the foreign key lifted) is named with its event; the links gone, a run
    at a time ("link seq 4 is missing", "links seq 4 to 9 are missing"). The runs of links gone,
    ``(first, last)``."""
    runs: list[tuple[int, int]] = []
    for first, last in gaps:
        gone = await _events_gone(conn, first, last)
        missing = first
        for seq, event_id in gone:
            _missing(missing, seq - 1, faults, runs)
            faults.add((seq, event_id, f"the event of link seq {seq} (event {event_id}) was deleted"))
            missing = seq + 1
        _missing(missing, last, faults, runs)
    return runs


def _missing(first: int, last: int, faults: Faults, runs: list[tuple[int, int]]) -> None:
    if first == last:
        faults.add((first, None, f"link seq {first} is missing"))
    elif first < last:
        faults.add((first, None, f"links seq {first} to {last} are missing"))
    if first <= last:
        runs.append((first, last))


async def _events_gone(conn: AsyncConnection, first: int, last: int | None) -> list[tuple[int, int]]:
    """The links from ``first`` to ``last`` (None: the last one) stored without their event, as
    ``(seq, event id)``, in ``seq`` order; no more than :data:`app.audit.walk.FAULT_LIMIT` + 1."""
    query = select(AuditLink.seq, AuditLink.event_id).where(
        AuditLink.seq >= first, ~exists().where(AuditEvent.id == AuditLink.event_id)
    )
    if last is not None:
        query = query.where(AuditLink.seq <= last)
    rows = await conn.execute(query.order_by(AuditLink.seq).limit(FAULT_LIMIT + 1))
    return [(seq, event_id) for seq, event_id in rows]


async def _after_walk(conn: AsyncConnection, walk: Walk, beyond: int, signed: int, faults: Faults) -> int:
    """The checks after the walk (module docstring), their faults into ``faults``: links after the
    last one read whose events are gone; the last event's txid; a checkpoint (``beyond``: the
    highest stored or kept) past the last link; the last link unsigned (``signed``: the highest
    stored checkpoint whose signature verifies); an event passed over. The last link's ``seq``."""
    last = walk.expected_seq - 1
    for seq, event_id in await _events_gone(conn, last + 1, None):
        faults.add((seq, event_id, f"the event of link seq {seq} (event {event_id}) was deleted"))
        last = seq
    txid, event_id = walk.last
    if last == walk.expected_seq - 1 and last and txid >= await next_txid(conn):
        edited = f"event {event_id} has txid {txid}, which no transaction has had yet: it was edited"
        faults.add((last, event_id, edited))
    if beyond > last:
        faults.add((beyond, None, f"checkpoint at seq {beyond} is beyond the last link {last} (the log was truncated)"))
    # unsigned, but for a cut tail (the checkpoint beyond says more) or a link the walk named
    if last and signed != last and beyond <= last and not faults.names(last):
        faults.add((last, None, f"the last link {last} is not signed by a checkpoint"))
    whole = not walk.gaps and not walk.duplicates and last == walk.expected_seq - 1
    if last and (passed := await passed_over(conn, await head(conn), last, counted=whole)) is not None:
        faults.add(passed)
    return last
