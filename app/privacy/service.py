"""Consent that gates every disclosure to a third party, and the register of disclosures.

One rule, :func:`require_consent`, answers "may this person's data go out for this purpose at this
moment": the person's **latest decision** for the purpose (and, for ``partner_referral``, for that
partner: the one the decision designates by id, never by name) recorded at or before ``at`` must be
a grant, not withdrawn and not expired at ``at``.
A later refusal, a withdrawal or an expiry therefore stops every future disclosure; disclosures
made before stay lawful and stay in the register.

Every disclosure calls :func:`authorise` (consent, or another legal basis for a supervisor or an
administrator with a written justification) and then :func:`record_disclosure`, which writes the
register row and its audit event (``privacy.disclosure``) in the caller's transaction. The audit
event names categories of data, the recipient and the legal basis, never personal values.

Callers: referrals to a partner (:mod:`app.cases.referrals`), transfers between desks
(:mod:`app.cases.transfers`), notifications through an external provider
(:func:`authorise_notification`, for the sender to call before each message).

Errors: ``ConsentRequired`` (409, ``purpose``/``accepted_purposes``), ``LegalBasisForbidden``
(403), ``JustificationRequired`` (422).
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, Final, Protocol, TypeVar

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.audit import service as audit
from app.core.context import Actor
from app.core.db import utcnow
from app.core.errors import ValidationFailed, not_applicable
from app.core.ids import new_id
from app.core.text import visible_length
from app.privacy.errors import ConsentRequired, JustificationRequired, LegalBasisForbidden
from app.privacy.models import Disclosure
from app.privacy.purposes import (
    MIN_JUSTIFICATION_LENGTH,
    NOTIFICATION_PURPOSE,
    OVERRIDE_BASES,
    PURPOSES,
    REFERRAL_PURPOSE,
)
from app.registrants.models import Consent

OVERRIDE_ROLES = frozenset({"supervisor", "admin"})


def _as_set(purpose: str | Iterable[str]) -> frozenset[str]:
    return frozenset({purpose}) if isinstance(purpose, str) else frozenset(purpose)


class ConsentTerms(Protocol):
    """What :func:`in_force` reads of a consent decision."""

    @property
    def granted(self) -> bool: ...
    @property
    def recorded_at(self) -> dt.datetime: ...
    @property
    def withdrawn_at(self) -> dt.datetime | None: ...
    @property
    def expires_at(self) -> dt.datetime | None: ...


class ConsentLike(ConsentTerms, Protocol):
    """A consent decision: an ORM :class:`Consent` or a row selected from its table."""

    @property
    def id(self) -> int: ...
    @property
    def purpose(self) -> str: ...
    @property
    def partner_id(self) -> uuid.UUID | None: ...


_C = TypeVar("_C", bound=ConsentLike)


def in_force(consent: ConsentTerms, at: dt.datetime) -> bool:
    """Whether ``consent`` (a grant) is in force at ``at``: recorded, not withdrawn, not expired."""
    return (
        consent.granted
        and consent.recorded_at <= at
        and (consent.withdrawn_at is None or consent.withdrawn_at > at)
        and (consent.expires_at is None or consent.expires_at > at)
    )


async def consent_in_force(
    session: AsyncSession,
    *,
    registrant_id: uuid.UUID,
    purpose: str | Iterable[str],
    at: dt.datetime,
    partner_id: uuid.UUID | None = None,
    consent_id: int | None = None,
) -> Consent | None:
    """The consent in force at ``at`` for one of ``purpose`` (the most recent one), or ``None``.

    For ``partner_referral`` with ``partner_id``, only decisions about that partner (their
    ``partner_id``; never their name) count. With ``consent_id``, only that consent may answer.
    """
    rows = (
        (
            await session.execute(
                select(Consent)
                .where(
                    Consent.registrant_id == registrant_id,
                    Consent.purpose.in_(_as_set(purpose)),
                    Consent.recorded_at <= at,
                )
                .order_by(Consent.recorded_at, Consent.id)
            )
        )
        .scalars()
        .all()
    )
    return latest_in_force(rows, at=at, partner_id=partner_id, consent_id=consent_id)


def latest_in_force(
    consents: Iterable[_C], *, at: dt.datetime, partner_id: uuid.UUID | None = None, consent_id: int | None = None
) -> _C | None:
    """The rule itself, over one person's decisions ordered by ``(recorded_at, id)``: per purpose
    (and partner id, for ``partner_referral``) the latest decision recorded at or before ``at``
    counts; of those in force at ``at``, the most recent is returned (``None`` if none). A
    ``partner_referral`` decision bound to no partner (before migration 3601, its name designated
    none or several) never answers for a partner."""
    latest: dict[tuple[str, uuid.UUID | None], _C] = {}
    for consent in consents:
        if consent.recorded_at > at:
            continue
        partner = consent.partner_id if consent.purpose == REFERRAL_PURPOSE else None
        if partner_id is not None and consent.purpose == REFERRAL_PURPOSE and partner != partner_id:
            continue
        latest[(consent.purpose, partner)] = consent  # a later decision replaces an earlier one
    candidates = [c for c in latest.values() if in_force(c, at) and (consent_id is None or c.id == consent_id)]
    return max(candidates, key=lambda c: (c.recorded_at, c.id), default=None)


async def require_consent(
    session: AsyncSession,
    *,
    registrant_id: uuid.UUID,
    purpose: str | Iterable[str],
    at: dt.datetime,
    partner_id: uuid.UUID | None = None,
    partner_name: str | None = None,
    consent_id: int | None = None,
) -> Consent:
    """The consent in force at ``at`` for ``purpose`` (one code, or several that each would do);
    for a referral, about the partner ``partner_id`` (``partner_name``, its name, only for the words).

    Raises ``ConsentRequired`` (409) naming the purpose (``purpose``, ``accepted_purposes``, and
    ``partner_id``/``partner_name`` for a referral) when there is none: never given, refused,
    withdrawn or expired.
    """
    consent = await consent_in_force(
        session, registrant_id=registrant_id, purpose=purpose, at=at, partner_id=partner_id, consent_id=consent_id
    )
    if consent is not None:
        return consent
    names = sorted(_as_set(purpose))
    # the purposes in words of each language; their codes are in ``accepted_purposes``
    shown = " or ".join(_lower_first(PURPOSES[n].label_en) if n in PURPOSES else n for n in names)
    labels_fr = " ou ".join(_lower_first(PURPOSES[n].label_fr) if n in PURPOSES else n for n in names)
    whom = f" to {partner_name}" if partner_name else ""
    whom_fr = f" (partenaire : {partner_name})" if partner_name else ""
    extra: dict[str, Any] = {"purpose": names[0], "accepted_purposes": names}
    if partner_id is not None:
        extra["partner_id"] = str(partner_id)
    if partner_name:
        extra["partner_name"] = partner_name
    if consent_id is not None:
        extra["consent_id"] = consent_id
    raise ConsentRequired(
        f"The registrant has no consent in force for: {shown}{whom}.",
        detail_fr=f"La personne n'a pas de consentement en vigueur pour : {labels_fr}{whom_fr}.",
        **extra,
    )


async def require_no_objection(
    session: AsyncSession, *, registrant_id: uuid.UUID, purpose: str, at: dt.datetime, doing_en: str, doing_fr: str
) -> None:
    """Refuse what ``purpose`` governs when the person's latest decision about it, recorded at or
    before ``at``, is a refusal or a grant withdrawn (or expired) by then: ``ConsentRequired`` (409,
    ``purpose``, ``refused`` or ``withdrawn_at``). No decision recorded passes: the purpose's
    processing then rests on the person coming to the desk (files registered or imported before
    the desk recorded this consent). ``doing_en``/``doing_fr``: what is refused, in words.
    """
    stmt = (
        select(Consent)
        .where(Consent.registrant_id == registrant_id, Consent.purpose == purpose, Consent.recorded_at <= at)
        .order_by(Consent.recorded_at.desc(), Consent.id.desc())
        .limit(1)
    )
    latest = (await session.execute(stmt)).scalar_one_or_none()
    if latest is None or in_force(latest, at):
        return
    label_en, refused_fr, withdrawn_fr = _OBJECTED_TO[purpose]
    if not latest.granted:
        en, fr = f"The person refused {label_en}", f"La personne a refusé {refused_fr}"
    else:
        en = f"The person withdrew their consent {label_en}"
        fr = f"La personne a retiré son consentement {withdrawn_fr}"
    raise ConsentRequired(
        f"{en}: {doing_en}. If they give it again, record it on their file.",
        detail_fr=f"{fr} : {doing_fr}. Si elle le donne de nouveau, enregistrez-le dans sa fiche.",
        purpose=purpose,
        accepted_purposes=[purpose],
        **({"refused": True} if latest.withdrawn_at is None else {"withdrawn_at": latest.withdrawn_at.isoformat()}),
    )


# A purpose objected to, in words: English; French after "a refusé", after "a retiré son consentement".
_OBJECTED_TO: Final = {
    "service_delivery": (
        "to be served at the desk (reception, orientation and follow-up)",
        "d'être servie au guichet (accueil, orientation et suivi)",
        "à être servie au guichet (accueil, orientation et suivi)",
    ),
}


@dataclass(frozen=True)
class Basis:
    """The legal basis a disclosure rests on: ``consent`` with its consent, or an override."""

    legal_basis: str
    purpose: str
    consent: Consent | None = None
    justification: str | None = None

    @property
    def consent_id(self) -> int | None:
        return self.consent.id if self.consent is not None else None


async def authorise(
    session: AsyncSession,
    *,
    actor: Actor,
    registrant_id: uuid.UUID,
    purpose: str | Iterable[str],
    at: dt.datetime,
    legal_basis: str = "consent",
    justification: str | None = None,
    partner_id: uuid.UUID | None = None,
    partner_name: str | None = None,
    consent_id: int | None = None,
    justification_field: str = "justification",
    consent_field: str = "consent_id",
) -> Basis:
    """The legal basis for disclosing ``registrant_id``'s data for ``purpose`` at ``at``.

    ``consent``: :func:`require_consent`. ``vital_interest``/``legal_obligation``: only a
    supervisor or an administrator (``LegalBasisForbidden``, 403), with a ``justification`` of at
    least :data:`MIN_JUSTIFICATION_LENGTH` characters (``JustificationRequired``, 422), and no
    ``consent_id`` (``FieldNotApplicable``, 422: the disclosure does not rest on a consent, so the
    one named would be recorded nowhere). ``justification_field`` and ``consent_field`` are the
    names the caller's client gave those values, which the problems name in ``field``.
    """
    purposes = sorted(_as_set(purpose))
    if legal_basis == "consent":
        consent = await require_consent(
            session,
            registrant_id=registrant_id,
            purpose=purposes,
            at=at,
            partner_id=partner_id,
            partner_name=partner_name,
            consent_id=consent_id,
        )
        return Basis("consent", consent.purpose, consent)
    if legal_basis not in OVERRIDE_BASES:
        raise ValidationFailed(
            f"Unknown legal basis {legal_basis!r}.", detail_fr=f"Base légale inconnue {legal_basis!r}."
        )
    if actor.role not in OVERRIDE_ROLES:
        raise LegalBasisForbidden(
            f"Only a supervisor or an administrator may disclose on the basis {legal_basis}.",
            detail_fr=f"Seul un superviseur ou un administrateur peut invoquer la base {legal_basis}.",
            legal_basis=legal_basis,
        )
    if consent_id is not None:
        raise not_applicable(
            [consent_field],
            why_en=f"the legal basis {legal_basis} is not a consent.",
            why_fr=f"la base légale {legal_basis} n'est pas un consentement.",
        )
    text = (justification or "").strip()
    if visible_length(text) < MIN_JUSTIFICATION_LENGTH:  # twenty zero-width spaces justify nothing
        raise JustificationRequired(
            f"The legal basis {legal_basis} needs a justification ({justification_field}) of at least "
            f"{MIN_JUSTIFICATION_LENGTH} characters.",
            detail_fr=f"La base légale {legal_basis} requiert une justification ({justification_field}) d'au moins "
            f"{MIN_JUSTIFICATION_LENGTH} caractères.",
            field=justification_field,
        )
    return Basis(legal_basis, purposes[0], None, text)


async def record_disclosure(
    session: AsyncSession,
    *,
    actor: Actor,
    registrant_id: uuid.UUID,
    desk_id: uuid.UUID,
    kind: str,
    basis: Basis,
    recipient_type: str,
    recipient_name: str,
    recipient_id: str | uuid.UUID | None = None,
    entity_type: str | None = None,
    entity_id: str | uuid.UUID | None = None,
    fields: Sequence[str] = (),
    at: dt.datetime | None = None,
) -> Disclosure:
    """Write the register row of one disclosure and its audit event ``privacy.disclosure``."""
    row = Disclosure(
        id=new_id(),
        registrant_id=registrant_id,
        desk_id=desk_id,
        kind=kind,
        purpose=basis.purpose,
        recipient_type=recipient_type,
        recipient_id=str(recipient_id) if recipient_id is not None else None,
        recipient_name=recipient_name,
        entity_type=entity_type,
        entity_id=str(entity_id) if entity_id is not None else None,
        fields=list(fields),
        legal_basis=basis.legal_basis,
        consent_id=basis.consent_id,
        justification=basis.justification,
        disclosed_at=at or utcnow(),
        disclosed_by=actor.user_id,
    )
    session.add(row)
    await session.flush()
    await audit.record(
        session,
        actor=actor,
        action="privacy.disclosure",
        entity_type="registrant",
        entity_id=registrant_id,
        desk_id=desk_id,
        details={
            "disclosure_id": row.id,
            "kind": kind,
            "purpose": basis.purpose,
            "recipient_type": recipient_type,
            "recipient_id": row.recipient_id,
            "entity_type": entity_type,
            "entity_id": row.entity_id,
            "fields": list(fields),
            "legal_basis": basis.legal_basis,
            "consent_id": basis.consent_id,
            "justified": basis.justification is not None,
        },
    )
    return row


async def authorise_notification(
    session: AsyncSession,
    *,
    actor: Actor,
    registrant_id: uuid.UUID,
    desk_id: uuid.UUID,
    provider: str,
    channel: str,
    at: dt.datetime | None = None,
) -> Disclosure:
    """Before a message goes through an external provider (SMS, WhatsApp): check the
    ``contact_sms_whatsapp`` consent at ``at`` (default now) and register the disclosure of the
    person's phone number to ``provider``. Raises ``ConsentRequired`` (409) when not in force."""
    when = at or utcnow()
    basis = await authorise(session, actor=actor, registrant_id=registrant_id, purpose=NOTIFICATION_PURPOSE, at=when)
    return await record_disclosure(
        session,
        actor=actor,
        registrant_id=registrant_id,
        desk_id=desk_id,
        kind="notification",
        basis=basis,
        recipient_type="provider",
        recipient_name=provider,
        fields=["phone", f"message:{channel}"],
        at=when,
    )


def _lower_first(label: str) -> str:
    """A purpose's label inside a sentence: ``Transfert du dossier…`` → ``transfert du dossier…``."""
    return label[:1].lower() + label[1:]
