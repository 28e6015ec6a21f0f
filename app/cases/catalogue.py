"""The service catalogue and the partners: lookup, seed, and administration.

Errors: ``NotFound`` (404), ``UnknownServiceType``/``ServiceTypeRetired``/``UnknownPartner``/
``PartnerInactive`` (422), ``ServiceTypeCodeTaken``/``PartnerNameTaken`` (409); updates raise the
``If-Match`` problems (428/412).
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

from sqlalchemy import Select, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from app.audit import service as audit
from app.cases.catalogue_data import DOCUMENT_LABELS, SEED_SERVICE_TYPES
from app.cases.errors import (
    PartnerInactive,
    PartnerNameTaken,
    ServiceTypeCodeTaken,
    ServiceTypeRetired,
    UnknownPartner,
    UnknownServiceType,
)
from app.cases.models import Case, Partner, PartnerServiceType, ServiceType
from app.cases.workflow import OPEN_STATUSES
from app.core.context import Actor
from app.core.db import next_version, utcnow
from app.core.errors import NotFound, ValidationFailed
from app.core.explained import in_french
from app.core.http import require_if_match
from app.core.reasons import said
from app.core.text import fold
from app.registrants.normalize import parse_phone

_TYPE_FIELDS = (
    "label_fr",
    "label_en",
    "category",
    "default_sla_days",
    "documents_required",
    "closure_requires_approval",
    "is_active",
)
_PARTNER_FIELDS = (
    "name",
    "kind",
    "country",
    "city",
    "contact_name",
    "contact_email",
    "contact_phone",
    "notes",
    "is_active",
)
_PARTNER_NULLABLE = frozenset({"city", "contact_name", "contact_email", "contact_phone", "notes"})


# --- service types -----------------------------------------------------------------------------


async def seed_service_types(session: AsyncSession) -> int:
    """Add the seeded service types that are missing (by code); returns how many were added.

    Idempotent: existing types, edited or retired by administrators, are left as they are.
    """
    existing = set((await session.execute(select(ServiceType.code))).scalars().all())
    new = [ServiceType(**values) for values in SEED_SERVICE_TYPES if values["code"] not in existing]
    session.add_all(new)
    await session.flush()
    return len(new)


def document_labels() -> dict[str, dict[str, str]]:
    """The words of every document code, ``{language: {code: words}}`` for ``fr`` and ``en`` (a
    copy of :data:`app.cases.catalogue_data.DOCUMENT_LABELS`, which the messages use too)."""
    return {language: dict(labels) for language, labels in DOCUMENT_LABELS.items()}


async def list_service_types(session: AsyncSession, *, include_retired: bool) -> list[ServiceType]:
    """Service types by code; retired ones only when ``include_retired``."""
    stmt = select(ServiceType).order_by(ServiceType.code)
    if not include_retired:
        stmt = stmt.where(ServiceType.is_active.is_(True))
    return list((await session.execute(stmt)).scalars().all())


async def get_service_type(session: AsyncSession, *, code: str) -> ServiceType:
    """The service type with ``code``; ``NotFound`` otherwise (for ``/service-types/{code}``)."""
    found = (await session.execute(select(ServiceType).where(ServiceType.code == code.upper()))).scalar_one_or_none()
    if found is None:
        raise NotFound(f"No service type {code}.", detail_fr=f"Aucun type de service {code}.")
    return found


async def usable_service_type(session: AsyncSession, *, code: str) -> ServiceType:
    """The active service type a new case names; ``UnknownServiceType`` or ``ServiceTypeRetired`` (422)."""
    found = (await session.execute(select(ServiceType).where(ServiceType.code == code.upper()))).scalar_one_or_none()
    if found is None:
        raise UnknownServiceType(f"Unknown service type {code}.", detail_fr=f"Type de service {code} inconnu.")
    if not found.is_active:
        raise ServiceTypeRetired(
            f"Service type {found.code} is retired and takes no new cases.",
            detail_fr=f"Le type de service {found.code} est retiré et n'accepte plus de dossiers.",
        )
    return found


async def service_types_by_codes(session: AsyncSession, *, codes: Sequence[str]) -> list[ServiceType]:
    """The service types named (active or not); ``UnknownServiceType`` naming the missing codes."""
    wanted = sorted({c.upper() for c in codes})
    if not wanted:
        return []
    found = list((await session.execute(select(ServiceType).where(ServiceType.code.in_(wanted)))).scalars().all())
    missing = sorted(set(wanted) - {t.code for t in found})
    if missing:
        raise UnknownServiceType(
            f"Unknown service type(s): {', '.join(missing)}.",
            detail_fr=f"Type(s) de service inconnu(s) : {', '.join(missing)}.",
        )
    return found


async def create_service_type(session: AsyncSession, *, actor: Actor, values: dict[str, Any]) -> ServiceType:
    """Add a type to the catalogue (administrators); ``ServiceTypeCodeTaken`` (409)."""
    if (await session.execute(select(ServiceType.id).where(ServiceType.code == values["code"]))).first():
        raise ServiceTypeCodeTaken(
            f"Service type {values['code']} already exists.",
            detail_fr=f"Le type de service {values['code']} existe déjà.",
        )
    service_type = ServiceType(**values)
    session.add(service_type)
    await session.flush()
    await audit.record(
        session,
        actor=actor,
        action="service_type.create",
        entity_type="service_type",
        entity_id=service_type.id,
        details={"code": service_type.code},
    )
    return service_type


async def update_service_type(
    session: AsyncSession, *, actor: Actor, code: str, if_match: str | None, changes: dict[str, Any]
) -> ServiceType:
    """Edit a type (administrators). ``is_active: false`` retires it (its cases stay as they are).

    A change of ``closure_requires_approval`` changes the moves a read of the type's open cases
    offers (``allowed_transitions``): their versions (ETags) move with it.
    """
    service_type = await get_service_type(session, code=code)
    require_if_match(if_match, service_type.version)
    before = {f: getattr(service_type, f) for f in _TYPE_FIELDS}
    for field, value in changes.items():
        setattr(service_type, field, value)
    if "is_active" in changes:
        service_type.retired_at = None if service_type.is_active else (service_type.retired_at or utcnow())
    await session.flush()
    after = {f: getattr(service_type, f) for f in _TYPE_FIELDS}
    if before["closure_requires_approval"] != after["closure_requires_approval"]:
        await session.execute(
            update(Case)
            .where(Case.service_type_id == service_type.id, Case.status.in_(OPEN_STATUSES))
            .values(next_version(Case))
        )
    retiring = before["is_active"] and not after["is_active"]
    await audit.record(
        session,
        actor=actor,
        action="service_type.retire" if retiring else "service_type.update",
        entity_type="service_type",
        entity_id=service_type.id,
        details={"code": service_type.code, "changes": audit.diff(before, after)},
    )
    return service_type


# --- partners ----------------------------------------------------------------------------------


def partners_query(*, active: bool | None, country: str | None, service_type_id: uuid.UUID | None) -> Select[Partner]:
    """The filtered partner select, unordered (the caller paginates)."""
    stmt = select(Partner)
    if active is not None:
        stmt = stmt.where(Partner.is_active.is_(active))
    if country:
        stmt = stmt.where(Partner.country == country.upper())
    if service_type_id is not None:
        handled = select(PartnerServiceType.partner_id).where(PartnerServiceType.service_type_id == service_type_id)
        stmt = stmt.where(Partner.id.in_(handled))
    return stmt


async def service_codes_of(session: AsyncSession, partner_ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, list[str]]:
    """``{partner_id: [service type codes, sorted]}`` for the partners given."""
    out: dict[uuid.UUID, list[str]] = {pid: [] for pid in partner_ids}
    if not partner_ids:
        return out
    rows = await session.execute(
        select(PartnerServiceType.partner_id, ServiceType.code)
        .join(ServiceType, ServiceType.id == PartnerServiceType.service_type_id)
        .where(PartnerServiceType.partner_id.in_(partner_ids))
        .order_by(ServiceType.code)
    )
    for partner_id, code in rows:
        out[partner_id].append(code)
    return out


async def get_partner(session: AsyncSession, *, partner_id: uuid.UUID) -> Partner:
    """The partner; ``NotFound`` otherwise."""
    partner = await session.get(Partner, partner_id)
    if partner is None:
        raise NotFound("No such partner.", detail_fr="Partenaire introuvable.")
    return partner


async def active_partner(session: AsyncSession, *, partner_id: uuid.UUID) -> Partner:
    """The partner a referral names: ``UnknownPartner`` or ``PartnerInactive`` (422)."""
    partner = await session.get(Partner, partner_id)
    if partner is None:
        raise UnknownPartner("Unknown partner.", detail_fr="Partenaire inconnu.")
    if not partner.is_active:
        raise PartnerInactive(
            f"{partner.name} is inactive and takes no referrals.",
            detail_fr=f"{partner.name} est inactif et ne reçoit plus d'orientations.",
        )
    return partner


async def _check_name_free(session: AsyncSession, name: str, partner_id: uuid.UUID | None) -> None:
    """``PartnerNameTaken`` (409, with ``partner_id``) when another partner's name is ``name`` but
    for case, accents or spacing (:func:`app.core.text.fold`): the rule that lets a name typed for
    a consent designate one partner only (:func:`consent_partner`)."""
    stmt = select(Partner.id, Partner.name).where(Partner.name_key == fold(name))
    if partner_id is not None:
        stmt = stmt.where(Partner.id != partner_id)
    if (taken := (await session.execute(stmt)).first()) is not None:
        raise PartnerNameTaken(
            f"A partner named {taken.name} exists; names differing only by case, accents or spacing are the same.",
            detail_fr=f"Un partenaire nommé {taken.name} existe déjà ; des noms qui ne diffèrent que par les "
            "majuscules, les accents ou les espaces sont le même nom.",
            partner_id=str(taken.id),
            field="name",
        )


async def consent_partner(
    session: AsyncSession, *, partner_id: uuid.UUID | None, partner_name: str | None, where: str = ""
) -> Partner:
    """The one partner a ``partner_referral`` consent designates: ``partner_id``, else the partner
    whose name is ``partner_name`` but for case, accents or spacing (unique, :func:`_check_name_free`).
    Active or not: a person may refuse or withdraw for a partner that takes no referrals.

    Raises ``UnknownPartner`` (422, ``field``: ``partner_id``, or ``partner_name`` when only it was
    given) when none is, and ``ValidationFailed`` (422, ``field``: ``partner_name``) when both are
    given and the name is not that partner's. ``where`` is put before the field's name
    (``consents.0.`` for a registration's first consent).
    """
    field = f"{where}partner_id" if partner_id is not None else f"{where}partner_name"
    if partner_id is not None:
        partner = await session.get(Partner, partner_id)
    else:
        key = fold(partner_name or "")
        partner = (await session.execute(select(Partner).where(Partner.name_key == key))).scalar_one_or_none()
    if partner is None:
        named = f" {partner_name}" if partner_id is None else ""
        raise UnknownPartner(
            f"Unknown partner{named}: a consent to a referral names a partner of the partners list.",
            detail_fr=f"Partenaire inconnu{named} : un consentement à l'orientation désigne un partenaire "
            "de la liste des partenaires.",
            field=field,
        )
    if partner_name is not None and fold(partner_name) != partner.name_key:
        raise ValidationFailed(
            f"The partner's name {partner_name} is not the name of the partner chosen ({partner.name}).",
            detail_fr=f"Le nom de partenaire {partner_name} n'est pas celui du partenaire choisi ({partner.name}).",
            field=f"{where}partner_name",
        )
    return partner


async def _set_service_types(session: AsyncSession, partner: Partner, codes: Sequence[str]) -> None:
    types = await service_types_by_codes(session, codes=codes)
    current = (
        (await session.execute(select(PartnerServiceType).where(PartnerServiceType.partner_id == partner.id)))
        .scalars()
        .all()
    )
    for row in current:
        await session.delete(row)
    await session.flush()
    session.add_all([PartnerServiceType(partner_id=partner.id, service_type_id=t.id) for t in types])
    await session.flush()


def contact_phone(raw: str, *, country: str) -> str:
    """A partner's phone in E.164, read as a person's is (:func:`app.registrants.normalize.parse_phone`)
    with the partner's ``country`` as the default region: ``05 22 12 34 56`` at a Moroccan partner
    is +212522123456. ``ValidationFailed`` (422 ``phone_invalid`` at ``contact_phone``, its reason
    in words) for text that is not a valid number."""
    try:
        return parse_phone(raw, default_region=country).e164
    except ValueError as exc:
        error = {"loc": ["body", "contact_phone"], "msg": str(exc), "type": "phone_invalid"}
        raise ValidationFailed(
            "The contact's phone is not a valid phone number.",
            detail_fr="Le téléphone du contact n'est pas un numéro valide.",
            errors=[said(error, fr=in_french(exc), en=str(exc))],
        ) from None


async def create_partner(session: AsyncSession, *, actor: Actor, values: dict[str, Any]) -> Partner:
    """Add a partner (administrators) with the service types it handles (codes); its phone is
    read with its country as the default region (:func:`contact_phone`)."""
    codes = values.pop("service_types", [])
    if values.get("contact_phone") is not None:
        values["contact_phone"] = contact_phone(values["contact_phone"], country=values["country"])
    await _check_name_free(session, values["name"], None)
    partner = Partner(**values)
    session.add(partner)
    await session.flush()
    await _set_service_types(session, partner, codes)
    await audit.record(
        session,
        actor=actor,
        action="partner.create",
        entity_type="partner",
        entity_id=partner.id,
        details={"name": partner.name, "service_types": sorted(c.upper() for c in codes)},
    )
    return partner


async def update_partner(
    session: AsyncSession, *, actor: Actor, partner_id: uuid.UUID, if_match: str | None, changes: dict[str, Any]
) -> Partner:
    """Edit a partner (administrators); ``service_types`` replaces the handled types; a phone sent
    is read with the partner's country (the one sent, else its own: :func:`contact_phone`)."""
    partner = await get_partner(session, partner_id=partner_id)
    require_if_match(if_match, partner.version)
    codes = changes.pop("service_types", None)
    if changes.get("contact_phone") is not None:
        country = changes.get("country") or partner.country
        changes["contact_phone"] = contact_phone(changes["contact_phone"], country=country)
    if changes.get("name"):
        await _check_name_free(session, changes["name"], partner.id)
    before: dict[str, Any] = {f: getattr(partner, f) for f in _PARTNER_FIELDS}
    before["service_types"] = (await service_codes_of(session, [partner.id]))[partner.id]
    for field, value in changes.items():
        if value is not None or field in _PARTNER_NULLABLE:
            setattr(partner, field, value)
    if codes is not None:
        await _set_service_types(session, partner, codes)
        partner.updated_at = utcnow()  # bump the version even when only the handled types changed
    await session.flush()
    after: dict[str, Any] = {f: getattr(partner, f) for f in _PARTNER_FIELDS}
    after["service_types"] = (await service_codes_of(session, [partner.id]))[partner.id]
    await audit.record(
        session,
        actor=actor,
        action="partner.update",
        entity_type="partner",
        entity_id=partner.id,
        details={"changes": audit.diff(before, after)},
    )
    return partner
