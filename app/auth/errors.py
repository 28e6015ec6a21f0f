"""Problem types of authentication."""

from typing import Any

from app.clients.errors import error_description
from app.core.errors import Problem, ServiceUnavailable, TooManyRequests, Unauthorized


class InvalidCredentials(Unauthorized):
    slug = "invalid-credentials"
    title_fr, title_en = "Identifiants incorrects", "Invalid credentials"


def invalid_token_challenge(description: str) -> dict[str, str]:
    """The ``WWW-Authenticate`` header for a bearer token presented but not accepted (RFC 6750
    §3.1: ``error="invalid_token"``; a request without a token gets a bare ``Bearer``)."""
    return {"WWW-Authenticate": f'Bearer error="invalid_token", error_description="{error_description(description)}"'}


class InvalidToken(Unauthorized):
    """A bearer access token presented but expired, revoked, forged or malformed (RFC 6750 §3.1
    ``invalid_token``); a request with no token at all is ``unauthorized``."""

    slug = "invalid-token"
    title_fr, title_en = "Jeton d'accès invalide", "Invalid access token"

    def __init__(self, detail_en: str, **kwargs: Any) -> None:
        kwargs.setdefault("headers", invalid_token_challenge(detail_en))
        super().__init__(detail_en, **kwargs)


class InvalidRefreshToken(Unauthorized):
    slug = "invalid-refresh-token"
    title_fr, title_en = "Jeton de rafraîchissement invalide", "Invalid refresh token"


class LoginRateLimited(TooManyRequests):
    slug = "login-rate-limited"
    title_fr, title_en = "Trop de tentatives de connexion", "Too many login attempts"


class LoginBusy(TooManyRequests):
    """Attempts to the account still awaiting their verdict fill its allowance of failures (none
    of them failed): tried again in a second, the login is let in as they finish."""

    slug = "login-busy"
    title_fr, title_en = "Trop de connexions simultanées", "Too many simultaneous logins"


class LoginInterrupted(ServiceUnavailable):
    """A correct login met an administrator's change of the account (password, role, status)
    committed while its password was being checked: trying again checks the account as it is now."""

    slug = "login-interrupted"
    title_fr, title_en = "Connexion interrompue", "Login interrupted"


class EmailTaken(Problem):
    status, slug = 409, "email-taken"
    title_fr, title_en = "Adresse e-mail déjà utilisée", "E-mail address already in use"
