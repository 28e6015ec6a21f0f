"""Desks: lookup (scoped to the actor's memberships), creation and update by administrators.

Errors: ``NotFound`` (404, also for a desk the actor does not belong to), ``UnknownDesk`` (422)
when a request names a desk code that does not exist, ``TimeZoneNotInCountry`` (422: a zone of
another country), ``DeskCodeTaken`` and ``NumberPrefixTaken`` (409), ``DeskInactive`` (409:
:func:`require_open`), ``DeskTimeZoneInUse`` (409: a new zone for a desk with history, unconfirmed).
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.appointments.models import Appointment
from app.audit import service as audit
from app.calendars import service as calendars
from app.core.context import Actor
from app.core.db import utcnow
from app.core.errors import NotFound, not_applicable
from app.core.http import require_if_match
from app.core.reasons import place, said
from app.core.timezones import zones_by_country
from app.desks.errors import (
    DeskCodeTaken,
    DeskInactive,
    DeskTimeZoneInUse,
    NumberPrefixTaken,
    TimeZoneNotInCountry,
    UnknownDesk,
)
from app.desks.history import dated_records
from app.desks.models import Desk, default_number_prefix

_FIELDS = ("name", "city", "time_zone", "opening_hours", "is_active", "merge_requires_approval")


async def get_many_by_code(
    session: AsyncSession, *, codes: Sequence[str], field: str = "desk_code", where: str = "body"
) -> list[Desk]:
    """The desks with these codes; raises ``UnknownDesk`` (422) naming any code that does not
    exist and the request's field that names it (``where``: ``"body"`` or ``"query"``; a referenced
    desk that is missing is the request's fault, not a resource not found: the path's 404)."""
    wanted = sorted({c.strip().upper() for c in codes})
    if not wanted:
        return []
    found = list((await session.execute(select(Desk).where(Desk.code.in_(wanted)))).scalars().all())
    missing = sorted(set(wanted) - {d.code for d in found})
    if missing:
        raise unknown_desks(missing, field=field, where=where)
    return found


def unknown_desks(missing: Sequence[str], *, field: str, where: str = "body") -> UnknownDesk:
    """The 422 ``unknown-desk`` for the codes ``missing``, named at ``where``'s ``field``: its
    English detail says where ("body field desk_code", :func:`app.core.reasons.place`; the French
    one names no API field), ``field`` names the field and its one ``errors`` member carries the
    reason."""
    names = ", ".join(missing)
    en = f"no desk has the code {names}" if len(missing) == 1 else f"no desk has these codes: {names}"
    fr = f"aucun guichet n'a le code {names}" if len(missing) == 1 else f"aucun guichet n'a ces codes : {names}"
    loc = [where, field]
    where_en = place(loc)
    return UnknownDesk(
        f"{where_en[:1].upper()}{where_en[1:]}: {en}.",
        detail_fr=f"{fr[:1].upper()}{fr[1:]}.",
        field=field,
        codes=list(missing),
        errors=[said({"loc": loc, "msg": en, "type": "unknown_desk"}, fr=fr, en=en)],
    )


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


async def get_by_code(session: AsyncSession, *, code: str, field: str = "desk_code", where: str = "body") -> Desk:
    """The desk with this code; raises ``UnknownDesk`` (:func:`get_many_by_code`)."""
    return (await get_many_by_code(session, codes=[code], field=field, where=where))[0]


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


def require_zone_of_country(time_zone: str, country: str) -> None:
    """Raises ``TimeZoneNotInCountry`` (422 at ``time_zone``, with ``valid_time_zones``) unless
    ``time_zone`` is one of the IANA location zones of ``country``
    (:func:`app.core.timezones.zones_by_country`): a desk in Montréal keeps America/Toronto, not
    Asia/Tokyo."""
    valid = zones_by_country().get(country, ())
    if time_zone in valid:
        return
    listed = ", ".join(valid) or "none"
    en = f"{time_zone} is not a time zone of {country}; the zones of {country} are: {listed}."
    raise TimeZoneNotInCountry(
        en,
        detail_fr=f"{time_zone} n'est pas un fuseau horaire de {country} ; ceux de {country} sont : {listed}.",
        field="time_zone",
        country=country,
        valid_time_zones=list(valid),
        errors=[{"loc": ["body", "time_zone"], "msg": en, "type": "time_zone_not_in_country"}],
    )


async def create(session: AsyncSession, *, actor: Actor, values: dict[str, Any]) -> Desk:
    """Create a desk (administrators).

    ``values["time_zone"]`` must be a zone of ``values["country"]`` (``TimeZoneNotInCountry``,
    422). ``values["number_prefix"]`` (``None``: the code up to its first dash) must be free:
    raises ``DeskCodeTaken`` or ``NumberPrefixTaken`` (409) otherwise.
    """
    require_zone_of_country(values["time_zone"], values["country"])
    if (await session.execute(select(Desk.id).where(Desk.code == values["code"]))).first():
        raise DeskCodeTaken(
            f"Desk {values['code']} already exists.", detail_fr=f"Le guichet {values['code']} existe déjà."
        )
    prefix = values.get("number_prefix") or default_number_prefix(values["code"])
    holder = (await session.execute(select(Desk.code).where(Desk.number_prefix == prefix))).scalar_one_or_none()
    if holder is not None:
        raise NumberPrefixTaken(
            f"Desk {holder} already numbers with {prefix}; choose another numbering prefix.",
            detail_fr=f"Le guichet {holder} numérote déjà avec {prefix} ; choisissez un autre préfixe de numérotation.",
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
) -> tuple[Desk, list[Appointment]]:
    """Apply a partial update (administrators), checked against ``If-Match``; returns the desk and,
    when ``opening_hours`` or ``time_zone`` is given, the upcoming appointments still booked that
    the desk's hours no longer hold (:func:`app.calendars.service.booked_outside_hours`), by start.
    Those stay booked (an hours change touches no appointment); their count goes into the audit
    event (``appointments_outside_hours``).

    A new ``time_zone`` must be a zone of the desk's country (``TimeZoneNotInCountry``, 422). When
    the desk already holds registrations, cases or appointments it also needs
    ``changes["confirm_time_zone_change"]`` true, else ``DeskTimeZoneInUse`` (409, with their
    counts): their stored UTC instants are then read in the new zone (a local date may move; a
    booked appointment keeps its instant, its local time changes). The confirmation and the
    counts go into the ``desk.update`` audit event. ``confirm_time_zone_change`` without a
    ``time_zone`` is ``FieldNotApplicable`` (422).
    """
    changes = dict(changes)
    confirmed = changes.pop("confirm_time_zone_change", None)
    if confirmed is not None and changes.get("time_zone") is None:
        raise not_applicable(
            ["confirm_time_zone_change"],
            why_en="it confirms a change of time zone, and the request changes none.",
            why_fr="elle confirme un changement de fuseau horaire, et la demande n'en fait aucun.",
        )
    desk = await get(session, actor=actor, desk_id=desk_id)
    require_if_match(if_match, desk.version)
    details: dict[str, Any] = {}
    new_zone = changes.get("time_zone")
    if new_zone is not None and new_zone != desk.time_zone:
        require_zone_of_country(new_zone, desk.country)
        held = await dated_records(session, desk_id=desk.id)
        if any(held.values()) and confirmed is not True:
            raise DeskTimeZoneInUse(
                f"Desk {desk.code} already holds {held['registrants']} registration(s), {held['cases']} case(s) "
                f"and {held['appointments']} appointment(s) dated in {desk.time_zone}: in {new_zone} some local "
                "dates change (reports, numbers' years, due dates), and booked appointments keep their instant, "
                "so their local time changes. Confirm the change of time zone to make it anyway.",
                detail_fr=f"Le guichet {desk.code} a déjà {held['registrants']} inscription(s), {held['cases']} "
                f"dossier(s) et {held['appointments']} rendez-vous datés en {desk.time_zone} : en {new_zone}, des "
                "dates locales changent (rapports, année des numéros, échéances), et les rendez-vous gardent leur "
                "instant, donc leur heure locale change. Confirmez le changement de fuseau horaire pour le faire quand "
                "même.",
                field="time_zone",
                desk_code=desk.code,
                registrants=held["registrants"],
                cases=held["cases"],
                appointments=held["appointments"],
                future_appointments=held["future_appointments"],
            )
        if any(held.values()):
            details["time_zone_change"] = {"confirmed": True, **held}
    before = {f: getattr(desk, f) for f in _FIELDS}
    for field, value in changes.items():
        if value is not None:
            setattr(desk, field, value)
    await session.flush()
    after = {f: getattr(desk, f) for f in _FIELDS}
    outside: list[Appointment] = []
    if changes.get("opening_hours") is not None or changes.get("time_zone") is not None:
        outside = await calendars.booked_outside_hours(session, desk=desk, since=utcnow())
        details["appointments_outside_hours"] = len(outside)
    await audit.record(
        session,
        actor=actor,
        action="desk.update",
        entity_type="desk",
        entity_id=desk.id,
        desk_id=desk.id,
        details={"changes": audit.diff(before, after), **details},
    )
    return desk, outside
