"""Documents: record an upload, read, list, soft-delete, purge, and collect orphaned objects.

Uploads never hold a database transaction while bytes flow (SQLite serialises writers with
``BEGIN IMMEDIATE``): the router streams to a spool file first (:mod:`app.documents.multipart`),
:func:`prepare` strips metadata and hashes the stored bytes, the storage backend puts the object,
and only then :func:`record_upload` writes the row and its audit event in one short transaction.
If that transaction fails, :func:`discard_object` removes the object it had just created.
Since rows are written after their object exists and removed before it, no row ever points to a
missing object; an object without a row is removed by :func:`collect_garbage` after a grace period.

Errors: ``NotFound`` (404, also across desks), the problems of :mod:`app.documents.errors`.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import hashlib
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.audit import service as audit
from app.cases import timeline
from app.core.context import Actor
from app.core.db import utcnow
from app.core.errors import NotFound
from app.core.http import check_if_match
from app.core.pagination import paginate
from app.documents import owners
from app.documents.content import strip_metadata, with_extension
from app.documents.models import Document
from app.documents.multipart import ReceivedUpload
from app.documents.storage import Storage, key_for


@dataclass(frozen=True)
class PreparedFile:
    """The bytes to store: spool path, size, SHA-256 and whether metadata was stripped."""

    path: Path
    size: int
    sha256: str
    metadata_stripped: bool


def _hash_file(path: Path) -> tuple[int, str]:
    digest = hashlib.sha256()
    size = 0
    with path.open("rb") as fh:
        while chunk := fh.read(1 << 20):
            digest.update(chunk)
            size += len(chunk)
    return size, digest.hexdigest()


async def prepare(upload: ReceivedUpload, *, strip: bool, max_pixels: int, strip_pdf: bool = True) -> PreparedFile:
    """Strip image metadata if ``strip``, and PDF metadata if ``strip`` and ``strip_pdf`` (a new
    spool file replaces the received one).

    Returns the stored bytes' size and SHA-256 (of the stripped file when stripped, else the
    received digest). Raises ``UnreadableDocument`` (422); the spool files are removed on error.
    """
    is_pdf = upload.media_type == "application/pdf"
    if not strip or not (upload.media_type.startswith("image/") or (is_pdf and strip_pdf)):
        return PreparedFile(upload.path, upload.size, upload.sha256, metadata_stripped=False)
    target = upload.path.with_suffix(".clean")
    try:
        await asyncio.to_thread(
            strip_metadata, upload.path, target, media_type=upload.media_type, max_pixels=max_pixels
        )
        size, sha = await asyncio.to_thread(_hash_file, target)
    except BaseException:
        target.unlink(missing_ok=True)
        raise
    finally:
        upload.path.unlink(missing_ok=True)
    return PreparedFile(target, size, sha, metadata_stripped=True)


async def record_upload(
    session: AsyncSession,
    *,
    actor: Actor,
    owner: owners.Owner,
    upload: ReceivedUpload,
    stored: PreparedFile,
    kind: str,
    description: str | None,
) -> tuple[Document, bool]:
    """Write the document row and its ``document.upload`` audit event (flushes, never commits).

    Returns ``(document, created)``; when the owner already has a live document with the same
    stored SHA-256, that one is returned with ``created=False`` and nothing is written. Raises
    ``RegistrantErased`` (409) when the person's file was anonymised, also by an erasure committed
    while the upload streamed: checked here again, in the transaction writing the row, under a lock
    an erasure waits for (:func:`owners.hold_open`).
    """
    person = await owners.hold_open(session, owner)
    existing = await _live_duplicate(session, owner=owner, sha256=stored.sha256)
    if existing is not None:
        return existing, False
    filename = with_extension(upload.filename, upload.media_type)  # "" → document.pdf, "scan" → scan.pdf
    document = Document(
        owner_type=owner.type,
        owner_id=owner.id,
        kind=kind,
        description=description,
        original_filename=filename,
        media_type=upload.media_type,
        size_bytes=stored.size,
        sha256=stored.sha256,
        received_sha256=upload.sha256,
        metadata_stripped=stored.metadata_stripped,
        storage_key=key_for(stored.sha256),
        uploaded_by=actor.user_id,
    )
    try:
        async with session.begin_nested():  # on rollback, the savepoint also expunges the new row
            session.add(document)
            await session.flush()
    except IntegrityError:
        # A concurrent upload of the same bytes to the same owner won the race.
        existing = await _live_duplicate(session, owner=owner, sha256=stored.sha256)
        if existing is None:
            raise
        return existing, False
    await audit.record(
        session,
        actor=actor,
        action="document.upload",
        entity_type="document",
        entity_id=document.id,
        desk_id=owner.desk_id,
        details={
            "owner_type": owner.type,
            "owner_id": str(owner.id),
            "kind": kind,
            "media_type": document.media_type,
            "size_bytes": document.size_bytes,
            "sha256": document.sha256,
            "metadata_stripped": document.metadata_stripped,
            # the name as sent, when it said another type than the bytes (the row keeps the renamed
            # one): it may name the person, so it is one of their erasable values when it has one
            **({"filename_as_sent": upload.sent_filename} if upload.sent_filename and person is None else {}),
        },
        personal={"filename_as_sent": upload.sent_filename} if upload.sent_filename and person else None,
        subject_id=person,
    )
    if owner.type == "case":
        # The delete reason and description are free text: the timeline gets the kind only.
        await timeline.add_event(
            session,
            case_id=owner.id,
            kind="document_attached",
            actor=actor,
            details={"document_id": document.id, "kind": kind},
        )
    return document, True


async def _live_duplicate(session: AsyncSession, *, owner: owners.Owner, sha256: str) -> Document | None:
    stmt = select(Document).where(
        Document.owner_type == owner.type,
        Document.owner_id == owner.id,
        Document.sha256 == sha256,
        Document.deleted_at.is_(None),
    )
    return (await session.execute(stmt)).scalars().first()


async def discard_object(sessionmaker: async_sessionmaker[AsyncSession], storage: Storage, *, key: str) -> None:
    """Remove the object ``key`` unless a row references it (after a failed upload transaction)."""
    async with sessionmaker() as session:
        referenced = (await session.execute(select(Document.id).where(Document.storage_key == key).limit(1))).first()
        await session.rollback()
    if referenced is None:
        await storage.delete(key)


async def get(
    session: AsyncSession, *, actor: Actor, document_id: uuid.UUID, action: owners.DocumentAction
) -> tuple[Document, owners.Owner]:
    """A live document and its owner if the actor may do ``action`` to it (:func:`owners.resolve`):
    ``NotFound`` when it is missing, deleted or of a desk the actor does not see, ``Forbidden``
    when the actor's role may not do ``action`` to its owner's documents."""
    document = await session.get(Document, document_id)
    if document is None or document.deleted_at is not None:
        raise NotFound("No such document.", detail_fr="Document introuvable.")
    try:
        owner = await owners.resolve(
            session, actor=actor, owner_type=document.owner_type, owner_id=document.owner_id, action=action
        )
    except NotFound:
        raise NotFound("No such document.", detail_fr="Document introuvable.") from None
    return document, owner


async def read_metadata(session: AsyncSession, *, actor: Actor, document_id: uuid.UUID) -> Document:
    """A document's metadata, audited as ``document.read``."""
    document, owner = await get(session, actor=actor, document_id=document_id, action="read")
    await audit.record(
        session,
        actor=actor,
        action="document.read",
        entity_type="document",
        entity_id=document.id,
        desk_id=owner.desk_id,
    )
    return document


