"""The receiving desk's record of a transferred person: reused, or copied with the fields the
transfer purposes cover (:mod:`app.cases.transfers` says which and why)."""

from __future__ import annotations

import uuid
from typing import Final

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.calendars.service import local_date
from app.cases.workflow import TRANSFER_PURPOSES_ANY, TRANSFER_PURPOSES_TO_SENEGAL
from app.core import numbering
from app.core.context import Actor
from app.core.db import utcnow
from app.core.ids import new_id
from app.desks.models import Desk
from app.privacy import service as privacy
from app.privacy.purposes import REGISTRANT_FIELD_CATEGORIES, fields_covered
from app.registrants import closed
from app.registrants import keys as match_keys
from app.registrants.models import Consent, IdentityDocument, Registrant, RegistrantPhone
from app.registrants.prepare import set_keys

_COVERED: Final = fields_covered(TRANSFER_PURPOSES_ANY | TRANSFER_PURPOSES_TO_SENEGAL)
REGISTRANT_FIELDS_SENT: Final = tuple(f for f in _COVERED if f != "phones")
"""Columns of the registrant copied to the receiving desk: those every transfer purpose covers."""
DERIVED_FIELDS: Final = frozenset(
    {
        "given_names_key", "family_name_key", "given_names_phonetic", "family_name_phonetic",
        "name_arabic_key", "name_arabic_phonetic", "birth_year",
    }
)  # fmt: skip
"""Columns the receiving desk computes again from the names and the date of birth (search keys,
birth year): copied as the file has them, never listed as sent — they tell nothing more."""
COLLECTIONS_SENT: Final = tuple(f for f in _COVERED if f == "phones")
"""Child collections copied besides the consents in force (``phones``)."""
FIELDS_WITHHELD: Final = tuple(f for f in REGISTRANT_FIELD_CATEGORIES if f not in _COVERED)
"""Fields of the file no transfer purpose covers (``documents``, ``residence_status``, ``notes``)."""
REGISTRANT_FIELDS_LISTED: Final = (
    *(f for f in REGISTRANT_FIELDS_SENT if f not in DERIVED_FIELDS),
    *COLLECTIONS_SENT,
    "consents",
)
"""What the transfer register and the register of disclosures list when the file is copied: the
person's data in words a person understands (no search key)."""


async def registrant_at(
    session: AsyncSession, *, actor: Actor, registrant: Registrant, desk: Desk
) -> tuple[Registrant, bool]:
    """The receiving desk's record of this person (never an anonymised one: a new copy then), and
    whether it was just copied (:data:`REGISTRANT_FIELDS_SENT`, the phones and the consents in
    force; each copied consent names its original in ``extra.copied_from_consent_id``)."""
    related = [Registrant.source_ref == str(registrant.id)]
    if registrant.source == "transfer" and registrant.source_ref:
        related.append(Registrant.id == uuid.UUID(registrant.source_ref))
    stmt = (
        select(Registrant)
        .where(Registrant.desk_id == desk.id, or_(*related), Registrant.anonymised_at.is_(None))
        .order_by(Registrant.created_at)
    )
    existing = (await session.execute(stmt.limit(1))).scalar_one_or_none()
    if existing is not None and existing.merged_into_id is not None:  # merged since: its survivor is the person
        survivor = await session.get(Registrant, existing.merged_into_id)
        existing = survivor if survivor is not None and survivor.desk_id == desk.id else None
    if existing is not None and await closed.anonymised_at(session, existing.id) is not None:
        existing = None  # erased meanwhile at that desk (its own request): closed for good, a new copy
    if existing is not None:
        return existing, False
    now = utcnow()
    year = local_date(desk, now).year
    number = await numbering.allocate(
        session, prefix=desk.number_prefix, kind="T", year=year, column=Registrant.registration_number
    )
    phones = (
        (
            await session.execute(
                select(RegistrantPhone)
                .where(RegistrantPhone.registrant_id == registrant.id)
                .order_by(RegistrantPhone.position, RegistrantPhone.id)
            )
        )
        .scalars()
        .all()
    )
    values = {f: getattr(registrant, f) for f in REGISTRANT_FIELDS_SENT}
    values["languages"] = list(registrant.languages or [])
    copy = Registrant(
        id=new_id(),
        desk_id=desk.id,
        registration_number=number,
        registered_on=local_date(desk, now),
        source="transfer",
        source_ref=str(registrant.id),
        created_by=actor.user_id,
        phones=[
            RegistrantPhone(
                e164=p.e164,
                verified=p.verified,
                raw=p.raw,
                digits=p.digits,
                whatsapp=p.whatsapp,
                label=p.label,
                flag=p.flag,
                position=p.position,
            )
            for p in phones
        ],
        documents=[],  # not covered by a transfer purpose (module docstring)
        **values,
    )
    set_keys(copy)  # its name keys computed again, as every write does: never copied stale
    session.add(copy)
    await session.flush()
    # the copy is found and matched at its desk like any registrant: every key of its fields,
    # unverified numbers by their digits included
    await match_keys.insert_rows(session, match_keys.rows_of(copy))
    rows = (await session.execute(select(Consent).where(Consent.registrant_id == registrant.id))).scalars().all()
    consents = [c for c in rows if privacy.in_force(c, now)]
    session.add_all(
        Consent(
            registrant_id=copy.id,
            purpose=c.purpose,
            granted=True,
            channel=c.channel,
            notice_version=c.notice_version,
            language=c.language,
            recorded_at=c.recorded_at,
            recorded_by=c.recorded_by,
            expires_at=c.expires_at,
            partner_name=c.partner_name,
            partner_id=c.partner_id,
            extra={**(c.extra or {}), "copied_from_consent_id": c.id},
        )
        for c in consents
    )
    await session.flush()
    return copy, True


async def withheld(session: AsyncSession, registrant: Registrant) -> list[str]:
    """The fields of :data:`FIELDS_WITHHELD` that hold a value in the sending file (names only)."""
    out: list[str] = []
    for f in FIELDS_WITHHELD:
        if f == "documents":
            stmt = select(IdentityDocument.id).where(IdentityDocument.registrant_id == registrant.id).limit(1)
            if (await session.execute(stmt)).first() is not None:
                out.append(f)
        elif getattr(registrant, f) not in (None, "", []):
            out.append(f)
    return out
