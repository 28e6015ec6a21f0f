"""App-client grants over HTTP against the staff side's session rules: codes and refresh tokens
end with the user's sessions, replayed refresh tokens revoke their chain, revocation reaches the
access token of the grant, and every error of the token and revocation endpoints is RFC 6749 JSON."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
import pytest

from app.core.config import Settings
from tests.clients.test_oauth import REDIRECT, _code_of, authorize, confidential_client, exchange, pkce, register
from tests.conftest import Staff


def bearer(token: dict[str, Any]) -> dict[str, str]:
    return {"Authorization": f"Bearer {token['access_token']}"}


async def signed_in(client: httpx.AsyncClient, client_id: str, staff: Staff) -> dict[str, Any]:
    """Tokens from a full code flow (consent page form, then the token endpoint)."""
    verifier, challenge = pkce()
    code = _code_of(await authorize(client, client_id, staff, challenge=challenge))
    response = await exchange(client, client_id, code, verifier)
    assert response.status_code == 200, response.text
    token: dict[str, Any] = response.json()
    return token


async def refresh(client: httpx.AsyncClient, client_id: str, refresh_token: str) -> httpx.Response:
    return await client.post(
        "/api/v1/oauth/token",
        data={"grant_type": "refresh_token", "refresh_token": refresh_token, "client_id": client_id},
    )


async def change_user(client: httpx.AsyncClient, admin: Staff, user: Staff, change: dict[str, Any]) -> None:
    url = f"/api/v1/users/{user.id}"
    etag = (await client.get(url, headers=admin.headers)).headers["etag"]
    response = await client.patch(url, json=change, headers={**admin.headers, "If-Match": etag})
    assert response.status_code == 200, response.text


CHANGES = [{"password": "Changed-Pass-777"}, {"role": "auditor"}, {"is_active": False}]


@pytest.mark.parametrize("change", CHANGES, ids=["password", "role", "deactivation"])
async def test_a_code_issued_before_the_user_changed_gives_no_token(
    client: httpx.AsyncClient, admin: Staff, agent: Staff, change: dict[str, Any]
) -> None:
    app_client = await register(client, admin)
    verifier, challenge = pkce()
    code = _code_of(await authorize(client, app_client["client_id"], agent, challenge=challenge))

    await change_user(client, admin, agent, change)

    response = await exchange(client, app_client["client_id"], code, verifier)
    assert (response.status_code, response.json()["error"]) == (400, "invalid_grant")


@pytest.mark.parametrize("change", CHANGES, ids=["password", "role", "deactivation"])
async def test_a_refresh_token_issued_before_the_user_changed_is_invalid_grant(
    client: httpx.AsyncClient, admin: Staff, agent: Staff, change: dict[str, Any]
) -> None:
    app_client = await register(client, admin)
    token = await signed_in(client, app_client["client_id"], agent)

    await change_user(client, admin, agent, change)

    response = await refresh(client, app_client["client_id"], token["refresh_token"])
    assert response.status_code == 400
    assert response.json() == {
        "error": "invalid_grant",
        "error_description": "The refresh token was issued before the user's password, role or status changed.",
    }
    assert (await client.get("/api/v1/auth/me", headers=bearer(token))).status_code == 401


async def test_a_rotated_refresh_token_presented_again_revokes_its_chain(
    client: httpx.AsyncClient, admin: Staff, agent: Staff, audit_log: Any
) -> None:
    app_client = await register(client, admin)
    client_id = app_client["client_id"]
    first = await signed_in(client, client_id, agent)
    rotated = await refresh(client, client_id, first["refresh_token"])
    assert rotated.status_code == 200
    second = rotated.json()
    assert (await client.get("/api/v1/auth/me", headers=bearer(second))).status_code == 200

    replayed = await refresh(client, client_id, first["refresh_token"])

    assert (replayed.status_code, replayed.json()["error"]) == (400, "invalid_grant")
    after = await refresh(client, client_id, second["refresh_token"])
    assert (after.status_code, after.json()["error"]) == (400, "invalid_grant")
    for token in (first, second):
        me = await client.get("/api/v1/auth/me", headers=bearer(token))
        assert (me.status_code, me.json()["type"]) == (401, "/problems/client-revoked")


async def test_simultaneous_refreshes_rotate_once_and_the_losers_revoke_the_chain(
    client: httpx.AsyncClient, admin: Staff, agent: Staff
) -> None:
    app_client = await register(client, admin)
    client_id = app_client["client_id"]
    token = await signed_in(client, client_id, agent)

    responses = await asyncio.gather(*(refresh(client, client_id, token["refresh_token"]) for _ in range(10)))

    assert sorted(r.status_code for r in responses) == [200] + [400] * 9
    winner = next(r.json() for r in responses if r.status_code == 200)
    assert {r.json()["error"] for r in responses if r.status_code == 400} == {"invalid_grant"}
    assert (await refresh(client, client_id, winner["refresh_token"])).json()["error"] == "invalid_grant"
    assert (await client.get("/api/v1/auth/me", headers=bearer(winner))).status_code == 401


async def test_revoking_a_refresh_token_revokes_the_access_token_of_its_grant(
    client: httpx.AsyncClient, admin: Staff, agent: Staff
) -> None:
    app_client = await register(client, admin)
    client_id = app_client["client_id"]
    token = await signed_in(client, client_id, agent)
    assert (await client.get("/api/v1/auth/me", headers=bearer(token))).status_code == 200

    revoked = await client.post(
        "/api/v1/oauth/revoke",
        data={"token": token["refresh_token"], "client_id": client_id, "token_type_hint": "refresh_token"},
    )

    assert (revoked.status_code, revoked.json()) == (200, {})
    me = await client.get("/api/v1/auth/me", headers=bearer(token))
    assert (me.status_code, me.json()["type"]) == (401, "/problems/client-revoked")
    assert (await client.get("/api/v1/sync", headers=bearer(token))).status_code == 401


async def test_a_replayed_code_revokes_the_access_tokens_issued_from_it(
    client: httpx.AsyncClient, admin: Staff, agent: Staff
) -> None:
    app_client = await register(client, admin)
    client_id = app_client["client_id"]
    verifier, challenge = pkce()
    code = _code_of(await authorize(client, client_id, agent, challenge=challenge))
    first = (await exchange(client, client_id, code, verifier)).json()
    rotated = (await refresh(client, client_id, first["refresh_token"])).json()

    again = await exchange(client, client_id, code, verifier)

    assert (again.status_code, again.json()["error"]) == (400, "invalid_grant")
    for token in (first, rotated):
        assert (await client.get("/api/v1/auth/me", headers=bearer(token))).status_code == 401
    assert (await refresh(client, client_id, rotated["refresh_token"])).json()["error"] == "invalid_grant"


async def test_client_secret_post_authenticates_a_confidential_client(
    client: httpx.AsyncClient, admin: Staff, agent: Staff
) -> None:
    _, (client_id, secret) = await confidential_client(client, admin, agent, ["registrants:read"])
    metadata = (await client.get("/.well-known/oauth-authorization-server")).json()
    assert "client_secret_post" in metadata["token_endpoint_auth_methods_supported"]

    response = await client.post(
        "/api/v1/oauth/token",
        data={"grant_type": "client_credentials", "client_id": client_id, "client_secret": secret},
    )

    assert response.status_code == 200, response.text
    token = response.json()
    assert (await client.get("/api/v1/registrants", headers=bearer(token))).status_code == 200
    wrong = await client.post(
        "/api/v1/oauth/token",
        data={"grant_type": "client_credentials", "client_id": client_id, "client_secret": "wrong"},
    )
    assert (wrong.status_code, wrong.json()["error"]) == (401, "invalid_client")
    revoked = await client.post(
        "/api/v1/oauth/revoke", data={"token": token["access_token"], "client_id": client_id, "client_secret": secret}
    )
    assert (revoked.status_code, revoked.json()) == (200, {})
    assert (await client.get("/api/v1/registrants", headers=bearer(token))).status_code == 401


@pytest.mark.parametrize("hint", ["bogus", "access_token", ""])
async def test_a_token_type_hint_does_not_change_what_is_revoked(
    client: httpx.AsyncClient, admin: Staff, agent: Staff, hint: str
) -> None:
    app_client = await register(client, admin)
    client_id = app_client["client_id"]
    token = await signed_in(client, client_id, agent)

    revoked = await client.post(
        "/api/v1/oauth/revoke",
        data={"token": token["refresh_token"], "client_id": client_id, "token_type_hint": hint},
    )

    assert (revoked.status_code, revoked.json()) == (200, {})
    assert (await refresh(client, client_id, token["refresh_token"])).json()["error"] == "invalid_grant"
    unknown = await client.post(
        "/api/v1/oauth/revoke", data={"token": "never-issued", "client_id": client_id, "token_type_hint": hint}
    )
    assert (unknown.status_code, unknown.json()) == (200, {})


@pytest.mark.parametrize("path", ["/api/v1/oauth/token", "/api/v1/oauth/revoke"])
async def test_every_error_of_the_token_and_revocation_endpoints_is_rfc6749_json(
    client: httpx.AsyncClient, admin: Staff, settings: Settings, path: str
) -> None:
    app_client = await register(client, admin)
    form = "grant_type=refresh_token&refresh_token=%00abc&token=%00abc&client_id=" + app_client["client_id"]

    nul = await client.post(path, content=form, headers={"Content-Type": "application/x-www-form-urlencoded"})

    assert nul.status_code == 400
    assert nul.headers["content-type"] == "application/json"
    assert nul.headers["cache-control"] == "no-store"
    body = nul.json()
    assert body["error"] == "invalid_request"
    assert body["error_description"].startswith("Body field refresh_token: must not contain control characters")
    assert "U+0000" in body["error_description"]
    too_large = await client.post(
        path,
        content="client_id=x&token=" + "a" * (settings.max_request_body_bytes + 1),
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert (too_large.status_code, too_large.json()["error"]) == (413, "invalid_request")
    wrong_method = await client.get(path)
    assert (wrong_method.status_code, wrong_method.json()["error"]) == (405, "invalid_request")
    assert wrong_method.headers["content-type"] == "application/json"
    # Every other endpoint keeps problem+json.
    elsewhere = await client.post(
        "/api/v1/auth/token", content="username=%00", headers={"Content-Type": "application/x-www-form-urlencoded"}
    )
    assert elsewhere.headers["content-type"] == "application/problem+json"


async def test_the_authorization_endpoint_shows_a_refused_character_on_its_error_page(
    client: httpx.AsyncClient, admin: Staff
) -> None:
    app_client = await register(client, admin)

    response = await client.get(
        "/api/v1/oauth/authorize", params={"client_id": app_client["client_id"], "state": "a\x00b"}
    )

    assert response.status_code == 400
    assert response.headers["content-type"].startswith("text/html")
    assert "location" not in response.headers
    assert "U+0000" in response.text


@pytest.mark.parametrize(
    "uri",
    [
        "https://user:pw@a.example.org/cb",
        "https://user@a.example.org/cb",
        "https://@a.example.org/cb",
        "http://user:pw@127.0.0.1/cb",
        "http://evil.example@127.0.0.1/cb",
        "com.example.deskapp://user:pw@host/cb",
        "https://evil.example\\@a.example.org/cb",
    ],
)
async def test_registration_refuses_a_redirect_uri_with_user_information(
    client: httpx.AsyncClient, admin: Staff, uri: str
) -> None:
    response = await client.post(
        "/api/v1/clients",
        json={"name": "x", "type": "public", "redirect_uris": [REDIRECT, uri], "scopes": ["sync"]},
        headers=admin.headers,
    )

    assert response.status_code == 422
    assert response.json()["errors"][0]["loc"] == ["body", "redirect_uris"]
    assert "user information" in response.json()["errors"][0]["msg"]
    assert (await client.get("/api/v1/clients", headers=admin.headers)).json() == []


async def test_a_loopback_redirect_with_user_information_is_not_a_registered_one(
    client: httpx.AsyncClient, admin: Staff
) -> None:
    app_client = await register(client, admin)
    _, challenge = pkce()

    response = await client.get(
        "/api/v1/oauth/authorize",
        params={
            "response_type": "code",
            "client_id": app_client["client_id"],
            "redirect_uri": "http://user:pw@127.0.0.1:5555/callback",
            "code_challenge": challenge,
            "code_challenge_method": "S256",
        },
    )

    assert response.status_code == 400
    assert "location" not in response.headers
