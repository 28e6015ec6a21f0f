"""Problem types of registrants."""

from __future__ import annotations

from app.core.errors import Forbidden, Problem, ValidationFailed


class PossibleDuplicates(Problem):
    """409: the new person resembles registrants already on file; ``candidates`` lists them."""

    status, slug = 409, "possible-duplicates"
    title_fr, title_en = "Doublons possibles", "Possible duplicates"


class RestrictedField(Forbidden):
    """403: the actor's role may not write a restricted field (``residence_status``)."""

    slug = "restricted-field"
    title_fr, title_en = "Champ réservé à un autre rôle", "Field restricted to another role"


class DeskRequired(ValidationFailed):
    """422: the actor belongs to several desks (or all of them) and named none."""

    slug = "desk-required"
    title_fr, title_en = "Guichet à préciser", "Desk required"


class ConsentAlreadyWithdrawn(Problem):
    status, slug = 409, "consent-already-withdrawn"
    title_fr, title_en = "Consentement déjà retiré", "Consent already withdrawn"
