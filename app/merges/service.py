"""Merging two registrant files of one person (one survivor), and undoing it.

The rules:

* the actor must see both files' desks (else 404, as for any file of another desk); the two files
  must differ (422), neither may already be merged (409 ``registrant-merged``), be anonymised (409
  ``registrant-erased``: an erased file must not take a person's values, nor give its records to
  a named person) or be in a merge awaiting approval (409 ``merge-pending``);
* the request names the ETag it read of each file (428 without, 412 when stale) and chooses, for
  every field whose values differ, which file's value the survivor keeps (422
  ``merge-choices-missing`` naming each unchosen field); a restricted field (``residence_status``)
  may only be taken from the merged file by a supervisor or administrator (403 ``restricted-field``);
* the survivor may not end with more phones or identity documents than the API accepts (409
  ``merge-too-many-values``, :mod:`app.merges.limits`);
* an agent's merge at a desk with ``merge_requires_approval`` is only proposed: a supervisor or
  administrator of both desks approves it (while both files are at the versions it was proposed
  on) or rejects it; supervisors and administrators merge directly;
* merging moves the merged file's phones, identity documents, uploaded documents, consents, cases
  (with their notes and referrals), appointments, messages, disclosures, subject requests, legal
  holds, self-service accounts and link codes, and its notification preference (when the survivor
  has none) to the survivor (:mod:`app.merges.moves`); the merged file keeps its number and its
  match keys, through which search and the duplicate check find the survivor, and answers a GET
  with ``301`` to the survivor, anything else with 409 ``registrant-merged``;
* an unmerge (:mod:`app.merges.unmerge`) puts back every field and record, with what was attached
  since to a case or appointment it gives back (:mod:`app.merges.followers`), refused (409
  ``unmerge-refused``, with each reason) when something changed since that cannot be undone
  without losing work.

Every step is audited in the same transaction: ``registrant.merge_preview`` (the preview reads
both files), ``registrant.merge_propose``/``merge_reject``, ``registrant.merge`` (survivor, with
the field diff masked and the records moved), ``registrant.merged`` (the merged file),
``registrant.unmerge`` (both files). The values of the diff, the merged file's registration number
and the unmerge's note identify the person: they go to each event's erasable payload
(``personal``, :func:`app.audit.service.record`), under the file the event is about.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm.exc import StaleDataError

from app.audit import service as audit
from app.core.context import Actor
from app.core.db import utcnow
from app.core.errors import NotFound, PreconditionFailed, PreconditionRequired
from app.core.http import etag_of, require_if_match
from app.core.ids import new_id
from app.core.pagination import paginate
from app.desks.models import Desk
from app.merges import limits, moves
from app.merges.errors import (
    MergeChoicesMissing,
    MergeNotFound,
    MergePending,
    MergeWithItself,
)
from app.merges.models import RegistrantMerge
from app.merges.schemas import MERGEABLE, FieldConflict, FileRef, MergeCreate, MergeOut, MergePreview
from app.privacy import rectification
from app.privacy.errors import RegistrantErased
from app.registrants import keys as match_keys
from app.registrants import lock_order, prepare, repository
from app.registrants.errors import RestrictedField, merged_into
from app.registrants.models import Registrant

_DATES = frozenset({"arrival_date"})

FILE_FR = {"survivor": "dossier conservé", "merged": "dossier à fusionner"}
"""The two files of a merge as the merge screen names them."""


def _dump(value: Any) -> Any:
    return value.isoformat() if isinstance(value, dt.date) else value


def fields_of(registrant: Registrant) -> dict[str, Any]:
    """The mergeable fields of ``registrant`` as JSON values (dates as ISO 8601 text)."""
    return {f: _dump(getattr(registrant, f)) for f in MERGEABLE}


def restore_fields(registrant: Registrant, values: Mapping[str, Any]) -> None:
    """Set ``registrant``'s fields from :func:`fields_of` values (ISO dates back to dates)."""
    for name, value in values.items():
        if name in _DATES and value is not None:
            value = dt.date.fromisoformat(value)
        setattr(registrant, name, value)


