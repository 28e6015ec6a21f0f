"""Password login, token refresh and rotation, logout, rate limiting — all audited."""

import datetime as dt
import uuid

import httpx
import jwt
from sqlalchemy import func, select

from app.audit.models import AuditEvent
from tests.conftest import PASSWORD, TEST_SECRET


async def _login(client: httpx.AsyncClient, email: str, password: str = PASSWORD) -> httpx.Response:
    return await client.post("/api/v1/auth/token", data={"username": email, "password": password})


async def _count(sessionmaker, action: str) -> int:
    async with sessionmaker() as session:
        return (await session.execute(select(func.count()).where(AuditEvent.action == action))).scalar_one()


async def test_login_returns_bearer_and_refresh_tokens(client, make_staff) -> None:
    agent = await make_staff("agent")
    response = await _login(client, agent.email.upper())
    assert response.status_code == 200
    body = response.json()
    assert body["token_type"] == "bearer"
    assert body["expires_in"] == 900
    me = await client.get("/api/v1/auth/me", headers={"Authorization": f"Bearer {body['access_token']}"})
    assert me.json()["email"] == agent.email
    assert me.json()["role"] == "agent"


async def test_unknown_account_and_wrong_password_get_the_same_answer(client, make_staff, sessionmaker) -> None:
    agent = await make_staff("agent")
    wrong = await _login(client, agent.email, "not the password")
    unknown = await _login(client, "nobody@desk.example", "not the password")
    assert wrong.status_code == unknown.status_code == 401
    strip = lambda r: {k: v for k, v in r.json().items() if k != "request_id"}  # noqa: E731
    assert strip(wrong) == strip(unknown)
    assert wrong.json()["type"] == "/problems/invalid-credentials"
    assert await _count(sessionmaker, "auth.login_failed") == 2


async def test_tenth_wrong_password_is_rate_limited_and_blocks_the_right_one(client, make_staff, sessionmaker) -> None:
    agent = await make_staff("agent")
    statuses = [(await _login(client, agent.email, f"wrong-{i}")).status_code for i in range(10)]
    assert statuses == [401] * 5 + [429] * 5
    blocked = await _login(client, agent.email)
    assert blocked.status_code == 429
    assert blocked.headers["retry-after"] == "900"
    assert blocked.json()["type"] == "/problems/login-rate-limited"
    assert blocked.json()["detail"] == "Trop de tentatives échouées ; réessayez dans 15 minutes."
    assert await _count(sessionmaker, "auth.login_failed") == 11
    # Other accounts from another client are not affected.
    other = await make_staff("agent")
    assert (await _login(client, other.email)).status_code == 200


async def test_login_audits_success(client, make_staff, sessionmaker) -> None:
    agent = await make_staff("agent")
    await _login(client, agent.email)
    async with sessionmaker() as session:
        event = (await session.execute(select(AuditEvent).where(AuditEvent.action == "auth.login"))).scalar_one()
    assert event.actor_id == agent.id
    assert event.ip == "203.0.113.7"


async def test_refresh_rotates_and_a_replayed_refresh_token_revokes_the_family(client, make_staff) -> None:
    agent = await make_staff("agent")
    first = (await _login(client, agent.email)).json()
    rotated = await client.post(
        "/api/v1/auth/token", data={"grant_type": "refresh_token", "refresh_token": first["refresh_token"]}
    )
    assert rotated.status_code == 200
    second = rotated.json()
    assert second["refresh_token"] != first["refresh_token"]
    replay = await client.post(
        "/api/v1/auth/token", data={"grant_type": "refresh_token", "refresh_token": first["refresh_token"]}
    )
    assert replay.status_code == 401
    assert replay.json()["type"] == "/problems/invalid-refresh-token"
    # The replay revoked the family, including the token rotated from it.
    after = await client.post(
        "/api/v1/auth/token", data={"grant_type": "refresh_token", "refresh_token": second["refresh_token"]}
    )
    assert after.status_code == 401


async def test_logout_revokes_the_refresh_token(client, make_staff, sessionmaker) -> None:
    agent = await make_staff("agent")
    tokens = (await _login(client, agent.email)).json()
    headers = {"Authorization": f"Bearer {tokens['access_token']}"}
    out = await client.post("/api/v1/auth/logout", json={"refresh_token": tokens["refresh_token"]}, headers=headers)
    assert out.status_code == 204
    again = await client.post(
        "/api/v1/auth/token", data={"grant_type": "refresh_token", "refresh_token": tokens["refresh_token"]}
    )
    assert again.status_code == 401
    assert await _count(sessionmaker, "auth.logout") == 1


async def test_forged_expired_and_unsigned_tokens_are_refused(client, make_staff) -> None:
    agent = await make_staff("agent")
    now = dt.datetime.now(dt.UTC)
    claims = {"sub": str(agent.id), "role": "admin", "tv": 1, "typ": "access"}
    forged = jwt.encode({**claims, "exp": now + dt.timedelta(minutes=5)}, "another-key-another-key-another-key!")
    expired = jwt.encode({**claims, "exp": now - dt.timedelta(minutes=5)}, TEST_SECRET)
    unsigned = jwt.encode({**claims, "exp": now + dt.timedelta(minutes=5)}, None, algorithm="none")
    for token in (forged, expired, unsigned, "not-a-jwt"):
        response = await client.get("/api/v1/auth/me", headers={"Authorization": f"Bearer {token}"})
        assert response.status_code == 401, token
        assert response.headers["www-authenticate"] == (
            'Bearer error="invalid_token", error_description="The access token is expired or not valid: get a new one."'
        )
        assert response.json()["type"] == "/problems/invalid-token"


async def test_missing_credentials_in_form_is_400(client) -> None:
    response = await client.post("/api/v1/auth/token", data={"username": "x@y.z"})
    assert response.status_code == 400
    assert response.json()["type"] == "/problems/bad-request"


async def test_deactivated_user_loses_access_immediately(client, make_staff) -> None:
    admin = await make_staff("admin", [])
    agent = await make_staff("agent")
    current = await client.get(f"/api/v1/users/{agent.id}", headers=admin.headers)
    patch = await client.patch(
        f"/api/v1/users/{agent.id}",
        json={"is_active": False},
        headers={**admin.headers, "If-Match": current.headers["etag"]},
    )
    assert patch.status_code == 200
    assert (await client.get("/api/v1/auth/me", headers=agent.headers)).status_code == 401
    assert (await _login(client, agent.email)).status_code == 401


async def test_unknown_user_id_in_token_is_401(client) -> None:
    from app.core.security import create_access_token

    token = create_access_token(user_id=uuid.uuid4(), role="admin", token_version=1, key=TEST_SECRET, ttl_seconds=60)
    response = await client.get("/api/v1/auth/me", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 401
