"""Moving a merged file's records to the survivor, and back (the rows, not their contents).

Records are moved by changing the column that names their registrant; nothing is copied or
deleted, so ids, history and audit trails stay valid. A phone, identity document or uploaded
document the survivor already has (same number, same type and number, same live file) stays on the
merged file: the survivor's copy is kept, and the unmerge finds both as they were. A moved record
that has a version (a case, an appointment) gets the next one: its read now names another
registrant, so an ETag read before the move is stale (412).
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from app.appointments.models import Appointment
from app.cases.models import Case
from app.core.db import next_version
from app.documents.models import Document
from app.notifications.models import Notification, NotificationPreference
from app.privacy.models import Disclosure, LegalHold, SubjectRequest
from app.registrants.models import Consent, IdentityDocument, Registrant, RegistrantPhone
from app.registrants.prepare import phone_key
from app.selfservice.models import LinkCode, PersonAccount

# kind → (model, column naming the registrant); uploaded documents are handled on their own.
_MOVED_WHOLE: dict[str, tuple[Any, Any]] = {
    "consents": (Consent, Consent.registrant_id),
    "cases": (Case, Case.registrant_id),
    "appointments": (Appointment, Appointment.registrant_id),
    "disclosures": (Disclosure, Disclosure.registrant_id),
    "subject_requests": (SubjectRequest, SubjectRequest.registrant_id),
    "legal_holds": (LegalHold, LegalHold.registrant_id),
    "notifications": (Notification, Notification.registrant_id),
    "person_accounts": (PersonAccount, PersonAccount.registrant_id),
    "link_codes": (LinkCode, LinkCode.registrant_id),
}
KINDS = ("phones", "identity_documents", "documents", *_MOVED_WHOLE, "notification_preferences", "redirects")
"""Every kind of record a merge moves: ``person_accounts`` are the self-service accounts linked to
the merged file (the person signs in and sees the survivor; both files' accounts end linked to it),
``link_codes`` the link codes issued for it (one handed over but not yet typed links to the
survivor); ``notification_preferences`` is the merged file's chosen channel and language (its id
as text), moved only when the survivor has none (else the survivor's stays and the merged file
keeps its own); ``redirects`` are files merged earlier into the merged file, repointed to the
survivor so a merged number always resolves in one step. A merge recorded before a kind was added
has no list of it in its snapshot: read with ``moved.get(kind, [])``."""


def _positions(rows: Sequence[RegistrantPhone] | Sequence[IdentityDocument]) -> int:
    return max((r.position for r in rows), default=-1) + 1


async def _ids(session: AsyncSession, stmt: Any) -> list[Any]:
    return [str(v) if isinstance(v, uuid.UUID) else v for v in (await session.execute(stmt)).scalars().all()]


async def plan(session: AsyncSession, *, survivor: Registrant, merged: Registrant) -> dict[str, list[Any]]:
    """The ids of the records a merge of ``merged`` into ``survivor`` moves, per kind of :data:`KINDS`
    (phones and identity documents as ``[id, position]``). Both files' phones and documents loaded."""
    have_phones = {phone_key(p) for p in survivor.phones}
    have_docs = {(d.doc_type, d.number) for d in survivor.documents}
    out: dict[str, list[Any]] = {
        "phones": [[p.id, p.position] for p in merged.phones if phone_key(p) not in have_phones],
        "identity_documents": [[d.id, d.position] for d in merged.documents if (d.doc_type, d.number) not in have_docs],
    }
    survivor_files = select(Document.sha256).where(
        Document.owner_type == "registrant", Document.owner_id == survivor.id, Document.deleted_at.is_(None)
    )
    out["documents"] = await _ids(
        session,
        select(Document.id)
        .where(Document.owner_type == "registrant", Document.owner_id == merged.id)
        .where((Document.deleted_at.is_not(None)) | Document.sha256.not_in(survivor_files))
        .order_by(Document.id),
    )
    for kind, (model, column) in _MOVED_WHOLE.items():
        out[kind] = await _ids(session, select(model.id).where(column == merged.id).order_by(model.id))
    preferences = select(NotificationPreference.registrant_id)
    have = (await session.execute(preferences.where(NotificationPreference.registrant_id == survivor.id))).first()
    theirs = (await session.execute(preferences.where(NotificationPreference.registrant_id == merged.id))).first()
    out["notification_preferences"] = [str(merged.id)] if theirs is not None and have is None else []
    out["redirects"] = await _ids(
        session, select(Registrant.id).where(Registrant.merged_into_id == merged.id).order_by(Registrant.id)
    )
    return out


