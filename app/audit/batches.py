"""The checkpoints are complete as the links record their sealing batches.

The sequencer seals a batch of events in one transaction: their links' ``sealed_at`` is the
batch's time, and the checkpoint it signs at the batch's last link has that time as its
``signed_at`` (:meth:`app.audit.sequencer.Sequencer.seal_once`). So, along the chain, every run of
links sharing one ``sealed_at`` ends at a checkpoint signed at that time, and every checkpoint was
signed when its link was sealed. A checkpoint deleted (the head it signed is still covered by every
later one, but the signed time at which the log held those events is gone) leaves a batch ending at
no checkpoint; a ``sealed_at`` edited leaves a link apart from its batch.

Links carried over from before checkpoints existed are not held to the rule: revision 0501 copied
them with their event's ``occurred_at`` as ``sealed_at``, and the first sealing round after the
upgrade signed the carried head (at another time), or a head past it when events were waiting.
They are the links, up to the first checkpoint, before the first one sealed at another time than
its event's.

``sealed_at`` is not signed: someone with the owner's rights who deletes a checkpoint *and* moves
its batch's links to the next batch's time (or, for the first batches, to their events' times) is
not caught here (``docs/audit.md``). The query reads
only the links that end a batch or carry a checkpoint (a window over ``audit_links`` in ``seq``
order, on the server), whatever the number of links.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlalchemy.sql import func

from app.audit.models import AuditCheckpoint, AuditEvent, AuditLink
from app.audit.walk import Failure
from app.core.db import UTCDateTime


@dataclass(frozen=True)
class _Run:
    """Links ``first`` to ``last`` sealed at ``sealed_at``; ``event_id`` is the last one's event and
    ``signed_at`` the time of the checkpoint at ``last`` (None: none there)."""

    first: int
    last: int
    sealed_at: dt.datetime
    event_id: int
    signed_at: dt.datetime | None


def _when(value: dt.datetime) -> str:
    return value.astimezone(dt.UTC).isoformat(timespec="microseconds")


async def _runs(conn: AsyncConnection) -> tuple[list[_Run], list[_Run]]:
    """The batches in ``seq`` order, and the checkpoints placed inside a batch (a clock that gave
    two batches one time), each as a :class:`_Run` of its own link."""
    later = func.lead(AuditLink.sealed_at, type_=UTCDateTime).over(order_by=AuditLink.seq).label("later")
    rows = (
        select(AuditLink.seq, AuditLink.event_id, AuditLink.sealed_at, later, AuditCheckpoint.signed_at)
        .outerjoin(AuditCheckpoint, AuditCheckpoint.seq == AuditLink.seq)
        .subquery()
    )
    ends = select(rows).where(or_(rows.c.signed_at.is_not(None), rows.c.later.is_distinct_from(rows.c.sealed_at)))
    runs: list[_Run] = []
    inside: list[_Run] = []
    first = 1
    for seq, event_id, sealed_at, following, signed_at in await conn.execute(ends.order_by(rows.c.seq)):
        if following == sealed_at:
            inside.append(_Run(seq, seq, sealed_at, event_id, signed_at))
            continue
        runs.append(_Run(first, seq, sealed_at, event_id, signed_at))
        first = seq + 1
    return runs, inside


async def batch_faults(conn: AsyncConnection) -> list[Failure]:
    """Every batch of links that no checkpoint signed at its time ends, and every checkpoint signed
    at another time than its link was sealed, as ``(seq, event id or None, reason)`` in ``seq``
    order; none when the checkpoints are complete (module docstring). One link sealed apart from
    its batch is one fault, the link's: the batch it left is read as if it were still there. It reads
    the links and checkpoints as stored: the verifier runs it whatever the chain's checks found and
    drops only the findings a fault it already named explains (a link before deleted links, the end
    of a cut tail or of an unsigned head, a checkpoint the trusted key did not sign)."""
    runs, inside = await _runs(conn)
    signed = [run.last for run in runs if run.signed_at is not None] + [run.last for run in inside]
    carried = await _carried(conn, min(signed)) if signed else 0
    faults = [_resigned(run) for run in inside if run.signed_at != run.sealed_at and run.last > carried]
    i = 0
    while i < len(runs):
        run = runs[i]
        i += 1
        if run.last <= carried:
            continue
        if run.signed_at is None:
            fault, apart = _unsigned(run, runs[i : i + 2])
            faults.append(fault)
            i += apart  # the lone link apart from its batch: named, not a batch of its own
        elif run.signed_at != run.sealed_at:
            faults.append(_resigned(run))
    return sorted(faults, key=lambda fault: fault[0] or 0)


async def _carried(conn: AsyncConnection, first_signed: int) -> int:
    """The last link carried over from before checkpoints (0: none), given the ``seq`` of the first
    checkpoint: the links before the first one sealed at another time than its event's, up to
    that checkpoint (module docstring). Read in ``seq`` order until that link: at once on a log
    that began with checkpoints."""
    sealed = (
        select(AuditLink.seq)
        .join(AuditEvent, AuditEvent.id == AuditLink.event_id)
        .where(AuditLink.seq <= first_signed, AuditLink.sealed_at != AuditEvent.occurred_at)
        .order_by(AuditLink.seq)
        .limit(1)
    )
    first_sealed = (await conn.execute(sealed)).scalar_one_or_none()
    return first_signed if first_sealed is None else first_sealed - 1


def _unsigned(run: _Run, after: list[_Run]) -> tuple[Failure, bool]:
    """The failure of batch ``run``, ending at no checkpoint, given the (up to two) batches after it,
    and whether it is the next one's (a lone link apart from ``run``'s batch): a single link between
    this batch and another of the same time, or carrying this batch's checkpoint, had its
    ``sealed_at`` edited; otherwise the checkpoint ending the batch is gone."""
    if after and after[0].first == after[0].last:
        lone = after[0]
        rejoins = lone.signed_at == run.sealed_at or (len(after) > 1 and after[1].sealed_at == run.sealed_at)
        if rejoins:
            return (
                lone.last,
                lone.event_id,
                f"link {lone.last} was sealed at {_when(lone.sealed_at)}, apart from its batch "
                f"(sealed at {_when(run.sealed_at)}): its sealed_at was edited",
            ), True
    links = f"link {run.last}" if run.first == run.last else f"links {run.first} to {run.last}"
    return (
        run.last,
        None,
        f"no checkpoint signs {links}, sealed at {_when(run.sealed_at)}: the checkpoint at seq {run.last} "
        "was deleted, or a sealed_at edited",
    ), False


def _resigned(run: _Run) -> Failure:
    assert run.signed_at is not None
    return (
        run.last,
        None,
        f"the checkpoint at seq {run.last} was signed at {_when(run.signed_at)}, not when link {run.last} was "
        f"sealed ({_when(run.sealed_at)}): signed again after it was deleted, a sealed_at edited, or the link "
        "not written by the sequencer",
    )
