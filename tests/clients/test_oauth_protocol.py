"""The app-client authorization server as a client developer meets it: metadata from the
configured address, consent held to what was shown, RFC 6750 errors for a presented token that
is no longer good, RFC 7009 revocation that tells nothing, revoked clients named as such, and
error descriptions in plain ASCII."""

from __future__ import annotations

import datetime as dt
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import jwt
import pytest

from app.core.config import Settings
from app.main import create_app
from tests.clients.test_oauth import (
    REDIRECT,
    _form_fields,
    authorize,
    client_credentials_token,
    confidential_client,
    exchange,
    pkce,
    register,
)
from tests.conftest import PASSWORD, TEST_SECRET, Staff

METADATA = "/.well-known/oauth-authorization-server"


async def test_metadata_names_the_configured_address_whatever_the_host_header(
    client: httpx.AsyncClient, settings: Settings
) -> None:
    response = await client.get(METADATA, headers={"Host": "evil.example"})
    assert response.status_code == 200
    body = response.json()
    assert body["issuer"] == "http://127.0.0.1:8000" == settings.public_base_url
    assert body["authorization_endpoint"] == "http://127.0.0.1:8000/api/v1/oauth/authorize"
    assert body["token_endpoint"] == "http://127.0.0.1:8000/api/v1/oauth/token"
    assert body["revocation_endpoint"] == "http://127.0.0.1:8000/api/v1/oauth/revoke"
    assert "evil.example" not in response.text
    assert response.headers["cache-control"] == "public, max-age=3600"


async def test_metadata_names_public_base_url(settings: Settings) -> None:
    app = create_app(settings.model_copy(update={"public_base_url": "https://desk.example.org/desk"}))
    transport = httpx.ASGITransport(app=app)
    try:
        async with httpx.AsyncClient(transport=transport, base_url="http://10.0.0.5:8000") as http:
            body = (await http.get(METADATA)).json()
    finally:
        await app.state.engine.dispose()
    assert body["issuer"] == "https://desk.example.org/desk"
    assert body["token_endpoint"] == "https://desk.example.org/desk/api/v1/oauth/token"


def test_public_base_url_is_kept_without_its_trailing_slash() -> None:
    assert Settings(public_base_url="https://desk.example.org/", _env_file=None).public_base_url == (  # type: ignore[call-arg]
        "https://desk.example.org"
    )


@pytest.mark.parametrize("value", ["desk.example.org", "ftp://desk.example.org", "https://desk.example.org/?a=1"])
def test_public_base_url_must_be_an_http_address(value: str) -> None:
    with pytest.raises(ValueError, match="PUBLIC_BASE_URL must"):
        Settings(public_base_url=value, _env_file=None)  # type: ignore[call-arg]


async def test_an_authorization_redirect_never_names_the_host_header(
    client: httpx.AsyncClient, admin: Staff, agent: Staff
) -> None:
    app_client = await register(client, admin)
    _, challenge = pkce()
    client.headers["Host"] = "evil.example"
    response = await authorize(client, app_client["client_id"], agent, challenge=challenge, scope="sync")
    assert response.status_code == 302
    assert response.headers["location"].startswith(REDIRECT + "?")
    assert "evil.example" not in response.headers["location"]


async def _consent_form(client: httpx.AsyncClient, client_id: str, challenge: str, scope: str) -> dict[str, str]:
    page = await client.get(
        "/api/v1/oauth/authorize",
        params={
            "response_type": "code",
            "client_id": client_id,
            "redirect_uri": REDIRECT,
            "scope": scope,
            "state": "xyz-state",
            "code_challenge": challenge,
            "code_challenge_method": "S256",
        },
    )
    assert page.status_code == 200, page.text
    assert page.headers["cache-control"] == "no-store"
    return _form_fields(page.text)


@pytest.mark.parametrize(
    "changed",
    [{"scope": "sync registrants:write"}, {"scope": "registrants:read"}, {"redirect_uri": "http://127.0.0.1/callback"}],
    ids=["scope-added", "scope-swapped", "redirect-uri"],
)
async def test_consent_is_held_to_the_request_shown(
    client: httpx.AsyncClient, admin: Staff, agent: Staff, changed: dict[str, str]
) -> None:
    app_client = await register(client, admin)
    _, challenge = pkce()
    fields = await _consent_form(client, app_client["client_id"], challenge, "sync")
    fields.update({**changed, "username": agent.email, "password": PASSWORD, "decision": "allow"})
    response = await client.post("/api/v1/oauth/authorize", data=fields)
    assert response.status_code == 400, response.headers.get("location")
    assert response.headers["content-type"].startswith("text/html")
    assert "invalid_request: The authorization request differs from the one shown on the consent page" in (
        response.text
    )


