"""App clients over HTTP: PKCE sign-in through the consent page, client credentials, scopes,
revocation and per-client rate limits."""

from __future__ import annotations

import base64
import hashlib
import re
import secrets
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx

from tests.conftest import PASSWORD, Staff

REDIRECT = "com.example.deskapp:/oauth/callback"


def pkce() -> tuple[str, str]:
    verifier = secrets.token_urlsafe(48)
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    return verifier, challenge


async def register(client: httpx.AsyncClient, admin: Staff, **overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "name": "Desk mobile",
        "type": "public",
        "redirect_uris": [REDIRECT, "http://127.0.0.1/callback"],
        "scopes": ["registrants:read", "registrants:write", "cases:read", "sync"],
        "rate_limit_per_minute": 600,
    }
    body.update(overrides)
    response = await client.post("/api/v1/clients", json=body, headers=admin.headers)
    assert response.status_code == 201, response.text
    created: dict[str, Any] = response.json()
    return created


async def confidential_client(
    client: httpx.AsyncClient, admin: Staff, service_user: Staff, scopes: list[str], **overrides: Any
) -> tuple[dict[str, Any], tuple[str, str]]:
    """Register a confidential client acting as ``service_user``; return it and its basic-auth pair."""
    server = await register(
        client,
        admin,
        type="confidential",
        redirect_uris=[],
        scopes=scopes,
        service_user_email=service_user.email,
        **overrides,
    )
    return server, (server["client_id"], server["client_secret"])


async def client_credentials_token(client: httpx.AsyncClient, auth: tuple[str, str]) -> dict[str, Any]:
    """The RFC 6749 §4.4 token response for ``auth``, which must succeed."""
    response = await client.post("/api/v1/oauth/token", data={"grant_type": "client_credentials"}, auth=auth)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def _form_fields(html: str) -> dict[str, str]:
    return dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)">', html))


async def authorize(
    client: httpx.AsyncClient,
    client_id: str,
    staff: Staff,
    *,
    challenge: str,
    redirect_uri: str = REDIRECT,
    scope: str = "registrants:read cases:read sync",
    password: str = PASSWORD,
) -> httpx.Response:
    """Open the consent page, then post its form as a browser would (cookie + hidden fields)."""
    page = await client.get(
        "/api/v1/oauth/authorize",
        params={
            "response_type": "code",
            "client_id": client_id,
            "redirect_uri": redirect_uri,
            "scope": scope,
            "state": "xyz-state",
            "code_challenge": challenge,
            "code_challenge_method": "S256",
        },
    )
    assert page.status_code == 200, page.text
    assert page.headers["content-type"].startswith("text/html")
    assert "frame-ancestors 'none'" in page.headers["content-security-policy"]
    fields = _form_fields(page.text)
    fields.update({"username": staff.email, "password": password, "decision": "allow"})
    return await client.post("/api/v1/oauth/authorize", data=fields)


def _code_of(response: httpx.Response, redirect_uri: str = REDIRECT) -> str:
    assert response.status_code == 302, response.text
    location = response.headers["location"]
    assert location.startswith(redirect_uri + "?")
    query = parse_qs(urlsplit(location).query)
    assert query["state"] == ["xyz-state"]
    return query["code"][0]


async def exchange(
    client: httpx.AsyncClient, client_id: str, code: str, verifier: str, redirect_uri: str = REDIRECT
) -> httpx.Response:
    return await client.post(
        "/api/v1/oauth/token",
        data={
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": redirect_uri,
            "client_id": client_id,
            "code_verifier": verifier,
        },
    )


