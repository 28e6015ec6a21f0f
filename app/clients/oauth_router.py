"""``/api/v1/oauth``: the authorization server of app clients (RFC 6749, 7636, 7009, 8252, 8414).

* ``GET /authorize``: validates the authorization request and shows the sign-in and consent page;
  ``POST /authorize``: the page's form (CSRF-checked), redirecting back to the app with a code
  (or ``error=access_denied``).
* ``POST /token``: ``authorization_code`` (+ PKCE ``code_verifier``) and ``refresh_token`` for
  public clients, ``client_credentials`` for confidential ones. Errors are RFC 6749 §5.2 JSON
  (``{"error": …, "error_description": …}``), not problem+json, as OAuth clients expect.
* ``POST /revoke``: RFC 7009 revocation of a refresh or access token; always 200 for a token that
  is unknown or already revoked (§2.2).
* ``GET /.well-known/oauth-authorization-server``: RFC 8414 metadata.

Staff sign-in with the password grant stays at ``/api/v1/auth/token``.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit, urlunsplit

from authlib.oauth2.rfc6749 import InvalidClientError, InvalidRequestError, OAuth2Error
from fastapi import Request
from fastapi.responses import JSONResponse, RedirectResponse, Response
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.datastructures import FormData, ImmutableMultiDict, QueryParams

from app.audit import service as audit
from app.auth import service as auth_service
from app.auth.errors import InvalidCredentials, LoginBusy, LoginRateLimited
from app.auth.models import StaffUser
from app.clients import oauth, page, storage
from app.clients import openapi as docs
from app.clients.errors import error_description
from app.clients.scopes import SCOPES, parse
from app.core.config import Settings
from app.core.conformance import IGNORES_UNKNOWN_QUERY
from app.core.context import Actor, RequestContext
from app.core.db import run_failure_callbacks
from app.core.deps import RequestContextDep, SessionDep, SettingsDep
from app.core.errors import Problem
from app.core.i18n import negotiate
from app.core.idempotency import not_keyed
from app.core.problems import render_problems_at
from app.core.routing import api_router

# These endpoints speak OAuth 2.0 (HTML pages, redirects, RFC 6749 §5.2 error bodies), not the
# API's problem+json: the OpenAPI document shows them so (app.clients.openapi).
router = api_router(prefix="/api/v1/oauth", tags=["oauth"])
metadata_router = api_router(tags=["oauth"])

AUTHORIZATION_PARAMS = (
    "response_type",
    "client_id",
    "redirect_uri",
    "scope",
    "state",
    "code_challenge",
    "code_challenge_method",
)
_PROTOCOL_FORM: dict[str, Any] = {
    **not_keyed(
        "OAuth 2.0 protocol endpoint (RFC 6749, RFC 7009): the client authenticates in the request; no staff key scope."
    ),
}
"""``openapi_extra`` of the form endpoints, with their documentation (app.clients.openapi), whose
``requestBody`` is the form the endpoint parses itself (app.core.conformance.takes_body)."""
_SERVER = oauth.DeskAuthorizationServer()


def _unreadable_basic() -> InvalidClientError:
    """RFC 6749 §5.2: a client that tried HTTP Basic is answered 401 with ``WWW-Authenticate: Basic``."""
    return InvalidClientError(
        description="The HTTP Basic credentials cannot be read: send base64 of the UTF-8 'client_id:client_secret', "
        "each percent-encoded (RFC 6749 section 2.3.1), without control characters.",
        status_code=401,
    )


_MAX_VALUE = 2048


def _protocol_error(request: Request, problem: Problem, lang: str) -> Response:
    """A problem met at the token or revocation endpoint outside Authlib (a refused character,
    an over-long body, a wrong method, the database unavailable) as RFC 6749 §5.2 JSON:
    ``invalid_request`` (400; 405, 413 and 429 keep their status and headers), ``invalid_client``
    (401), ``server_error`` (500) or ``temporarily_unavailable`` (503, ``Retry-After``), with the
    English detail as ``error_description`` (§5.2 allows printable ASCII but ``"`` and ``\\``)."""
    status = problem.status
    if status >= 500:
        error = "temporarily_unavailable" if status == 503 else "server_error"
    elif status == 401:
        error = "invalid_client"
    else:
        error, status = "invalid_request", status if status in {405, 413, 429} else 400
    description = error_description(problem.detail_en or problem.title_en)
    return _json(status, {"error": error, "error_description": description}, dict(problem.headers))


def _authorization_problem(request: Request, problem: Problem, lang: str) -> Response:
    """A problem met at the authorization endpoint outside Authlib, as its HTML error page (the
    app's redirect URI is not trusted before the request is validated, RFC 6749 §4.1.2.1)."""
    detail = (problem.detail_fr if lang == "fr" else problem.detail_en) or problem.title_en
    status = 400 if problem.status == 422 else problem.status
    response = page.failure(lang=lang, message=detail, status_code=status, technical="invalid_request")
    response.headers.update(problem.headers)
    return response


class _Repeated(Exception):
    pass


def _single(
    values: QueryParams | FormData | ImmutableMultiDict[str, Any], names: tuple[str, ...] | None
) -> dict[str, str]:
    """One string per parameter; RFC 6749 §3.1 / §3.2: "parameters MUST NOT be included more than
    once". Files and over-long values are refused the same way."""
    out: dict[str, str] = {}
    for name in names if names is not None else tuple(values.keys()):
        found = values.getlist(name)
        if not found:
            continue
        if len(found) > 1 or not isinstance(found[0], str) or len(found[0]) > _MAX_VALUE:
            raise _Repeated(name)
        out[name] = found[0]
    return out


def _oauth_request(request: Request, method: str, data: dict[str, str]) -> oauth.FormRequest:
    # The request's address as clients reach it: PUBLIC_BASE_URL, never the Host header. TLS is
    # terminated by the reverse proxy in front of the app (README, deployment); Authlib refuses a
    # plain-http request URI, which it only checks, so the URI is given as https.
    base = urlsplit(request.app.state.settings.public_base_url)
    uri = urlunsplit(("https", base.netloc, base.path + request.url.path, request.url.query, ""))
    return oauth.FormRequest(method, uri, request.headers, data)  # case-insensitive names


def _secure(request: Request) -> bool:
    """Whether the CSRF cookie is ``Secure``: clients reach the app over https (PUBLIC_BASE_URL;
    behind the TLS-terminating proxy the request itself is plain http), or this request is https."""
    public: str = request.app.state.settings.public_base_url
    return public.startswith("https:") or request.url.scheme == "https"


def _lang(request: Request) -> str:
    return negotiate(request.headers.get("accept-language"), request.app.state.settings.default_language)


# Authlib's wording of a client it could not authenticate, as plain English (its "methods" message
# shows a Python list).
_CLIENT_DESCRIPTIONS = {
    "The client cannot authenticate with methods": "The client is not authenticated: send its client_id "
    "(a confidential client with its client_secret, in HTTP Basic or in the form).",
    "The client does not exist on this server.": "No app client is registered with this client_id.",
}


def _as_client_error(status: int, body: Any, headers: dict[str, str]) -> tuple[int, Any, dict[str, str]]:
    """RFC 6749 §5.2 ``invalid_client`` is 401 with ``WWW-Authenticate: Basic`` (the scheme this
    server takes; Authlib answers 400 to a client that did not use HTTP Basic), its
    ``error_description`` in plain English."""
    if not isinstance(body, dict) or body.get("error") != "invalid_client":
        return status, body, headers
    description = str(body.get("error_description") or "The client is not authenticated.")
    for said, plain in _CLIENT_DESCRIPTIONS.items():
        if description.startswith(said):
            description = plain
    description = error_description(description)
    headers = {name: value for name, value in headers.items() if name.lower() != "www-authenticate"}
    headers["WWW-Authenticate"] = f'Basic error="invalid_client", error_description="{description}"'
    return 401, {**body, "error_description": description}, headers


def _json(status: int, body: Any, headers: dict[str, str]) -> JSONResponse:
    status, body, headers = _as_client_error(status, body, dict(headers))
    headers = {**headers, "Cache-Control": "no-store", "Pragma": "no-cache"}
    headers.pop("Content-Type", None)
    return JSONResponse(body, status_code=status, headers=headers)


_PAGE_MESSAGES = {
    # what the person on the page is told, in its language (the OAuth error below it, for the app's publisher)
    "invalid_client": (
        "Cette application n'est pas enregistrée auprès du guichet : la demande ne peut pas aboutir. "
        "Signalez-le à son éditeur.",
        "This app is not registered with the desk: the request cannot go ahead. Tell the app's publisher.",
    ),
    "client_revoked": (
        "Cette application a été révoquée par un administrateur du guichet : la demande ne peut pas "
        "aboutir. Signalez-le à son éditeur.",
        "This app was revoked by an administrator of the desk: the request cannot go ahead. Tell the app's publisher.",
    ),
    "redirect": (
        "L'adresse de retour demandée n'est pas enregistrée pour cette application : la demande ne peut pas "
        "aboutir. Signalez-le à son éditeur.",
        "The return address asked for is not registered for this app: the request cannot go ahead. "
        "Tell the app's publisher.",
    ),
    "invalid_request": (
        "La demande d'autorisation de l'application est incomplète ou mal formée : elle ne peut pas aboutir. "
        "Signalez-le à son éditeur.",
        "The app's authorization request is incomplete or malformed: it cannot go ahead. Tell the app's publisher.",
    ),
}


def _failure_page(lang: str, error: str, description: str, *, status_code: int = 400) -> Response:
    """The error page: a sentence in the page's language, the OAuth error as the technical detail."""
    if description == oauth.REVOKED_CLIENT:
        kind = "client_revoked"
    else:
        kind = "redirect" if "redirect" in description.casefold() else error
    french, english = _PAGE_MESSAGES.get(kind, _PAGE_MESSAGES["invalid_request"])
    message = french if lang == "fr" else english
    return page.failure(lang=lang, message=message, status_code=status_code, technical=f"{error}: {description}")


def _authorization_error(request: Request, error: OAuth2Error) -> Response:
    status, _, headers = _SERVER.handle_error_response(None, error)
    if status == 302:
        return RedirectResponse(headers["Location"], status_code=302)
    return _failure_page(_lang(request), error.error, error.description or error.error)


def _actor(user: StaffUser, client_id: str, context: RequestContext) -> Actor:
    return Actor(user_id=user.id, email=user.email, role=user.role, context=context, client_id=client_id)


@router.get("/authorize", response_class=Response, openapi_extra={IGNORES_UNKNOWN_QUERY: True, **docs.AUTHORIZE_PAGE})
async def authorization_page(request: Request, session: SessionDep, settings: SettingsDep) -> Response:
    """The sign-in and consent page for an authorization request (RFC 6749 §4.1.1 with RFC 7636
    ``code_challenge`` and ``code_challenge_method=S256``, both required). An unknown client or a
    redirect URI not registered answers an HTML error page (never a redirect); other errors go
    back to the app's redirect URI (``error=…&state=…``)."""
    try:
        data = _single(request.query_params, AUTHORIZATION_PARAMS)
    except _Repeated as repeated:
        return _failure_page(_lang(request), "invalid_request", f"'{repeated}' is repeated or too long.")
    loaded = await storage.preload(session, settings, client_id=data.get("client_id"), data={})
    try:
        grant = oauth.run(loaded, _SERVER.get_consent_grant, _oauth_request(request, "GET", data))
    except OAuth2Error as error:
        return _authorization_error(request, error)
    scopes = parse(grant.request.scope)
    return page.consent(
        lang=_lang(request),
        key=settings.signing_key(),
        client_name=grant.client.row.name,
        scopes=scopes,
        params={**data, "scope": " ".join(scopes)},  # the scopes listed, held to by the decision
        secure_cookie=_secure(request),
    )


@router.post(
    "/authorize", response_class=Response, status_code=302, openapi_extra={**_PROTOCOL_FORM, **docs.AUTHORIZE_DECISION}
)
async def authorization_decision(
    request: Request, session: SessionDep, settings: SettingsDep, context: RequestContextDep
) -> Response:
    """The consent form: CSRF-checked, then either ``access_denied`` or a staff sign-in
    (the login rate limits apply) and a redirect with a one-time code valid 5 minutes."""
    lang = _lang(request)
    form = await request.form()
    try:
        data = _single(form, AUTHORIZATION_PARAMS)
        fields = _single(form, ("username", "password", "decision", page.CSRF_FIELD, page.CONSENT_FIELD))
    except _Repeated as repeated:
        return _failure_page(lang, "invalid_request", f"'{repeated}' is repeated or too long.")
    if not page.csrf_valid(settings.signing_key(), request.cookies.get(page.CSRF_COOKIE), fields.get(page.CSRF_FIELD)):
        message = (
            "Le formulaire a expiré ou ne vient pas de cette page ; recommencez depuis l'application."
            if lang == "fr"
            else "The form expired or was not sent from this page; start again from the app."
        )
        return page.failure(lang=lang, message=message, status_code=403)
    # Scopes added or swapped, another client, redirect URI or challenge: not the request shown,
    # refused (no sign-in attempted) once the request itself is validated.
    nonce = request.cookies.get(page.CSRF_COOKIE)
    as_shown = page.consent_valid(settings.signing_key(), nonce, data, fields.get(page.CONSENT_FIELD))
    user: StaffUser | None = None
    refused: InvalidCredentials | LoginRateLimited | LoginBusy | None = None
    if fields.get("decision") == "allow" and as_shown:
        # First, before this request's transaction begins (the login throttle counts in its own).
        try:
            user = await auth_service.authenticate(
                session,
                email=fields.get("username", ""),
                password=fields.get("password", ""),
                context=context,
                settings=settings,
            )
        except (InvalidCredentials, LoginRateLimited, LoginBusy) as problem:
            # The refused attempt is recorded as for the password grant (kept although nothing else is).
            refused = problem
            await session.rollback()
            await run_failure_callbacks(session)
    loaded = await storage.preload(session, settings, client_id=data.get("client_id"), data={})
    oauth_request = _oauth_request(request, "POST", data)
    try:
        grant = oauth.run(loaded, _SERVER.get_consent_grant, oauth_request)
    except OAuth2Error as error:
        return _authorization_error(request, error)
    if not as_shown:
        return _failure_page(
            lang,
            "invalid_request",
            "The authorization request differs from the one shown on the consent page; start again from the app.",
        )
    client = grant.client.row
    scopes = parse(grant.request.scope)
    if refused is not None:
        response = page.consent(
            lang=lang,
            key=settings.signing_key(),
            client_name=client.name,
            scopes=scopes,
            params=data,  # the request shown, scopes included (checked above)
            error=refused.detail_fr if lang == "fr" else refused.detail_en,
            status_code=refused.status,
            secure_cookie=_secure(request),
        )
        response.headers.update(refused.headers)
        return response
    if user is None:
        status, _, headers = oauth.run(loaded, _SERVER.create_authorization_response, oauth_request, None, grant)
        return RedirectResponse(headers["Location"], status_code=status)
    status, _, headers = oauth.run(loaded, _SERVER.create_authorization_response, oauth_request, user, grant)
    await storage.apply_writes(session, loaded)
    if status == 302 and "code=" in headers["Location"]:
        await audit.record(
            session,
            actor=_actor(user, client.client_id, context),
            action="oauth.authorize",
            entity_type="app_client",
            entity_id=client.id,
            details={"scope": " ".join(scopes)},
        )
    return RedirectResponse(headers["Location"], status_code=status)


@router.post("/token", response_class=Response, openapi_extra={**_PROTOCOL_FORM, **docs.TOKEN})
async def token(request: Request, session: SessionDep, settings: SettingsDep, context: RequestContextDep) -> Response:
    """Issue tokens to app clients (form-encoded, RFC 6749 §4.1.3, §4.4.2, §6).

    ``grant_type=authorization_code`` with ``code``, ``redirect_uri``, ``client_id`` and
    ``code_verifier``; ``grant_type=refresh_token`` (public clients; rotated, the old one revoked);
    ``grant_type=client_credentials`` with HTTP Basic or ``client_secret_post``. 200 with
    ``access_token``, ``token_type``, ``expires_in`` (seconds), ``scope`` (and ``refresh_token``);
    errors 400/401 ``{"error": "invalid_grant" | "invalid_client" | …}``. A spent code presented
    again revokes the tokens issued from it; a rotated or revoked refresh token presented again
    revokes the tokens issued since it was (its chain), access tokens included.
    """
    form = await request.form()
    try:
        data = _single(form, None)
    except _Repeated as repeated:
        return _json(
            *_SERVER.handle_error_response(None, InvalidRequestError(f"'{repeated}' is repeated or too long."))
        )
    try:
        client_id = storage.basic_client_id(request.headers.get("authorization"))
    except storage.UnreadableBasicCredentials:
        return _json(*_SERVER.handle_error_response(None, _unreadable_basic()))
    client_id = data.get("client_id") or client_id
    loaded = await storage.preload(session, settings, client_id=client_id, data=data)
    status, body, out_headers = oauth.run(loaded, _SERVER.create_token_response, _oauth_request(request, "POST", data))
    if status == 200:
        writes = await storage.apply_writes(session, loaded)
        _, client, user = next(value for kind, value in writes if kind == "token")
        user = user or loaded.users[client.row.service_user_id]
        await audit.record(
            session,
            actor=_actor(user, client.row.client_id, context),
            action="oauth.token",
            entity_type="app_client",
            entity_id=client.row.id,
            details={"grant_type": data.get("grant_type"), "scope": body.get("scope")},
        )
    else:
        await _after_replay(session, settings, context, loaded, grant_type=data.get("grant_type"), client_id=client_id)
    return _json(status, body, out_headers)


async def _after_replay(
    session: AsyncSession,
    settings: Settings,
    context: RequestContext,
    loaded: oauth.Preload,
    *,
    grant_type: str | None,
    client_id: str | None,
) -> None:
    """A refused token request that replayed a spent code (RFC 6749 §4.1.2) or a rotated or
    revoked refresh token (RFC 9700 §4.14.2) of this client: revoke what was issued from it,
    audited (``oauth.code_reused``, ``oauth.refresh_reused``). Committed with the refusal."""
    if grant_type == "authorization_code" and loaded.code is not None and loaded.code.row.used_at:
        await storage.revoke_code_tokens(session, settings, loaded.code)
        user_id, action = loaded.code.row.user_id, "oauth.code_reused"
    elif grant_type == "refresh_token" and loaded.refresh is not None and loaded.refresh.is_revoked():
        await storage.revoke_refresh_chain(session, settings, loaded.refresh)
        user_id, action = loaded.refresh.row.user_id, "oauth.refresh_reused"
    else:
        return
    client_view = loaded.clients.get(client_id or "")
    if client_view is None:
        return
    if (user := loaded.users.get(user_id)) is not None:
        await audit.record(
            session,
            actor=_actor(user, client_view.row.client_id, context),
            action=action,
            entity_type="app_client",
            entity_id=client_view.row.id,
        )


@router.post("/revoke", response_class=Response, openapi_extra={**_PROTOCOL_FORM, **docs.REVOKE})
async def revoke(request: Request, session: SessionDep, settings: SettingsDep) -> Response:
    """RFC 7009: revoke ``token`` (a refresh or an access token of the calling client, which
    authenticates as at the token endpoint). 200 ``{}`` also for an unknown token."""
    form = await request.form()
    try:
        data = _single(form, None)
    except _Repeated as repeated:
        return _json(
            *_SERVER.handle_error_response(None, InvalidRequestError(f"'{repeated}' is repeated or too long."))
        )
    try:
        client_id = storage.basic_client_id(request.headers.get("authorization"))
    except storage.UnreadableBasicCredentials:
        return _json(*_SERVER.handle_error_response(None, _unreadable_basic()))
    client_id = data.get("client_id") or client_id
    loaded = await storage.preload(session, settings, client_id=client_id, data={"token": data.get("token", "")})
    status, body, out_headers = oauth.run(
        loaded, _SERVER.create_endpoint_response, "revocation", _oauth_request(request, "POST", data)
    )
    if status == 200:
        await storage.apply_writes(session, loaded)
    return _json(status, body, out_headers)


for _path, _renderer in (
    ("/authorize", _authorization_problem),
    ("/token", _protocol_error),
    ("/revoke", _protocol_error),
):
    render_problems_at(router.prefix + _path, _renderer)


METADATA_MAX_AGE = 3600
"""Seconds a client or cache may keep the metadata (it changes only with the configuration)."""


@metadata_router.get("/.well-known/oauth-authorization-server", response_class=Response, openapi_extra=docs.METADATA)
async def server_metadata(settings: SettingsDep) -> JSONResponse:
    """RFC 8414 authorization server metadata. The issuer and every endpoint are under
    ``PUBLIC_BASE_URL`` (never the request's ``Host``, which anyone can set); cacheable an hour."""
    base = settings.public_base_url
    body = {
        "issuer": base,
        "authorization_endpoint": f"{base}{router.prefix}/authorize",
        "token_endpoint": f"{base}{router.prefix}/token",
        "revocation_endpoint": f"{base}{router.prefix}/revoke",
        "scopes_supported": list(SCOPES),
        "response_types_supported": ["code"],
        "grant_types_supported": ["authorization_code", "refresh_token", "client_credentials"],
        "code_challenge_methods_supported": ["S256"],
        "token_endpoint_auth_methods_supported": ["none", "client_secret_basic", "client_secret_post"],
        "revocation_endpoint_auth_methods_supported": ["none", "client_secret_basic", "client_secret_post"],
    }
    return JSONResponse(body, headers={"Cache-Control": f"public, max-age={METADATA_MAX_AGE}"})
