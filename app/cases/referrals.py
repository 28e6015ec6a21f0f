"""Referrals of a case to a partner, and the partner's answer.

Dates are local dates of the case's desk. ``expected_answer_on`` defaults to
:data:`~app.cases.workflow.DEFAULT_PARTNER_ANSWER_DAYS` business days after ``referred_on``.
A referral ``sent`` or ``acknowledged`` keeps the case in the ``waiting_on_partner`` queue; past
its expected answer date it also puts the case in the ``overdue`` queue.

A referral discloses the person's data to the partner: it needs the ``partner_referral`` consent
about that partner (its ``partner_id``, whatever the partner is now called), in force at the time
of referral, or another legal basis (:func:`app.privacy.service.authorise`); it is written to the
register of disclosures.

Errors: ``ConsentRequired`` (409), ``LegalBasisForbidden`` (403), ``JustificationRequired`` (422),
``UnknownPartner``/``PartnerInactive`` (422), ``ValidationFailed`` (422) for dates out of
order (on an update it names the date at fault: ``field`` and ``errors[].type``
``date_in_future`` or ``date_before_referral``), ``FieldNotApplicable`` (422: ``answered_on``
for a referral not answered, a justification with the consent basis, a ``consent_id`` with
another basis), ``ReferralStatusNotAllowed`` (409, with ``allowed``), ``CaseNotOpen``/``CaseReadOnly``
(409), ``NotFound`` across desks, the ``If-Match`` problems.

A referral made or changed moves its case's version (its ETag) too: the case's read shows whether
it waits on a partner and which moves it allows (:func:`app.cases.service.shows_a_change`).
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.audit import service as audit
from app.calendars.service import add_business_days, local_date
from app.cases import catalogue
from app.cases.errors import ReferralAlreadyOpen, ReferralStatusNotAllowed
from app.cases.models import Case, Partner, Referral
from app.cases.schemas import ReferralOut
from app.cases.service import ensure_open, ensure_writable, get_visible, shows_a_change
from app.cases.timeline import add_event
from app.cases.workflow import (
    ANSWER_STATUSES,
    DEFAULT_PARTNER_ANSWER_DAYS,
    PENDING_REFERRAL_STATUSES,
    REFERRAL_TRANSITIONS,
)
from app.core.context import Actor
from app.core.db import utcnow
from app.core.errors import NotFound, ValidationFailed, not_applicable
from app.core.http import require_if_match
from app.core.i18n import date_fr
from app.core.ids import new_id
from app.desks.models import Desk
from app.privacy import service as privacy
from app.privacy.purposes import REFERRAL_PURPOSE

# What a referral hands the partner: who the person is, how to reach them, what they need.
REFERRAL_FIELDS_SENT = ("given_names", "family_name", "phones", "service_type", "case_description")
_FIELDS = ("status", "partner_reference", "expected_answer_on", "answered_on", "outcome")
_FREE_TEXT = frozenset({"partner_reference", "outcome"})
"""A referral's fields that may hold what is known of the person (erased with their file)."""


async def _desk_of(session: AsyncSession, case: Case) -> Desk:
    return (await session.execute(select(Desk).where(Desk.id == case.desk_id))).scalar_one()


_DATES_EN = {"expected_answer_on": "expected answer date", "answered_on": "answer date"}
_DATES_FR = {"expected_answer_on": "date de réponse attendue", "answered_on": "date de la réponse"}
"""A referral's dates as its form names them."""


def _bad_dates(en: str, fr: str) -> ValidationFailed:
    return ValidationFailed(en, detail_fr=fr)


def _bad_date(field: str, kind: str, en: str, fr: str) -> ValidationFailed:
    """422 naming the date at fault: ``field`` and one ``errors`` entry (``loc`` ``["body", field]``,
    ``type`` ``kind``: ``date_in_future`` or ``date_before_referral``), so that a form marks it."""
    return ValidationFailed(en, detail_fr=fr, field=field, errors=[{"loc": ["body", field], "msg": en, "type": kind}])


