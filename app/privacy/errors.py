"""Problem types of data protection."""

from app.core.errors import Forbidden, Problem, ValidationFailed
from app.registrants.errors import RegistrantErased

__all__ = ["ConsentRequired", "JustificationRequired", "LegalBasisForbidden", "LegalHoldInForce", "RegistrantErased"]


class ConsentRequired(Problem):
    """No consent in force for the disclosure's purpose; ``purpose`` names it (``accepted_purposes``
    when several would do)."""

    status, slug = 409, "consent-required"
    title_fr, title_en = "Consentement requis", "Consent required"


class LegalBasisForbidden(Forbidden):
    slug = "legal-basis-forbidden"
    title_fr, title_en = (
        "Base légale réservée aux superviseurs et aux administrateurs",
        "Legal basis reserved to supervisors and administrators",
    )


class JustificationRequired(ValidationFailed):
    slug = "legal-basis-justification-required"
    title_fr, title_en = "Justification de la base légale requise", "Legal basis justification required"


class LegalHoldInForce(Problem):
    """A legal hold blocks the erasure; ``legal_hold`` names it (id, reason, who set it, until)."""

    status, slug = 409, "legal-hold"
    title_fr, title_en = "Dossier sous conservation légale", "File under legal hold"
