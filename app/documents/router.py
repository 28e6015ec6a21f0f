"""``/api/v1/.../documents``: upload (streamed multipart), metadata, listing, download, deletion.

Upload and download run without the request-scoped session (see :mod:`app.documents.deps`):
their short transactions are opened and committed explicitly, never while bytes flow.
"""

from __future__ import annotations

import re
import uuid
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import Depends, Header, Query, Request, Response
from fastapi.responses import JSONResponse, StreamingResponse
from fastapi.routing import APIRoute
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.requests import ClientDisconnect

from app.auth.deps import CurrentActor
from app.core import i18n
from app.core.context import Actor
from app.core.deps import SessionDep, SettingsDep
from app.core.http import none_match_fails
from app.core.idempotency import not_keyed
from app.core.pagination import DEFAULT_LIMIT, MAX_LIMIT, Page
from app.core.routing import api_router
from app.documents import owners, service
from app.documents.content import EXTENSIONS, ascii_filename, with_extension
from app.documents.deps import BriefActor, Sessions, StorageDep
from app.documents.errors import RangeNotSatisfiable
from app.documents.schemas import DocumentDelete, DocumentOut
from app.documents.upload import upload

router = api_router(tags=["documents"])

_UPLOAD_BODY: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "content": {
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "required": ["file", "kind"],
                    "properties": {
                        "file": {"type": "string", "format": "binary"},
                        "kind": {
                            "type": "string",
                            "enum": [
                                "passport",
                                "national_id",
                                "residence_card",
                                "birth_extract",
                                "diploma",
                                "contract",
                                "medical_certificate",
                                "photo",
                                "other",
                            ],
                        },
                        "description": {"type": "string", "maxLength": 1000},
                    },
                }
            }
        },
    }
}
STREAMED_UPLOAD = not_keyed(
    "Streamed to storage outside the request's transaction; the same bytes sent again answer 200 with "
    "the document already stored, so a retry never stores it twice (with another kind or description: "
    "409 document-already-on-file)."
)
"""Why the uploads take no ``Idempotency-Key`` (their ``openapi_extra``); also what marks a route
as a streamed document upload (:func:`streamed_upload`)."""


def streamed_upload(route: APIRoute) -> bool:
    """Whether ``route`` streams a document to storage (its ``openapi_extra`` carries
    :data:`STREAMED_UPLOAD`): such a route bounds its body by ``DOCUMENTS_MAX_BYTES`` while reading,
    so the JSON bodies' ``MAX_REQUEST_BODY_BYTES`` must not apply to it (``app.main``)."""
    extra = route.openapi_extra or {}
    return all(extra.get(key) == value for key, value in STREAMED_UPLOAD.items())


_RANGE = re.compile(r"^bytes=(\d*)-(\d*)$")


async def upload_for(
    owner_type: str,
    owner_id: uuid.UUID,
    request: Request,
    actor: BriefActor,
    settings: SettingsDep,
    storage: StorageDep,
    sessionmaker: Sessions,
) -> Response:
    """Stream an upload for any owner type; 201 for a new document, 200 for a duplicate."""
    try:
        uploaded = await upload(
            sessionmaker=sessionmaker,
            storage=storage,
            settings=settings,
            actor=actor,
            owner_type=owner_type,
            owner_id=owner_id,
            stream=request.stream(),
            content_type=request.headers.get("content-type"),
            content_length=request.headers.get("content-length"),
        )
    except ClientDisconnect:
        return Response(status_code=400)  # nobody is listening; everything was cleaned up
    document, created = uploaded.document, uploaded.created
    body = DocumentOut.model_validate(document).model_dump(mode="json")
    headers = {"Location": f"/api/v1/documents/{document.id}", "ETag": service.entity_tag(document)}
    return JSONResponse(body, status_code=201 if created else 200, headers=headers)


