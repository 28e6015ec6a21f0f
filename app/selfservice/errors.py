"""Problem types of self-service (RFC 9457)."""

from app.core.errors import Conflict, Forbidden, Problem, TooManyRequests, Unauthorized


class CodeSendingLimited(TooManyRequests):
    slug = "code-sending-limited"
    title_fr, title_en = "Trop de codes demandés", "Too many codes requested"


class InvalidCode(Unauthorized):
    slug = "invalid-code"
    title_fr, title_en = "Code incorrect ou expiré", "Invalid or expired code"


class AccountNotLinked(Forbidden):
    slug = "account-not-linked"
    title_fr, title_en = (
        "Compte pas encore relié à un dossier",
        "Account not linked to a file yet",
    )


class InvalidLinkCode(Problem):
    status, slug = 422, "invalid-link-code"
    title_fr, title_en = "Code de liaison incorrect ou expiré", "Invalid or expired link code"


class LinkAttemptsExhausted(TooManyRequests):
    slug = "link-attempts-exhausted"
    title_fr, title_en = "Trop de codes de liaison incorrects", "Too many wrong link codes"


class AlreadyLinked(Conflict):
    slug = "account-already-linked"
    title_fr, title_en = "Compte déjà relié à un dossier", "Account already linked to a file"


class ServiceTypeNotOffered(Problem):
    status, slug = 422, "service-type-not-offered"
    title_fr, title_en = (
        "Type de demande non proposé en libre-service",
        "Service type not offered in self-service",
    )


class SlotNotOffered(Problem):
    status, slug = 422, "slot-not-offered"
    title_fr, title_en = "Créneau non proposé", "Slot not offered"


class SlotTaken(Conflict):
    slug = "slot-taken"
    title_fr, title_en = "Créneau déjà pris", "Slot already taken"


class AppointmentAtOtherDesk(Problem):
    status, slug = 422, "appointment-at-other-desk"
    title_fr, title_en = (
        "Rendez-vous pris par un autre guichet",
        "Appointment booked by another desk",
    )
