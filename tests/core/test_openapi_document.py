"""The OpenAPI document tells the truth: problem+json errors, required inputs, and every status the
app is seen to answer is declared for that operation."""

from __future__ import annotations

import functools
from typing import Any

import httpx
from openapi_spec_validator import validate

from app.clients.scopes import SCOPES
from tests.core.test_http_conformance import concrete, operations

PROBLEM_REF = {"$ref": "#/components/schemas/Problem"}


async def _document(client: httpx.AsyncClient) -> dict[str, Any]:
    response = await client.get("/openapi.json")
    assert response.status_code == 200
    return response.json()  # type: ignore[no-any-return]


def _operations(document: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [
        (method, path, operation)
        for path, item in document["paths"].items()
        for method, operation in item.items()
        if method in {"get", "post", "put", "patch", "delete"}
    ]


OAUTH_PROTOCOL = {
    ("get", "/api/v1/oauth/authorize"),
    ("post", "/api/v1/oauth/authorize"),
    ("post", "/api/v1/oauth/token"),
    ("post", "/api/v1/oauth/revoke"),
}
"""The OAuth 2.0 endpoints of app clients: their errors are RFC 6749 JSON or HTML pages."""
OAUTH_ERROR_MEDIA = (
    {"application/json": {"schema": {"$ref": "#/components/schemas/OAuthError"}}},
    {"text/html": {"schema": {"type": "string"}}},
)


async def test_every_error_response_is_problem_json_and_422_is_declared_everywhere(client) -> None:
    """Except at the OAuth 2.0 endpoints of app clients, whose errors are RFC 6749 §5.2 JSON (token,
    revocation) or HTML pages (authorization), as OAuth clients and browsers expect."""
    document = await _document(client)
    assert document["components"]["schemas"]["Problem"]["required"] == ["type", "title", "status"]
    assert "HTTPValidationError" not in document["components"]["schemas"]
    found = _operations(document)
    assert len(found) >= 60
    assert {(method, path) for method, path, _ in found} >= OAUTH_PROTOCOL
    for method, path, operation in found:
        if (method, path) in OAUTH_PROTOCOL:
            errors = [response for status, response in operation["responses"].items() if int(status) >= 400]
            assert errors and all(response["content"] in OAUTH_ERROR_MEDIA for response in errors), (method, path)
            continue
        assert "422" in operation["responses"], (method, path)
        for status, response in operation["responses"].items():
            if int(status) >= 400:
                assert response["content"] == {"application/problem+json": {"schema": PROBLEM_REF}}, (method, path)


async def test_if_match_is_a_required_header_on_every_update_and_transition(client) -> None:
    document = await _document(client)
    checked = []
    for method, path, operation in _operations(document):
        if method != "patch" and not path.endswith("/transitions"):
            continue
        if_match = [p for p in operation.get("parameters", []) if p["in"] == "header" and p["name"] == "if-match"]
        assert if_match and if_match[0]["required"] is True, (method, path)
        assert {"412", "428"} <= set(operation["responses"]), (method, path)
        checked.append(path)
    assert "/api/v1/cases/{case_id}/transitions" in checked
    assert "/api/v1/registrants/{registrant_id}" in checked


async def test_report_periods_are_required(client) -> None:
    document = await _document(client)
    reports = [(p, op) for m, p, op in _operations(document) if p.startswith("/api/v1/reports/")]
    assert len(reports) >= 8
    for path, operation in reports:
        required = {p["name"] for p in operation["parameters"] if p["in"] == "query" and p.get("required")}
        assert {"start", "end"} <= required, path


async def test_token_endpoint_declares_its_rate_limit(client) -> None:
    document = await _document(client)
    token = document["paths"]["/api/v1/auth/token"]["post"]["responses"]
    assert {"400", "401", "422", "429"} <= set(token)


async def _observe(
    client: httpx.AsyncClient, method: str, url: str, media: set[str] | None = None, **kwargs: Any
) -> int:
    """The status answered; an error must be problem+json, or one of ``media`` (the media types
    the operation declares for its errors, when they are its own: the OAuth 2.0 endpoints)."""
    response = await client.request(method, url, **kwargs)
    assert response.status_code != 500, (method, url, response.text)
    if response.status_code >= 400:
        answered = response.headers["content-type"].split(";")[0]
        assert answered in (media or {"application/problem+json"}), (method, url, answered)
    return response.status_code


async def test_every_status_the_app_answers_is_declared(app, client, make_staff) -> None:
    """Each operation is called anonymously, with an unknown parameter, as an administrator with
    unknown ids and an empty body, with the wrong media type, with a body over the limit, and
    (updates) without and with a stale If-Match; every status seen must be in its document."""
    document = await _document(client)
    admin = await make_staff("admin", [])
    desk = (await client.get("/api/v1/desks", headers=admin.headers)).json()[0]
    values = {"desk_id": desk["id"]}
    seen: dict[tuple[str, str], set[int]] = {}
    for method, path in operations(app):
        item = document["paths"].get(path, {}).get(method.lower())
        if item is None:  # outside the document (the web client's redirect)
            continue
        url = concrete(path, **values)
        media = {m for s, r in item["responses"].items() if int(s) >= 400 for m in r.get("content", {})}
        observe = functools.partial(_observe, media=media)
        statuses = seen.setdefault((method.lower(), path), set())
        statuses.add(await observe(client, method, url))
        statuses.add(await observe(client, method, url, params={"zz": "1"}, headers=admin.headers))
        if "requestBody" in item:
            statuses.add(await observe(client, method, url, json={}, headers=admin.headers))
            wrong = {**admin.headers, "content-type": "text/plain"}
            statuses.add(await observe(client, method, url, content=b"x", headers=wrong))
            big = b"{" + b" " * (2 * 1_048_576) + b"}"
            json_headers = {**admin.headers, "content-type": "application/json"}
            statuses.add(await observe(client, method, url, content=big, headers=json_headers))
        else:
            statuses.add(await observe(client, method, url, headers=admin.headers))
        if method == "PATCH":
            body = {"name": "Casablanca"} if path.startswith("/api/v1/desks") else {}
            statuses.add(await observe(client, method, url, json=body, headers=admin.headers))
            stale = {**admin.headers, "If-Match": '"v999"'}
            statuses.add(await observe(client, method, url, json=body, headers=stale))
    undeclared = {
        f"{method.upper()} {path}: {sorted(statuses - {int(s) for s in document['paths'][path][method]['responses']})}"
        for (method, path), statuses in seen.items()
        if statuses - {int(s) for s in document["paths"][path][method]["responses"]}
    }
    assert undeclared == set()
    assert {428, 412} <= seen[("patch", "/api/v1/desks/{desk_id}")]


def _declared(document: dict[str, Any], method: str, path: str) -> set[int]:
    return {int(status) for status in document["paths"][path][method]["responses"]}


async def test_a_record_named_in_the_body_or_query_that_is_not_there_answers_a_declared_404(
    client, make_staff, desk_ids
) -> None:
    """An unknown (or another desk's) record named in the body or the query, not in the path, is
    404 too: a case for an unknown person, an appointment or free slots at a desk not the user's,
    a registration at another desk, a report of another desk. The document declares it. (A desk
    *code* that no desk has is 422 ``unknown-desk`` at its field: tests/core/test_readable_refusals.py.)"""
    document = await _document(client)
    admin = await make_staff("admin", [])
    supervisor = await make_staff("supervisor")
    unknown, other_desk = "50f284df-1a0c-4e93-ab13-7353f7913012", str(desk_ids["DKR-MOB"])
    calls: list[tuple[str, str, dict[str, Any], dict[str, str]]] = [
        (
            "post",
            "/api/v1/cases",
            {"json": {"registrant_id": unknown, "service_type": "RESIDENCE_MA", "channel": "walk_in"}},
            admin.headers,
        ),
        (
            "post",
            "/api/v1/registrants",
            {"json": {"given_names": "Awa", "family_name": "Diop", "desk_code": "DKR-MOB"}},
            supervisor.headers,
        ),
        (
            "post",
            "/api/v1/appointments",
            {
                "json": {
                    "desk_id": unknown,
                    "agent_id": str(admin.id),
                    "registrant_id": unknown,
                    "starts_at": "2027-03-01T10:00:00+01:00",
                    "ends_at": "2027-03-01T10:30:00+01:00",
                    "purpose": "x",
                }
            },
            admin.headers,
        ),
        (
            "post",
            "/api/v1/privacy/legal-holds",
            {"json": {"registrant_id": unknown, "reason": "litigation"}},
            admin.headers,
        ),
        (
            "post",
            "/api/v1/privacy/subject-requests",
            {"json": {"registrant_id": unknown, "kind": "access"}},
            admin.headers,
        ),
        ("get", "/api/v1/appointments", {"params": {"desk_id": other_desk}}, supervisor.headers),
        (
            "get",
            "/api/v1/appointments/free-slots",
            {"params": {"desk_id": other_desk, "start": "2027-01-04"}},
            supervisor.headers,
        ),
        (
            "get",
            "/api/v1/reports/registrations",
            {"params": {"start": "2026-01-01", "end": "2026-01-31", "desk": "DKR-MOB"}},
            supervisor.headers,
        ),
    ]
    answered = {}
    for method, path, request, headers in calls:
        response = await client.request(method, path, headers=headers, **request)
        answered[(method, path)] = response.status_code
    assert set(answered.values()) == {404}, answered
    assert {call: status for call, status in answered.items() if status not in _declared(document, *call)} == {}


async def test_the_self_service_sign_in_declares_its_refusals(client) -> None:
    """A wrong code is 401 ``invalid-code``; a second code asked at once is 429 ``code-sending-limited``;
    too many wrong link codes are 429 ``link-attempts-exhausted``: each is in the document."""
    document = await _document(client)
    recipient = {"phone": "+221 77 123 45 67", "country": "SN"}
    first = await client.post("/api/v1/self/codes", json={**recipient, "channel": "sms", "language": "fr"})
    again = await client.post("/api/v1/self/codes", json={**recipient, "channel": "sms", "language": "fr"})
    wrong = await client.post("/api/v1/self/sessions", json={**recipient, "code": "000000", "language": "fr"})
    assert (first.status_code, again.status_code, wrong.status_code) == (202, 429, 401)
    assert 429 in _declared(document, "post", "/api/v1/self/codes")
    assert 401 in _declared(document, "post", "/api/v1/self/sessions")
    assert 429 in _declared(document, "post", "/api/v1/self/link")


async def test_every_operation_behind_a_staff_token_declares_the_app_clients_rate_limit(client) -> None:
    """A staff route called with an app client's token is counted against the client's limit before
    anything else (app.clients.guard): 429 ``client-rate-limited`` can answer any of them."""
    document = await _document(client)
    behind_token = [
        (method, path)
        for method, path, operation in _operations(document)
        if {"OAuth2": []} in operation.get("security", [])
    ]
    assert len(behind_token) >= 100
    assert [(m, p) for m, p in behind_token if 429 not in _declared(document, m, p)] == []


async def test_a_report_in_each_format_answers_a_media_type_its_openapi_declares(client, make_staff) -> None:
    """A report is JSON, CSV or XLSX, and a chart's a PNG or SVG image too (``format``): each
    answer's media type is among those the document declares for the report's 200."""
    document = await _document(client)
    supervisor = await make_staff("supervisor")
    declared = document["paths"]["/api/v1/reports/registrations"]["get"]["responses"]["200"]["content"]
    served = {}
    for fmt in ("json", "csv", "xlsx", "png", "svg"):
        response = await client.get(
            "/api/v1/reports/registrations",
            params={"start": "2026-01-01", "end": "2026-01-31", "format": fmt},
            headers=supervisor.headers,
        )
        assert response.status_code == 200, fmt
        served[fmt] = response.headers["content-type"].split(";")[0]
    assert {fmt: media for fmt, media in served.items() if media not in declared} == {}


async def test_the_document_is_valid_openapi(client) -> None:
    """The whole document validates against the OpenAPI 3.1 schema (openapi-spec-validator)."""
    validate(await _document(client))


async def test_the_app_client_oauth_surface_is_documented_as_it_answers(client) -> None:
    """The OAuth 2.0 endpoints of app clients are in the document with form bodies, RFC 6749 §5.2
    error JSON (not problem+json), the authorization endpoint's HTML pages and redirects, and the
    RFC 8414 metadata."""
    document = await _document(client)
    paths = document["paths"]
    token = paths["/api/v1/oauth/token"]["post"]
    form = token["requestBody"]["content"]["application/x-www-form-urlencoded"]["schema"]
    assert form["properties"]["grant_type"]["enum"] == ["authorization_code", "refresh_token", "client_credentials"]
    assert {"code", "redirect_uri", "client_id", "code_verifier", "refresh_token", "client_secret"} <= set(
        form["properties"]
    )
    assert token["responses"]["200"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/OAuthToken"
    }
    assert set(document["components"]["schemas"]["OAuthToken"]["required"]) == {
        "access_token",
        "token_type",
        "expires_in",
        "scope",
    }
    oauth_error = {"$ref": "#/components/schemas/OAuthError"}
    for path in ("/api/v1/oauth/token", "/api/v1/oauth/revoke"):
        responses = paths[path]["post"]["responses"]
        assert {"200", "400", "401", "413", "503"} <= set(responses), path
        for status in ("400", "401", "413", "503"):
            assert responses[status]["content"] == {"application/json": {"schema": oauth_error}}, (path, status)
        assert "WWW-Authenticate" in responses["401"]["headers"]
    assert paths["/api/v1/oauth/revoke"]["post"]["requestBody"]["content"]["application/x-www-form-urlencoded"][
        "schema"
    ]["required"] == ["token"]
    page = paths["/api/v1/oauth/authorize"]["get"]
    assert {p["name"] for p in page["parameters"] if p["required"]} == {
        "response_type",
        "client_id",
        "redirect_uri",
        "code_challenge",
        "code_challenge_method",
    }
    assert set(page["responses"]["200"]["content"]) == {"text/html"}
    assert "Location" in page["responses"]["302"]["headers"]
    assert set(page["responses"]["400"]["content"]) == {"text/html"}
    decision = paths["/api/v1/oauth/authorize"]["post"]
    assert {"csrf_token", "consent_token", "decision"} <= set(
        decision["requestBody"]["content"]["application/x-www-form-urlencoded"]["schema"]["properties"]
    )
    assert {"302", "400", "403"} <= set(decision["responses"])
    metadata = paths["/.well-known/oauth-authorization-server"]["get"]["responses"]["200"]
    assert "issuer" in metadata["content"]["application/json"]["schema"]["required"]
    assert "Cache-Control" in metadata["headers"]


async def test_the_security_scheme_declares_every_flow_and_scope(client) -> None:
    document = await _document(client)
    flows = document["components"]["securitySchemes"]["OAuth2"]["flows"]
    assert flows["password"] == {"tokenUrl": "/api/v1/auth/token", "scopes": {}}
    assert flows["authorizationCode"]["authorizationUrl"] == "/api/v1/oauth/authorize"
    assert flows["authorizationCode"]["tokenUrl"] == flows["authorizationCode"]["refreshUrl"] == "/api/v1/oauth/token"
    assert flows["clientCredentials"]["tokenUrl"] == "/api/v1/oauth/token"
    for flow in ("authorizationCode", "clientCredentials"):
        assert flows[flow]["scopes"] == SCOPES
    assert "S256" in document["components"]["securitySchemes"]["OAuth2"]["description"]
    assert "OAuth2PasswordBearer" not in document["components"]["securitySchemes"]
