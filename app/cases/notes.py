"""Case notes: authored, timestamped, never edited.

Confidential notes (health, psychosocial, legal) are readable only by roles allowed sensitive
data (``Actor.reads_sensitive``: supervisors and administrators). Decision: an agent still sees
that a confidential note exists — its id, author and time, ``confidential: true`` and
``text: null`` — so they know to ask a supervisor, without reading it. Any staff member of the
desk may write a confidential note (an agent records what a person disclosed), even though they
cannot read it back. Reading notes is audited (``case_note.list``, with how many confidential
texts were shown).
"""

from __future__ import annotations

import uuid

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.audit import service as audit
from app.cases.models import Case, CaseNote
from app.cases.service import ensure_writable, get_visible
from app.cases.timeline import add_event
from app.core import client_ids
from app.core.context import Actor
from app.core.db import utcnow
from app.core.pagination import paginate

_NOTE_LOCATION = "/api/v1/cases/{record.case_id}/notes/{id}"
"""A note's URL: under the case it is on (a note taken on another case names that one)."""


async def _case_desk(session: AsyncSession, note: CaseNote) -> uuid.UUID | None:
    desk_id: uuid.UUID | None = await session.scalar(select(Case.desk_id).where(Case.id == note.case_id))
    return desk_id


async def add(
    session: AsyncSession,
    *,
    actor: Actor,
    case_id: uuid.UUID,
    text: str,
    confidential: bool,
    internal_assessment: bool = False,
    note_id: uuid.UUID | None = None,
) -> CaseNote:
    """Add a note to a case (closed cases too; not a transferred one: ``CaseReadOnly``, 409; not
    one of an anonymised file: ``RegistrantErased``, 409).
    ``note_id``: a client-generated id (offline); 409 ``id-taken`` when it is in use."""
    case = await get_visible(session, actor=actor, case_id=case_id, for_write=True)
    ensure_writable(case)
    note = CaseNote(
        id=await client_ids.new_id(
            session, CaseNote, note_id, location=_NOTE_LOCATION, actor=actor, desk_of=lambda n: _case_desk(session, n)
        ),
        case_id=case.id,
        author_id=actor.user_id,
        author_label=actor.email,
        text=text,
        confidential=confidential,
        internal_assessment=internal_assessment,
        created_at=utcnow(),
    )
    session.add(note)
    await session.flush()
    await add_event(
        session,
        case_id=case.id,
        kind="note_added",
        actor=actor,
        details={"note_id": note.id, "confidential": confidential},
    )
    await audit.record(
        session,
        actor=actor,
        action="case_note.create",
        entity_type="case_note",
        entity_id=note.id,
        desk_id=case.desk_id,
        details={"case_id": case.id, "confidential": confidential},
    )
    return note


async def page(
    session: AsyncSession, *, actor: Actor, case_id: uuid.UUID, cursor: str | None, limit: int
) -> tuple[list[CaseNote], str | None]:
    """A page of the case's notes, oldest first. The router hides confidential text per role."""
    case = await get_visible(session, actor=actor, case_id=case_id)
    notes, next_cursor = await paginate(
        session,
        select(CaseNote).where(CaseNote.case_id == case.id),
        keys=[CaseNote.created_at, CaseNote.id],
        cursor=cursor,
        limit=limit,
        descending=False,
    )
    confidential = sum(1 for n in notes if n.confidential)
    await audit.record(
        session,
        actor=actor,
        action="case_note.list",
        entity_type="case",
        entity_id=case.id,
        desk_id=case.desk_id,
        details={
            "notes": len(notes),
            "confidential_shown": confidential if actor.reads_sensitive else 0,
            "confidential_withheld": 0 if actor.reads_sensitive else confidential,
        },
    )
    return notes, next_cursor