async def test_pkce_sign_in_gives_a_scoped_token_that_the_api_accepts(
    client: httpx.AsyncClient, admin: Staff, agent: Staff, audit_log: Any
) -> None:
    app_client = await register(client, admin)
    verifier, challenge = pkce()
    code = _code_of(await authorize(client, app_client["client_id"], agent, challenge=challenge))

    response = await exchange(client, app_client["client_id"], code, verifier)

    assert response.status_code == 200, response.text
    assert response.headers["cache-control"] == "no-store"
    token = response.json()
    assert token["token_type"] == "Bearer"
    assert token["scope"] == "registrants:read cases:read sync"
    assert token["expires_in"] == 900
    assert token["refresh_token"]
    me = await client.get("/api/v1/auth/me", headers={"Authorization": f"Bearer {token['access_token']}"})
    assert me.status_code == 200
    assert me.json()["email"] == agent.email
    bearer = {"Authorization": f"Bearer {token['access_token']}"}
    assert (await client.get("/api/v1/registrants", headers=bearer)).status_code == 200
    assert (await client.get("/api/v1/sync", headers=bearer)).status_code == 200
    not_granted = await client.post(
        "/api/v1/registrants", json={"given_names": "A", "family_name": "B"}, headers=bearer
    )
    assert (not_granted.status_code, not_granted.json()["required_scope"]) == (403, "registrants:write")

    refreshed = await client.post(
        "/api/v1/oauth/token",
        data={
            "grant_type": "refresh_token",
            "refresh_token": token["refresh_token"],
            "client_id": app_client["client_id"],
        },
    )
    assert refreshed.status_code == 200, refreshed.text
    assert refreshed.json()["refresh_token"] != token["refresh_token"]
    replayed = await client.post(
        "/api/v1/oauth/token",
        data={
            "grant_type": "refresh_token",
            "refresh_token": token["refresh_token"],
            "client_id": app_client["client_id"],
        },
    )
    assert replayed.status_code == 400
    assert replayed.json()["error"] == "invalid_grant"
    # RFC 7009: the app signs out by revoking its refresh token.
    newest = refreshed.json()["refresh_token"]
    revoked = await client.post("/api/v1/oauth/revoke", data={"token": newest, "client_id": app_client["client_id"]})
    assert (revoked.status_code, revoked.json()) == (200, {})
    after = await client.post(
        "/api/v1/oauth/token",
        data={"grant_type": "refresh_token", "refresh_token": newest, "client_id": app_client["client_id"]},
    )
    assert after.json()["error"] == "invalid_grant"


async def test_a_loopback_redirect_may_use_any_port(client: httpx.AsyncClient, admin: Staff, agent: Staff) -> None:
    app_client = await register(client, admin)
    verifier, challenge = pkce()
    redirect = "http://127.0.0.1:51234/callback"
    code = _code_of(
        await authorize(client, app_client["client_id"], agent, challenge=challenge, redirect_uri=redirect), redirect
    )
    assert (await exchange(client, app_client["client_id"], code, verifier, redirect)).status_code == 200


async def test_wrong_verifier_and_reused_code_get_invalid_grant(
    client: httpx.AsyncClient, admin: Staff, agent: Staff
) -> None:
    app_client = await register(client, admin)
    verifier, challenge = pkce()
    code = _code_of(await authorize(client, app_client["client_id"], agent, challenge=challenge))

    wrong = await exchange(client, app_client["client_id"], code, secrets.token_urlsafe(48))
    assert wrong.status_code == 400
    assert wrong.json()["error"] == "invalid_grant"
    assert wrong.headers["content-type"] == "application/json"

    first = await exchange(client, app_client["client_id"], code, verifier)
    assert first.status_code == 200
    again = await exchange(client, app_client["client_id"], code, verifier)
    assert again.status_code == 400
    assert again.json()["error"] == "invalid_grant"
    # RFC 6749 §4.1.2: the tokens issued from a code presented twice are revoked.
    refresh = await client.post(
        "/api/v1/oauth/token",
        data={
            "grant_type": "refresh_token",
            "refresh_token": first.json()["refresh_token"],
            "client_id": app_client["client_id"],
        },
    )
    assert refresh.json()["error"] == "invalid_grant"