async def create(session: AsyncSession, *, actor: Actor, case_id: uuid.UUID, values: dict[str, Any]) -> Referral:
    """Refer an open case to an active partner (status ``sent``).

    ``values``: ``partner_id``, optional ``referred_on`` (default: the desk's today; not in the
    future, not before the case opened), ``expected_answer_on`` (not before ``referred_on``),
    ``partner_reference``. Raises ``RegistrantErased`` (409) when the person's file was anonymised,
    ``ReferralAlreadyOpen`` (409, with ``referral_id``) when a referral of the case to this partner
    still awaits its answer (``sent``, ``acknowledged``): the case row is locked, so two identical
    requests at once make one referral.
    """
    case = await get_visible(session, actor=actor, case_id=case_id, for_update=True, for_write=True)
    ensure_open(case)
    partner = await catalogue.active_partner(session, partner_id=values["partner_id"])
    open_one = select(Referral.id).where(
        Referral.case_id == case.id, Referral.partner_id == partner.id, Referral.status.in_(PENDING_REFERRAL_STATUSES)
    )
    if (existing := (await session.execute(open_one.limit(1))).scalar_one_or_none()) is not None:
        raise ReferralAlreadyOpen(
            f"The case is already referred to {partner.name}; record that referral's answer first.",
            detail_fr=f"Le dossier est déjà orienté vers {partner.name} ; enregistrez d'abord la réponse à cette "
            "orientation.",
            referral_id=str(existing),
        )
    desk = await _desk_of(session, case)
    today = local_date(desk, utcnow())
    referred_on: dt.date = values.get("referred_on") or today
    if referred_on > today or referred_on < case.opened_on:
        raise _bad_dates(
            f"The referral date must be between the case's opening ({case.opened_on}) and today ({today}).",
            f"La date de l'orientation doit être entre l'ouverture du dossier ({date_fr(case.opened_on)}) et "
            f"aujourd'hui ({date_fr(today)}).",
        )
    expected: dt.date | None = values.get("expected_answer_on")
    if expected is None:
        expected = await add_business_days(session, desk=desk, start=referred_on, days=DEFAULT_PARTNER_ANSWER_DAYS)
    elif expected < referred_on:
        raise _bad_dates(
            "The expected answer date cannot be before the referral date.",
            "La date de réponse attendue ne peut pas précéder la date de l'orientation.",
        )
    legal_basis = values.get("legal_basis") or "consent"
    if legal_basis == "consent" and values.get("legal_basis_justification") is not None:
        # the register keeps a justification only for an override basis: it would be dropped
        raise not_applicable(
            ["legal_basis_justification"],
            why_en="a referral on the person's consent needs no justification; it goes with the vital interest "
            "or legal obligation bases.",
            why_fr="une orientation sur le consentement de la personne ne se justifie pas ; la justification "
            "accompagne les bases « intérêt vital » ou « obligation légale ».",
        )
    basis = await privacy.authorise(
        session,
        actor=actor,
        registrant_id=case.registrant_id,
        purpose=REFERRAL_PURPOSE,
        at=utcnow(),
        legal_basis=legal_basis,
        justification=values.get("legal_basis_justification"),
        partner_id=partner.id,
        partner_name=partner.name,
        consent_id=values.get("consent_id"),
        justification_field="legal_basis_justification",
    )
    referral = Referral(
        id=new_id(),
        case_id=case.id,
        partner_id=partner.id,
        status="sent",
        referred_on=referred_on,
        expected_answer_on=expected,
        partner_reference=values.get("partner_reference"),
        created_by=actor.user_id,
    )
    session.add(referral)
    shows_a_change(case)
    await session.flush()
    await privacy.record_disclosure(
        session,
        actor=actor,
        registrant_id=case.registrant_id,
        desk_id=case.desk_id,
        kind="referral",
        basis=basis,
        recipient_type="partner",
        recipient_id=partner.id,
        recipient_name=partner.name,
        entity_type="referral",
        entity_id=referral.id,
        fields=REFERRAL_FIELDS_SENT,
    )
    details = {
        "referral_id": referral.id,
        "partner": partner.name,
        "referred_on": referred_on,
        "expected_answer_on": expected,
        "legal_basis": basis.legal_basis,
        "consent_id": basis.consent_id,
    }
    await add_event(session, case_id=case.id, kind="referral_created", actor=actor, details=details)
    await audit.record(
        session,
        actor=actor,
        action="referral.create",
        entity_type="referral",
        entity_id=referral.id,
        desk_id=case.desk_id,
        details={**details, "case_id": case.id},
    )
    return referral


