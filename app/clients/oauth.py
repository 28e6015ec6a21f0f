"""The OAuth 2.0 authorization server of app clients, built on Authlib's grants.

Authlib (``authlib.oauth2.rfc6749``; docs.authlib.org, "OAuth 2.0 Server", "RFC7636", "RFC7009")
does the protocol: request validation, client authentication, the authorization code grant with
PKCE (``rfc7636.CodeChallenge``, restricted here to ``S256``), client credentials, refresh-token
rotation, RFC 7009 revocation, and the RFC 6749 §5.2 error bodies.

Authlib's storage hooks (``query_client``, ``query_authorization_code``, ``save_token``…) are
synchronous; the app's database is async. So each request runs in three steps:

1. :func:`app.clients.storage.preload` reads, asynchronously, every row the request can need
   (the client named in it, the authorization code or refresh token it presents, the staff users
   behind them), the code and refresh token ``FOR UPDATE`` so two uses of one code cannot both
   pass;
2. Authlib runs on those rows (the hooks below read them from the preload and *record* the writes
   they would make in ``Preload.writes``);
3. :func:`app.clients.storage.apply_writes` makes those writes in the request's transaction,
   which commits before the response is sent (``app.core.deps.get_session``).

Tokens issued are the API's own access tokens (:func:`app.core.security.create_access_token`)
with ``cid`` and ``scope``; refresh tokens (public clients only) are opaque and stored hashed.
The access token issued with a refresh token has the refresh token row's id as its ``jti``, so
revoking a refresh token (RFC 7009 §2.1, a replayed code or refresh token) also revokes the
access token issued with it.
"""

from __future__ import annotations

import datetime as dt
import hmac
import uuid
from collections.abc import Mapping
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any

from authlib.oauth2.base import invalid_error_characters
from authlib.oauth2.rfc6749 import (
    AuthorizationServer,
    ClientMixin,
    InvalidClientError,
    InvalidGrantError,
    InvalidRequestError,
    InvalidScopeError,
    OAuth2Request,
    UnauthorizedClientError,
    grants,
)
from authlib.oauth2.rfc6749.requests import BasicOAuth2Payload
from authlib.oauth2.rfc7009 import RevocationEndpoint
from authlib.oauth2.rfc7636 import CodeChallenge

from app.auth.models import StaffUser
from app.clients import redirects
from app.clients.models import AppClient, AuthorizationCode, ClientRefreshToken
from app.clients.scopes import SCOPES, parse
from app.core.config import Settings
from app.core.db import utcnow
from app.core.ids import new_id
from app.core.security import create_access_token, new_opaque_token, token_digest

CODE_TTL = dt.timedelta(minutes=5)
"""RFC 6749 §4.1.2: codes "MUST expire shortly after"; 10 minutes at most is recommended."""
REFRESH_TTL = dt.timedelta(days=30)


REVOKED_CLIENT = "This app client was revoked by an administrator."


class RevokedClientError(InvalidClientError):  # type: ignore[misc]
    """RFC 6749 §5.2 ``invalid_client`` for a client an administrator revoked (not "unknown":
    its publisher is told what happened)."""

    def __init__(self) -> None:
        super().__init__(description=REVOKED_CLIENT)


class ClientView(ClientMixin):  # type: ignore[misc]
    """An :class:`AppClient` as Authlib sees it (``authlib.oauth2.rfc6749.ClientMixin``)."""

    def __init__(self, row: AppClient) -> None:
        self.row = row

    @property
    def public(self) -> bool:
        return self.row.client_type == "public"

    def get_client_id(self) -> str:
        return self.row.client_id

    def get_default_redirect_uri(self) -> str | None:
        # No default: public clients must name their redirect URI (a loopback one has a port).
        return None

    def get_allowed_scope(self, scope: str | None) -> str | None:
        if not scope:
            return " ".join(self.row.scopes)
        asked = parse(scope)
        return " ".join(asked) if all(s in self.row.scopes for s in asked) else None

    def check_redirect_uri(self, redirect_uri: str) -> bool:
        return redirects.matches(self.row.redirect_uris, redirect_uri)

    def check_client_secret(self, client_secret: str) -> bool:
        digest = self.row.secret_digest
        return digest is not None and hmac.compare_digest(digest, token_digest(client_secret))

    def check_endpoint_auth_method(self, method: str, endpoint: str) -> bool:
        if self.public:
            return method == "none"
        return method in {"client_secret_basic", "client_secret_post"}

    def check_response_type(self, response_type: str) -> bool:
        return self.public and response_type == "code"

    def check_grant_type(self, grant_type: str) -> bool:
        allowed = {"authorization_code", "refresh_token"} if self.public else {"client_credentials"}
        return grant_type in allowed