async def test_plain_pkce_and_missing_challenge_are_sent_back_as_errors(
    client: httpx.AsyncClient, admin: Staff
) -> None:
    app_client = await register(client, admin)
    base = {"response_type": "code", "client_id": app_client["client_id"], "redirect_uri": REDIRECT, "state": "s1"}
    verifier = secrets.token_urlsafe(48)
    for extra in ({"code_challenge": verifier, "code_challenge_method": "plain"}, {}):
        response = await client.get("/api/v1/oauth/authorize", params={**base, **extra})
        assert response.status_code == 302
        query = parse_qs(urlsplit(response.headers["location"]).query)
        assert query["error"] == ["invalid_request"]
        assert query["state"] == ["s1"]


async def test_an_unregistered_redirect_uri_is_never_redirected_to(client: httpx.AsyncClient, admin: Staff) -> None:
    app_client = await register(client, admin)
    _, challenge = pkce()
    for uri in ("com.example.deskapp:/other", "https://evil.example/cb", "http://localhost:8000/callback"):
        response = await client.get(
            "/api/v1/oauth/authorize",
            params={
                "response_type": "code",
                "client_id": app_client["client_id"],
                "redirect_uri": uri,
                "code_challenge": challenge,
                "code_challenge_method": "S256",
            },
        )
        assert response.status_code == 400
        assert "location" not in response.headers
        assert "invalid_request" in response.text


async def test_the_consent_form_needs_its_csrf_token_and_the_right_password(
    client: httpx.AsyncClient, admin: Staff, agent: Staff
) -> None:
    app_client = await register(client, admin)
    _, challenge = pkce()
    wrong = await authorize(client, app_client["client_id"], agent, challenge=challenge, password="not the password")
    assert wrong.status_code == 401
    assert "location" not in wrong.headers
    fields = _form_fields(wrong.text)
    fields.update({"username": agent.email, "password": PASSWORD, "decision": "allow", "csrf_token": "0" * 64})
    forged = await client.post("/api/v1/oauth/authorize", data=fields)
    assert forged.status_code == 403
    assert "location" not in forged.headers


async def test_refusing_consent_sends_access_denied(client: httpx.AsyncClient, admin: Staff) -> None:
    app_client = await register(client, admin)
    _, challenge = pkce()
    page = await client.get(
        "/api/v1/oauth/authorize",
        params={
            "response_type": "code",
            "client_id": app_client["client_id"],
            "redirect_uri": REDIRECT,
            "state": "s2",
            "code_challenge": challenge,
            "code_challenge_method": "S256",
        },
    )
    denied = await client.post("/api/v1/oauth/authorize", data={**_form_fields(page.text), "decision": "deny"})
    assert denied.status_code == 302
    query = parse_qs(urlsplit(denied.headers["location"]).query)
    assert denied.headers["location"].startswith(REDIRECT + "?")
    assert (query["error"], query["state"], "code" in query) == (["access_denied"], ["s2"], False)


async def test_client_credentials_token_is_limited_to_its_scopes(
    client: httpx.AsyncClient, admin: Staff, agent: Staff, make_registrant_via_api: Any
) -> None:
    server, auth = await confidential_client(client, admin, agent, ["registrants:read", "cases:read"])
    assert server["client_secret"]
    token = await client_credentials_token(client, auth)
    assert token["scope"] == "registrants:read cases:read"
    assert "refresh_token" not in token
    headers = {"Authorization": f"Bearer {token['access_token']}"}

    assert (await client.get("/api/v1/registrants", headers=headers)).status_code == 200
    registrant_id = await make_registrant_via_api(agent)
    denied = await client.post(
        "/api/v1/cases",
        json={"registrant_id": registrant_id, "service_type": "SOCIAL", "channel": "walk_in"},
        headers=headers,
    )
    assert denied.status_code == 403
    assert denied.json()["type"] == "/problems/insufficient-scope"
    assert denied.json()["required_scope"] == "cases:write"
    assert (await client.get("/api/v1/users", headers=headers)).status_code == 403

    bad_secret = await client.post(
        "/api/v1/oauth/token", data={"grant_type": "client_credentials"}, auth=(server["client_id"], "wrong")
    )
    assert bad_secret.status_code == 401
    assert bad_secret.json()["error"] == "invalid_client"
    too_wide = await client.post(
        "/api/v1/oauth/token", data={"grant_type": "client_credentials", "scope": "cases:write"}, auth=auth
    )
    assert too_wide.json()["error"] == "invalid_scope"


