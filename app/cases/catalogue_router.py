"""``/api/v1/service-types`` and ``/api/v1/partners``: read by all staff, managed by administrators."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import Header, Query, Response

from app.auth.deps import AdminActor, CurrentActor
from app.cases import catalogue
from app.cases.catalogue_schemas import (
    DocumentLabels,
    PartnerCreate,
    PartnerOut,
    PartnerUpdate,
    ServiceTypeCreate,
    ServiceTypeOut,
    ServiceTypeUpdate,
)
from app.cases.models import Partner
from app.core.deps import SessionDep
from app.core.http import etag_of
from app.core.idempotency import IdempotencyDep
from app.core.pagination import DEFAULT_LIMIT, MAX_LIMIT, Page, paginate
from app.core.routing import api_router

service_types_router = api_router(prefix="/api/v1/service-types", tags=["service types"])
partners_router = api_router(prefix="/api/v1/partners", tags=["partners"])


@service_types_router.get("", response_model=list[ServiceTypeOut])
async def list_service_types(
    session: SessionDep, actor: CurrentActor, include_retired: bool = False
) -> list[ServiceTypeOut]:
    """The catalogue by code (a short list, not paginated); retired types with ``include_retired``."""
    types = await catalogue.list_service_types(session, include_retired=include_retired)
    return [ServiceTypeOut.model_validate(t) for t in types]


@service_types_router.get("/document-labels", response_model=DocumentLabels)
async def document_labels(actor: CurrentActor) -> DocumentLabels:
    """The words of every document code in French and English: the catalogue's usual documents,
    identity document types, uploaded documents' kinds. The web client shows these words, the
    ones the messages to the person use (one table: ``app/cases/catalogue_data.py``)."""
    return DocumentLabels.model_validate(catalogue.document_labels())


@service_types_router.post("", status_code=201, response_model=ServiceTypeOut)
async def create_service_type(
    body: ServiceTypeCreate, session: SessionDep, actor: AdminActor, idem: IdempotencyDep
) -> Response:
    """Add a type (administrators). 409 ``service-type-code-taken``. Accepts ``Idempotency-Key``."""
    if (replayed := await idem.replay(actor)) is not None:
        return replayed
    service_type = await catalogue.create_service_type(session, actor=actor, values=body.model_dump())
    headers = {"ETag": etag_of(service_type.version), "Location": f"/api/v1/service-types/{service_type.code}"}
    return await idem.respond(201, ServiceTypeOut.model_validate(service_type).model_dump(mode="json"), headers)


@service_types_router.get("/{code}", response_model=ServiceTypeOut)
async def get_service_type(code: str, session: SessionDep, actor: CurrentActor, response: Response) -> ServiceTypeOut:
    """One type by code (retired ones included), with its ETag."""
    service_type = await catalogue.get_service_type(session, code=code)
    response.headers["ETag"] = etag_of(service_type.version)
    return ServiceTypeOut.model_validate(service_type)


@service_types_router.patch("/{code}", response_model=ServiceTypeOut)
async def update_service_type(
    code: str,
    body: ServiceTypeUpdate,
    session: SessionDep,
    actor: AdminActor,
    response: Response,
    if_match: Annotated[str | None, Header()] = None,
) -> ServiceTypeOut:
    """Edit or retire (``is_active: false``) a type (administrators; ``If-Match`` required)."""
    changes = {k: v for k, v in body.model_dump(exclude_unset=True).items() if v is not None}
    service_type = await catalogue.update_service_type(
        session, actor=actor, code=code, if_match=if_match, changes=changes
    )
    response.headers["ETag"] = etag_of(service_type.version)
    return ServiceTypeOut.model_validate(service_type)


async def _partner_out(session: SessionDep, partner: Partner) -> PartnerOut:
    codes = await catalogue.service_codes_of(session, [partner.id])
    return PartnerOut(
        **{f: getattr(partner, f) for f in PartnerOut.model_fields if f != "service_types"},
        service_types=codes[partner.id],
    )


@partners_router.get("", response_model=Page[PartnerOut])
async def list_partners(
    session: SessionDep,
    actor: CurrentActor,
    active: bool | None = None,
    country: Annotated[str | None, Query(min_length=2, max_length=2)] = None,
    service_type: Annotated[str | None, Query(max_length=40)] = None,
    cursor: Annotated[str | None, Query(max_length=512)] = None,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = DEFAULT_LIMIT,
) -> Page[PartnerOut]:
    """Partners by name, filtered by active flag, country (ISO 3166-1 alpha-2) and service type code."""
    type_id = None
    if service_type:
        type_id = (await catalogue.service_types_by_codes(session, codes=[service_type]))[0].id
    stmt = catalogue.partners_query(active=active, country=country, service_type_id=type_id)
    rows, next_cursor = await paginate(
        session, stmt, keys=[Partner.name, Partner.id], cursor=cursor, limit=limit, descending=False
    )
    codes = await catalogue.service_codes_of(session, [p.id for p in rows])
    items = [
        PartnerOut(
            **{f: getattr(p, f) for f in PartnerOut.model_fields if f != "service_types"}, service_types=codes[p.id]
        )
        for p in rows
    ]
    return Page[PartnerOut](items=items, next_cursor=next_cursor)


@partners_router.post("", status_code=201, response_model=PartnerOut)
async def create_partner(body: PartnerCreate, session: SessionDep, actor: AdminActor, idem: IdempotencyDep) -> Response:
    """Add a partner (administrators). 409 ``partner-name-taken``; 422 ``unknown-service-type``."""
    if (replayed := await idem.replay(actor)) is not None:
        return replayed
    partner = await catalogue.create_partner(session, actor=actor, values=body.model_dump())
    out = await _partner_out(session, partner)
    headers = {"ETag": etag_of(partner.version), "Location": f"/api/v1/partners/{partner.id}"}
    return await idem.respond(201, out.model_dump(mode="json"), headers)


@partners_router.get("/{partner_id}", response_model=PartnerOut)
async def get_partner(
    partner_id: uuid.UUID, session: SessionDep, actor: CurrentActor, response: Response
) -> PartnerOut:
    """One partner, with its ETag."""
    partner = await catalogue.get_partner(session, partner_id=partner_id)
    response.headers["ETag"] = etag_of(partner.version)
    return await _partner_out(session, partner)


@partners_router.patch("/{partner_id}", response_model=PartnerOut)
async def update_partner(
    partner_id: uuid.UUID,
    body: PartnerUpdate,
    session: SessionDep,
    actor: AdminActor,
    response: Response,
    if_match: Annotated[str | None, Header()] = None,
) -> PartnerOut:
    """Edit a partner or deactivate it (``is_active: false``; administrators, ``If-Match`` required)."""
    partner = await catalogue.update_partner(
        session, actor=actor, partner_id=partner_id, if_match=if_match, changes=body.model_dump(exclude_unset=True)
    )
    response.headers["ETag"] = etag_of(partner.version)
    return await _partner_out(session, partner)
