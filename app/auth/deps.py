"""The authenticated staff user of a request, and role checks."""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from dataclasses import replace
from typing import Annotated, Any

from fastapi import Depends, Request
from fastapi.security import OAuth2PasswordBearer

from app.auth import cache as auth_cache
from app.auth.cache import AuthCache
from app.auth.errors import InvalidToken
from app.auth.models import reserved_to_fr, roles_en
from app.auth.service import load_actor
from app.clients import guard
from app.clients.errors import ScopeRequired
from app.clients.scopes import required_scope
from app.core.context import Actor
from app.core.deps import RequestContextDep, SessionDep, SettingsDep
from app.core.errors import Forbidden, Unauthorized

oauth2_scheme = OAuth2PasswordBearer(tokenUrl="/api/v1/auth/token", auto_error=False)


async def get_actor(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    context: RequestContextDep,
    token: Annotated[str | None, Depends(oauth2_scheme)],
) -> Actor:
    """The staff user behind the bearer token. Raises ``Unauthorized`` (401, ``WWW-Authenticate:
    Bearer``) without a token, ``InvalidToken`` (401 ``invalid-token``, ``Bearer
    error="invalid_token"``, RFC 6750 §3.1) for a token expired, revoked or not valid.

    The token's claims and the user's role and desks come from the app's :class:`AuthCache` when
    it has them (see :mod:`app.auth.cache` for how long and how changes are noticed).

    A token issued to an app client (``cid`` claim) is also checked against its client on every
    request (:mod:`app.clients.guard`: 401 ``client-revoked``, 429 ``client-rate-limited``) and
    against the scope this request needs (:func:`app.clients.scopes.required_scope`: 403
    ``insufficient-scope``). Staff tokens keep full role-based access.
    """
    cache: AuthCache = request.app.state.auth_cache
    leeway = settings.jwt_leeway_seconds
    if not token:
        raise Unauthorized(
            "A valid bearer access token is required.",
            detail_fr="Un jeton d'accès valide est requis.",
        )
    claims = cache.claims(token, key=settings.signing_key(), leeway_seconds=leeway)
    if claims is None:
        raise InvalidToken(
            "The access token is expired or not valid: get a new one.",
            detail_fr="Le jeton d'accès a expiré ou n'est pas valide : obtenez-en un nouveau.",
        )
    if claims.client_id is not None:  # first: before this request's transaction begins
        await guard.check(session, request.app.state.engine, claims)
    actor = cache.actor(claims.user_id, claims.token_version)
    if actor is None:
        generation = auth_cache.generation()
        actor = await load_actor(session, user_id=claims.user_id, token_version=claims.token_version)
        if actor is None:
            raise InvalidToken("The access token was revoked.", detail_fr="Le jeton d'accès a été révoqué.")
        cache.remember(claims.user_id, claims.token_version, actor, generation=generation)
    if claims.client_id is not None:
        scopes = claims.scopes or frozenset()
        needed = required_scope(request.method, request.url.path)
        if needed is None or (needed and needed not in scopes):
            raise ScopeRequired(
                f"This token's scopes do not allow this request (needs {needed or 'a staff sign-in'}).",
                detail_fr=f"Les portées de ce jeton ne permettent pas cette requête "
                f"(il faut {needed or 'une connexion du personnel'}).",
                headers={"WWW-Authenticate": f'Bearer error="insufficient_scope", scope="{needed or ""}"'},
                required_scope=needed,
            )
        return replace(actor, context=context, client_id=claims.client_id, scopes=scopes)
    return replace(actor, context=context)


CurrentActor = Annotated[Actor, Depends(get_actor)]


def require_roles(*roles: str) -> Callable[[Actor], Coroutine[Any, Any, Actor]]:
    """A dependency answering 403 unless the actor has one of ``roles``."""

    async def check(actor: CurrentActor) -> Actor:
        if actor.role not in roles:
            raise Forbidden(
                f"This action needs the role {roles_en(roles)}.",
                detail_fr=f"Cette action est réservée {reserved_to_fr(roles)}.",
            )
        return actor

    return check


AdminActor = Annotated[Actor, Depends(require_roles("admin"))]
AuditorActor = Annotated[Actor, Depends(require_roles("admin", "auditor"))]
SupervisorActor = Annotated[Actor, Depends(require_roles("supervisor", "admin"))]