async def move(
    session: AsyncSession,
    *,
    moved: dict[str, list[Any]],
    to: Registrant,
    source: uuid.UUID | None = None,
    phones_from: int = 0,
    documents_from: int = 0,
    positions: bool = False,
) -> None:
    """Give every record of ``moved`` (a :func:`plan`, or some of its kinds) to ``to``, from the
    file ``source`` (needed only for ``notification_preferences``: that row is named by its file).

    Phones and identity documents are numbered on from ``phones_from``/``documents_from`` (after
    the survivor's own), or, with ``positions``, put back at the positions ``moved`` recorded.
    """
    for kind, model, start in (
        ("phones", RegistrantPhone, phones_from),
        ("identity_documents", IdentityDocument, documents_from),
    ):
        for offset, (row_id, position) in enumerate(moved.get(kind, [])):
            await session.execute(
                update(model)
                .where(model.id == row_id)
                .values(registrant_id=to.id, position=position if positions else start + offset)
                .execution_options(synchronize_session=False)
            )
    if moved.get("documents"):
        ids = [uuid.UUID(v) for v in moved["documents"]]
        await session.execute(
            update(Document)
            .where(Document.id.in_(ids))
            .values(owner_id=to.id)
            .execution_options(synchronize_session=False)
        )
    for kind, (model, column) in _MOVED_WHOLE.items():
        if moved.get(kind):
            await session.execute(
                update(model)
                .where(model.id.in_(_typed(kind, moved[kind])))
                .values({column.key: to.id, **next_version(model)})
                .execution_options(synchronize_session=False)
            )
    if moved.get("notification_preferences") and source is not None:
        await session.execute(
            update(NotificationPreference)
            .where(NotificationPreference.registrant_id == source)
            .values(registrant_id=to.id)
            .execution_options(synchronize_session=False)
        )
    if moved.get("redirects"):
        ids = [uuid.UUID(v) for v in moved["redirects"]]
        await session.execute(
            update(Registrant)
            .where(Registrant.id.in_(ids))
            .values(merged_into_id=to.id, **next_version(Registrant))
            .execution_options(synchronize_session=False)
        )


def _typed(kind: str, ids: list[Any]) -> list[Any]:
    """Ids as stored in a snapshot (JSON) back to their column's type: consents are numbered."""
    return list(ids) if kind == "consents" else [uuid.UUID(v) for v in ids]


def next_positions(registrant: Registrant) -> tuple[int, int]:
    """Where moved phones and identity documents start on ``registrant`` (after its own)."""
    return _positions(registrant.phones), _positions(registrant.documents)


async def missing(session: AsyncSession, *, moved: dict[str, list[Any]], owner: uuid.UUID) -> dict[str, list[Any]]:
    """The moved records that are no longer ``owner``'s (deleted, replaced or moved on since), per kind."""
    out: dict[str, list[Any]] = {}
    checks: list[tuple[str, Any, Any, list[Any]]] = [
        ("phones", RegistrantPhone.id, RegistrantPhone.registrant_id, [p[0] for p in moved["phones"]]),
        (
            "identity_documents",
            IdentityDocument.id,
            IdentityDocument.registrant_id,
            [d[0] for d in moved["identity_documents"]],
        ),
        ("documents", Document.id, Document.owner_id, [uuid.UUID(v) for v in moved["documents"]]),
        ("redirects", Registrant.id, Registrant.merged_into_id, [uuid.UUID(v) for v in moved["redirects"]]),
        # the preference is named by its file: moved back, the survivor's row is the one moved
        (
            "notification_preferences",
            NotificationPreference.registrant_id,
            NotificationPreference.registrant_id,
            [owner] if moved.get("notification_preferences") else [],
        ),
    ]
    for kind, (model, column) in _MOVED_WHOLE.items():
        checks.append((kind, model.id, column, _typed(kind, moved.get(kind, []))))
    for kind, id_column, owner_column, ids in checks:
        if not ids:
            continue
        still = set(
            (await session.execute(select(id_column).where(id_column.in_(ids), owner_column == owner))).scalars().all()
        )
        gone = [str(i) if isinstance(i, uuid.UUID) else i for i in ids if i not in still]
        if gone:
            out[kind] = gone
    return out


def counts(moved: dict[str, list[Any]]) -> dict[str, int]:
    """How many records of each kind ``moved`` holds."""
    return {kind: len(moved.get(kind, [])) for kind in KINDS}
