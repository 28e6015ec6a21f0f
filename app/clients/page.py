"""The sign-in and consent page of the authorization endpoint: server-rendered HTML, no script.

A staff member signs in (e-mail, password: checked, never kept, no session is opened) and allows
or refuses the app the scopes it asked for. CSRF protection is a signed double-submit token
(OWASP CSRF Prevention Cheat Sheet, "Signed Double-Submit Cookie"): the GET sets a random nonce in
an ``HttpOnly``, ``SameSite=Strict`` cookie scoped to the endpoint and puts HMAC-SHA256(server key,
nonce) in the form; the POST is refused unless the two agree. The page cannot be framed
(``frame-ancestors 'none'``, ``X-Frame-Options: DENY``) and is never cached.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from html import escape

from fastapi.responses import HTMLResponse

from app.clients.scopes import SCOPE_LABELS_FR, SCOPES

CSRF_COOKIE = "oauth_csrf"
CSRF_FIELD = "csrf_token"
CONSENT_FIELD = "consent_token"
COOKIE_PATH = "/api/v1/oauth/authorize"
_HEADERS = {
    "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'; base-uri 'none'",
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
}
_STYLE = (
    "body{font-family:sans-serif;max-width:30rem;margin:2rem auto;padding:0 1rem}label{display:block;margin:.5rem 0}"
)

_TEXT = {
    "fr": {
        "title": "Autoriser une application",
        "asks": "L'application « {name} » demande à :",
        "email": "E-mail",
        "password": "Mot de passe",
        "allow": "Se connecter et autoriser",
        "deny": "Refuser",
        "error_title": "Demande d'autorisation invalide",
        "technical": "Détail technique, pour l'éditeur de l'application :",
    },
    "en": {
        "title": "Allow an app",
        "asks": "The app “{name}” asks to:",
        "email": "E-mail",
        "password": "Password",
        "allow": "Sign in and allow",
        "deny": "Refuse",
        "error_title": "Invalid authorization request",
        "technical": "Technical detail, for the app's publisher:",
    },
}


def csrf_token(key: str, nonce: str) -> str:
    """The form's token for the cookie's ``nonce``: HMAC-SHA256 under the server's key, hex."""
    return hmac.new(key.encode(), b"oauth-csrf:" + nonce.encode(), hashlib.sha256).hexdigest()


def csrf_valid(key: str, nonce: str | None, token: str | None) -> bool:
    """True when the form's ``token`` was made for the cookie's ``nonce``."""
    return bool(nonce and token) and hmac.compare_digest(csrf_token(key, nonce or ""), token or "")


def _request_text(params: dict[str, str]) -> bytes:
    return "\n".join(f"{name}={value}" for name, value in sorted(params.items())).encode()


def consent_token(key: str, nonce: str, params: dict[str, str]) -> str:
    """The token binding the authorization request shown on the page (``params``: its client,
    redirect URI, scopes, PKCE challenge, state) to the cookie's ``nonce``: HMAC-SHA256 under the
    server's key, hex. The form posted must carry the same request (values hold no newline:
    parameters are refused unless printable)."""
    message = b"oauth-consent:" + nonce.encode() + b"\n" + _request_text(params)
    return hmac.new(key.encode(), message, hashlib.sha256).hexdigest()


def consent_valid(key: str, nonce: str | None, params: dict[str, str], token: str | None) -> bool:
    """True when the posted request ``params`` is the one shown with the cookie's ``nonce``."""
    return bool(nonce and token) and hmac.compare_digest(consent_token(key, nonce or "", params), token or "")


def _document(lang: str, title: str, body: str) -> str:
    return (
        f'<!doctype html><html lang="{lang}"><head><meta charset="utf-8">'
        f'<meta name="viewport" content="width=device-width"><title>{escape(title)}</title>'
        f"<style>{_STYLE}</style></head><body>{body}</body></html>"
    )


def consent(
    *,
    lang: str,
    key: str,
    client_name: str,
    scopes: list[str],
    params: dict[str, str],
    error: str | None = None,
    status_code: int = 200,
    secure_cookie: bool = False,
) -> HTMLResponse:
    """The sign-in and consent form for an authorization request (``params``: its validated query
    parameters, ``scope`` the scopes listed, sent back as hidden fields). Sets a fresh CSRF nonce
    cookie; the form carries the CSRF token and the consent token binding ``params`` to it
    (:func:`consent_token`): the decision is held to the request shown."""
    text = _TEXT["fr" if lang == "fr" else "en"]
    labels = SCOPE_LABELS_FR if lang == "fr" else SCOPES
    nonce = secrets.token_urlsafe(32)
    hidden = "".join(
        f'<input type="hidden" name="{escape(name)}" value="{escape(value)}">' for name, value in params.items()
    )
    items = "".join(f"<li>{escape(labels.get(s, s))} (<code>{escape(s)}</code>)</li>" for s in scopes)
    alert = f'<p role="alert"><strong>{escape(error)}</strong></p>' if error else ""
    body = (
        f"<h1>{escape(text['title'])}</h1>{alert}"
        f"<p>{escape(text['asks'].format(name=client_name))}</p><ul>{items}</ul>"
        f'<form method="post" action="{COOKIE_PATH}">{hidden}'
        f'<input type="hidden" name="{CSRF_FIELD}" value="{csrf_token(key, nonce)}">'
        f'<input type="hidden" name="{CONSENT_FIELD}" value="{consent_token(key, nonce, params)}">'
        f'<label>{escape(text["email"])} <input type="email" name="username" autocomplete="username"></label>'
        f'<label>{escape(text["password"])} <input type="password" name="password" '
        f'autocomplete="current-password"></label>'
        f'<button type="submit" name="decision" value="allow">{escape(text["allow"])}</button> '
        f'<button type="submit" name="decision" value="deny">{escape(text["deny"])}</button>'
        "</form>"
    )
    response = HTMLResponse(_document(lang, text["title"], body), status_code=status_code, headers=_HEADERS)
    response.set_cookie(
        CSRF_COOKIE, nonce, httponly=True, samesite="strict", path=COOKIE_PATH, secure=secure_cookie, max_age=1800
    )
    return response


def failure(*, lang: str, message: str, status_code: int = 400, technical: str | None = None) -> HTMLResponse:
    """An error page for a request that cannot be sent back to the app (unknown client, redirect
    URI not registered: RFC 6749 §4.1.2.1 forbids redirecting then). ``message`` in the page's
    language; ``technical`` (the OAuth error code and its English description, for the app's
    publisher) below it, labelled as such."""
    text = _TEXT["fr" if lang == "fr" else "en"]
    body = f"<h1>{escape(text['error_title'])}</h1><p>{escape(message)}</p>"
    if technical:
        body += f"<p><small>{escape(text['technical'])} <code>{escape(technical)}</code></small></p>"
    return HTMLResponse(_document(lang, text["error_title"], body), status_code=status_code, headers=_HEADERS)