@router.post(
    "/api/v1/registrants/{registrant_id}/documents",
    status_code=201,
    response_model=DocumentOut,
    openapi_extra={**_UPLOAD_BODY, **STREAMED_UPLOAD},
    responses={200: {"model": DocumentOut, "description": "The same bytes were already stored for this owner."}},
)
async def upload_registrant_document(
    registrant_id: uuid.UUID,
    request: Request,
    actor: BriefActor,
    settings: SettingsDep,
    storage: StorageDep,
    sessionmaker: Sessions,
) -> Response:
    """Upload a file for a registrant (multipart/form-data: ``file``, ``kind``, ``description``).

    Streamed to storage; at most ``DOCUMENTS_MAX_BYTES`` (413 ``document-too-large`` at once);
    the type is sniffed from the bytes (415 ``document-type-not-allowed`` or
    ``document-type-mismatch``); image metadata is stripped. 201 with the new document, or 200 with
    the existing one when the registrant already has the same stored bytes sent with the same
    form; 409 ``document-already-on-file`` (naming the document held and its kind) when they come
    with another kind or description. 404 for a registrant of another desk.
    """
    return await upload_for("registrant", registrant_id, request, actor, settings, storage, sessionmaker)


@router.post(
    "/api/v1/cases/{case_id}/documents",
    status_code=201,
    response_model=DocumentOut,
    openapi_extra={**_UPLOAD_BODY, **STREAMED_UPLOAD},
    responses={200: {"model": DocumentOut, "description": "The same bytes were already stored for this case."}},
)
async def upload_case_document(
    case_id: uuid.UUID,
    request: Request,
    actor: BriefActor,
    settings: SettingsDep,
    storage: StorageDep,
    sessionmaker: Sessions,
) -> Response:
    """Upload a file for a case; same form, limits and answers as the registrant upload."""
    return await upload_for("case", case_id, request, actor, settings, storage, sessionmaker)


@router.get("/api/v1/registrants/{registrant_id}/documents", response_model=Page[DocumentOut])
async def list_registrant_documents(
    registrant_id: uuid.UUID,
    session: SessionDep,
    actor: CurrentActor,
    cursor: str | None = None,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = DEFAULT_LIMIT,
) -> Page[DocumentOut]:
    """The registrant's live documents, newest first (cursor pagination). 404 across desks. Audited."""
    return await _list(session, actor, owner_type="registrant", owner_id=registrant_id, cursor=cursor, limit=limit)


@router.get("/api/v1/cases/{case_id}/documents", response_model=Page[DocumentOut])
async def list_case_documents(
    case_id: uuid.UUID,
    session: SessionDep,
    actor: CurrentActor,
    cursor: str | None = None,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = DEFAULT_LIMIT,
) -> Page[DocumentOut]:
    """The case's live documents, newest first (cursor pagination). 404 across desks. Audited."""
    return await _list(session, actor, owner_type="case", owner_id=case_id, cursor=cursor, limit=limit)


async def _list(
    session: AsyncSession, actor: Actor, *, owner_type: str, owner_id: uuid.UUID, cursor: str | None, limit: int
) -> Page[DocumentOut]:
    rows, next_cursor = await service.list_page(
        session, actor=actor, owner_type=owner_type, owner_id=owner_id, cursor=cursor, limit=limit
    )
    return Page[DocumentOut](items=[DocumentOut.model_validate(r) for r in rows], next_cursor=next_cursor)


@router.get("/api/v1/documents/{document_id}", response_model=DocumentOut)
async def get_document(
    document_id: uuid.UUID, session: SessionDep, actor: CurrentActor, response: Response
) -> DocumentOut:
    """A document's metadata (audited). 404 when deleted or of another desk."""
    document = await service.read_metadata(session, actor=actor, document_id=document_id)
    response.headers["ETag"] = service.entity_tag(document)
    return DocumentOut.model_validate(document)


def content_disposition(filename: str, media_type: str) -> str:
    """``attachment`` with an ASCII ``filename`` and the exact name as RFC 8187 ``filename*``, both
    ending with an extension of the stored type (a name without one gets it: ``pdf`` → ``pdf.pdf``)."""
    name = with_extension(filename, media_type)
    return f"attachment; filename=\"{ascii_filename(name, media_type)}\"; filename*=UTF-8''{quote(name, safe='')}"


