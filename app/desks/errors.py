"""Problem types of desks."""

from app.core.errors import Problem, ValidationFailed


class UnknownDesk(ValidationFailed):
    slug = "unknown-desk"
    title_fr, title_en = "Guichet inconnu", "Unknown desk"


class DeskCodeTaken(Problem):
    status, slug = 409, "desk-code-taken"
    title_fr, title_en = "Code de guichet déjà utilisé", "Desk code already in use"


class NumberPrefixTaken(Problem):
    status, slug = 409, "number-prefix-taken"
    title_fr, title_en = "Préfixe de numérotation déjà utilisé", "Number prefix already in use"


class DeskInactive(Problem):
    """The desk is closed (``is_active: false``): it takes no new registration, case, appointment,
    import or member; what it holds stays readable and exportable."""

    status, slug = 409, "desk-inactive"
    title_fr, title_en = "Guichet fermé", "Desk closed"