async def load_file(session: AsyncSession, *, actor: Actor, registrant_id: uuid.UUID) -> Registrant:
    """A file with phones, documents and consents, locked and read afresh, merged or not;
    ``NotFound`` (404) when unknown or of a desk the actor does not see."""
    stmt = repository.with_children(select(Registrant).where(Registrant.id == registrant_id))
    stmt = stmt.with_for_update(of=Registrant).execution_options(populate_existing=True)
    registrant: Registrant | None = (await session.execute(stmt)).unique().scalar_one_or_none()
    if registrant is None or not actor.can_see_desk(registrant.desk_id):
        raise NotFound(f"No registrant {registrant_id}.", detail_fr=f"Aucune personne {registrant_id}.")
    return registrant


async def load_pair(
    session: AsyncSession, *, actor: Actor, survivor_id: uuid.UUID, merged_id: uuid.UUID
) -> tuple[Registrant, Registrant]:
    """Both files, locked in id order (two concurrent merges never wait on each other in a cycle).

    Raises ``MergeWithItself`` (422), ``NotFound`` (404), ``RegistrantMerged`` and
    ``RegistrantErased`` (409, naming the ``file``)."""
    if survivor_id == merged_id:
        raise MergeWithItself(
            "A file cannot be merged with itself.", detail_fr="Un dossier ne peut pas être fusionné avec lui-même."
        )
    first, second = sorted((survivor_id, merged_id))
    loaded = {first: await load_file(session, actor=actor, registrant_id=first)}
    loaded[second] = await load_file(session, actor=actor, registrant_id=second)
    survivor, merged = loaded[survivor_id], loaded[merged_id]
    for registrant in (survivor, merged):
        if registrant.merged_into_id is not None:
            raise merged_into(registrant.merged_into_id)
    for name, registrant in (("survivor", survivor), ("merged", merged)):
        if registrant.anonymised_at is not None:  # nothing identifying left: a merge would name it again
            raise RegistrantErased(
                f"The {name} file was anonymised: it cannot be merged.",
                detail_fr=f"Le {FILE_FR[name]} a été anonymisé : il ne peut pas être fusionné.",
                file=name,
                registrant_id=str(registrant.id),
                anonymised_at=registrant.anonymised_at.isoformat(),
            )
    return survivor, merged


def conflicts(survivor: Registrant, merged: Registrant, actor: Actor) -> list[FieldConflict]:
    """The mergeable fields whose values differ (the restricted fields' values,
    :data:`app.registrants.prepare.SENSITIVE`, null for a role that may not read them)."""
    mine, theirs = fields_of(survivor), fields_of(merged)
    out = []
    for name in MERGEABLE:
        if mine[name] == theirs[name]:
            continue
        hidden = name in prepare.SENSITIVE and not actor.reads_sensitive
        shown = (None, None) if hidden else (mine[name], theirs[name])
        out.append(FieldConflict.model_validate({"field": name, "survivor": shown[0], "merged": shown[1]}))
    return out


async def approval_required(session: AsyncSession, survivor: Registrant, merged: Registrant) -> bool:
    """Whether either file's desk wants a supervisor to approve an agent's merge."""
    stmt = select(Desk.merge_requires_approval).where(Desk.id.in_({survivor.desk_id, merged.desk_id}))
    return any((await session.execute(stmt)).scalars().all())


def _ref(registrant: Registrant) -> FileRef:
    return FileRef(
        id=registrant.id,
        registration_number=registrant.registration_number,
        desk_id=registrant.desk_id,
        etag=etag_of(registrant.version),
    )


