"""The checks of the chain, link after link in ``seq`` order, as the verifier's readers hand the
links over (:data:`app.audit.copy_reader.Link`); the first failure is kept.

Per link:

* its ``seq`` is the next one: a smaller one appears twice, a larger one leaves a gap (the
  verifier then tells a link deleted from its event deleted under the link, :attr:`Walk.gap`);
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
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from app.audit.copy_reader import Link
from app.audit.models import GENESIS_HASH

Failure = tuple[int, int | None, str]
"""``(seq, event id or None, reason)``."""

_BEFORE_ANY = -(2**64)
"""A txid below any: the first link's event is never out of order."""


class Walk:
    """The checks of the module docstring over links handed in ``seq`` order by :meth:`links`.

    ``wanted`` maps a ``seq`` to the hash a checkpoint signed there (``str``, or ``bytes`` like the
    ``COPY`` reader's hashes), ``kept_seq`` is the auditor's checkpoint's ``seq`` (named apart),
    ``genesis`` the ``prev_hash`` of link 1 in the readers' type. After the walk,
    :attr:`expected_seq` - 1 links were checked, :attr:`last` is the last one's event's ``(txid,
    id)`` and :attr:`failure` the first failure (None when all passed).
    """

    def __init__(self, wanted: dict[int, Any], kept_seq: int | None, genesis: str | bytes = GENESIS_HASH) -> None:
        self.wanted = wanted
        self.kept_seq = kept_seq
        self.expected_seq, self.prev, self.version_floor = 1, genesis, 1
        self.last: tuple[Any, int] = (_BEFORE_ANY, 0)
        self.before: tuple[Any, int] = (_BEFORE_ANY, 0)
        """The ``(txid, id)`` of the event of the link before the last one."""
        self.failure: Failure | None = None
        self.gap: int | None = None
        """The ``seq`` found missing (its link, or only its event, is gone)."""

    def links(self, links: Iterable[Link]) -> bool:
        """Check ``links`` (the next ones in ``seq`` order); True once a check has failed."""
        if self.failure is not None:
            return True
        expected_seq, prev, version_floor, wanted = self.expected_seq, self.prev, self.version_floor, self.wanted
        (last_txid, last_id), (before_txid, before_id) = self.last, self.before
        try:
            for seq, prev_hash, stored_hash, version, event_id, txid, matches in links:
                if seq != expected_seq:
                    if seq < expected_seq:  # read in seq order: a second row for a seq already checked
                        self.failure = (seq, event_id, f"link seq {seq} appears twice")
                    else:
                        self.gap = expected_seq
                        self.failure = (expected_seq, None, f"link seq {expected_seq} is missing")
                    return True
                if prev_hash != prev:
                    self.failure = (seq, event_id, "prev_hash does not match the previous link")
                    return True
                if not isinstance(version, int):  # NULL, or garbage where a number belongs
                    self.failure = (seq, event_id, "link version is not a number")
                    return True
                if version != 2 and version != 1:
                    self.failure = (seq, event_id, f"unknown link version {version}")
                    return True
                if version < version_floor:
                    self.failure = (seq, event_id, f"link version {version} after version {version_floor}")
                    return True
                if matches is not True:
                    self.failure = (seq, event_id, matches or "content does not match its hash")
                    return True
                if type(txid) is not int or txid < last_txid or (txid == last_txid and event_id <= last_id):
                    self.failure = _out_of_order(seq, event_id, txid, (last_txid, last_id), (before_txid, before_id))
                    expected_seq = self.failure[0]
                    return True
                if seq in wanted and wanted[seq] != stored_hash:
                    which = "kept checkpoint" if seq == self.kept_seq else "checkpoint"
                    self.failure = (seq, event_id, f"the {which} at seq {seq} does not match the chain")
                    return True
                before_txid, before_id, last_txid, last_id = last_txid, last_id, txid, event_id
                prev, version_floor, expected_seq = stored_hash, version, seq + 1
        finally:
            self.expected_seq, self.prev, self.version_floor = expected_seq, prev, version_floor
            self.last, self.before = (last_txid, last_id), (before_txid, before_id)
        return False


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