def parse_range(header: str | None, size: int) -> tuple[int, int] | None:
    """The single byte range asked for (inclusive bounds), or None for the whole file.

    Several ranges or an unparsable header are ignored (RFC 9110 §14.2 allows it); an
    unsatisfiable one raises ``RangeNotSatisfiable`` (416).
    """
    if not header:
        return None
    match = _RANGE.match(header.strip())
    if match is None:
        return None
    first, last = match.groups()
    if not first and not last:
        return None
    if not first:
        suffix = int(last)
        if suffix == 0:
            raise _unsatisfiable(size)
        return max(0, size - suffix), size - 1
    start = int(first)
    end = min(int(last), size - 1) if last else size - 1
    if last and int(last) < start:
        return None
    if start >= size:
        raise _unsatisfiable(size)
    return start, end


def _unsatisfiable(size: int) -> RangeNotSatisfiable:
    return RangeNotSatisfiable(
        f"The file has {size} bytes.",
        detail_fr=f"La partie demandée est hors du fichier, qui fait {i18n.size(size)}.",
        headers={"Content-Range": f"bytes */{size}"},
    )


@router.get(
    "/api/v1/documents/{document_id}/content",
    response_class=StreamingResponse,
    responses={
        200: {"content": {media: {} for media in EXTENSIONS}},  # the type sniffed at upload
        206: {"description": "Partial content", "content": {media: {} for media in EXTENSIONS}},
    },
)
async def download_document(
    document_id: uuid.UUID,
    actor: BriefActor,
    storage: StorageDep,
    sessionmaker: Sessions,
    range_header: Annotated[str | None, Header(alias="range")] = None,
    if_none_match: Annotated[str | None, Header()] = None,
    if_range: Annotated[str | None, Header()] = None,
) -> Response:
    """Stream a document's bytes with its stored type (audited as ``document.download``).

    ``Content-Disposition: attachment`` (RFC 6266, ``filename*`` per RFC 8187), ``nosniff``,
    ``ETag`` = the SHA-256 of the stored bytes; ``If-None-Match`` → 304; ``Range: bytes=…`` →
    206 (416 when out of the file). 404 when deleted or of another desk.
    """
    async with sessionmaker() as session:
        document, _ = await service.get(session, actor=actor, document_id=document_id, action="download")
        etag = service.entity_tag(document)
        not_modified = if_none_match is not None and none_match_fails(if_none_match, etag)
        byte_range = None
        if not not_modified and (if_range is None or if_range.strip() == etag):
            byte_range = parse_range(range_header, document.size_bytes)
        await service.record_download(
            session, actor=actor, document_id=document_id, byte_range=None if not_modified else byte_range
        )
        await session.commit()
    headers = {
        "ETag": etag,
        "Accept-Ranges": "bytes",
        "X-Content-Type-Options": "nosniff",
        "Cache-Control": "no-store",  # identity papers: no cache may keep a copy (RFC 9111 §5.2.2.5)
        "Content-Disposition": content_disposition(document.original_filename, document.media_type),
        "Content-Security-Policy": "default-src 'none'; sandbox",
    }
    if not_modified:
        return Response(status_code=304, headers={k: headers[k] for k in ("ETag", "Cache-Control")})
    start, end = byte_range or (0, document.size_bytes - 1)
    headers["Content-Length"] = str(end - start + 1)
    status = 200
    if byte_range:
        status = 206
        headers["Content-Range"] = f"bytes {start}-{end}/{document.size_bytes}"
    return StreamingResponse(
        storage.read(document.storage_key, start, end),
        status_code=status,
        media_type=document.media_type,
        headers=headers,
    )


@router.delete("/api/v1/documents/{document_id}", status_code=204)
async def delete_document(
    document_id: uuid.UUID,
    body: DocumentDelete,
    session: SessionDep,
    actor: Annotated[Actor, Depends(owners.require_action("delete"))],
    if_match: Annotated[str | None, Header()] = None,
) -> Response:
    """Soft-delete a document with a reason (supervisors and administrators who may write its
    owner; 403 otherwise). Its bytes are purged after ``DOCUMENTS_RETENTION_DAYS`` by
    ``diaspora-desk purge-documents``. 404 across desks. ``If-Match`` (optional): the document's
    ETag as read; 412 ``precondition-failed`` (with ``current_etag``) when it is not the current
    one, and nothing is deleted; without it the delete is unconditional."""
    await service.soft_delete(session, actor=actor, document_id=document_id, reason=body.reason, if_match=if_match)
    return Response(status_code=204)
