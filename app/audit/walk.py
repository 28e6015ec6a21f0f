"""The checks of the chain, link after link in ``seq`` order, as the verifier's readers hand the
links over (:data:`app.audit.copy_reader.Link`). Every fault is kept (:class:`Faults`), one per
link at most, and the walk goes on: an edit of a later link does not hide behind an earlier one.

Per link:

* its ``seq`` is the next one: a smaller one appears twice (that row is passed over), a larger one
  leaves a gap (:attr:`Walk.gaps`: the verifier then tells a link deleted from its event deleted
  under the link; the link after the gap is not compared with a previous hash it cannot know);
* its ``prev_hash`` is the previous link's hash;
* its link version is a known one (1 or 2) and never goes back from 2 to 1;
* its event's content hashes to its hash (or the fault of its own that keeps it from being
  hashed: details holding a key twice);
* its event comes after the previous link's event in the sealing order, ``(txid, id)``: the
  sequencer seals events in that order and resumes after the last one sealed. ``txid`` and ``id``
  are not in the hash; an edit of either that leaves the order as it was changes nothing the log
  proves, and one that breaks it is named. Which of the two events is named: the one out of line
  with the link before the pair (a raised one is the first of the pair, a lowered one the
  second);
* its hash is the one a checkpoint (stored, or kept by an auditor) signed at its ``seq``.

Whatever a link's fault, the next link is checked against what this one stores (its hash, its
event), so one edit is one fault: an event edited fails its own link only, a hash recomputed from
there on fails at the checkpoints that signed the old ones. A link whose hash does not match its
content is no reference for the next one's ``prev_hash`` (a hash edited would otherwise fail twice).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from app.audit.copy_reader import Link
from app.audit.models import GENESIS_HASH

Failure = tuple[int | None, int | None, str]
"""``(seq or None, event id or None, reason)``: ``seq`` None for a fault of no one link."""

FAULT_LIMIT = 100
"""How many faults a verification names; the others are counted (:class:`Faults`)."""

_BEFORE_ANY = -(2**64)
"""A txid below any: the first link's event is never out of order."""


class Faults:
    """The faults found, in the order found: the first ``limit`` kept, the others counted."""

    def __init__(self, limit: int = FAULT_LIMIT) -> None:
        self.limit = limit
        self.kept: list[Failure] = []
        self.more = 0
        """Faults found beyond :attr:`limit`, not kept."""

    def add(self, fault: Failure) -> None:
        """Keep ``fault`` (a :data:`Failure`), or count it once :attr:`limit` are kept."""
        if len(self.kept) < self.limit:
            self.kept.append(fault)
        else:
            self.more += 1

    def extend(self, faults: Iterable[Failure]) -> None:
        """:meth:`add` each of ``faults``, in order."""
        for fault in faults:
            self.add(fault)

    def names(self, seq: int | None) -> bool:
        """Whether a fault kept names link ``seq`` (a later check of the same link says no more)."""
        return any(fault[0] == seq for fault in self.kept)

    def __len__(self) -> int:
        return len(self.kept) + self.more


