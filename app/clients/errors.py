"""Problem types of app clients (RFC 9457; the token endpoint answers RFC 6749 §5.2 errors instead)."""

from anyascii import anyascii

from app.core.errors import Problem, TooManyRequests, Unauthorized


def error_description(text: str) -> str:
    """``text`` as an OAuth ``error_description`` may hold it (RFC 6749 §5.2, RFC 6750 §3: printable
    ASCII but ``"`` and ``\\``): each other character spelled in ASCII (a no-break space as a
    space, ``é`` as ``e``: sizes and numbers formatted for prose keep their words apart, ``1 MB``),
    a double quote or backslash as ``'``, a control character as a space."""
    spelled = anyascii(text)
    return "".join(("'" if c in '"\\' else c) if " " <= c <= "~" else " " for c in spelled)


class ClientRateLimited(TooManyRequests):
    slug = "client-rate-limited"
    title_fr, title_en = "Trop de requêtes pour cette application", "Too many requests for this app"


class ClientRevoked(Unauthorized):
    slug = "client-revoked"
    title_fr, title_en = "Application révoquée", "App client revoked"


class ScopeRequired(Problem):
    status, slug = 403, "insufficient-scope"
    title_fr, title_en = "Portée du jeton insuffisante", "Insufficient token scope"


class InvalidClientRegistration(Problem):
    status, slug = 422, "invalid-client-registration"
    title_fr, title_en = "Enregistrement d'application invalide", "Invalid app client registration"


class ClientAlreadyRevoked(Problem):
    status, slug = 409, "client-already-revoked"
    title_fr, title_en = "Application déjà révoquée", "App client already revoked"
