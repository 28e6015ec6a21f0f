"""``/api/v1/reference``: reference tables the client needs for its forms."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import Query
from pydantic import BaseModel, ConfigDict

from app.auth.deps import CurrentActor
from app.core.deps import SessionDep
from app.core.routing import api_router
from app.reference import service

router = api_router(prefix="/api/v1/reference", tags=["reference"])


class AreaOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    code: str
    name: str
    level: str
    parent_code: str | None


@router.get("/areas", response_model=list[AreaOut])
async def list_areas(
    session: SessionDep,
    actor: CurrentActor,
    country: Annotated[str, Query(pattern=r"^[A-Za-z]{2}$")],
    level: Literal["region", "departement"] | None = None,
) -> list[AreaOut]:
    """Regions (ISO 3166-2) and départements of a country (``SN``, ``MA``)."""
    return [AreaOut.model_validate(a) for a in await service.list_areas(session, country=country, level=level)]
