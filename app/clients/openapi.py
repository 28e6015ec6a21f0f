"""The app-client OAuth 2.0 surface as the OpenAPI document shows it: the authorization, token and
revocation endpoints and the RFC 8414 metadata (form bodies, RFC 6749 §5.2 error JSON, the
authorization endpoint's HTML pages and redirects), and the ``OAuth2`` security scheme with the
password, authorization code (PKCE) and client credentials flows and every scope.

These endpoints speak OAuth 2.0, not the API's problem+json: their error responses are declared
here, and :func:`app.core.openapi.complete` keeps an operation's own error responses when they are
not problem+json.
"""

from __future__ import annotations

from typing import Any

from app.clients.scopes import SCOPES

OAUTH_ERROR_REF = {"$ref": "#/components/schemas/OAuthError"}
SCHEMAS: dict[str, Any] = {
    "OAuthError": {
        "title": "OAuthError",
        "description": "RFC 6749 §5.2 error response (token and revocation endpoints).",
        "type": "object",
        "required": ["error"],
        "properties": {
            "error": {
                "type": "string",
                "enum": [
                    "invalid_request",
                    "invalid_client",
                    "invalid_grant",
                    "unauthorized_client",
                    "unsupported_grant_type",
                    "invalid_scope",
                    "server_error",
                    "temporarily_unavailable",
                ],
            },
            "error_description": {"type": "string", "description": "Plain English, printable ASCII."},
        },
    },
    "OAuthToken": {
        "title": "OAuthToken",
        "description": "RFC 6749 §5.1 token response.",
        "type": "object",
        "required": ["access_token", "token_type", "expires_in", "scope"],
        "properties": {
            "access_token": {"type": "string", "description": "A JWT to send as `Authorization: Bearer …`."},
            "token_type": {"type": "string", "const": "Bearer"},
            "expires_in": {"type": "integer", "description": "Seconds the access token is valid."},
            "scope": {"type": "string", "description": "The scopes granted, space-delimited."},
            "refresh_token": {
                "type": "string",
                "description": "Public clients only; rotated on every use (the old one revoked).",
            },
        },
    },
}

_NO_STORE = {
    "Cache-Control": {"schema": {"type": "string", "const": "no-store"}},
    "Pragma": {"schema": {"type": "string", "const": "no-cache"}},
}
_HTML = {"text/html": {"schema": {"type": "string"}}}
_LOCATION = {
    "Location": {
        "description": "The app's registered redirect URI with `code` and `state`, or `error`, "
        "`error_description` and `state` (RFC 6749 §4.1.2, §4.1.2.1).",
        "schema": {"type": "string", "format": "uri"},
    }
}


def _error(description: str, **headers: Any) -> dict[str, Any]:
    return {
        "description": description,
        "headers": {**_NO_STORE, **headers},
        "content": {"application/json": {"schema": OAUTH_ERROR_REF}},
    }


def _page(description: str) -> dict[str, Any]:
    return {"description": description, "content": _HTML}


_CLIENT_ERROR = _error(
    "`invalid_client`: the client is not authenticated (none named, unknown, wrong secret, revoked).",
    **{"WWW-Authenticate": {"schema": {"type": "string"}, "description": 'Basic error="invalid_client", …'}},
)
_PROTOCOL_ERRORS = {
    "400": _error("`invalid_request`, `invalid_grant`, `invalid_scope`, `unsupported_grant_type`…"),
    "401": _CLIENT_ERROR,
    "413": _error("`invalid_request`: the body is over the size limit."),
    "503": _error(
        "`temporarily_unavailable`: the database is unreachable or busy.",
        **{"Retry-After": {"schema": {"type": "integer"}}},
    ),
}
_CLIENT_AUTH_FIELDS: dict[str, Any] = {
    "client_id": {"type": "string", "description": "The client (or in HTTP Basic)."},
    "client_secret": {"type": "string", "description": "Confidential clients (or in HTTP Basic)."},
}


def _form(schema: dict[str, Any]) -> dict[str, Any]:
    return {"required": True, "content": {"application/x-www-form-urlencoded": {"schema": schema}}}