async def preview(session: AsyncSession, *, actor: Actor, survivor_id: uuid.UUID, merged_id: uuid.UUID) -> MergePreview:
    """The conflicts and moves of merging ``merged_id`` into ``survivor_id`` (nothing changes).

    Audited ``registrant.merge_preview`` on both files (it shows their values). Raises
    ``NotFound``, ``MergeWithItself`` (422), ``RegistrantMerged`` and ``RegistrantErased`` (409).
    """
    survivor, merged = await load_pair(session, actor=actor, survivor_id=survivor_id, merged_id=merged_id)
    planned = await moves.plan(session, survivor=survivor, merged=merged)
    for one, other in ((survivor, merged), (merged, survivor)):
        await audit.record(
            session,
            actor=actor,
            action="registrant.merge_preview",
            entity_type="registrant",
            entity_id=one.id,
            desk_id=one.desk_id,
            details={"with": str(other.id), "survivor": str(survivor.id)},
        )
    return MergePreview(
        survivor=_ref(survivor),
        merged=_ref(merged),
        conflicts=conflicts(survivor, merged, actor),
        moves=moves.counts(planned),
        over_limit=limits.over_limit(survivor, planned),
        approval_required=actor.role == "agent" and await approval_required(session, survivor, merged),
    )


def check_etag(name: str, etag: str | None, registrant: Registrant) -> None:
    """``etag`` must be ``registrant``'s, the ``name`` file (``survivor`` or ``merged``): raises
    ``PreconditionRequired`` (428) when missing, ``PreconditionFailed`` (412, ``current_etag``) when
    stale, both naming the ``file``."""
    try:
        require_if_match(etag, registrant.version)
    except PreconditionRequired as exc:
        raise PreconditionRequired(
            f"Send {name}_etag: the ETag of your last read of the {name} file.",
            detail_fr=f"La fusion ne dit pas quelle version du {FILE_FR[name]} vous avez ouverte : rouvrez les "
            "deux dossiers, puis refaites la fusion.",
            file=name,
        ) from exc
    except PreconditionFailed as exc:
        raise PreconditionFailed(
            f"The {name} file changed since you read it (now {etag_of(registrant.version)}); read it again.",
            detail_fr=f"Le {FILE_FR[name]} a changé depuis que vous l'avez ouvert ; rouvrez-le.",
            file=name,
            current_etag=etag_of(registrant.version),
        ) from exc


def _check_choices(actor: Actor, found: list[FieldConflict], choices: Mapping[Any, str]) -> None:
    missing = [c.field for c in found if c.field not in choices]
    if missing:
        raise MergeChoicesMissing(
            f"Choose which file's value the survivor keeps for: {', '.join(missing)}.",
            detail_fr=f"Choisissez la valeur conservée pour : {', '.join(missing)}.",
            missing=missing,
            conflicts=[c.model_dump(mode="json") for c in found if c.field in missing],
        )
    taken = sorted(n for n in prepare.SENSITIVE if choices.get(n) == "merged")
    if taken and not actor.reads_sensitive:
        raise RestrictedField(
            f"Only a supervisor or an administrator may take {taken[0]} from the merged file.",
            detail_fr=f"Seul un superviseur ou un administrateur peut reprendre {taken[0]} du dossier fusionné.",
            field=taken[0],
        )


async def _pending(session: AsyncSession, ids: tuple[uuid.UUID, uuid.UUID]) -> RegistrantMerge | None:
    stmt = select(RegistrantMerge).where(
        RegistrantMerge.status == "proposed",
        or_(RegistrantMerge.survivor_id.in_(ids), RegistrantMerge.merged_id.in_(ids)),
    )
    return (await session.execute(stmt.limit(1))).scalar_one_or_none()


async def create(session: AsyncSession, *, actor: Actor, data: MergeCreate) -> RegistrantMerge:
    """Merge ``data.merged_id`` into ``data.survivor_id``, or propose it (status ``proposed``) when
    the actor is an agent and either desk requires approval. Errors: see the module docstring."""
    survivor, merged = await load_pair(session, actor=actor, survivor_id=data.survivor_id, merged_id=data.merged_id)
    check_etag("survivor", data.survivor_etag, survivor)
    check_etag("merged", data.merged_etag, merged)
    pending = await _pending(session, (survivor.id, merged.id))
    if pending is not None:
        raise MergePending(
            "One of these files is already in a merge awaiting approval.",
            detail_fr="L'un de ces dossiers est déjà dans une fusion en attente de validation.",
            merge_id=str(pending.id),
        )
    found = conflicts(survivor, merged, actor)
    _check_choices(actor, found, data.choices)
    planned = await moves.plan(session, survivor=survivor, merged=merged)
    limits.check(survivor, planned)
    record = RegistrantMerge(
        id=new_id(),
        survivor_id=survivor.id,
        merged_id=merged.id,
        desk_id=survivor.desk_id,
        status="proposed",
        choices={c.field: data.choices[c.field] for c in found},
        survivor_version=survivor.version,
        merged_version=merged.version,
        snapshot={},
        note=data.note,
        proposed_by=actor.user_id,
        proposed_at=utcnow(),
    )
    session.add(record)
    if actor.role == "agent" and await approval_required(session, survivor, merged):
        await session.flush()
        await audit.record(
            session,
            actor=actor,
            action="registrant.merge_propose",
            entity_type="registrant_merge",
            entity_id=record.id,
            desk_id=survivor.desk_id,
            details={"survivor_id": str(survivor.id), "merged_id": str(merged.id), "choices": record.choices},
        )
        return record
    await execute(session, actor=actor, record=record, survivor=survivor, merged=merged, planned=planned)
    return record


