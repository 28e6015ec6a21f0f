"""A password, role or status change ends every session of the user; access tokens tolerate a
small clock skew (RFC 7519 §4.1.4-4.1.6) and no more."""

from __future__ import annotations

import datetime as dt
import uuid

import jwt
import pytest
from sqlalchemy import update

from app.auth.models import StaffUser
from app.core.security import decode_access_token
from tests.conftest import PASSWORD, TEST_SECRET


async def _login(client, email: str, password: str = PASSWORD) -> dict[str, str]:  # type: ignore[no-untyped-def]
    response = await client.post("/api/v1/auth/token", data={"username": email, "password": password})
    assert response.status_code == 200, response.text
    body: dict[str, str] = response.json()
    return body


async def _refresh(client, refresh_token: str) -> int:  # type: ignore[no-untyped-def]
    response = await client.post(
        "/api/v1/auth/token", data={"grant_type": "refresh_token", "refresh_token": refresh_token}
    )
    return int(response.status_code)


async def _patch_user(client, admin, user_id: uuid.UUID, changes: dict[str, object]) -> None:  # type: ignore[no-untyped-def]
    current = await client.get(f"/api/v1/users/{user_id}", headers=admin.headers)
    response = await client.patch(
        f"/api/v1/users/{user_id}", headers={**admin.headers, "If-Match": current.headers["etag"]}, json=changes
    )
    assert response.status_code == 200, response.text


@pytest.mark.parametrize(
    "changes",
    [
        {"password": "a brand new passphrase 2026"},
        {"role": "supervisor"},
        {"is_active": False},
    ],
    ids=["password", "role", "deactivation"],
)
async def test_a_change_revokes_every_refresh_and_access_token(client, make_staff, changes) -> None:  # type: ignore[no-untyped-def]
    admin = await make_staff("admin", [])
    agent = await make_staff("agent")
    phone = await _login(client, agent.email)
    laptop = await _login(client, agent.email)
    await _patch_user(client, admin, agent.id, changes)
    for session in (phone, laptop):
        assert await _refresh(client, session["refresh_token"]) == 401
        me = await client.get("/api/v1/auth/me", headers={"Authorization": f"Bearer {session['access_token']}"})
        assert me.status_code == 401


async def test_a_name_or_desk_change_keeps_sessions(client, make_staff) -> None:
    """Desks are read on every request, in no token: changing them (or the name) ends nothing."""
    admin = await make_staff("admin", [])
    agent = await make_staff("agent")
    session = await _login(client, agent.email)
    await _patch_user(client, admin, agent.id, {"full_name": "Awa Diop", "desk_codes": ["DKR-MOB"]})
    me = await client.get("/api/v1/auth/me", headers={"Authorization": f"Bearer {session['access_token']}"})
    assert me.status_code == 200
    assert await _refresh(client, session["refresh_token"]) == 200


async def test_a_refresh_token_older_than_the_users_token_version_is_refused(client, make_staff, sessionmaker) -> None:
    """Even a refresh token left unrevoked (written by another path) is refused once the user's
    token version has moved past the one it was issued under."""
    agent = await make_staff("agent")
    session = await _login(client, agent.email)
    async with sessionmaker() as db:
        await db.execute(
            update(StaffUser).where(StaffUser.id == agent.id).values(token_version=StaffUser.token_version + 1)
        )
        await db.commit()
    assert await _refresh(client, session["refresh_token"]) == 401
    fresh = await _login(client, agent.email)
    assert await _refresh(client, fresh["refresh_token"]) == 200


def _token(user_id: uuid.UUID, *, iat_offset: int = 0, exp_offset: int = 900, nbf_offset: int | None = None) -> str:
    """An access token built here, by hand, with times relative to now (seconds)."""
    now = int(dt.datetime.now(dt.UTC).timestamp())
    claims: dict[str, object] = {
        "sub": str(user_id),
        "role": "agent",
        "tv": 1,
        "iat": now + iat_offset,
        "exp": now + exp_offset,
        "jti": uuid.uuid4().hex,
        "typ": "access",
    }
    if nbf_offset is not None:
        claims["nbf"] = now + nbf_offset
    return jwt.encode(claims, TEST_SECRET, algorithm="HS256")


@pytest.mark.parametrize(
    ("times", "status"),
    [
        ({"iat_offset": 2}, 200),  # the issuing server's clock 2 s ahead
        ({"iat_offset": 300}, 401),  # 5 min ahead: not a clock skew
        ({"nbf_offset": 10}, 200),
        ({"nbf_offset": 300}, 401),
        ({"iat_offset": -900, "exp_offset": -5}, 200),  # expired 5 s ago by our clock: within the leeway
        ({"iat_offset": -900, "exp_offset": -120}, 401),
    ],
    ids=["iat+2s", "iat+5min", "nbf+10s", "nbf+5min", "exp-5s", "exp-2min"],
)
async def test_access_tokens_tolerate_the_configured_clock_skew(client, make_staff, times, status) -> None:  # type: ignore[no-untyped-def]
    agent = await make_staff("agent")
    token = _token(agent.id, **times)
    response = await client.get("/api/v1/auth/me", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == status, response.text


def test_the_leeway_is_the_settings_value() -> None:
    user_id = uuid.uuid4()
    ahead = _token(user_id, iat_offset=20)
    assert decode_access_token(ahead, key=TEST_SECRET, leeway_seconds=30) is not None
    assert decode_access_token(ahead, key=TEST_SECRET, leeway_seconds=0) is None
    from app.core.config import Settings

    assert Settings(_env_file=None).jwt_leeway_seconds == 30  # type: ignore[call-arg]
