"""``/api/v1/privacy``: the consent purposes and the register of disclosures."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Annotated, Literal

from fastapi import APIRouter, Query, Response

from app.auth.deps import CurrentActor
from app.core.deps import SessionDep
from app.core.pagination import DEFAULT_LIMIT, MAX_LIMIT, Page
from app.privacy import register
from app.privacy.purposes import PURPOSES
from app.privacy.schemas import DisclosureOut, PurposeOut
from app.reports.writers import content_disposition

router = APIRouter(prefix="/api/v1/privacy", tags=["privacy"])

Kind = Literal["referral", "transfer", "notification"]
StartQ = Annotated[dt.date | None, Query(description="First UTC date included (YYYY-MM-DD).")]
EndQ = Annotated[dt.date | None, Query(description="Last UTC date included (YYYY-MM-DD).")]
KindQ = Annotated[Kind | None, Query(description="referral, transfer or notification.")]
RegistrantQ = Annotated[uuid.UUID | None, Query(description="Only this registrant's disclosures.")]


@router.get("/purposes", response_model=list[PurposeOut])
async def list_purposes(actor: CurrentActor) -> list[PurposeOut]:
    """The consent purposes: labels, recipients, categories of data and consent validity (days)."""
    return [
        PurposeOut(
            code=p.code,
            label_fr=p.label_fr,
            label_en=p.label_en,
            recipients=list(p.recipients),
            categories=list(p.categories),
            validity_days=p.validity_days,
        )
        for p in PURPOSES.values()
    ]


@router.get("/disclosures", response_model=Page[DisclosureOut])
async def list_disclosures(
    session: SessionDep,
    actor: CurrentActor,
    response: Response,
    start: StartQ = None,
    end: EndQ = None,
    kind: KindQ = None,
    registrant_id: RegistrantQ = None,
    cursor: Annotated[str | None, Query(max_length=500)] = None,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = DEFAULT_LIMIT,
) -> Page[DisclosureOut]:
    """The register of disclosures (referrals to partners, transfers between desks, notifications
    through an external provider): who, to whom, when, which fields, legal basis, consent id.
    Newest first. Administrators and auditors see every desk, supervisors theirs; 403 otherwise.
    The read is audited."""
    filters = register.RegisterFilters(start=start, end=end, kind=kind, registrant_id=registrant_id)
    items, next_cursor = await register.list_page(session, actor=actor, filters=filters, cursor=cursor, limit=limit)
    response.headers["Cache-Control"] = "no-store"
    return Page[DisclosureOut](items=items, next_cursor=next_cursor)


@router.get("/disclosures.csv", response_class=Response, responses={200: {"content": {"text/csv": {}}}})
async def export_disclosures(
    session: SessionDep,
    actor: CurrentActor,
    start: StartQ = None,
    end: EndQ = None,
    kind: KindQ = None,
    registrant_id: RegistrantQ = None,
) -> Response:
    """The register of disclosures as CSV (UTF-8 with BOM, ISO 8601 UTC timestamps), oldest first.
    Same roles as the list; audited."""
    filters = register.RegisterFilters(start=start, end=end, kind=kind, registrant_id=registrant_id)
    body = await register.export_csv(session, actor=actor, filters=filters)
    return Response(
        body,
        media_type="text/csv; charset=utf-8",
        headers={
            "Content-Disposition": content_disposition("diaspora-desk-disclosures.csv"),
            "Cache-Control": "no-store",
        },
    )
