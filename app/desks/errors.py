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
