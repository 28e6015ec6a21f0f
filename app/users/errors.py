"""Problem types of staff accounts."""

from app.core.errors import Problem, ValidationFailed
from app.core.reasons import said


class LastAdministrator(Problem):
    """The change would leave no active administrator: nobody could manage staff or desks again
    but through the server's command line."""

    status, slug = 409, "last-administrator"
    title_fr, title_en = "Dernier administrateur actif", "Last active administrator"


class DeskRequired(ValidationFailed):
    """422: an agent's or a supervisor's account with no desk. They register, book and take cases
    at their desks: without one they could do nothing. Administrators and auditors may have none.
    Members: ``field`` (``desk_codes``), ``errors`` (one, at ``["body", "desk_codes"]``)."""

    slug = "desk-required"
    title_fr, title_en = "Guichet obligatoire pour ce rôle", "A desk is required for this role"


def desk_required() -> DeskRequired:
    """The :class:`DeskRequired` problem, said in French and English."""
    error = {"loc": ["body", "desk_codes"], "msg": "at least one desk", "type": "desk_required"}
    return DeskRequired(
        "desk_codes: an agent or a supervisor works at a desk; give at least one.",
        # read by a person: the screen names the field by its label
        detail_fr="Un agent ou un superviseur travaille à un guichet : cochez au moins un guichet.",
        field="desk_codes",
        errors=[
            said(
                error,
                fr="au moins un guichet pour un agent ou un superviseur.",
                en="at least one desk for an agent or a supervisor.",
            )
        ],
    )