async def record_download(
    session: AsyncSession, *, actor: Actor, document_id: uuid.UUID, byte_range: tuple[int, int] | None
) -> Document:
    """Check access to a document's content and audit ``document.download`` (with the range)."""
    document, owner = await get(session, actor=actor, document_id=document_id, action="download")
    await audit.record(
        session,
        actor=actor,
        action="document.download",
        entity_type="document",
        entity_id=document.id,
        desk_id=owner.desk_id,
        details={"range": list(byte_range) if byte_range else None},
    )
    return document


async def list_page(
    session: AsyncSession, *, actor: Actor, owner_type: str, owner_id: uuid.UUID, cursor: str | None, limit: int
) -> tuple[list[Document], str | None]:
    """A page of the live documents of a registrant or case (``owner_type``), newest first, and the
    next cursor. The read is audited ``document.list`` on the owner (how many were listed: their
    file names and descriptions are the person's). Raises ``NotFound`` (404, also across desks,
    and then nothing is logged) and ``BadRequest`` for a cursor not issued here."""
    owner = await owners.resolve(session, actor=actor, owner_type=owner_type, owner_id=owner_id, action="list")
    stmt = select(Document).where(
        Document.owner_type == owner.type, Document.owner_id == owner.id, Document.deleted_at.is_(None)
    )
    rows, next_cursor = await paginate(
        session, stmt, keys=[Document.created_at, Document.id], cursor=cursor, limit=limit
    )
    await audit.record(
        session,
        actor=actor,
        action="document.list",
        entity_type=owner.type,
        entity_id=owner.id,
        desk_id=owner.desk_id,
        details={"documents": len(rows)},
    )
    return list(rows), next_cursor