async def test_consent_without_a_scope_is_held_to_the_scopes_shown(
    client: httpx.AsyncClient, admin: Staff, agent: Staff
) -> None:
    app_client = await register(client, admin, scopes=["sync"])
    verifier, challenge = pkce()
    fields = await _consent_form(client, app_client["client_id"], challenge, "")
    assert fields["scope"] == "sync"
    fields.update({"username": agent.email, "password": PASSWORD, "decision": "allow"})
    response = await client.post("/api/v1/oauth/authorize", data=fields)
    code = parse_qs(urlsplit(response.headers["location"]).query)["code"][0]
    token = await exchange(client, app_client["client_id"], code, verifier)
    assert token.json()["scope"] == "sync"


def _expired_token(staff: Staff) -> str:
    now = dt.datetime.now(dt.UTC)
    claims = {
        "sub": str(staff.id),
        "role": "agent",
        "tv": 0,
        "typ": "access",
        "iat": int((now - dt.timedelta(hours=1)).timestamp()),
        "exp": int((now - dt.timedelta(minutes=10)).timestamp()),
    }
    return jwt.encode(claims, TEST_SECRET, algorithm="HS256")


def _assert_invalid_token(response: httpx.Response, slug: str = "invalid-token") -> None:
    assert response.status_code == 401
    challenge = response.headers["www-authenticate"]
    assert challenge.startswith('Bearer error="invalid_token", error_description="'), challenge
    assert challenge.isascii()
    assert response.json()["type"] == f"/problems/{slug}"


async def test_a_missing_token_gets_a_bare_bearer_challenge(client: httpx.AsyncClient) -> None:
    response = await client.get("/api/v1/auth/me")
    assert response.status_code == 401
    assert response.headers["www-authenticate"] == "Bearer"
    assert response.json()["type"] == "/problems/unauthorized"


async def test_an_expired_or_forged_staff_token_gets_invalid_token(client: httpx.AsyncClient, agent: Staff) -> None:
    for token in (_expired_token(agent), "not.a.token"):
        response = await client.get("/api/v1/auth/me", headers={"Authorization": f"Bearer {token}"})
        _assert_invalid_token(response)


async def test_a_staff_token_revoked_by_a_password_change_gets_invalid_token(
    client: httpx.AsyncClient, admin: Staff, agent: Staff
) -> None:
    current = await client.get(f"/api/v1/users/{agent.id}", headers=admin.headers)
    changed = await client.patch(
        f"/api/v1/users/{agent.id}",
        headers={**admin.headers, "If-Match": current.headers["etag"]},
        json={"password": "a brand new passphrase 2026"},
    )
    assert changed.status_code == 200, changed.text
    _assert_invalid_token(await client.get("/api/v1/auth/me", headers=agent.headers))


async def test_a_revoked_app_token_gets_invalid_token(client: httpx.AsyncClient, admin: Staff, agent: Staff) -> None:
    _, auth = await confidential_client(client, admin, agent, ["registrants:read"])
    token = await client_credentials_token(client, auth)
    revoked = await client.post("/api/v1/oauth/revoke", data={"token": token["access_token"]}, auth=auth)
    assert revoked.status_code == 200
    response = await client.get("/api/v1/registrants", headers={"Authorization": f"Bearer {token['access_token']}"})
    _assert_invalid_token(response, "client-revoked")


async def _staff_token(client: httpx.AsyncClient, staff: Staff) -> str:
    response = await client.post("/api/v1/auth/token", data={"username": staff.email, "password": PASSWORD})
    assert response.status_code == 200, response.text
    token: str = response.json()["access_token"]
    return token