async def list_for_case(session: AsyncSession, *, actor: Actor, case_id: uuid.UUID) -> list[tuple[Referral, Partner]]:
    """The case's referrals with their partner, oldest first. The read is audited
    ``referral.list`` on the case (how many). Raises ``NotFound`` (404, also across desks)."""
    case = await get_visible(session, actor=actor, case_id=case_id)
    rows = await session.execute(
        select(Referral, Partner)
        .join(Partner, Partner.id == Referral.partner_id)
        .where(Referral.case_id == case.id)
        .order_by(Referral.created_at, Referral.id)
    )
    found = [(r, p) for r, p in rows.all()]
    await audit.record(
        session,
        actor=actor,
        action="referral.list",
        entity_type="case",
        entity_id=case.id,
        desk_id=case.desk_id,
        details={"referrals": len(found)},
    )
    return found


async def get(session: AsyncSession, *, actor: Actor, case_id: uuid.UUID, referral_id: uuid.UUID) -> Referral:
    """One referral of a visible case (to change it: not audited as a read); ``NotFound`` otherwise."""
    case = await get_visible(session, actor=actor, case_id=case_id)
    referral = await session.get(Referral, referral_id)
    if referral is None or referral.case_id != case.id:
        raise NotFound("No such referral.", detail_fr="Orientation introuvable.")
    return referral


async def read(
    session: AsyncSession, *, actor: Actor, case_id: uuid.UUID, referral_id: uuid.UUID
) -> tuple[Referral, Partner]:
    """One referral of a visible case with its partner; the read is audited ``referral.read``.
    Raises ``NotFound`` (404, also across desks; nothing is logged then)."""
    case = await get_visible(session, actor=actor, case_id=case_id)
    found = (
        await session.execute(
            select(Referral, Partner)
            .join(Partner, Partner.id == Referral.partner_id)
            .where(Referral.id == referral_id, Referral.case_id == case.id)
        )
    ).one_or_none()
    if found is None:
        raise NotFound("No such referral.", detail_fr="Orientation introuvable.")
    referral, partner = found
    await audit.record(
        session,
        actor=actor,
        action="referral.read",
        entity_type="referral",
        entity_id=referral.id,
        desk_id=case.desk_id,
        details={"case_id": case.id},
    )
    return referral, partner


