"""The app-client authorization server as a client developer meets it: metadata from the
configured address, consent held to what was shown, RFC 6750 errors for a presented token that
is no longer good, RFC 7009 revocation that tells nothing, revoked clients named as such, and
error descriptions in plain ASCII."""

from __future__ import annotations

import httpx
import pytest


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
