"""The desk's refusals said to the person served (``/api/v1/self/…``).

The services shared with the desk word their refusals for staff: raw status codes (« Un rendez-vous
cancelled ne peut pas passer à cancelled ; autorisé : []. »), and what an agent would do next
(« rouvrez-le d'abord », « enregistrez-le dans sa fiche »), which the person cannot do. Around
those services, :func:`in_persons_words` rewords the problem's ``detail`` (French and English):
statuses in words, and what the person can do. The problem's class — its ``type``, status and
extension members (``current_status``, ``allowed``, ``purpose``…) — is kept: a client matching on
them sees what the desk's API answers.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Final, Literal

from app.appointments.errors import AppointmentTransitionNotAllowed, RegistrantDoubleBooked
from app.cases.errors import CaseNotOpen, CaseReadOnly
from app.core.errors import Problem
from app.privacy.errors import ConsentRequired

Doing = Literal["book", "move", "cancel", "request"]

_APPOINTMENT_IS: Final = {
    # status: (French, English) — what the appointment is now, said to the person
    "cancelled": ("est annulé", "is cancelled"),
    "kept": ("a déjà eu lieu", "has already taken place"),
    "missed": ("est passé sans que vous soyez venu", "has passed without your coming"),
}
_REQUEST_IS: Final = {
    "resolved": ("est traitée", "has been dealt with"),
    "closed_no_response": ("est close (sans nouvelles de votre part)", "is closed (no news from you)"),
    "closed_withdrawn": ("est close (retirée)", "is closed (withdrawn)"),
    "pending_closure": ("est en cours de clôture", "is being closed"),
}


def _appointment(exc: AppointmentTransitionNotAllowed, doing: Doing) -> tuple[str, str]:
    status = str(exc.extra.get("current_status", ""))
    if doing == "cancel" and status == "cancelled":
        return (
            "Ce rendez-vous est déjà annulé. Pour venir au guichet, réservez un nouveau créneau.",
            "This appointment is already cancelled. To come to the desk, book a new slot.",
        )
    fr, en = _APPOINTMENT_IS.get(status, ("ne peut plus être modifié", "can no longer be changed"))
    if doing == "move":
        return (
            f"Ce rendez-vous {fr} : il ne peut plus être déplacé. Réservez plutôt un nouveau créneau.",
            f"This appointment {en}: it can no longer be moved. Book a new slot instead.",
        )
    return (
        f"Ce rendez-vous {fr} : il ne peut plus être annulé.",
        f"This appointment {en}: it can no longer be cancelled.",
    )


def _request_closed(exc: CaseNotOpen) -> tuple[str, str]:
    number = _number(exc)
    fr, en = _REQUEST_IS.get(str(exc.extra.get("current_status", "")), ("est close", "is closed"))
    return (
        f"Votre demande {number} {fr} : on ne prend plus de rendez-vous à son sujet. "
        "Réservez un rendez-vous sans la choisir, ou déposez une nouvelle demande.",
        f"Your request {number} {en}: no appointment is taken about it any more. "
        "Book an appointment without choosing it, or submit a new request.",
    )


def _number(exc: Problem) -> str:
    """The request's number, as the desk's detail names it (``… CASA-2026-C-000001 …``)."""
    return next((word for word in (exc.detail_en or "").split() if word.count("-") >= 3), "").rstrip(".;,")


def _consent(exc: ConsentRequired, doing: Doing) -> tuple[str, str]:
    refused = bool(exc.extra.get("refused"))
    if exc.extra.get("purpose") == "service_delivery":
        what_fr, what_en = "à être servi au guichet (accueil, orientation et suivi)", "to be served at the desk"
    else:
        what_fr, what_en = "à ce traitement de vos données", "to this use of your data"
    said_fr = f"Vous avez refusé votre accord {what_fr}" if refused else f"Vous avez retiré votre accord {what_fr}"
    said_en = f"You refused your consent {what_en}" if refused else f"You withdrew your consent {what_en}"
    doing_fr, doing_en = (
        ("aucune demande ne peut donc être ouverte", "so no request can be opened")
        if doing == "request"
        else ("aucun rendez-vous ne peut donc être pris", "so no appointment can be booked")
    )
    return (
        f"{said_fr} : {doing_fr}. Si vous souhaitez de nouveau être servi, dites-le au guichet "
        "(sur place ou par téléphone).",
        f"{said_en}: {doing_en}. If you wish to be served again, tell the desk (in person or by phone).",
    )


@contextmanager
def in_persons_words(doing: Doing) -> Iterator[None]:
    """Reword, for the person, the desk's refusals raised inside (``doing``: what the person was
    doing). Rewords ``AppointmentTransitionNotAllowed``, ``CaseNotOpen``, ``CaseReadOnly`` (a
    request transferred to another desk), ``ConsentRequired`` and ``RegistrantDoubleBooked``; any
    other problem passes unchanged (already worded for anyone: a slot, a date, a version)."""
    try:
        yield
    except AppointmentTransitionNotAllowed as exc:
        exc.detail_fr, exc.detail_en = _appointment(exc, doing)
        raise
    except CaseNotOpen as exc:
        exc.detail_fr, exc.detail_en = _request_closed(exc)
        raise
    except CaseReadOnly as exc:
        number = _number(exc)
        exc.detail_fr, exc.detail_en = (
            f"Votre demande {number} a été transférée à un autre guichet, qui la suit désormais ; "
            "vous la retrouvez dans vos demandes.",
            f"Your request {number} was transferred to another desk, which follows it now; "
            "you find it among your requests.",
        )
        raise
    except ConsentRequired as exc:
        exc.detail_fr, exc.detail_en = _consent(exc, doing)
        raise
    except RegistrantDoubleBooked as exc:
        span = (exc.detail_fr or "").partition(" : ")[2].rstrip(".")  # in the desk's local time
        exc.detail_fr, exc.detail_en = (
            f"Vous avez déjà un rendez-vous à ce moment-là{f' ({span})' if span else ''} : choisissez un autre "
            "créneau.",
            "You already have an appointment at that time: choose another slot.",
        )
        raise