@dataclass
class CodeView:
    """A stored authorization code as Authlib's ``AuthorizationCodeMixin`` (plus PKCE fields)."""

    row: AuthorizationCode

    @property
    def code_challenge(self) -> str:
        return self.row.code_challenge

    @property
    def code_challenge_method(self) -> str:
        return self.row.code_challenge_method

    def get_redirect_uri(self) -> str:
        return self.row.redirect_uri

    def get_scope(self) -> str:
        return self.row.scope


@dataclass
class RefreshView:
    """A stored refresh token as Authlib's ``TokenMixin``."""

    row: ClientRefreshToken

    def check_client(self, client: ClientView) -> bool:
        return self.row.client_pk == client.row.id

    def get_scope(self) -> str:
        return self.row.scope

    def get_expires_in(self) -> int:
        return int((self.row.expires_at - self.row.issued_at).total_seconds())

    def is_expired(self) -> bool:
        return self.row.expires_at <= utcnow()

    def is_revoked(self) -> bool:
        return self.row.revoked_at is not None


@dataclass
class AccessView:
    """An access token presented for revocation (its verified claims)."""

    jti: str
    client_id: str | None
    expires_at: dt.datetime

    def check_client(self, client: ClientView) -> bool:
        return self.client_id == client.row.client_id


@dataclass
class Preload:
    """The rows one OAuth request may need, read before Authlib runs, and the writes it asks for."""

    settings: Settings
    clients: dict[str, ClientView] = field(default_factory=dict)
    users: dict[uuid.UUID, StaffUser] = field(default_factory=dict)
    code: CodeView | None = None
    refresh: RefreshView | None = None
    access: AccessView | None = None
    writes: list[tuple[str, Any]] = field(default_factory=list)
    issued_refresh_id: uuid.UUID | None = None
    """The id of the refresh token row this request issues (also its access token's ``jti``)."""


_PRELOAD: ContextVar[Preload] = ContextVar("oauth_preload")


def _preload() -> Preload:
    return _PRELOAD.get()


class FormRequest(OAuth2Request):  # type: ignore[misc]
    """An OAuth 2.0 request from Starlette's already-parsed query or form (one value per name;
    repeated parameters are refused before, RFC 6749 §3.1)."""

    def __init__(self, method: str, uri: str, headers: Mapping[str, str], data: dict[str, str]) -> None:
        super().__init__(method=method, uri=uri, headers=headers)
        self.payload = BasicOAuth2Payload(data)
        self._data = data

    @property
    def args(self) -> dict[str, str]:
        return self._data

    @property
    def form(self) -> dict[str, str]:
        return self._data


class S256Challenge(CodeChallenge):  # type: ignore[misc]
    """PKCE with ``S256`` only and always (RFC 7636 §4.2; RFC 9700 §2.1.1: ``plain`` is refused)."""

    SUPPORTED_CODE_CHALLENGE_METHOD = ["S256"]
    DEFAULT_CODE_CHALLENGE_METHOD = "S256"

    def validate_code_challenge(self, grant: Any, redirect_uri: str) -> None:
        data = grant.request.payload.data
        if not data.get("code_challenge"):
            raise InvalidRequestError("Missing 'code_challenge': PKCE is required.", redirect_uri=redirect_uri)
        if data.get("code_challenge_method") != "S256":
            raise InvalidRequestError("'code_challenge_method' must be S256.", redirect_uri=redirect_uri)
        super().validate_code_challenge(grant, redirect_uri)


class _ScopedGrant:
    def validate_requested_scope(self) -> None:
        request = self.request  # type: ignore[attr-defined]
        scope = request.payload.scope
        super().validate_requested_scope()  # type: ignore[misc]
        if scope and request.client is not None and request.client.get_allowed_scope(scope) is None:
            raise InvalidScopeError()


