"""Problem types of appointments."""

from app.core.errors import Conflict, ValidationFailed


class UnknownCase(ValidationFailed):
    slug = "unknown-case"
    title_fr, title_en = "Dossier inconnu", "Unknown case"


class CaseAtOtherDesk(ValidationFailed):
    slug = "case-at-other-desk"
    title_fr, title_en = "Le dossier relève d'un autre guichet", "The case belongs to another desk"


class AgentNotAtDesk(ValidationFailed):
    slug = "agent-not-at-desk"
    title_fr, title_en = (
        "L'agent n'est pas un membre actif de ce guichet",
        "The agent is not an active member of this desk",
    )


class AppointmentEndsBeforeStart(ValidationFailed):
    slug = "appointment-ends-before-start"
    title_fr, title_en = "Le rendez-vous finit avant de commencer", "The appointment ends before it starts"


class BeyondBookingHorizon(ValidationFailed):
    slug = "beyond-booking-horizon"
    title_fr, title_en = "Date trop lointaine pour un rendez-vous", "Beyond the booking horizon"


class AppointmentInPast(ValidationFailed):
    slug = "appointment-in-past"
    title_fr, title_en = "Rendez-vous dans le passé", "Appointment in the past"


class OutsideOpeningHours(ValidationFailed):
    slug = "outside-opening-hours"
    title_fr, title_en = "En dehors des heures d'ouverture du guichet", "Outside the desk's opening hours"


class DeskClosedForHoliday(ValidationFailed):
    slug = "desk-holiday"
    title_fr, title_en = "Le guichet est fermé ce jour férié", "The desk is closed for a holiday that day"


class AgentDoubleBooked(Conflict):
    slug = "agent-double-booked"
    title_fr, title_en = (
        "L'agent a déjà un rendez-vous sur ce créneau",
        "The agent already has an appointment at that time",
    )


class RegistrantDoubleBooked(Conflict):
    slug = "registrant-double-booked"
    title_fr, title_en = (
        "La personne a déjà un rendez-vous sur ce créneau",
        "The person already has an appointment at that time",
    )


class AppointmentTransitionNotAllowed(Conflict):
    slug = "appointment-transition-not-allowed"
    title_fr, title_en = "Changement de statut non autorisé", "Status change not allowed"


class AppointmentNotStarted(Conflict):
    slug = "appointment-not-started"
    title_fr, title_en = "Le rendez-vous n'a pas encore commencé", "The appointment has not started yet"