async def test_revoking_a_token_not_the_client_s_answers_as_any_other_and_revokes_nothing(
    client: httpx.AsyncClient, admin: Staff, agent: Staff
) -> None:
    _, auth = await confidential_client(client, admin, agent, ["registrants:read"])
    _, other_auth = await confidential_client(client, admin, agent, ["registrants:read"])
    others = (await client_credentials_token(client, other_auth))["access_token"]
    staff = await _staff_token(client, agent)
    answers: list[tuple[int, Any]] = []
    for token in (others, staff, "junk", (await client_credentials_token(client, auth))["access_token"]):
        response = await client.post("/api/v1/oauth/revoke", data={"token": token}, auth=auth)
        answers.append((response.status_code, response.json()))
    assert answers == [(200, {})] * 4
    for token in (others, staff):
        still = await client.get("/api/v1/auth/me", headers={"Authorization": f"Bearer {token}"})
        assert still.status_code == 200, still.text


async def test_revoking_another_client_s_refresh_token_revokes_nothing(
    client: httpx.AsyncClient, admin: Staff, agent: Staff
) -> None:
    app_client = await register(client, admin)
    other = await register(client, admin)
    verifier, challenge = pkce()
    code = parse_qs(
        urlsplit(
            (await authorize(client, app_client["client_id"], agent, challenge=challenge)).headers["location"]
        ).query
    )["code"][0]
    tokens = (await exchange(client, app_client["client_id"], code, verifier)).json()
    response = await client.post(
        "/api/v1/oauth/revoke", data={"token": tokens["refresh_token"], "client_id": other["client_id"]}
    )
    assert (response.status_code, response.json()) == (200, {})
    refreshed = await client.post(
        "/api/v1/oauth/token",
        data={
            "grant_type": "refresh_token",
            "refresh_token": tokens["refresh_token"],
            "client_id": app_client["client_id"],
        },
    )
    assert refreshed.status_code == 200, refreshed.text


REVOKED = "This app client was revoked by an administrator."


async def test_a_revoked_client_is_told_it_was_revoked(client: httpx.AsyncClient, admin: Staff, agent: Staff) -> None:
    server, auth = await confidential_client(client, admin, agent, ["registrants:read"])
    public = await register(client, admin)
    for revoked in (server, public):
        answer = await client.post(f"/api/v1/clients/{revoked['client_id']}/revoke", headers=admin.headers)
        assert answer.status_code == 200
    token = await client.post("/api/v1/oauth/token", data={"grant_type": "client_credentials"}, auth=auth)
    revoke = await client.post("/api/v1/oauth/revoke", data={"token": "x"}, auth=auth)
    for response in (token, revoke):
        assert response.status_code == 401
        assert response.json() == {"error": "invalid_client", "error_description": REVOKED}
    _, challenge = pkce()
    page = await client.get(
        "/api/v1/oauth/authorize",
        params={
            "response_type": "code",
            "client_id": public["client_id"],
            "redirect_uri": REDIRECT,
            "scope": "sync",
            "code_challenge": challenge,
            "code_challenge_method": "S256",
        },
        headers={"Accept-Language": "fr"},
    )
    assert page.status_code == 400
    assert "Cette application a été révoquée par un administrateur du guichet" in page.text
    assert f"invalid_client: {REVOKED}" in page.text


@pytest.mark.parametrize("path", ["/api/v1/oauth/token", "/api/v1/oauth/revoke"])
async def test_an_over_long_body_is_described_in_plain_ascii(client: httpx.AsyncClient, path: str) -> None:
    response = await client.post(
        path,
        content=b"grant_type=client_credentials&pad=" + b"a" * 1_100_000,
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert response.status_code == 413
    assert response.json() == {
        "error": "invalid_request",
        "error_description": "The request is too large: 1 MB at most.",
    }


async def test_the_consent_cookie_is_secure_when_the_public_address_is_https(
    settings: Settings, make_staff: Any
) -> None:
    """Behind the TLS-terminating proxy the request is plain http: PUBLIC_BASE_URL says https."""
    app = create_app(settings.model_copy(update={"public_base_url": "https://desk.example.org"}))
    try:
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://10.0.0.5:8000") as http:
            admin = await make_staff("admin", [])
            app_client = await register(http, admin)
            _, challenge = pkce()
            page = await http.get(
                "/api/v1/oauth/authorize",
                params={
                    "response_type": "code",
                    "client_id": app_client["client_id"],
                    "redirect_uri": REDIRECT,
                    "scope": "sync",
                    "code_challenge": challenge,
                    "code_challenge_method": "S256",
                },
            )
    finally:
        await app.state.engine.dispose()
    assert page.status_code == 200, page.text
    assert "; secure" in page.headers["set-cookie"].lower()