class CodeGrant(_ScopedGrant, grants.AuthorizationCodeGrant):  # type: ignore[misc]
    """Authorization code grant for public clients (no secret: ``none`` authentication + PKCE)."""

    TOKEN_ENDPOINT_AUTH_METHODS = ["none"]

    @staticmethod
    def validate_authorization_redirect_uri(request: OAuth2Request, client: ClientView) -> str:
        """Authlib's check, except that a redirect URI not registered and holding a character an
        ``error_description`` may not (RFC 6749 §4.1.2.1: printable ASCII but ``"`` and ``\\``) is
        refused without it: Authlib names the URI in its error and refuses to build that error
        (ValueError, a 500)."""
        requested = request.payload.redirect_uri
        if requested and invalid_error_characters(requested) and not client.check_redirect_uri(requested):
            raise InvalidRequestError("The redirect URI is not registered for this client.")
        uri: str = grants.AuthorizationCodeGrant.validate_authorization_redirect_uri(request, client)
        return uri

    def save_authorization_code(self, code: str, request: OAuth2Request) -> None:
        payload = request.payload.data
        _preload().writes.append(
            (
                "code",
                AuthorizationCode(
                    id=new_id(),
                    digest=token_digest(code),
                    client_pk=request.client.row.id,
                    user_id=request.user.id,
                    redirect_uri=payload["redirect_uri"],
                    scope=request.scope,
                    code_challenge=payload["code_challenge"],
                    code_challenge_method=payload["code_challenge_method"],
                    expires_at=utcnow() + CODE_TTL,
                ),
            )
        )

    def query_authorization_code(self, code: str, client: ClientView) -> CodeView | None:
        found = _preload().code
        if found is None or found.row.digest != token_digest(code) or found.row.client_pk != client.row.id:
            return None
        if found.row.used_at is not None or found.row.expires_at <= utcnow():
            return None
        return found

    def delete_authorization_code(self, authorization_code: CodeView) -> None:
        _preload().writes.append(("code_used", authorization_code.row))

    def authenticate_user(self, authorization_code: CodeView) -> StaffUser | None:
        user = _preload().users.get(authorization_code.row.user_id)
        return user if user is not None and user.is_active else None


class ClientCredentials(_ScopedGrant, grants.ClientCredentialsGrant):  # type: ignore[misc]
    """Client credentials for confidential clients; the token acts as the client's service user,
    who must still be an active staff account. The client authenticates with HTTP Basic or with
    ``client_id`` and ``client_secret`` in the form (RFC 6749 §2.3.1; Authlib's default is Basic
    only)."""

    TOKEN_ENDPOINT_AUTH_METHODS = ["client_secret_basic", "client_secret_post"]

    def validate_token_request(self) -> None:
        super().validate_token_request()
        user_id = self.request.client.row.service_user_id
        user = _preload().users.get(user_id) if user_id is not None else None
        if user is None or not user.is_active:
            raise UnauthorizedClientError("The client's service account is not active.")


class RefreshGrant(grants.RefreshTokenGrant):  # type: ignore[misc]
    """Refresh-token rotation for public clients (RFC 9700 §4.14.2: a public client's refresh
    token is rotated on every use and the old one revoked). A token presented after it was
    rotated or revoked is ``invalid_grant`` here; the token endpoint then revokes its chain
    (:func:`app.clients.storage.revoke_refresh_chain`)."""

    TOKEN_ENDPOINT_AUTH_METHODS = ["none"]
    INCLUDE_NEW_REFRESH_TOKEN = True

    def validate_token_request(self) -> None:
        super().validate_token_request()
        # Authlib answers a token without a user ``invalid_request`` (after validation); RFC 6749
        # §5.2: a grant "issued to another client" or no longer valid is ``invalid_grant``.
        if self.authenticate_user(self.request.refresh_token) is None:
            raise InvalidGrantError("The refresh token was issued before the user's password, role or status changed.")

    def authenticate_refresh_token(self, refresh_token: str) -> RefreshView | None:
        found = _preload().refresh
        if found is None or found.row.digest != token_digest(refresh_token):
            return None
        return None if found.is_revoked() or found.is_expired() else found

    def authenticate_user(self, refresh_token: RefreshView) -> StaffUser | None:
        user = _preload().users.get(refresh_token.row.user_id)
        if user is None or not user.is_active or user.token_version != refresh_token.row.token_version:
            return None
        return user

    def revoke_old_credential(self, refresh_token: RefreshView) -> None:
        _preload().writes.append(("refresh_revoked", refresh_token.row))