def entity_tag(document: Document) -> str:
    """The document's strong ETag: the SHA-256 of its stored bytes, quoted (RFC 9110 §8.8.3)."""
    return f'"{document.sha256}"'


async def soft_delete(
    session: AsyncSession, *, actor: Actor, document_id: uuid.UUID, reason: str, if_match: str | None = None
) -> Document:
    """Mark a document deleted (supervisors and administrators); its bytes stay until purge.

    ``if_match`` (optional): the ETag of the document as the caller read it (:func:`entity_tag`);
    another one raises ``PreconditionFailed`` (412, with ``current_etag``) and nothing is deleted.
    """
    document, owner = await get(session, actor=actor, document_id=document_id, action="delete")
    check_if_match(if_match, entity_tag(document))
    document.deleted_at = utcnow()
    document.deleted_by = actor.user_id
    document.delete_reason = reason
    await session.flush()
    await audit.record(
        session,
        actor=actor,
        action="document.delete",
        entity_type="document",
        entity_id=document.id,
        desk_id=owner.desk_id,
        details={"reason": reason},
    )
    if owner.type == "case":
        await timeline.add_event(
            session, case_id=owner.id, kind="document_deleted", actor=actor, details={"document_id": document.id}
        )
    return document


async def purge(
    session: AsyncSession, *, actor: Actor, retention_days: int, now: dt.datetime | None = None
) -> list[str]:
    """Delete the rows soft-deleted more than ``retention_days`` ago, audited as ``document.purge``.

    Returns the storage keys no row references any more: the caller deletes those objects *after*
    committing, so a row never points to a missing object (a failed object deletion leaves an
    orphan for :func:`collect_garbage`).
    """
    cutoff = (now or utcnow()) - dt.timedelta(days=retention_days)
    stmt = select(Document).where(Document.deleted_at.is_not(None), Document.deleted_at < cutoff)
    expired = list((await session.execute(stmt)).scalars().all())
    keys = sorted({d.storage_key for d in expired})
    for document in expired:
        await audit.record(
            session,
            actor=actor,
            action="document.purge",
            entity_type="document",
            entity_id=document.id,
            details={"owner_type": document.owner_type, "owner_id": str(document.owner_id), "sha256": document.sha256},
        )
    if expired:
        await session.execute(delete(Document).where(Document.id.in_([d.id for d in expired])))
    still = set()
    if keys:
        rows = await session.execute(select(Document.storage_key).where(Document.storage_key.in_(keys)))
        still = set(rows.scalars().all())
    return [k for k in keys if k not in still]


@dataclass(frozen=True)
class GarbageReport:
    """What ``gc-storage`` found: orphaned objects and stale spool files (removed unless dry run)."""

    orphans: list[str]
    spool_files: list[str]
    kept_recent: int


async def collect_garbage(
    session: AsyncSession, storage: Storage, *, grace_seconds: int, dry_run: bool, now: dt.datetime | None = None
) -> GarbageReport:
    """Remove objects no row references and spool files, once older than ``grace_seconds``."""
    cutoff = (now or utcnow()) - dt.timedelta(seconds=grace_seconds)
    objects = await storage.list_objects()
    referenced: set[str] = set()
    keys = [k for k, _ in objects]
    for i in range(0, len(keys), 500):
        batch: Sequence[str] = keys[i : i + 500]
        rows = await session.execute(select(Document.storage_key).where(Document.storage_key.in_(batch)))
        referenced.update(rows.scalars().all())
    orphans = [k for k, mtime in objects if k not in referenced and mtime < cutoff]
    recent = sum(1 for k, mtime in objects if k not in referenced and mtime >= cutoff)
    spool = [
        p for p in storage.spool_dir.glob("upload-*") if dt.datetime.fromtimestamp(p.stat().st_mtime, dt.UTC) < cutoff
    ]
    if not dry_run:
        for key in orphans:
            await storage.delete(key)
        for path in spool:
            path.unlink(missing_ok=True)
    return GarbageReport(orphans=orphans, spool_files=[p.name for p in spool], kept_recent=recent)
