"""The OpenAPI document tells the truth: problem+json errors, required inputs, and every status the
app is seen to answer is declared for that operation."""

from __future__ import annotations

from typing import Any

import httpx

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


async def test_every_error_response_is_problem_json_and_422_is_declared_everywhere(client) -> None:
    document = await _document(client)
    assert document["components"]["schemas"]["Problem"]["required"] == ["type", "title", "status"]
    assert "HTTPValidationError" not in document["components"]["schemas"]
    found = _operations(document)
    assert len(found) >= 60
    for method, path, operation in found:
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


async def _observe(client: httpx.AsyncClient, method: str, url: str, **kwargs: Any) -> int:
    response = await client.request(method, url, **kwargs)
    assert response.status_code != 500, (method, url, response.text)
    if response.status_code >= 400:
        assert response.headers["content-type"] == "application/problem+json", (method, url)
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
        statuses = seen.setdefault((method.lower(), path), set())
        statuses.add(await _observe(client, method, url))
        statuses.add(await _observe(client, method, url, params={"zz": "1"}, headers=admin.headers))
        if "requestBody" in item:
            statuses.add(await _observe(client, method, url, json={}, headers=admin.headers))
            wrong = {**admin.headers, "content-type": "text/plain"}
            statuses.add(await _observe(client, method, url, content=b"x", headers=wrong))
            big = b"{" + b" " * (2 * 1_048_576) + b"}"
            json_headers = {**admin.headers, "content-type": "application/json"}
            statuses.add(await _observe(client, method, url, content=big, headers=json_headers))
        else:
            statuses.add(await _observe(client, method, url, headers=admin.headers))
        if method == "PATCH":
            body = {"name": "Casablanca"} if path.startswith("/api/v1/desks") else {}
            statuses.add(await _observe(client, method, url, json=body, headers=admin.headers))
            stale = {**admin.headers, "If-Match": '"v999"'}
            statuses.add(await _observe(client, method, url, json=body, headers=stale))
    undeclared = {
        f"{method.upper()} {path}: {sorted(statuses - {int(s) for s in document['paths'][path][method]['responses']})}"
        for (method, path), statuses in seen.items()
        if statuses - {int(s) for s in document["paths"][path][method]["responses"]}
    }
    assert undeclared == set()
    assert {428, 412} <= seen[("patch", "/api/v1/desks/{desk_id}")]