class Revocation(RevocationEndpoint):  # type: ignore[misc]
    """RFC 7009 token revocation: refresh tokens and access tokens of the calling client.

    Revoking a refresh token also revokes the access token issued with it (§2.1: the server
    "SHOULD also invalidate the access token based on the same authorization grant").
    """

    CLIENT_AUTH_METHODS = ["client_secret_basic", "client_secret_post", "none"]

    def check_params(self, request: OAuth2Request, client: ClientView) -> None:
        # RFC 7009 §2.1: a hint the server does not know is ignored (every token type is searched);
        # Authlib refuses it with ``unsupported_token_type`` instead.
        if "token" not in request.form:
            raise InvalidRequestError("Missing 'token' in request.")

    def query_token(self, token_string: str, token_type_hint: str | None) -> RefreshView | AccessView | None:
        preload = _preload()
        if preload.refresh is not None and preload.refresh.row.digest == token_digest(token_string):
            return preload.refresh
        return preload.access

    def authenticate_token(self, request: OAuth2Request, client: ClientView) -> RefreshView | AccessView | None:
        """The token presented if it is the calling client's, else ``None``: a token of another
        client or a staff sign-in is not revoked and answered as an unknown one, 200 (RFC 7009
        §2.2; Authlib answers ``invalid_grant``, which tells the caller the token is live)."""
        self.check_params(request, client)
        token = self.query_token(request.form["token"], request.form.get("token_type_hint"))
        return token if token is not None and token.check_client(client) else None

    def revoke_token(self, token: RefreshView | AccessView, request: OAuth2Request) -> None:
        _preload().writes.append(("revoke", token))


class DeskAuthorizationServer(AuthorizationServer):  # type: ignore[misc]
    """Authlib's server wired to the preloaded rows; one instance per app."""

    def __init__(self) -> None:
        super().__init__(scopes_supported=list(SCOPES))
        self.register_token_generator("default", self._generate_token)
        self.register_grant(CodeGrant, [S256Challenge(required=True)])
        self.register_grant(ClientCredentials)
        self.register_grant(RefreshGrant)
        self.register_endpoint(Revocation)

    def query_client(self, client_id: str) -> ClientView | None:
        """The client named, if registered; :class:`RevokedClientError` when it was revoked."""
        client = _preload().clients.get(client_id)
        if client is not None and client.row.revoked_at is not None:
            raise RevokedClientError()
        return client

    def get_authorization_grant(self, request: OAuth2Request) -> Any:
        """Authlib's, except that a ``response_type`` holding a character an ``error_description``
        may not (RFC 6749 §4.1.2.1: printable ASCII but ``"`` and ``\\``) is refused as
        ``invalid_request`` without it: Authlib names it in its ``unsupported_response_type`` error
        and refuses to build that error (ValueError, a 500). No such value is a response type."""
        response_type = request.payload.response_type
        if response_type and invalid_error_characters(response_type):
            raise InvalidRequestError("'response_type' holds characters no response type has; 'code' is supported.")
        return super().get_authorization_grant(request)

    def save_token(self, token: dict[str, Any], request: OAuth2Request) -> None:
        _preload().writes.append(("token", (token, request.client, request.user)))

    def create_oauth2_request(self, request: OAuth2Request) -> OAuth2Request:
        return request

    def handle_response(self, status: int, body: Any, headers: Any) -> tuple[int, Any, dict[str, str]]:
        return status, body, dict(headers)

    def send_signal(self, name: str, *args: Any, **kwargs: Any) -> None:
        return None

    def _generate_token(
        self,
        grant_type: str,
        client: ClientView,
        user: StaffUser | None = None,
        scope: str | None = None,
        expires_in: int | None = None,
        include_refresh_token: bool = True,
    ) -> dict[str, Any]:
        preload = _preload()
        settings = preload.settings
        if user is None:  # client credentials: the client's service account
            assert client.row.service_user_id is not None
            user = preload.users[client.row.service_user_id]
        granted = scope if scope else " ".join(client.row.scopes)
        ttl = settings.access_token_ttl_seconds
        preload.issued_refresh_id = new_id() if include_refresh_token else None
        token: dict[str, Any] = {
            "token_type": "Bearer",
            "access_token": create_access_token(
                user_id=user.id,
                role=user.role,
                token_version=user.token_version,
                key=settings.signing_key(),
                ttl_seconds=ttl,
                client_id=client.row.client_id,
                scope=granted,
                jti=preload.issued_refresh_id.hex if preload.issued_refresh_id else None,
            ),
            "expires_in": ttl,
            "scope": granted,
        }
        if include_refresh_token:
            token["refresh_token"] = new_opaque_token()
        return token


def run(preload: Preload, call: Any, *args: Any, **kwargs: Any) -> Any:
    """Run an Authlib call with ``preload`` as the rows its hooks see."""
    reset = _PRELOAD.set(preload)
    try:
        return call(*args, **kwargs)
    finally:
        _PRELOAD.reset(reset)
