"""``/api/v1/imports``: legacy register imports (administrators); resolving their flagged rows (desk staff)."""

from __future__ import annotations

import functools
import uuid
from typing import Annotated, Any

import anyio.to_thread
from fastapi import Depends, File, Form, Path, Query, Request, Response, UploadFile

from app.auth.deps import AdminActor, require_roles
from app.core.conformance import reject_unknown_or_repeated_form_fields
from app.core.context import Actor
from app.core.deps import SessionDep, SettingsDep
from app.core.i18n import size
from app.core.idempotency import IdempotencyDep, not_keyed
from app.core.pagination import DEFAULT_LIMIT, MAX_LIMIT, Page
from app.core.routing import api_router
from app.imports import reports, resolutions, service
from app.imports.errors import RegisterTooLarge
from app.imports.schemas import (
    MAX_LINE,
    BulkResolutionIn,
    BulkResolutionOut,
    ImportReport,
    Resolution,
    RowReport,
    RowResolutionIn,
    RowResolutionOut,
)

router = api_router(prefix="/api/v1/imports", tags=["imports"])

WriterActor = Annotated[Actor, Depends(require_roles("agent", "supervisor", "admin"))]
_PROBLEM: dict[str, Any] = {"content": {"application/problem+json": {}}}

_READ_CHUNK = 1 << 20


_REGISTER_FIELDS = frozenset({"file", "desk_code", "dry_run", "delimiter"})


@router.post(
    "/registers",
    response_model=ImportReport,
    status_code=201,
    openapi_extra=not_keyed(
        "A file sent again is recognised row by row (already_imported): no person is created twice. Its report "
        "(every row) is kept once, at GET /api/v1/imports/{batch_id}, not copied to replay."
    ),
    responses={
        200: {"description": "Dry run: the report of what would be imported; nothing stored."},
        409: {
            "description": "import-already-running: another import of the desk runs (a real run; for a real "
            "run, a dry run too); refused at once, nothing read or written: send it again once it has ended. "
            "import-interrupted: the run lost its lease on the desk (it went longer than IMPORT_LEASE_SECONDS "
            "without renewing it); the chunks it stored stay and its batch is interrupted: send the file again "
            "to resume it",
            **_PROBLEM,
        },
    },
)
async def import_register(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    actor: AdminActor,
    file: Annotated[
        UploadFile,
        File(description="The register: CSV (UTF-8, UTF-16 or a Western or Arabic code page; ; , tab or |) or XLSX."),
    ],
    desk_code: Annotated[str, Form(max_length=32, examples=["CASA-BASE"])],
    dry_run: Annotated[bool, Form()] = False,
    delimiter: Annotated[
        str | None,
        Form(
            max_length=3,
            description="CSV only: the column delimiter (';', ',', '|' or \\t); detected when absent.",
        ),
    ] = None,
) -> Response:
    """Import a desk's legacy register (multipart: ``file``, ``desk_code``, ``dry_run``, ``delimiter``).

    Every data row ends up ``imported``, ``flagged`` (possible duplicate, held for an agent) or
    ``rejected`` (with its line, ``N°`` and reason); on a re-run, ``already_imported``. 201 with
    ``Location`` for a real run; 200 for a dry run (nothing written). Problems: 413
    ``import-file-too-large`` (over ``IMPORT_MAX_BYTES`` or another ``IMPORT_MAX_*`` bound, named
    in ``limit``), 415 ``import-unsupported-format``, 422 ``import-empty-file``,
    ``import-truncated-file``, ``import-cell-too-long``, ``import-unreadable-file`` (binary, or text
    no allowed encoding reads as typed: see :mod:`app.imports.encoding`), ``import-unrecognised-headers``,
    ``import-ambiguous-delimiter`` (send ``delimiter``), ``unknown-desk``, ``validation-failed``
    (a refused character in a field or the file name; a form field unknown or given twice); 403
    for non-administrators; 409 ``import-already-running`` at once while another import of the
    desk runs (dry runs of one desk run side by side). The file is parsed in a worker thread: the
    server keeps answering meanwhile.
    """
    form = await request.form()  # already read by FastAPI (cached): its field names, repeats included
    reject_unknown_or_repeated_form_fields([name for name, _ in form.multi_items()], accepted=_REGISTER_FIELDS)
    limit = settings.import_max_bytes
    content = bytearray()
    while chunk := await file.read(_READ_CHUNK):
        content.extend(chunk)
        if len(content) > limit:
            raise RegisterTooLarge(
                f"The file is over the import limit of {size(limit, 'en')}.",
                detail_fr=f"Le fichier dépasse la limite d'import de {size(limit)}.",
            )
    report = await service.run_import(
        session,
        actor=actor,
        desk_code=desk_code,
        content=bytes(content),
        filename=file.filename,
        dry_run=dry_run,
        max_bytes=limit,
        document_patterns=settings.document_number_patterns,
        delimiter=delimiter,
        limits=service.read_limits(settings),
        lease_seconds=settings.import_lease_seconds,
    )
    # A report lists every row (20,000 of them, or more): serialised in a worker thread, not on the
    # event loop, which keeps answering other requests meanwhile.
    body = await anyio.to_thread.run_sync(functools.partial(report.model_dump_json, by_alias=True))
    headers = {} if dry_run else {"Location": f"/api/v1/imports/{report.batch_id}"}
    return Response(body, status_code=200 if dry_run else 201, headers=headers, media_type="application/json")


