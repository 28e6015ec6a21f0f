"""The upload flow: stream to a spool file, check, store the object, then one short transaction.

No FastAPI import: the router hands over the body stream and headers. Phases:

1. resolve the owner in a short read transaction (404 before a byte is read);
2. stream the body to a spool file (:func:`~app.documents.multipart.receive_upload`) — no
   transaction is open meanwhile;
3. validate the text fields, strip image metadata, put the object at its content-addressed key;
4. one short transaction writes the row and the ``document.upload`` audit event; if it fails, the
   object this upload created is removed again.

On any failure (a problem, a client disconnect, a crash of a step) spool files are removed, so
nothing is left but, at worst, an orphaned object that ``gc-storage`` collects after its grace
period.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Final

from pydantic import ValidationError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.cases.catalogue_data import document_label
from app.core import reasons
from app.core.config import Settings
from app.core.context import Actor
from app.core.errors import ValidationFailed
from app.documents import owners, service
from app.documents.content import with_extension
from app.documents.errors import DocumentAlreadyOnFile
from app.documents.models import Document
from app.documents.multipart import UploadLimits, receive_upload
from app.documents.schemas import UploadFields
from app.documents.storage import Storage, key_for


@dataclass(frozen=True)
class Uploaded:
    """What became of an upload: the ``document`` holding the file, whether this upload ``created``
    it, and the form as sent (``kind``, ``description``, ``filename`` as a new row would name it) —
    when the owner already had the same file (``created`` false) these were not recorded."""

    document: Document
    created: bool
    kind: str
    description: str | None
    filename: str


_OTHER_KIND: Final = {"fr": "Autre document", "en": "Other document"}


def _kind_words(kind: str, language: str) -> str:
    """A document kind as staff read it (``passport`` → « Passeport » / “Passport”)."""
    return _OTHER_KIND[language] if kind == "other" else document_label(kind, language)


def require_same_form(held: Document, fields: UploadFields) -> None:
    """Refuse the same file sent again with another ``kind``, or with a ``description`` (not
    blank) other than the one held: nothing a person typed is dropped silently. A retry of the
    same form — same kind, same description or none — passes (the document held is the answer).

    Raises ``DocumentAlreadyOnFile`` (409) naming the document held (``document_id``, its file
    name) and its ``kind``, with the ``kind_sent``, in English and French."""
    sent = (fields.description or "").strip()
    other_kind = fields.kind != held.kind
    other_description = bool(sent) and sent != (held.description or "").strip()
    if not (other_kind or other_description):
        return
    kind_en, kind_fr = _kind_words(fields.kind, "en"), _kind_words(fields.kind, "fr")
    if other_kind and other_description:
        what_en, it_en = f"the kind “{kind_en}” and the description sent", "them"
        what_fr, it_fr = f"le type « {kind_fr} » et la description envoyée", "les changer"
    elif other_kind:
        what_en, it_en = f"the kind “{kind_en}”", "its kind"
        what_fr, it_fr = f"le type « {kind_fr} »", "changer son type"
    else:
        what_en, it_en = "the description sent", "it"
        what_fr, it_fr = "la description envoyée", "la changer"
    name = held.original_filename
    where_en, where_fr = ("the case", "le dossier") if held.owner_type == "case" else ("the person's file", "la fiche")
    raise DocumentAlreadyOnFile(
        f"This file is already in {where_en}: document “{name}” of kind “{_kind_words(held.kind, 'en')}”. "
        f"It was not recorded again with {what_en}; to change {it_en}, a supervisor deletes this document, "
        "then the file is uploaded again.",
        detail_fr=f"Ce fichier figure déjà dans {where_fr} : document « {name} » de type "
        f"« {_kind_words(held.kind, 'fr')} ». Il n'a pas été enregistré à nouveau avec {what_fr} ; pour "
        f"{it_fr}, un superviseur supprime ce document, puis le fichier est déposé à nouveau.",
        document_id=str(held.id),
        kind=held.kind,
        kind_sent=fields.kind,
    )


def limits_from(settings: Settings) -> UploadLimits:
    """The upload bounds configured in ``settings``."""
    return UploadLimits(
        max_bytes=settings.documents_max_bytes,
        max_parts=settings.documents_max_parts,
        max_field_bytes=settings.documents_max_field_bytes,
        allowed_types=list(settings.documents_allowed_types),
    )


def _fields(raw: dict[str, str]) -> UploadFields:
    try:
        return UploadFields.model_validate(raw)
    except ValidationError as exc:
        found = [reasons.entry(e, ["body", *e["loc"]]) for e in exc.errors()]
        raise ValidationFailed(
            "One or more form fields are invalid; see `errors`.",
            detail_fr="Un ou plusieurs champs du formulaire sont invalides ; voir `errors`.",
            errors=found,
        ) from None


async def upload(
    *,
    sessionmaker: async_sessionmaker[AsyncSession],
    storage: Storage,
    settings: Settings,
    actor: Actor,
    owner_type: str,
    owner_id: uuid.UUID,
    stream: AsyncIterator[bytes],
    content_type: str | None,
    content_length: str | None,
    owner: owners.Owner | None = None,
    refuse_other_form: bool = True,
) -> Uploaded:
    """Store one uploaded document for an owner; returns :class:`Uploaded`.

    ``created`` is False when the owner already had the same stored bytes (the existing document
    is returned and nothing is written). The same file sent again with another kind or description
    is ``DocumentAlreadyOnFile`` (409, :func:`require_same_form`); with ``refuse_other_form``
    false (self-service, whose answer says ``already_on_file``) the document held is returned and
    :class:`Uploaded` holds the form as sent for the answer to say it was not recorded. Raises
    ``Forbidden`` when the actor may not write the owner (:func:`owners.resolve`; skipped when the
    caller passes the ``owner`` it already resolved and authorised, as self-service does for a
    person's own file), ``NotFound`` for an unknown or foreign owner and the upload problems of
    :mod:`app.documents.errors`; commits its own short transaction.
    """
    if owner is None:
        async with sessionmaker() as session:
            owner = await owners.resolve(
                session, actor=actor, owner_type=owner_type, owner_id=owner_id, action="upload"
            )
            await session.rollback()

    received = await receive_upload(
        stream,
        content_type=content_type,
        content_length=content_length,
        limits=limits_from(settings),
        spool_dir=storage.spool_dir,
    )
    try:
        fields = _fields(received.fields)
        stored = await service.prepare(
            received,
            strip=settings.documents_strip_metadata,
            strip_pdf=settings.documents_strip_pdf_metadata,
            max_pixels=settings.documents_max_image_pixels,
        )
    except BaseException:
        received.path.unlink(missing_ok=True)
        raise
    key = key_for(stored.sha256)
    try:
        created_object = await storage.put(source=stored.path, key=key, media_type=received.media_type)
    finally:
        stored.path.unlink(missing_ok=True)

    try:
        async with sessionmaker() as session:
            document, created = await service.record_upload(
                session,
                actor=actor,
                owner=owner,
                upload=received,
                stored=stored,
                kind=fields.kind,
                description=fields.description,
            )
            if not created and refuse_other_form:
                require_same_form(document, fields)
            await session.commit()
    except BaseException:
        if created_object:
            await service.discard_object(sessionmaker, storage, key=key)
        raise
    return Uploaded(
        document=document,
        created=created,
        kind=fields.kind,
        description=fields.description,
        filename=with_extension(received.filename, received.media_type),
    )
