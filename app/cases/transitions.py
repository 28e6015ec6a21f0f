"""Moving a case through its workflow (:mod:`app.cases.workflow` holds the table and rules).

Errors: ``TransitionNotAllowed`` (409, with ``current_status`` and ``allowed``),
``TransitionRequirementMissing`` (422: outcome category, reason, receiving desk),
``FieldNotApplicable`` (422: a field the move does not take, named in ``field``),
``ReferralRequired`` and ``ConsentRequired`` (409), ``ClosureApprovalRequired`` (403),
the ``If-Match`` problems (428/412) and ``NotFound`` across desks.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.audit import service as audit
from app.cases import transfers
from app.cases.errors import (
    ClosureApprovalRequired,
    ReferralRequired,
    TransitionNotAllowed,
    TransitionRequirementMissing,
)
from app.cases.models import Case, CaseTransfer, Referral, ServiceType
from app.cases.service import get_visible
from app.cases.timeline import add_event
from app.cases.workflow import (
    CLOSING_STATUSES,
    NEEDS_OUTCOME,
    NEEDS_PENDING_REFERRAL,
    NEEDS_TRANSFER,
    PENDING_REFERRAL_STATUSES,
    SUPERVISOR_ONLY_FROM,
    SUPERVISOR_ROLES,
    TRANSITION_FIELD_WORDS,
    TRANSITION_FIELDS,
    accepted_fields,
    allowed_from,
    needs_reason,
)
from app.core.context import Actor
from app.core.db import utcnow
from app.core.errors import not_applicable
from app.core.http import require_if_match
from app.notifications import events as notify
from app.reports.chart_words import code


@dataclass(frozen=True)
class TransitionRequest:
    """What a transition carries; which fields are needed depends on the target (see workflow)."""

    to: str
    outcome_category: str | None = None
    outcome_note: str | None = None
    requested_status: str | None = None
    reason: str | None = None
    to_desk: str | None = None
    consent_id: int | None = None
    legal_basis: str | None = None
    legal_basis_note: str | None = None


_PERSONAL = ("reason", "outcome_note")
"""The free text of a move (``details``), audited in the erasable payload only."""


def winds_down(request: TransitionRequest) -> bool:
    """True for a move that only closes the case (a closing status, or a closure request) and
    carries no text: the one kind still made on the case of an anonymised file, whose cases the
    desk no longer works on but still closes (a reopen, a transfer, any text would be the person's
    data on a file that can no longer be erased)."""
    text = (request.reason, request.outcome_note, request.legal_basis_note)
    return request.to in NEEDS_OUTCOME and not any(text)


def _missing(what_en: str, what_fr: str, field: str) -> TransitionRequirementMissing:
    return TransitionRequirementMissing(what_en, detail_fr=what_fr, field=field)


async def transition(
    session: AsyncSession, *, actor: Actor, case_id: uuid.UUID, if_match: str | None, request: TransitionRequest
) -> Case:
    """Move the case to ``request.to`` if the table allows it and its rules hold; returns the case.

    A transfer also opens the case at the receiving desk (see :mod:`app.cases.transfers`). When
    the person's file was anonymised, the case can only be wound down (:func:`winds_down`); any
    other move is refused with ``RegistrantErased`` (409). The timeline event (``status_changed``)
    carries the move's ``from``/``to``, its ``outcome_category``, ``outcome_note`` and ``reason``
    when sent: a reopening clears the case's closing note, the event keeps it (the audit record
    keeps these texts in its erasable payload only).
    """
    case = await get_visible(session, actor=actor, case_id=case_id, for_update=True, for_write=not winds_down(request))
    require_if_match(if_match, case.version)
    source, target = case.status, request.to
    allowed = allowed_from(source)
    if target not in allowed:
        raise TransitionNotAllowed(
            f"A case in status {source} cannot move to {target}; allowed: {', '.join(allowed) or 'none'}.",
            detail_fr=f"Un dossier au statut {source} ne peut pas passer à {target} ; "
            f"autorisés : {', '.join(allowed) or 'aucun'}.",
            current_status=source,
            allowed=list(allowed),
        )
    _refuse_fields_not_taken(source, target, request)
    service_type = (
        await session.execute(select(ServiceType).where(ServiceType.id == case.service_type_id))
    ).scalar_one()
    supervisor = actor.role in SUPERVISOR_ROLES
    if source in SUPERVISOR_ONLY_FROM and not supervisor:
        raise ClosureApprovalRequired(
            "Only a supervisor decides on a closure request.",
            detail_fr="Seul un superviseur statue sur une demande de clôture.",
        )
    if target in CLOSING_STATUSES and service_type.closure_requires_approval and not supervisor:
        raise ClosureApprovalRequired(
            f"Closing a {service_type.code} case needs a supervisor: move it to “Closure requested”.",
            detail_fr=f"La clôture d'un dossier {service_type.code} requiert un superviseur : "
            "passez-le au statut « Clôture demandée ».",
            allowed=["pending_closure"],
        )
    details: dict[str, Any] = {"from": source, "to": target}
    outcome = None
    if target in NEEDS_OUTCOME:
        outcome = request.outcome_category or (case.outcome_category if source == "pending_closure" else None)
        closing = (request.requested_status or "resolved") if target == "pending_closure" else target
        if outcome is None:
            raise _missing(
                "Closing a case needs an outcome.",
                "La clôture d'un dossier requiert un résultat.",
                "outcome_category",
            )
        if closing == "resolved" and outcome == "no_outcome":
            raise _missing(
                "A resolved case needs an outcome other than “No outcome”.",
                "Un dossier résolu requiert un résultat autre que « Sans résultat ».",
                "outcome_category",
            )
        details["outcome_category"] = outcome
        if request.outcome_note:  # on the timeline for good: a reopening clears the case's own copy
            details["outcome_note"] = request.outcome_note
    if target in NEEDS_PENDING_REFERRAL:
        pending = select(Referral.id).where(Referral.case_id == case.id, Referral.status.in_(PENDING_REFERRAL_STATUSES))
        if (await session.execute(pending.limit(1))).first() is None:
            raise ReferralRequired(
                "Record the referral to a partner first, then change the status.",
                detail_fr="Enregistrez d'abord l'orientation vers un partenaire, puis changez le statut.",
            )
    if needs_reason(source, target):
        if not request.reason:
            raise _missing("This status change needs a reason.", "Ce changement de statut requiert un motif.", "reason")
        details["reason"] = request.reason
    record: CaseTransfer | None = None
    if target in NEEDS_TRANSFER:
        if not request.to_desk:
            raise _missing(
                "A transfer names the receiving desk.", "Un transfert nomme le guichet de destination.", "to_desk"
            )
        record = await transfers.transfer(
            session,
            actor=actor,
            case=case,
            service_type=service_type,
            to_desk_code=request.to_desk,
            consent_id=request.consent_id,
            legal_basis=request.legal_basis or "consent",
            legal_basis_note=request.legal_basis_note,
        )
        details.update(to_desk=request.to_desk.upper(), transfer_id=record.id, target_case_id=record.target_case_id)
    _apply(case, actor=actor, source=source, target=target, outcome=outcome, request=request)
    if target in CLOSING_STATUSES and (closed := await _close_referrals(session, case)):
        details["referrals_closed"] = closed
    if target == "pending_closure":
        details["requested_status"] = case.closure_requested_status
    await session.flush()
    await add_event(session, case_id=case.id, kind="status_changed", actor=actor, details=details)
    await audit.record(
        session,
        actor=actor,
        action="case.transition",
        entity_type="case",
        entity_id=case.id,
        desk_id=case.desk_id,
        # The reason and the closing note may describe the person's situation: kept in the
        # erasable payload, the chained event saying only that there was one.
        details={k: (v is not None if k in _PERSONAL else v) for k, v in details.items()},
        personal={k: details[k] for k in _PERSONAL if details.get(k)} or None,
        subject_id=case.registrant_id,
    )
    if record is not None:  # the person is told the desk and the number the case goes on under
        await notify.case_transferred(
            session, actor=actor, case=case, target=await session.get_one(Case, record.target_case_id)
        )
    else:
        await notify.case_status_changed(session, actor=actor, case=case)
    return case


async def _close_referrals(session: AsyncSession, case: Case) -> list[uuid.UUID]:
    """Referrals of ``case`` still awaiting an answer become ``closed_with_case`` (the desk no
    longer waits for them: out of the partner queues); returns their ids, oldest first."""
    stmt = (
        select(Referral)
        .where(Referral.case_id == case.id, Referral.status.in_(PENDING_REFERRAL_STATUSES))
        .order_by(Referral.created_at, Referral.id)
    )
    waiting = list((await session.execute(stmt)).scalars().all())
    for referral in waiting:
        referral.status = "closed_with_case"
    return [r.id for r in waiting]


def _refuse_fields_not_taken(source: str, target: str, request: TransitionRequest) -> None:
    """``FieldNotApplicable`` (422) naming every field sent (not null) that the move does not take
    (:func:`~app.cases.workflow.accepted_fields`): it would otherwise be stored nowhere."""
    taken = accepted_fields(source, target)
    extra = [f for f in TRANSITION_FIELDS if getattr(request, f) is not None and f not in taken]
    if extra:
        fr, en = ([TRANSITION_FIELD_WORDS[f][i] for f in taken] for i in (0, 1))
        raise not_applicable(
            extra,
            why_en=f"a move from '{_status(source, 'en')}' to '{_status(target, 'en')}' takes "
            f"{', '.join(en) or 'only the new status'}.",
            why_fr=f"un passage de « {_status(source, 'fr')} » à « {_status(target, 'fr')} » prend "
            f"{', '.join(fr) or 'seulement le nouveau statut'}.",
        )


def _status(status: str, language: str) -> str:
    """A case status in words, in a sentence (« reçu », "received")."""
    return code(status, language).lower()


def _apply(
    case: Case, *, actor: Actor, source: str, target: str, outcome: str | None, request: TransitionRequest
) -> None:
    case.status = target
    if target in CLOSING_STATUSES or target == "transferred":
        case.closed_at = utcnow()
        case.closure_requested_status = None
        case.closure_requested_by = None
    if target in CLOSING_STATUSES:
        case.outcome_category = outcome
        case.outcome_note = request.outcome_note or case.outcome_note
    elif target == "pending_closure":
        case.outcome_category = outcome
        case.outcome_note = request.outcome_note
        case.closure_requested_status = request.requested_status or "resolved"
        case.closure_requested_by = actor.user_id
    elif target == "in_follow_up" and (source in CLOSING_STATUSES or source == "pending_closure"):
        # Reopened, or a closure request sent back: the case is worked on again.
        case.closed_at = None
        case.outcome_category = None
        case.outcome_note = None
        case.closure_requested_status = None
        case.closure_requested_by = None
