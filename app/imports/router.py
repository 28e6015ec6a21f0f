"""``/api/v1/imports``: legacy register imports, for administrators."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, File, Form, Response, UploadFile

from app.auth.deps import AdminActor
from app.core.deps import SessionDep, SettingsDep
from app.imports import reports, service
from app.imports.errors import RegisterTooLarge
from app.imports.schemas import ImportReport

router = APIRouter(prefix="/api/v1/imports", tags=["imports"])

_READ_CHUNK = 1 << 20


@router.post(
    "/registers",
    response_model=ImportReport,
    status_code=201,
    responses={200: {"description": "Dry run: the report of what would be imported; nothing stored."}},
)
async def import_register(
    session: SessionDep,
    settings: SettingsDep,
    actor: AdminActor,
    response: Response,
    file: Annotated[UploadFile, File(description="The register: CSV (any encoding, ; , tab or |) or XLSX.")],
    desk_code: Annotated[str, Form(max_length=32, examples=["CASA-BASE"])],
    dry_run: Annotated[bool, Form()] = False,
    delimiter: Annotated[
        str | None,
        Form(
            max_length=3,
            description="CSV only: the column delimiter (';', ',', '|' or \\t); detected when absent.",
        ),
    ] = None,
) -> ImportReport:
    """Import a desk's legacy register (multipart: ``file``, ``desk_code``, ``dry_run``, ``delimiter``).

    Every data row ends up ``imported``, ``flagged`` (possible duplicate, held for an agent) or
    ``rejected`` (with its line, ``N°`` and reason); on a re-run, ``already_imported``. 201 with
    ``Location`` for a real run; 200 for a dry run (nothing written). Problems: 413
    ``import-file-too-large`` (over ``IMPORT_MAX_BYTES`` or another ``IMPORT_MAX_*`` bound, named
    in ``limit``), 415 ``import-unsupported-format``, 422 ``import-empty-file``,
    ``import-truncated-file``, ``import-unreadable-file``, ``import-unrecognised-headers``,
    ``import-ambiguous-delimiter`` (send ``delimiter``), ``unknown-desk``, ``validation-failed``
    (a refused character in a field or the file name); 403 for non-administrators. The file is
    parsed in a worker thread: the server keeps answering meanwhile.
    """
    limit = settings.import_max_bytes
    content = bytearray()
    while chunk := await file.read(_READ_CHUNK):
        content.extend(chunk)
        if len(content) > limit:
            raise RegisterTooLarge(
                f"The file is over the import limit of {limit} bytes.",
                detail_fr=f"Le fichier dépasse la limite d'import de {limit} octets.",
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
    )
    if dry_run:
        response.status_code = 200
    else:
        response.headers["Location"] = f"/api/v1/imports/{report.batch_id}"
    return report


@router.get("/{batch_id}", response_model=ImportReport)
async def get_import(batch_id: uuid.UUID, session: SessionDep, actor: AdminActor) -> ImportReport:
    """The stored report of an import (audited: it lists people). 404 ``import-batch-not-found``."""
    return await reports.get_report(session, actor=actor, batch_id=batch_id)
