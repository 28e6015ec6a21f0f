"""Undoing a merge: both files exactly as they were before it, or a refusal saying why not.

The merge record's snapshot holds both files' fields before the merge, the survivor's right after
it and every record moved (:mod:`app.merges.moves`). An unmerge checks that putting them back
loses nothing done since, then restores fields, records, redirects and match keys; the records
attached since to a case or appointment given back go back with it (:mod:`app.merges.followers`).
"""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from app.audit import service as audit
from app.core.context import Actor
from app.core.db import utcnow
from app.merges import approval, followers, moves
from app.merges import service as merges
from app.merges.errors import MergeNotInForce, UnmergeRefused
from app.merges.models import RegistrantMerge
from app.merges.schemas import MERGEABLE
from app.privacy import rectification
from app.registrants import keys as match_keys
from app.registrants import prepare
from app.registrants.models import Registrant


async def _unmerge_reasons(
    session: AsyncSession, record: RegistrantMerge, survivor: Registrant
) -> list[dict[str, Any]]:
    reasons: list[dict[str, Any]] = []
    if "survivor_after" not in record.snapshot:  # the person was erased: nothing left to restore
        return [{"code": "erased", "detail": "The person's files were erased: the merge is final."}]
    if survivor.merged_into_id is not None:  # everything else moved on with it: this reason alone
        return [
            {
                "code": "survivor_merged",
                "detail": f"The survivor was itself merged into {survivor.merged_into_id}: undo that merge first.",
            }
        ]
    after, now = record.snapshot["survivor_after"], merges.fields_of(survivor)
    for name in MERGEABLE:
        if after.get(name) != now[name]:
            reasons.append(
                {"code": "field_changed", "field": name, "detail": f"The survivor's {name} changed since the merge."}
            )
    gone = await moves.missing(session, moved=record.snapshot["moved"], owner=survivor.id)
    for kind, ids in gone.items():
        reasons.append(
            {
                "code": "record_gone",
                "kind": kind,
                "ids": ids,
                "detail": f"{len(ids)} moved record(s) of kind {kind} are no longer on the survivor's file.",
            }
        )
    transferred = await followers.transferred(session, moved=record.snapshot["moved"], survivor_id=survivor.id)
    if transferred:
        reasons.append(
            {
                "code": "case_transferred",
                "ids": transferred,
                "detail": f"{len(transferred)} case(s) of the merged file were transferred to another desk "
                "since the merge, with a copy of the survivor's file that the unmerge cannot take back.",
            }
        )
    return reasons


async def unmerge(
    session: AsyncSession, *, actor: Actor, merge_id: uuid.UUID, note: str | None = None
) -> RegistrantMerge:
    """Undo a merge: both files as they were before it (fields and records), audited
    ``registrant.unmerge`` on both (the diff masked; its values and ``note``, why, optional, in
    each file's erasable payload); ``note`` is also appended to the record's ``note``. Versions
    go on increasing (an ETag is never reused).

    Raises ``MergeNotFound`` (404), ``MergeApprovalRequired`` (403: an agent at a desk requiring
    approval), ``MergeNotInForce`` (409: not merged, e.g. already unmerged) and ``UnmergeRefused``
    (409 with ``reasons``: a file was erased, the survivor was merged on, a field of the survivor
    changed since, a moved record was removed or moved on, a case given back was transferred to
    another desk). The records attached since to a case or an appointment given back go back with
    it (:func:`app.merges.followers.find`), recorded in the snapshot's ``followed``.
    """
    record = await merges.get(session, actor=actor, merge_id=merge_id, lock=True)
    if record.status != "merged":
        raise MergeNotInForce(
            f"This merge is {record.status}: there is nothing to undo.",
            detail_fr=f"Cette fusion est « {record.status} » : rien à défaire.",
            status_now=record.status,
        )
    first, second = sorted((record.survivor_id, record.merged_id))
    loaded = {first: await merges.load_file(session, actor=actor, registrant_id=first)}
    loaded[second] = await merges.load_file(session, actor=actor, registrant_id=second)
    survivor, merged = loaded[record.survivor_id], loaded[record.merged_id]
    if actor.role == "agent" and await merges.approval_required(session, survivor, merged):
        approval.require_supervisor(actor, "undo")
    reasons = await _unmerge_reasons(session, record, survivor)
    if reasons:
        raise UnmergeRefused(
            "This merge cannot be undone exactly: " + "; ".join(r["detail"] for r in reasons),
            detail_fr="Cette fusion ne peut pas être défaite à l'identique ; voir `reasons`.",
            reasons=reasons,
        )
    followed = await followers.find(session, moved=record.snapshot["moved"], survivor_id=survivor.id)
    before_audit = prepare.snapshot(survivor)
    merges.restore_fields(survivor, record.snapshot["survivor_before"])
    prepare.set_keys(survivor)
    survivor.updated_at = merged.updated_at = utcnow()
    merged.merged_into_id = None
    await session.flush()
    await moves.move(session, moved=record.snapshot["moved"], to=merged, source=survivor.id, positions=True)
    await moves.move(session, moved=followed, to=merged)
    survivor = await merges.load_file(session, actor=actor, registrant_id=survivor.id)
    merged = await merges.load_file(session, actor=actor, registrant_id=merged.id)
    await match_keys.replace(session, survivor)
    await match_keys.replace(session, merged)
    record.status, record.unmerged_by, record.unmerged_at = "unmerged", actor.user_id, utcnow()
    if note:
        record.note = f"{record.note}\n{note}" if record.note else note
    record.snapshot = {**record.snapshot, "followed": followed}
    await session.flush()
    restored = moves.counts(record.snapshot["moved"])
    for one, changes in (
        (survivor, audit.diff(before_audit, prepare.snapshot(survivor), sensitive=prepare.SENSITIVE)),
        (merged, {}),
    ):
        # The values and the note (why: about the people) go to the file's erasable payload.
        personal = {**({"changes": changes} if changes else {}), **({"note": note} if note else {})}
        await audit.record(
            session,
            actor=actor,
            action="registrant.unmerge",
            entity_type="registrant",
            entity_id=one.id,
            desk_id=one.desk_id,
            details={
                "merge_id": str(record.id),
                "survivor_id": str(survivor.id),
                "changes": rectification.masked(changes),
                "moved": restored,
                "followed": followers.counts(followed),
                "note_given": note is not None,
            },
            personal=personal or None,
            subject_id=one.id,
        )
    return record