async def test_a_revoked_client_s_tokens_stop_working_at_once(
    client: httpx.AsyncClient, admin: Staff, agent: Staff
) -> None:
    server, auth = await confidential_client(client, admin, agent, ["registrants:read"])
    token = await client_credentials_token(client, auth)
    headers = {"Authorization": f"Bearer {token['access_token']}"}
    assert (await client.get("/api/v1/registrants", headers=headers)).status_code == 200

    revoked = await client.post(f"/api/v1/clients/{server['client_id']}/revoke", headers=admin.headers)
    assert revoked.status_code == 200
    assert revoked.json()["revoked_at"] is not None

    after = await client.get("/api/v1/registrants", headers=headers)
    assert after.status_code == 401
    assert after.json()["type"] == "/problems/client-revoked"
    new_token = await client.post("/api/v1/oauth/token", data={"grant_type": "client_credentials"}, auth=auth)
    assert new_token.json()["error"] == "invalid_client"
    again = await client.post(f"/api/v1/clients/{server['client_id']}/revoke", headers=admin.headers)
    assert again.status_code == 409


async def test_rfc7009_revocation_of_an_access_token(client: httpx.AsyncClient, admin: Staff, agent: Staff) -> None:
    _, auth = await confidential_client(client, admin, agent, ["registrants:read"])
    token = await client_credentials_token(client, auth)
    headers = {"Authorization": f"Bearer {token['access_token']}"}
    revoked = await client.post("/api/v1/oauth/revoke", data={"token": token["access_token"]}, auth=auth)
    assert revoked.status_code == 200
    assert (await client.get("/api/v1/registrants", headers=headers)).status_code == 401
    unknown = await client.post("/api/v1/oauth/revoke", data={"token": "never-issued"}, auth=auth)
    assert unknown.status_code == 200


async def test_a_client_past_its_rate_limit_gets_429_with_retry_after(
    client: httpx.AsyncClient, admin: Staff, agent: Staff
) -> None:
    _, auth = await confidential_client(client, admin, agent, ["registrants:read"], rate_limit_per_minute=3)
    token = await client_credentials_token(client, auth)
    headers = {"Authorization": f"Bearer {token['access_token']}"}
    statuses = [(await client.get("/api/v1/auth/me", headers=headers)).status_code for _ in range(4)]
    assert statuses == [200, 200, 200, 429]
    limited = await client.get("/api/v1/auth/me", headers=headers)
    assert limited.json()["type"] == "/problems/client-rate-limited"
    assert 1 <= int(limited.headers["retry-after"]) <= 60
    # Staff signed in directly are not counted against the app.
    assert (await client.get("/api/v1/auth/me", headers=agent.headers)).status_code == 200


async def test_registration_refuses_what_rfc8252_forbids(client: httpx.AsyncClient, admin: Staff, agent: Staff) -> None:
    for uris in (["http://example.org/cb"], ["myapp:/cb"], ["https://app.example/cb#frag"], ["http://localhost/cb"]):
        response = await client.post(
            "/api/v1/clients",
            json={"name": "x", "type": "public", "redirect_uris": uris, "scopes": ["sync"]},
            headers=admin.headers,
        )
        assert response.status_code == 422, uris
    public_without_uri = await client.post(
        "/api/v1/clients", json={"name": "x", "type": "public", "scopes": ["sync"]}, headers=admin.headers
    )
    assert public_without_uri.json()["type"] == "/problems/invalid-client-registration"
    unknown_scope = await client.post(
        "/api/v1/clients",
        json={"name": "x", "type": "public", "redirect_uris": [REDIRECT], "scopes": ["admin"]},
        headers=admin.headers,
    )
    assert unknown_scope.status_code == 422
    by_agent = await client.post(
        "/api/v1/clients",
        json={"name": "x", "type": "public", "redirect_uris": [REDIRECT], "scopes": ["sync"]},
        headers=agent.headers,
    )
    assert by_agent.status_code == 403
    listed = await client.get("/api/v1/clients", headers=admin.headers)
    assert listed.status_code == 200
    assert listed.json() == []


