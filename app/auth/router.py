"""``/api/v1/auth``: OAuth 2.0 password and refresh-token grants, logout, the current user."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import Form
from pydantic import BaseModel

from app.auth import service
from app.auth.deps import CurrentActor
from app.core.deps import RequestContextDep, SessionDep, SettingsDep
from app.core.errors import BadRequest
from app.core.idempotency import not_keyed
from app.core.routing import api_router

router = api_router(prefix="/api/v1/auth", tags=["auth"])


class TokenOut(BaseModel):
    """RFC 6749 §5.1 token response; ``expires_in`` in seconds."""

    access_token: str
    token_type: Literal["bearer"] = "bearer"
    expires_in: int
    refresh_token: str


class LogoutIn(BaseModel):
    refresh_token: str


class MeOut(BaseModel):
    id: str
    email: str
    role: str
    desk_ids: list[str] | None


@router.post(
    "/token",
    response_model=TokenOut,
    openapi_extra=not_keyed(
        "Credentials in, a token out: no signed-in user to scope a key to, and a token is never stored."
    ),
)
async def token(
    session: SessionDep,
    settings: SettingsDep,
    context: RequestContextDep,
    grant_type: Annotated[Literal["password", "refresh_token"], Form()] = "password",
    username: Annotated[str | None, Form(max_length=320)] = None,
    password: Annotated[str | None, Form(max_length=256)] = None,
    refresh_token: Annotated[str | None, Form(max_length=256)] = None,
) -> TokenOut:
    """Log in (``grant_type=password`` with ``username`` = e-mail) or rotate a refresh token.

    Form-encoded, as RFC 6749 §4.3 and §6 specify. 401 ``invalid-credentials`` for any wrong
    login, 429 ``login-rate-limited`` after too many failures (``Retry-After`` in seconds: the
    window), 429 ``login-busy`` when too many logins to one account are checked at the same moment
    (``Retry-After: 1``; a login first waits ``LOGIN_BUSY_WAIT_SECONDS`` for them to finish).
    """
    if grant_type == "password":
        if not username or password is None:
            raise BadRequest(
                "The e-mail and the password are required.", detail_fr="L'e-mail et le mot de passe sont requis."
            )
        pair = await service.login(session, email=username, password=password, context=context, settings=settings)
    else:
        if not refresh_token:
            raise BadRequest(
                "The refresh token is required.", detail_fr="Le jeton de rafraîchissement de la session est requis."
            )
        pair = await service.refresh(session, refresh_token=refresh_token, context=context, settings=settings)
    return TokenOut(access_token=pair.access_token, expires_in=pair.expires_in, refresh_token=pair.refresh_token)


@router.post(
    "/logout", status_code=204, openapi_extra=not_keyed("Revoking a token twice revokes it once: nothing to replay.")
)
async def logout(body: LogoutIn, session: SessionDep, actor: CurrentActor) -> None:
    """Revoke the refresh token (and the tokens rotated from it). Access tokens expire on their own."""
    await service.logout(session, refresh_token=body.refresh_token, actor=actor)


@router.get("/me", response_model=MeOut)
async def me(actor: CurrentActor) -> MeOut:
    """The authenticated staff user; ``desk_ids`` is null for roles that see every desk."""
    return MeOut(
        id=str(actor.user_id),
        email=actor.email,
        role=actor.role,
        desk_ids=None if actor.desk_ids is None else sorted(str(d) for d in actor.desk_ids),
    )