async def execute(
    session: AsyncSession,
    *,
    actor: Actor,
    record: RegistrantMerge,
    survivor: Registrant,
    merged: Registrant,
    planned: dict[str, list[Any]],
) -> None:
    """Carry out ``record`` as ``planned`` (a :func:`moves.plan` of the two files, within the limits)."""
    phones_from, documents_from = moves.next_positions(survivor)
    before, before_audit = fields_of(survivor), prepare.snapshot(survivor)
    merged_fields = fields_of(merged)
    restore_fields(survivor, {name: merged_fields[name] for name, side in record.choices.items() if side == "merged"})
    prepare.set_keys(survivor)
    survivor.updated_at = merged.updated_at = utcnow()  # both files get a new version
    merged.merged_into_id = survivor.id
    try:
        await session.flush()
    except StaleDataError as exc:
        raise PreconditionFailed(
            "A file changed while it was being merged; read both again.",
            detail_fr="Un dossier a changé pendant la fusion ; relisez les deux.",
        ) from exc
    await moves.move(
        session, moved=planned, to=survivor, source=merged.id, phones_from=phones_from, documents_from=documents_from
    )
    survivor = await load_file(session, actor=actor, registrant_id=survivor.id)
    await match_keys.replace(session, survivor)
    # the merged file keeps its match keys: search and the duplicate check find the survivor by
    # them (app.registrants.repository.with_survivors, app.registrants.keys.block)
    record.status = "merged"
    record.decided_by, record.decided_at = actor.user_id, utcnow()
    record.snapshot = {
        "survivor_before": before,
        "merged_before": merged_fields,
        "survivor_after": fields_of(survivor),
        "moved": planned,
    }
    await session.flush()
    moved = moves.counts(planned)
    changes = audit.diff(before_audit, prepare.snapshot(survivor), sensitive=prepare.SENSITIVE)
    # The values identify the person: in each file's erasable payload, never in the chain.
    await audit.record(
        session,
        actor=actor,
        action="registrant.merge",
        entity_type="registrant",
        entity_id=survivor.id,
        desk_id=survivor.desk_id,
        details={
            "merge_id": str(record.id),
            "merged_id": str(merged.id),
            "choices": record.choices,
            "changes": rectification.masked(changes),
            "moved": moved,
        },
        personal={"changes": changes},
        subject_id=survivor.id,
    )
    await audit.record(
        session,
        actor=actor,
        action="registrant.merged",
        entity_type="registrant",
        entity_id=merged.id,
        desk_id=merged.desk_id,
        details={"merge_id": str(record.id), "survivor_id": str(survivor.id), "moved": moved},
        personal={"registration_number": merged.registration_number},
        subject_id=merged.id,
    )


