"""Approving or rejecting a proposed merge (desks requiring a supervisor's approval).

At a desk with ``merge_requires_approval``, an agent's merge is only proposed
(:func:`app.merges.service.create`); a supervisor or administrator of both desks approves it, while
both files are still at the versions it was proposed on, or rejects it. The same role is needed to
undo a merge there (:mod:`app.merges.unmerge`).
"""

from __future__ import annotations

import uuid

from sqlalchemy.ext.asyncio import AsyncSession

from app.audit import service as audit
from app.core.context import Actor
from app.core.db import utcnow
from app.core.http import etag_of
from app.merges import limits, moves
from app.merges import service as merges
from app.merges.errors import MergeApprovalRequired, MergeNotProposed
from app.merges.models import RegistrantMerge


def require_supervisor(actor: Actor, what: str) -> None:
    """Raise ``MergeApprovalRequired`` (403) unless the actor is a supervisor or an administrator."""
    if actor.role not in ("supervisor", "admin"):
        raise MergeApprovalRequired(
            f"Only a supervisor or an administrator may {what} a merge here.",
            detail_fr="Seul un superviseur ou un administrateur peut le faire ici.",
        )


async def decide(
    session: AsyncSession, *, actor: Actor, merge_id: uuid.UUID, approve: bool, note: str | None
) -> RegistrantMerge:
    """Approve (carry out) or reject a proposed merge (supervisor or administrator of both desks).

    Raises ``MergeApprovalRequired`` (403), ``MergeNotFound`` (404), ``MergeNotProposed`` (409),
    ``RegistrantMerged`` (409), ``RegistrantErased`` (409: a file was anonymised since the proposal;
    reject it), ``MergeTooManyValues`` (409) and ``PreconditionFailed`` (412: a file changed since
    the proposal; propose again on the current versions).
    """
    require_supervisor(actor, "approve or reject")
    record = await merges.get(session, actor=actor, merge_id=merge_id, lock=True)
    if record.status != "proposed":
        raise MergeNotProposed(
            f"This merge is {record.status}, not awaiting approval.",
            detail_fr=f"Cette fusion est « {record.status} », pas en attente de validation.",
            status_now=record.status,
        )
    if note:
        record.note = f"{record.note}\n{note}" if record.note else note
    if not approve:
        record.status, record.decided_by, record.decided_at = "rejected", actor.user_id, utcnow()
        await session.flush()
        await audit.record(
            session,
            actor=actor,
            action="registrant.merge_reject",
            entity_type="registrant_merge",
            entity_id=record.id,
            desk_id=record.desk_id,
            details={"survivor_id": str(record.survivor_id), "merged_id": str(record.merged_id)},
        )
        return record
    survivor, merged = await merges.load_pair(
        session, actor=actor, survivor_id=record.survivor_id, merged_id=record.merged_id
    )
    merges.check_etag("survivor", etag_of(record.survivor_version), survivor)
    merges.check_etag("merged", etag_of(record.merged_version), merged)
    planned = await moves.plan(session, survivor=survivor, merged=merged)
    limits.check(survivor, planned)
    await merges.execute(session, actor=actor, record=record, survivor=survivor, merged=merged, planned=planned)
    return record