class Walk:
    """The checks of the module docstring over links handed in ``seq`` order by :meth:`links`.

    ``wanted`` maps a ``seq`` to the hash a checkpoint signed there (``str``, or ``bytes`` like the
    ``COPY`` reader's hashes), ``kept_seq`` is the auditor's checkpoint's ``seq`` (named apart),
    ``genesis`` the ``prev_hash`` of link 1 in the readers' type, ``faults`` where the faults go.
    A walk from a later link (the links after a checkpoint) starts at ``seq`` ``start``, ``genesis``
    then the hash before it and ``after`` the ``(txid, id)`` of the event before it.
    After the walk, :attr:`expected_seq` - 1 is the last link read, :attr:`last` its event's
    ``(txid, id)``, :attr:`gaps` the ``seq`` ranges missing and :attr:`duplicates` the rows read
    twice.
    """

    def __init__(
        self,
        wanted: dict[int, Any],
        kept_seq: int | None,
        genesis: str | bytes = GENESIS_HASH,
        faults: Faults | None = None,
        *,
        start: int = 1,
        after: tuple[Any, int] | None = None,
    ) -> None:
        self.wanted = wanted
        self.kept_seq = kept_seq
        self.faults = Faults() if faults is None else faults
        self.expected_seq, self.prev, self.version_floor = start, genesis, 1
        self.last: tuple[Any, int] = after if after is not None else (_BEFORE_ANY, 0)
        self.before: tuple[Any, int] = (_BEFORE_ANY, 0)
        """The ``(txid, id)`` of the event of the link before the last one."""
        self.gaps: list[tuple[int, int]] = []
        """The ``seq`` ranges ``(first, last)`` found missing (their links, or only their events, are gone)."""
        self.duplicates = 0
        """Rows read for a ``seq`` already read."""

    @property
    def failure(self) -> Failure | None:
        """The first fault the walk found (None while there is none)."""
        return self.faults.kept[0] if self.faults.kept else None

    def links(self, links: Iterable[Link]) -> None:
        """Check ``links`` (the next ones in ``seq`` order), adding their faults."""
        expected_seq, prev, version_floor, wanted = self.expected_seq, self.prev, self.version_floor, self.wanted
        (last_txid, last_id), (before_txid, before_id) = self.last, self.before
        add = self.faults.add
        try:
            for seq, prev_hash, stored_hash, version, event_id, txid, matches in links:
                if seq != expected_seq:
                    if seq < expected_seq:  # read in seq order: a second row for a seq already checked
                        self.duplicates += 1
                        add((seq, event_id, f"link seq {seq} appears twice"))
                        continue
                    self.gaps.append((expected_seq, seq - 1))
                    prev = prev_hash  # the hash of the link before it is not known
                if prev is None:  # the link before it failed its hash: its stored hash is no reference
                    prev = prev_hash
                if prev_hash != prev:
                    add((seq, event_id, "prev_hash does not match the previous link"))
                elif not isinstance(version, int):  # NULL, or garbage where a number belongs
                    add((seq, event_id, "link version is not a number"))
                elif version != 2 and version != 1:
                    add((seq, event_id, f"unknown link version {version}"))
                elif version < version_floor:
                    add((seq, event_id, f"link version {version} after version {version_floor}"))
                elif matches is not True:
                    add((seq, event_id, matches or "content does not match its hash"))
                    stored_hash = None  # the next link's prev_hash is not compared with it (one fault, not two)
                elif type(txid) is not int or txid < last_txid or (txid == last_txid and event_id <= last_id):
                    add(_out_of_order(seq, event_id, txid, (last_txid, last_id), (before_txid, before_id)))
                elif seq in wanted and wanted[seq] != stored_hash:
                    which = "kept checkpoint" if seq == self.kept_seq else "checkpoint"
                    add((seq, event_id, f"the {which} at seq {seq} does not match the chain"))
                if version == 2:
                    version_floor = 2
                if type(txid) is int:
                    before_txid, before_id, last_txid, last_id = last_txid, last_id, txid, event_id
                prev, expected_seq = stored_hash, seq + 1
        finally:
            self.expected_seq, self.prev, self.version_floor = expected_seq, prev, version_floor
            self.last, self.before = (last_txid, last_id), (before_txid, before_id)


def _out_of_order(seq: int, event_id: int, txid: Any, last: tuple[Any, int], before: tuple[Any, int]) -> Failure:
    """The failure of link ``seq`` (event ``event_id``, ``txid``) sealed after an event ``last``
    (``(txid, id)``) that does not come before it, the link before that one's event being ``before``."""
    if type(txid) is not int:
        return seq, event_id, f"the txid of event {event_id} is not a number"
    if event_id == last[1]:
        return seq, event_id, f"event {event_id} is sealed twice (links {seq - 1} and {seq})"
    if before < (txid, event_id):  # in line with the link before the pair: the previous event is not
        seq, event_id = seq - 1, last[1]
    return (
        seq,
        event_id,
        f"event {event_id} is out of the sealing order (txid, id) at link {seq}: its txid or id was edited, "
        "or the link was not written by the sequencer",
    )
