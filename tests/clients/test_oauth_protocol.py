"""The app-client authorization server as a client developer meets it: metadata from the
configured address, consent held to what was shown, RFC 6750 errors for a presented token that
is no longer good, RFC 7009 revocation that tells nothing, revoked clients named as such, and
error descriptions in plain ASCII."""

from __future__ import annotations

import httpx
import pytest

from tests.clients.test_oauth import (
    REDIRECT,
    confidential_client,
    pkce,
    register,
)
from tests.conftest import Staff

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
