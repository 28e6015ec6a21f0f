"""The case workflow, written once as data: statuses, allowed transitions and their requirements.

``received → qualified → oriented → referred → in_follow_up → resolved | closed_no_response |
closed_withdrawn | transferred``, with reopen (a closed case goes back to ``in_follow_up``).

Supervisor approval of closures: for a service type with ``closure_requires_approval``, an agent
does not close; they move the case to ``pending_closure`` with the closing status and outcome they
propose. A supervisor (or administrator) then either closes it (any closing status, the proposal
by default) or sends it back to ``in_follow_up`` with a reason. Supervisors may close such cases
directly. ``transferred`` is final: the sending desk's read-only trace of a transfer.
"""

from __future__ import annotations

from typing import Final

OPEN_STATUSES: Final = ("received", "qualified", "oriented", "referred", "in_follow_up", "pending_closure")
CLOSING_STATUSES: Final = ("resolved", "closed_no_response", "closed_withdrawn")
FINAL_STATUSES: Final = ("transferred",)
STATUSES: Final = OPEN_STATUSES + CLOSING_STATUSES + FINAL_STATUSES

_LEAVE = (*CLOSING_STATUSES, "transferred", "pending_closure")

TRANSITIONS: Final[dict[str, tuple[str, ...]]] = {
    "received": ("qualified", *_LEAVE),
    "qualified": ("oriented", "referred", *_LEAVE),
    "oriented": ("referred", "in_follow_up", *_LEAVE),
    "referred": ("in_follow_up", *_LEAVE),
    "in_follow_up": ("referred", *_LEAVE),
    "pending_closure": (*CLOSING_STATUSES, "in_follow_up"),
    # Reopen.
    "resolved": ("in_follow_up",),
    "closed_no_response": ("in_follow_up",),
    "closed_withdrawn": ("in_follow_up",),
    "transferred": (),
}
"""``{from: (allowed targets…)}``; everything else is refused with 409 naming the allowed ones."""

# What a transition must carry, by target status (and by source for reopen/rejection).
NEEDS_OUTCOME: Final = frozenset({*CLOSING_STATUSES, "pending_closure"})
NEEDS_PENDING_REFERRAL: Final = frozenset({"referred"})
NEEDS_TRANSFER: Final = frozenset({"transferred"})
SUPERVISOR_ONLY_FROM: Final = frozenset({"pending_closure"})
SUPERVISOR_ROLES: Final = frozenset({"supervisor", "admin"})


def needs_reason(source: str, target: str) -> bool:
    """A reopen (closed → ``in_follow_up``) and a refused closure request must say why."""
    return target == "in_follow_up" and (source in CLOSING_STATUSES or source == "pending_closure")


def allowed_from(status: str) -> tuple[str, ...]:
    """The statuses a case in ``status`` may move to (empty for ``transferred``)."""
    return TRANSITIONS.get(status, ())


def allowed_for(
    status: str, *, supervisor: bool, closure_requires_approval: bool, pending_referral: bool, file_anonymised: bool
) -> tuple[str, ...]:
    """The moves of :func:`allowed_from` this caller may make now, refused as
    :func:`app.cases.transitions.transition` refuses them:

    * from ``pending_closure`` only a supervisor (or administrator) moves (403 otherwise);
    * a type with ``closure_requires_approval`` is closed by a supervisor only: an agent asks with
      ``pending_closure`` (403 ``closure-approval-required`` otherwise);
    * ``referred`` needs a referral awaiting its answer, ``pending_referral`` (409
      ``referral-required`` otherwise): the desk records the referral first;
    * on the case of an anonymised file (``file_anonymised``) the case is only wound down: a
      closing status or a closure request, whose outcome is a code
      (:func:`app.cases.transitions.winds_down`; 409 ``registrant-erased`` otherwise).

    What the move's own fields decide (the receiving desk and consent of a transfer, the outcome,
    the reason) is for the request to get right, not foreseen here."""
    if status in SUPERVISOR_ONLY_FROM and not supervisor:
        return ()
    refused: set[str] = set()
    if closure_requires_approval and not supervisor:
        refused.update(CLOSING_STATUSES)
    if not pending_referral:
        refused.update(NEEDS_PENDING_REFERRAL)
    moves = tuple(s for s in allowed_from(status) if s not in refused)
    if file_anonymised:
        # a reopen or a refused closure request needs a reason (text); any other move is not winding down
        moves = tuple(s for s in moves if s in NEEDS_OUTCOME)
    return moves


def is_open(status: str) -> bool:
    """True while the desk still works on the case (it appears in the queues)."""
    return status in OPEN_STATUSES