async def test_bad_token_requests_get_rfc6749_errors_never_a_500(client: httpx.AsyncClient, admin: Staff) -> None:
    app_client = await register(client, admin)
    client_id = app_client["client_id"]
    cases: list[tuple[dict[str, str], int, str]] = [
        ({"grant_type": "password", "username": "a@b.c", "password": "x"}, 400, "unsupported_grant_type"),
        ({"grant_type": "authorization_code", "client_id": client_id}, 400, "invalid_request"),
        ({"grant_type": "authorization_code", "code": "forged", "client_id": client_id}, 400, "invalid_grant"),
        ({"grant_type": "authorization_code", "code": "forged", "client_id": "nobody"}, 401, "invalid_client"),
        ({"grant_type": "client_credentials", "client_id": client_id}, 401, "invalid_client"),
        ({"grant_type": "refresh_token", "refresh_token": "forged", "client_id": client_id}, 400, "invalid_grant"),
    ]
    for form, status, error in cases:
        response = await client.post("/api/v1/oauth/token", data=form)
        assert (response.status_code, response.json()["error"]) == (status, error), form
        assert response.headers["cache-control"] == "no-store"
    repeated = await client.post(
        "/api/v1/oauth/token",
        content=f"grant_type=authorization_code&code=a&code=b&client_id={client_id}",
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert (repeated.status_code, repeated.json()["error"]) == (400, "invalid_request")
    unknown_client = await client.get(
        "/api/v1/oauth/authorize", params={"response_type": "code", "client_id": "nobody", "redirect_uri": REDIRECT}
    )
    assert unknown_client.status_code == 400
    assert "location" not in unknown_client.headers


async def test_unreadable_basic_credentials_get_invalid_client_never_a_500(
    client: httpx.AsyncClient, admin: Staff
) -> None:
    """HTTP Basic credentials that are not base64 of UTF-8 text, or whose client id or secret holds
    U+0000 (raw or percent-encoded, which PostgreSQL cannot even look up) or is not UTF-8 once
    percent-decoded: 401 ``invalid_client`` with ``WWW-Authenticate: Basic`` (RFC 6749 §5.2) at the
    token and revocation endpoints, whether or not the form names a client too."""
    app_client = await register(client, admin)

    def basic(raw: bytes) -> bytes:
        return b"Basic " + base64.b64encode(raw)

    headers = [
        basic(b"\xff\xfe:secret"),
        basic(b"desk:\xff"),
        basic(b"a\x00b:secret"),
        basic(b"a%00b:secret"),
        basic(b"desk:se%00cret"),
        basic(b"a%FFb:secret"),
        b"Basic \xe9",  # obs-text (RFC 9110 §5.5), read as ISO-8859-1
        b"Basic not-base64!",
    ]
    for value in headers:
        for path, form in (
            ("/api/v1/oauth/token", {"grant_type": "client_credentials"}),
            ("/api/v1/oauth/token", {"grant_type": "client_credentials", "client_id": app_client["client_id"]}),
            ("/api/v1/oauth/revoke", {"token": "forged"}),
        ):
            response = await client.post(path, data=form, headers={"Authorization": value})
            assert (response.status_code, response.json()["error"]) == (401, "invalid_client"), (value, path, form)
            assert "UTF-8 'client_id:client_secret'" in response.json()["error_description"]
            assert response.headers["www-authenticate"].startswith("Basic ")
            assert response.headers["cache-control"] == "no-store"


async def test_authorization_requests_naming_unprintable_values_get_an_error_page_never_a_500(
    client: httpx.AsyncClient, admin: Staff
) -> None:
    """A ``response_type``, or a redirect URI that is not registered, holding a character an
    ``error_description`` may not (RFC 6749 §4.1.2.1: non-ASCII, ``"``, ``\\``): Authlib named it in
    its error and refused to build that error (500). Now the HTML error page (400), never a redirect,
    on the page and on its form alike; a registered URI is still checked as before."""
    client_id = (await register(client, admin))["client_id"]
    _, challenge = pkce()
    pkce_params = {"code_challenge": challenge, "code_challenge_method": "S256"}
    requests: list[tuple[dict[str, str], str]] = [
        ({"response_type": "é"}, "response_type"),
        ({"response_type": 'co"de', "client_id": client_id, "redirect_uri": REDIRECT}, "response_type"),
        ({"response_type": "code\\", "client_id": client_id}, "response_type"),
        (
            {"response_type": "code", "client_id": client_id, "redirect_uri": REDIRECT + "é", **pkce_params},
            "redirect URI",
        ),
        (
            {"response_type": "code", "client_id": client_id, "redirect_uri": REDIRECT + '"', **pkce_params},
            "redirect URI",
        ),
    ]
    valid = {"response_type": "code", "client_id": client_id, "redirect_uri": REDIRECT, **pkce_params}
    page = await client.get("/api/v1/oauth/authorize", params=valid)
    form = _form_fields(page.text)  # with its CSRF token (and the cookie kept by the client)
    for params, named in requests:
        for response in (
            await client.get("/api/v1/oauth/authorize", params=params),
            await client.post("/api/v1/oauth/authorize", data={**form, **params, "decision": "deny"}),
        ):
            assert response.status_code == 400, (params, response.text)
            assert response.headers["content-type"].startswith("text/html")
            assert "location" not in response.headers
            assert "invalid_request" in response.text and named in response.text, response.text


async def test_the_authorization_error_page_speaks_its_language(client: httpx.AsyncClient, admin: Staff) -> None:
    """An unknown client or a redirect URI not registered (``/../`` included): the page says so in
    its language; the OAuth error is only the technical detail for the app's publisher."""
    client_id = (await register(client, admin))["client_id"]
    _, challenge = pkce()
    base = {"response_type": "code", "code_challenge": challenge, "code_challenge_method": "S256"}
    cases = [
        ({**base, "client_id": "nosuch", "redirect_uri": REDIRECT}, "n'est pas enregistrée auprès du guichet"),
        ({**base, "client_id": client_id, "redirect_uri": "https://evil.example/cb"}, "L'adresse de retour"),
        ({**base, "client_id": client_id, "redirect_uri": REDIRECT + "/../x"}, "L'adresse de retour"),
    ]
    for params, said in cases:
        for lang, words in (("fr", said), ("en", None)):
            response = await client.get("/api/v1/oauth/authorize", params=params, headers={"Accept-Language": lang})
            assert response.status_code == 400 and "location" not in response.headers
            message = re.search(r"</h1><p>([^<]*)</p>", response.text)
            assert message is not None, response.text
            if words is not None:
                assert words.replace("'", "&#x27;") in message.group(1), response.text
                assert "invalid_" not in message.group(1) and "client" not in message.group(1)
            else:
                assert "Tell the app&#x27;s publisher" in message.group(1), response.text


async def test_an_unauthenticated_client_at_revoke_or_token_is_401_in_plain_words(
    client: httpx.AsyncClient, admin: Staff
) -> None:
    """RFC 6749 §5.2: ``invalid_client`` is 401 with ``WWW-Authenticate: Basic``; its description
    plain English, never a Python list of methods."""
    endpoints = (
        ("/api/v1/oauth/revoke", {"token": "x"}),
        ("/api/v1/oauth/token", {"grant_type": "authorization_code", "code": "x"}),
    )
    for path, form in endpoints:
        for extra, auth in (({}, None), ({"client_id": "nosuch"}, None), ({}, ("nosuch", "secret"))):
            response = await client.post(path, data={**form, **extra}, auth=auth)
            body = response.json()
            assert (response.status_code, body["error"]) == (401, "invalid_client"), (path, extra, response.text)
            assert "[" not in body["error_description"] and "'" not in body["error_description"], body
            assert response.headers["www-authenticate"].startswith("Basic "), response.headers