@router.get("/{batch_id}", response_model=ImportReport)
async def get_import(batch_id: uuid.UUID, session: SessionDep, actor: AdminActor) -> ImportReport:
    """The stored report of an import (audited: it lists people). 404 ``import-batch-not-found``."""
    return await reports.get_report(session, actor=actor, batch_id=batch_id)


@router.get("/{batch_id}/flagged", response_model=Page[RowReport], responses={400: _PROBLEM, 404: _PROBLEM})
async def list_flagged_rows(
    batch_id: uuid.UUID,
    session: SessionDep,
    actor: WriterActor,
    resolution: Resolution | None = None,
    cursor: Annotated[str | None, Query(max_length=512)] = None,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = DEFAULT_LIMIT,
) -> Page[RowReport]:
    """The rows the import flagged, in file order, with their candidates and resolution
    (``resolution=pending``: those still to resolve), for the desk's staff: ``{items,
    next_cursor}``, ``limit`` (1–200, default 50) a page, ``next_cursor`` null on the last.
    Audited (each page): it lists people. 404 ``import-batch-not-found``; 400 for a cursor not
    issued here."""
    rows, next_cursor = await reports.flagged_rows(
        session, actor=actor, batch_id=batch_id, resolution=resolution, cursor=cursor, limit=limit
    )
    return Page[RowReport](items=rows, next_cursor=next_cursor)


@router.post(
    "/{batch_id}/rows/{line}/resolution",
    response_model=RowResolutionOut,
    responses={
        403: {"description": "restricted-field (residence_status copied by an agent)", **_PROBLEM},
        404: {"description": "import-batch-not-found, import-row-not-found", **_PROBLEM},
        409: {"description": "import-row-resolved (already resolved), import-row-not-flagged", **_PROBLEM},
        412: {"description": "registrant_etag stale", **_PROBLEM},
        422: {"description": "import-not-a-candidate, validation-failed (the row's values)", **_PROBLEM},
    },
)
async def resolve_row(
    batch_id: uuid.UUID,
    line: Annotated[int, Path(ge=2, le=MAX_LINE, description="The row's line in the file (header = line 1).")],
    body: RowResolutionIn,
    session: SessionDep,
    settings: SettingsDep,
    actor: WriterActor,
    idem: IdempotencyDep,
) -> Response:
    """Resolve one flagged row: ``link`` to one of its candidates (optionally copying chosen
    fields), ``create`` a new person, or ``discard``. Audited; the batch's counts are updated.
    Accepts ``Idempotency-Key`` (a retry answers the first resolution, not 409)."""
    if (replayed := await idem.replay(actor)) is not None:
        return replayed
    out = await resolutions.resolve(
        session,
        actor=actor,
        batch_id=batch_id,
        line=line,
        data=body,
        document_patterns=settings.document_number_patterns,
    )
    return await idem.respond(200, out.model_dump(mode="json"))


@router.post(
    "/{batch_id}/resolutions",
    response_model=BulkResolutionOut,
    responses={
        404: {"description": "import-batch-not-found", **_PROBLEM},
        409: {"description": "import-resolutions-conflict: every refused row already resolved/not flagged", **_PROBLEM},
        422: {"description": "import-resolutions-refused: `errors` per row; nothing written", **_PROBLEM},
    },
)
async def resolve_rows(
    batch_id: uuid.UUID,
    body: BulkResolutionIn,
    session: SessionDep,
    settings: SettingsDep,
    actor: WriterActor,
    idem: IdempotencyDep,
) -> Response:
    """Resolve several flagged rows at once, all or nothing (up to 500, each line once). Accepts
    ``Idempotency-Key`` (a retry answers the first resolutions, not 409)."""
    if (replayed := await idem.replay(actor)) is not None:
        return replayed
    out = await resolutions.resolve_many(
        session, actor=actor, batch_id=batch_id, items=body.items, document_patterns=settings.document_number_patterns
    )
    return await idem.respond(200, out.model_dump(mode="json"))