OUTCOME_CATEGORIES: Final = (
    "social",
    "psychosocial",
    "health",
    "economic",
    "training",
    "financing",
    "administrative",
    "legal",
    "information",
    "no_outcome",
)
"""Outcome categories of a closed case.

The first four are exactly the BAOS funder-report categories (cases resolved: social,
psychosocial, health, economic — DOMAIN.md); ``training`` and ``financing`` count the BAOS
"trained" and "financed" figures; ``administrative`` (consular and residence papers), ``legal`` and
``information`` cover the desk's other work; ``no_outcome`` is for a case closed without a result
(no response, withdrawn) and is refused for ``resolved``.
"""

CHANNELS: Final = ("walk_in", "phone", "mobile_app", "web", "partner_referral")
PRIORITIES: Final = ("low", "normal", "high", "urgent")
VULNERABILITY_FLAGS: Final = (
    "minor",
    "unaccompanied_minor",
    "pregnant",
    "disability",
    "serious_illness",
    "elderly",
    "victim_of_violence",
    "trafficking_victim",
    "detained",
    "homeless",
    "stranded",
    "no_documents",
)
REFERRAL_STATUSES: Final = ("sent", "acknowledged", "answered", "declined", "no_answer", "closed_with_case")
PENDING_REFERRAL_STATUSES: Final = ("sent", "acknowledged")
ANSWER_STATUSES: Final = ("answered", "declined")
"""The partner answered (yes or no): only then has a referral an ``answered_on`` date."""
REFERRAL_TRANSITIONS: Final[dict[str, tuple[str, ...]]] = {
    "sent": ("acknowledged", "answered", "declined", "no_answer"),
    "acknowledged": ("answered", "declined", "no_answer"),
    "answered": (),
    "declined": (),
    "no_answer": ("acknowledged", "answered", "declined"),
    "closed_with_case": ("answered", "declined"),
}
"""``closed_with_case``: the case was closed (resolved, no response, withdrawn) while the referral
still awaited its answer; the closing sets it, no client does. A late partner may still answer
after the desk recorded ``no_answer`` or closed the case. A status not listed, the
current one included, is refused (409), as a case's move to its own status is."""

DEFAULT_PARTNER_ANSWER_DAYS: Final = 10
"""Business days a partner has to answer when the referral does not say (a default, not a rule)."""

TRANSFER_PURPOSES_ANY: Final = frozenset({"desk_transfer"})
TRANSFER_PURPOSES_TO_SENEGAL: Final = frozenset({"transfer_to_senegal", "desk_transfer"})


def fields_for(source: str, target: str) -> tuple[str, ...]:
    """The fields a move from ``source`` to ``target`` asks for, as named in ``TransitionIn``:
    ``outcome_category`` (closing, closure request), ``reason`` (reopen, refused closure),
    ``to_desk`` and ``consent_id`` (transfer; ``consent_id`` or another legal basis)."""
    needed: tuple[str, ...] = ()
    if target in NEEDS_OUTCOME:
        needed += ("outcome_category",)
    if needs_reason(source, target):
        needed += ("reason",)
    if target in NEEDS_TRANSFER:
        needed += ("to_desk", "consent_id")
    return needed


TRANSITION_FIELDS: Final = (
    "outcome_category",
    "outcome_note",
    "requested_status",
    "reason",
    "to_desk",
    "consent_id",
    "legal_basis",
    "legal_basis_note",
)
"""Every field a transition may carry besides ``to`` (as named in ``TransitionIn``)."""

TRANSITION_FIELD_WORDS: Final[dict[str, tuple[str, str]]] = {
    "outcome_category": ("le résultat", "the outcome"),
    "outcome_note": ("la note de clôture", "the closing note"),
    "requested_status": ("la clôture proposée", "the closure proposed"),
    "reason": ("le motif", "the reason"),
    "to_desk": ("le guichet de destination", "the receiving desk"),
    "consent_id": ("le consentement au transfert", "the consent to the transfer"),
    "legal_basis": ("la base légale", "the legal basis"),
    "legal_basis_note": ("la justification de la base légale", "the legal basis's justification"),
}
"""Each of :data:`TRANSITION_FIELDS` in words (French, English), as a person reads a refusal."""


def accepted_fields(source: str, target: str) -> tuple[str, ...]:
    """The fields a move from ``source`` to ``target`` takes: those it asks for
    (:func:`fields_for`) and the optional ones: ``outcome_note`` (closing, closure request),
    ``requested_status`` (closure request), ``legal_basis`` and ``legal_basis_note`` (transfer).
    Any other field sent with the move is refused (422 ``field-not-applicable``), never ignored."""
    accepted = fields_for(source, target)
    if target in NEEDS_OUTCOME:
        accepted += ("outcome_note",)
    if target == "pending_closure":
        accepted += ("requested_status",)
    if target in NEEDS_TRANSFER:
        accepted += ("legal_basis", "legal_basis_note")
    return accepted