async def get(session: AsyncSession, *, actor: Actor, merge_id: uuid.UUID, lock: bool = False) -> RegistrantMerge:
    """One merge record whose files' desks the actor sees; ``MergeNotFound`` (404) otherwise.
    ``lock``: both files locked ``FOR UPDATE`` (id order), then the record, until the transaction
    ends (:mod:`app.registrants.lock_order`)."""
    stmt = select(RegistrantMerge).where(RegistrantMerge.id == merge_id)
    if lock:  # both files first, then the record (app.registrants.lock_order)
        pair = select(RegistrantMerge.survivor_id, RegistrantMerge.merged_id).where(RegistrantMerge.id == merge_id)
        await lock_order.lock_files(session, (await session.execute(pair)).one_or_none() or (), update=True)
        stmt = stmt.with_for_update().execution_options(populate_existing=True)
    record = (await session.execute(stmt)).scalar_one_or_none()
    if record is None:
        raise MergeNotFound("No such merge.", detail_fr="Fusion introuvable.")
    desks = (
        await session.execute(
            select(Registrant.desk_id).where(Registrant.id.in_({record.survivor_id, record.merged_id}))
        )
    ).scalars()
    if not all(actor.can_see_desk(d) for d in desks):
        raise MergeNotFound("No such merge.", detail_fr="Fusion introuvable.")
    return record


async def read(session: AsyncSession, *, actor: Actor, merge_id: uuid.UUID) -> RegistrantMerge:
    """One merge record; the read is audited ``registrant.merge_read`` (the record names both
    files by their registration numbers, and its note may speak of the person). Raises
    ``MergeNotFound`` (404)."""
    record = await get(session, actor=actor, merge_id=merge_id)
    await audit.record(
        session,
        actor=actor,
        action="registrant.merge_read",
        entity_type="registrant_merge",
        entity_id=record.id,
        desk_id=record.desk_id,
        details={"survivor_id": str(record.survivor_id), "merged_id": str(record.merged_id)},
    )
    return record


async def listing(
    session: AsyncSession,
    *,
    actor: Actor,
    status: str | None,
    cursor: str | None,
    limit: int,
    registrant_id: uuid.UUID | None = None,
) -> tuple[list[RegistrantMerge], str | None]:
    """A page of the merges of the actor's desks (by the survivor's desk), newest proposed first,
    optionally of one ``status`` and of one file ``registrant_id`` (as survivor or merged file),
    and the next page's cursor (``None``: no more). Audited ``registrant.merge_list`` with the ids
    of the files listed. Raises ``BadRequest`` for a cursor this API did not issue."""
    stmt = select(RegistrantMerge)
    if actor.desk_ids is not None:
        stmt = stmt.where(RegistrantMerge.desk_id.in_(list(actor.desk_ids)))
    if status:
        stmt = stmt.where(RegistrantMerge.status == status)
    if registrant_id is not None:
        stmt = stmt.where(or_(RegistrantMerge.survivor_id == registrant_id, RegistrantMerge.merged_id == registrant_id))
    keys = [RegistrantMerge.proposed_at, RegistrantMerge.id]
    rows, next_cursor = await paginate(session, stmt, keys=keys, cursor=cursor, limit=limit, descending=True)
    files = sorted({str(i) for r in rows for i in (r.survivor_id, r.merged_id)})
    await audit.record(
        session,
        actor=actor,
        action="registrant.merge_list",
        entity_type="registrant_merge",
        details={"status": status, "merges": len(rows), "registrant_ids": files},
    )
    return list(rows), next_cursor


async def present(session: AsyncSession, records: Sequence[RegistrantMerge]) -> list[MergeOut]:
    """The API's view of merge ``records``, in order, each naming both files by their registration
    number (read in one query: a merged file's own read answers 301)."""
    ids = {r.survivor_id for r in records} | {r.merged_id for r in records}
    stmt = select(Registrant.id, Registrant.registration_number).where(Registrant.id.in_(ids))
    numbers: dict[uuid.UUID, str] = {row[0]: row[1] for row in await session.execute(stmt)} if ids else {}
    out = []
    for record in records:
        one = MergeOut.model_validate(record)
        one.moved = moves.counts(record.snapshot.get("moved", {})) if record.snapshot else {}
        if "followed" in (record.snapshot or {}):
            one.followed = {kind: len(kept) for kind, kept in record.snapshot["followed"].items()}
        one.survivor_registration_number = numbers.get(record.survivor_id)
        one.merged_registration_number = numbers.get(record.merged_id)
        out.append(one)
    return out