TOKEN: dict[str, Any] = {
    "summary": "Issue tokens to an app client",
    "requestBody": _form(
        {
            "type": "object",
            "required": ["grant_type"],
            "properties": {
                "grant_type": {"type": "string", "enum": ["authorization_code", "refresh_token", "client_credentials"]},
                "code": {"type": "string", "description": "authorization_code: the code received."},
                "redirect_uri": {"type": "string", "description": "authorization_code: as in the request."},
                "code_verifier": {"type": "string", "description": "authorization_code: PKCE (RFC 7636)."},
                "refresh_token": {"type": "string", "description": "refresh_token: the current one."},
                "scope": {"type": "string", "description": "client_credentials: the scopes asked (default all)."},
                **_CLIENT_AUTH_FIELDS,
            },
        }
    ),
    "security": [{}, {"ClientSecretBasic": []}],
    "responses": {
        "200": {
            "description": "The tokens.",
            "headers": _NO_STORE,
            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/OAuthToken"}}},
        },
        **_PROTOCOL_ERRORS,
    },
}
REVOKE: dict[str, Any] = {
    "summary": "Revoke a token of an app client (RFC 7009)",
    "requestBody": _form(
        {
            "type": "object",
            "required": ["token"],
            "properties": {
                "token": {"type": "string", "description": "A refresh or access token of the calling client."},
                "token_type_hint": {"type": "string", "description": "Only a hint; unknown values are ignored."},
                **_CLIENT_AUTH_FIELDS,
            },
        }
    ),
    "security": [{}, {"ClientSecretBasic": []}],
    "responses": {
        "200": {
            "description": "`{}`: revoked, or unknown, or not the client's (nothing tells them apart, §2.2).",
            "headers": _NO_STORE,
            "content": {"application/json": {"schema": {"type": "object", "maxProperties": 0}}},
        },
        **_PROTOCOL_ERRORS,
    },
}
_AUTHORIZATION_PARAMETERS = [
    {"name": "response_type", "in": "query", "required": True, "schema": {"type": "string", "const": "code"}},
    {"name": "client_id", "in": "query", "required": True, "schema": {"type": "string"}},
    {
        "name": "redirect_uri",
        "in": "query",
        "required": True,
        "description": "One registered for the client (a loopback one with any port).",
        "schema": {"type": "string"},
    },
    {
        "name": "scope",
        "in": "query",
        "required": False,
        "description": "Space-delimited scopes; default: every scope of the client.",
        "schema": {"type": "string"},
    },
    {"name": "state", "in": "query", "required": False, "schema": {"type": "string"}},
    {
        "name": "code_challenge",
        "in": "query",
        "required": True,
        "description": "BASE64URL(SHA-256(code_verifier)) (RFC 7636).",
        "schema": {"type": "string"},
    },
    {"name": "code_challenge_method", "in": "query", "required": True, "schema": {"type": "string", "const": "S256"}},
]
AUTHORIZE_PAGE: dict[str, Any] = {
    "summary": "The sign-in and consent page of an authorization request",
    "parameters": _AUTHORIZATION_PARAMETERS,
    "responses": {
        "200": _page("The page (sets the `oauth_csrf` cookie)."),
        "302": {"description": "Back to the app with an error (`invalid_scope`…).", "headers": _LOCATION},
        "400": _page("Unknown or revoked client, redirect URI not registered, malformed request: never a redirect."),
        "503": _page("The database is unreachable or busy."),
    },
}
AUTHORIZE_DECISION: dict[str, Any] = {
    "summary": "The consent form: sign in and allow, or refuse",
    "requestBody": _form(
        {
            "type": "object",
            "required": ["csrf_token", "consent_token", "decision"],
            "properties": {
                **{p["name"]: {"type": "string"} for p in _AUTHORIZATION_PARAMETERS},
                "csrf_token": {"type": "string", "description": "From the page (with its cookie)."},
                "consent_token": {"type": "string", "description": "From the page: binds the request shown."},
                "decision": {"type": "string", "enum": ["allow", "deny"]},
                "username": {"type": "string", "description": "The staff member's e-mail (allow)."},
                "password": {"type": "string", "format": "password"},
            },
        }
    ),
    "responses": {
        "302": {"description": "Back to the app with `code` (allow) or `error=access_denied`.", "headers": _LOCATION},
        "400": _page("A request not the one shown, or malformed: never a redirect."),
        "401": _page("Wrong e-mail or password: the page again, with the error."),
        "403": _page("The form expired or was not sent from the page (CSRF)."),
        "413": _page("The body is over the size limit."),
        "415": _page("The body is not a form (`application/x-www-form-urlencoded`)."),
        "429": _page("Too many sign-in attempts (`Retry-After`)."),
        "503": _page("The database is unreachable or busy."),
    },
}
METADATA: dict[str, Any] = {
    "summary": "Authorization server metadata (RFC 8414)",
    "responses": {
        "200": {
            "description": "The metadata, under `PUBLIC_BASE_URL`.",
            "headers": {"Cache-Control": {"schema": {"type": "string", "const": "public, max-age=3600"}}},
            "content": {
                "application/json": {
                    "schema": {
                        "type": "object",
                        "required": [
                            "issuer",
                            "authorization_endpoint",
                            "token_endpoint",
                            "revocation_endpoint",
                            "scopes_supported",
                            "response_types_supported",
                            "grant_types_supported",
                            "code_challenge_methods_supported",
                        ],
                        "additionalProperties": True,
                    }
                }
            },
        }
    },
}

SECURITY_SCHEMES: dict[str, Any] = {
    "OAuth2": {
        "type": "oauth2",
        "description": "Access tokens are sent as `Authorization: Bearer …`. Staff sign in with the password "
        "flow (tokens without scope: the role decides). App clients: public ones with the authorization "
        "code flow and PKCE (`code_challenge_method=S256`, required), confidential ones with client "
        "credentials; their tokens carry scopes, which only narrow what the user's role allows.",
        "flows": {
            "password": {"tokenUrl": "/api/v1/auth/token", "scopes": {}},
            "authorizationCode": {
                "authorizationUrl": "/api/v1/oauth/authorize",
                "tokenUrl": "/api/v1/oauth/token",
                "refreshUrl": "/api/v1/oauth/token",
                "scopes": dict(SCOPES),
            },
            "clientCredentials": {"tokenUrl": "/api/v1/oauth/token", "scopes": dict(SCOPES)},
        },
    },
    "ClientSecretBasic": {
        "type": "http",
        "scheme": "basic",
        "description": "A confidential app client's `client_id:client_secret` (RFC 6749 §2.3.1), at the token "
        "and revocation endpoints.",
    },
}
"""Replaces FastAPI's ``OAuth2PasswordBearer`` scheme (password flow only)."""
