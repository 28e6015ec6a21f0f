"""Desks: lookup (scoped to the actor's memberships), creation and update by administrators.

Errors: ``NotFound`` (404, also for a desk the actor does not belong to), ``UnknownDesk`` (422)
when a request names a desk code that does not exist, ``DeskCodeTaken`` and
``NumberPrefixTaken`` (409), ``DeskInactive`` (409: :func:`require_open`).
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.audit import service as audit
from app.core.context import Actor
from app.core.errors import NotFound
from app.core.http import require_if_match
from app.desks.errors import DeskCodeTaken, DeskInactive, NumberPrefixTaken, UnknownDesk
from app.desks.models import Desk, default_number_prefix

_FIELDS = ("name", "city", "time_zone", "opening_hours", "is_active", "merge_requires_approval")


async def get_many_by_code(session: AsyncSession, *, codes: Sequence[str]) -> list[Desk]:
    """The desks with these codes; raises ``UnknownDesk`` naming any code that does not exist."""
    wanted = sorted({c.strip().upper() for c in codes})
    if not wanted:
        return []
    found = list((await session.execute(select(Desk).where(Desk.code.in_(wanted)))).scalars().all())
    missing = sorted(set(wanted) - {d.code for d in found})
    if missing:
        raise UnknownDesk(
            f"Unknown desk code(s): {', '.join(missing)}.",
            detail_fr=f"Code(s) de guichet inconnu(s) : {', '.join(missing)}.",
        )
    return found


def require_open(desk: Desk, *, field: str = "desk_code") -> None:
    """Raises ``DeskInactive`` (409, naming ``field``) when the desk is closed (``is_active``
    false): a closed desk takes no new registration, case, appointment, import or member."""
    if not desk.is_active:
        raise DeskInactive(
            f"Desk {desk.code} is closed: it takes nothing new.",
            detail_fr=f"Le guichet {desk.code} est fermé : il ne prend rien de nouveau.",
            field=field,
            desk_code=desk.code,
        )


async def get_by_code(session: AsyncSession, *, code: str) -> Desk:
    """The desk with this code; raises ``UnknownDesk``."""
    return (await get_many_by_code(session, codes=[code]))[0]


async def get(session: AsyncSession, *, actor: Actor, desk_id: uuid.UUID) -> Desk:
    """The desk if the actor may see it; ``NotFound`` otherwise."""
    desk = await session.get(Desk, desk_id)
    if desk is None or not actor.can_see_desk(desk.id):
        raise NotFound("No such desk.", detail_fr="Guichet introuvable.")
    return desk


async def list_active(session: AsyncSession) -> list[Desk]:
    """Every active desk, by code (the directory staff choose a transfer's receiving desk from)."""
    stmt = select(Desk).where(Desk.is_active.is_(True)).order_by(Desk.code)
    return list((await session.execute(stmt)).scalars().all())


async def list_visible(session: AsyncSession, *, actor: Actor) -> list[Desk]:
    """The desks the actor may see, by code."""
    stmt = select(Desk).order_by(Desk.code)
    if actor.desk_ids is not None:
        stmt = stmt.where(Desk.id.in_(actor.desk_ids))
    return list((await session.execute(stmt)).scalars().all())


async def create(session: AsyncSession, *, actor: Actor, values: dict[str, Any]) -> Desk:
    """Create a desk (administrators).

    ``values["number_prefix"]`` (``None``: the code up to its first dash) must be free: raises
    ``DeskCodeTaken`` or ``NumberPrefixTaken`` (409) otherwise.
    """
    if (await session.execute(select(Desk.id).where(Desk.code == values["code"]))).first():
        raise DeskCodeTaken(
            f"Desk {values['code']} already exists.", detail_fr=f"Le guichet {values['code']} existe déjà."
        )
    prefix = values.get("number_prefix") or default_number_prefix(values["code"])
    holder = (await session.execute(select(Desk.code).where(Desk.number_prefix == prefix))).scalar_one_or_none()
    if holder is not None:
        raise NumberPrefixTaken(
            f"Desk {holder} already numbers with {prefix}; choose another number_prefix.",
            detail_fr=f"Le guichet {holder} numérote déjà avec {prefix} ; choisissez un autre number_prefix.",
            number_prefix=prefix,
        )
    desk = Desk(**{**values, "number_prefix": prefix})
    session.add(desk)
    await session.flush()
    await audit.record(
        session,
        actor=actor,
        action="desk.create",
        entity_type="desk",
        entity_id=desk.id,
        desk_id=desk.id,
        details={"code": desk.code, "number_prefix": desk.number_prefix},
    )
    return desk


async def update(
    session: AsyncSession, *, actor: Actor, desk_id: uuid.UUID, if_match: str | None, changes: dict[str, Any]
) -> Desk:
    """Apply a partial update (administrators), checked against ``If-Match``."""
    desk = await get(session, actor=actor, desk_id=desk_id)
    require_if_match(if_match, desk.version)
    before = {f: getattr(desk, f) for f in _FIELDS}
    for field, value in changes.items():
        if value is not None:
            setattr(desk, field, value)
    await session.flush()
    after = {f: getattr(desk, f) for f in _FIELDS}
    await audit.record(
        session,
        actor=actor,
        action="desk.update",
        entity_type="desk",
        entity_id=desk.id,
        desk_id=desk.id,
        details={"changes": audit.diff(before, after)},
    )
    return desk