async def update(
    session: AsyncSession,
    *,
    actor: Actor,
    case_id: uuid.UUID,
    referral_id: uuid.UUID,
    if_match: str | None,
    changes: dict[str, Any],
) -> Referral:
    """Record the partner's acknowledgement, reference, answer or silence.

    ``status`` follows :data:`~app.cases.workflow.REFERRAL_TRANSITIONS`: a status not listed
    there, the current one included, is ``ReferralStatusNotAllowed`` (409, with ``allowed``), as a
    case's move to its own status is. ``answered``/``declined`` set ``answered_on`` to the desk's
    today unless given; ``answered_on`` is taken only with such a status or once the referral has
    it (``FieldNotApplicable``, 422, otherwise: a referral not answered has no answer date). On the
    case of an anonymised file only the status and dates are still recorded; a
    ``partner_reference`` or ``outcome`` (free text) is refused with ``RegistrantErased`` (409).
    """
    carries_text = bool(_FREE_TEXT & changes.keys())
    case = await get_visible(session, actor=actor, case_id=case_id, for_update=True, for_write=carries_text)
    ensure_writable(case)
    referral = await get(session, actor=actor, case_id=case_id, referral_id=referral_id)
    require_if_match(if_match, referral.version)
    before = {f: getattr(referral, f) for f in _FIELDS}
    status = changes.get("status")
    if status is not None:
        allowed = REFERRAL_TRANSITIONS[referral.status]
        if status not in allowed:  # its own status included, as a case's transitions
            raise ReferralStatusNotAllowed(
                f"A referral {referral.status} cannot become {status}; allowed: {', '.join(allowed) or 'none'}.",
                detail_fr=f"Une orientation {referral.status} ne peut pas passer à {status} ; "
                f"autorisés : {', '.join(allowed) or 'aucun'}.",
                current_status=referral.status,
                allowed=list(allowed),
            )
    if "answered_on" in changes and (status or referral.status) not in ANSWER_STATUSES:
        raise not_applicable(
            ["answered_on"],
            why_en=f"a referral {status or referral.status} has no answer; the answer date goes with the status "
            f"{' or '.join(ANSWER_STATUSES)} (given with it, or after).",
            why_fr=f"une orientation {status or referral.status} n'a pas de réponse ; la date de la réponse "
            f"accompagne le statut {' ou '.join(ANSWER_STATUSES)} (donnée avec lui, ou après).",
        )
    for field, value in changes.items():
        setattr(referral, field, value)
    today = local_date(await _desk_of(session, case), utcnow())
    if referral.status in ANSWER_STATUSES and referral.answered_on is None:
        referral.answered_on = today
    if referral.answered_on is not None and referral.answered_on > today:
        raise _bad_date(
            "answered_on",
            "date_in_future",
            f"The answer date cannot be after the desk's today ({today.isoformat()}).",
            f"La date de la réponse ne peut pas être postérieure à la date du jour au guichet ({date_fr(today)}).",
        )
    for field in ("expected_answer_on", "answered_on"):
        value = getattr(referral, field)
        if value is not None and value < referral.referred_on:
            raise _bad_date(
                field,
                "date_before_referral",
                f"The {_DATES_EN[field]} cannot be before the referral date ({referral.referred_on.isoformat()}).",
                f"La {_DATES_FR[field]} ne peut pas précéder la date de l'orientation "
                f"({date_fr(referral.referred_on)}).",
            )
    after = {f: getattr(referral, f) for f in _FIELDS}
    diff = audit.diff(before, after, sensitive=frozenset({"outcome"}))
    if not diff:
        return referral
    shows_a_change(case)
    # The free text is what is known of the person: masked in the chain, kept in the erasable payload.
    audited, personal = audit.separate(audit.diff(before, after), _FREE_TEXT)
    await session.flush()
    await add_event(
        session,
        case_id=case.id,
        kind="referral_updated",
        actor=actor,
        details={"referral_id": referral.id, "changes": diff},
    )
    await audit.record(
        session,
        actor=actor,
        action="referral.update",
        entity_type="referral",
        entity_id=referral.id,
        desk_id=case.desk_id,
        details={"case_id": case.id, "changes": audited},
        personal={"changes": personal} if personal else None,
        subject_id=case.registrant_id,
    )
    return referral


def present(referral: Referral, partner: Partner) -> ReferralOut:
    """The API's view of a referral to ``partner``, with the statuses it may move to next."""
    return ReferralOut(
        id=referral.id,
        case_id=referral.case_id,
        partner_id=partner.id,
        partner_name=partner.name,
        status=referral.status,
        referred_on=referral.referred_on,
        expected_answer_on=referral.expected_answer_on,
        answered_on=referral.answered_on,
        partner_reference=referral.partner_reference,
        outcome=referral.outcome,
        created_at=referral.created_at,
        allowed_statuses=list(REFERRAL_TRANSITIONS.get(referral.status, ())),
    )
