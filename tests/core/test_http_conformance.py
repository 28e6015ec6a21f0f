"""HTTP behaviour every route shares: HEAD (RFC 9110 §9.3.2), no-store (RFC 6749 §5.1, RFC 9111
§5.2.2.5), unknown query parameters refused. Each is checked on every route of the app."""

from __future__ import annotations

import uuid
from typing import Any

import httpx
from fastapi import FastAPI
from fastapi.routing import APIRoute, iter_route_contexts

from app.core.conformance import IGNORES_UNKNOWN_QUERY
from tests.conftest import PASSWORD, Staff
from tests.documents.conftest import PASSPORT

# Path parameters that are not record ids get a real value, so the walk reaches the handler.
PATH_VALUES = {"slug": "not-found", "kind": "registrants", "country": "MA"}
VOLATILE = {"date", "x-request-id", "x-export-id", "content-disposition"}


def concrete(path: str, **values: str) -> str:
    """``/api/v1/cases/{case_id}`` → ``/api/v1/cases/<random uuid>`` (or the given value)."""
    out = path
    while "{" in out:
        start, end = out.index("{"), out.index("}")
        name = out[start + 1 : end].split(":")[0]
        value = values.get(name) or PATH_VALUES.get(name) or str(uuid.uuid4())
        out = out[:start] + value + out[end + 1 :]
    return out


def operations(app: FastAPI) -> list[tuple[str, str]]:
    """Every (method, path) the app routes to a FastAPI endpoint, included routers' too."""
    found = set()
    for context in iter_route_contexts(app.routes):
        if isinstance(context.original_route, APIRoute):
            found |= {(method, context.path) for method in context.methods or ()}
    return sorted(found)


def get_paths(app: FastAPI) -> list[str]:
    return [path for method, path in operations(app) if method == "GET"]


def _comparable(response: httpx.Response) -> dict[str, Any]:
    return {k: v for k, v in response.headers.items() if k not in VOLATILE}


async def test_every_get_route_answers_head_with_the_get_headers_and_no_body(app, client, make_staff) -> None:
    admin = await make_staff("admin", [])
    paths = get_paths(app)
    assert len(paths) >= 30
    for path in paths:
        url = concrete(path)
        got = await client.get(url, headers=admin.headers)
        head = await client.head(url, headers=admin.headers)
        assert head.status_code == got.status_code != 405, url
        assert head.content == b"", url
        if path in ("/readyz", "/metrics"):  # their bodies carry counts and ages that move between calls
            assert {**_comparable(head), "content-length": ""} == {**_comparable(got), "content-length": ""}
        else:
            assert _comparable(head) == _comparable(got), url


async def test_head_on_health_lists_and_a_document_download(client, make_staff) -> None:
    admin = await make_staff("admin", [])
    agent = await make_staff("agent", ["CASA-BASE"])
    body = {"given_names": "Awa", "family_name": "Sarr", "sex": "female", "date_of_birth": "1990-01-01"}
    registrant = (await client.post("/api/v1/registrants", json=body, headers=agent.headers)).json()
    pdf = PASSPORT.read_bytes()
    uploaded = await client.post(
        f"/api/v1/registrants/{registrant['id']}/documents",
        headers=agent.headers,
        files={"file": ("carte.pdf", pdf, "application/pdf")},
        data={"kind": "passport"},
    )
    assert uploaded.status_code == 201, uploaded.text
    for url, headers in [
        ("/healthz", {}),
        ("/readyz", {}),
        ("/api/v1/registrants", admin.headers),
        ("/api/v1/desks", admin.headers),
        (f"/api/v1/documents/{uploaded.json()['id']}/content", agent.headers),
    ]:
        head = await client.head(url, headers=headers)
        assert head.status_code == 200, url
        assert head.content == b""
        got = await client.get(url, headers=headers)
        if url != "/readyz":  # its body carries the audit backlog's age, which moves between two calls
            assert head.headers.get("content-length") == got.headers.get("content-length"), url
        assert head.headers.get("content-type") == got.headers.get("content-type"), url
    download = await client.head(f"/api/v1/documents/{uploaded.json()['id']}/content", headers=agent.headers)
    assert download.headers["content-length"] == str(uploaded.json()["size_bytes"])


async def test_token_response_is_not_stored(client, make_staff) -> None:
    staff: Staff = await make_staff("agent", ["CASA-BASE"])
    response = await client.post("/api/v1/auth/token", data={"username": staff.email, "password": PASSWORD})
    assert response.status_code == 200
    assert response.headers["cache-control"] == "no-store"  # RFC 6749 §5.1
    assert response.headers["pragma"] == "no-cache"


async def test_every_api_response_is_no_store(app, client, make_staff) -> None:
    admin = await make_staff("admin", [])
    for path in get_paths(app):
        if not path.startswith("/api/"):
            continue
        response = await client.get(concrete(path), headers=admin.headers)
        assert "no-store" in response.headers.get("cache-control", ""), path
    refused = await client.get("/api/v1/registrants")  # a problem response too
    assert refused.headers["cache-control"] == "no-store"


async def test_an_endpoint_keeps_its_own_cache_control(client) -> None:
    # /problems/… is not under /api/: public, cacheable descriptions, left alone.
    response = await client.get("/problems/not-found")
    assert "cache-control" not in response.headers


async def test_unknown_query_parameter_is_422_naming_it_on_every_route(app, client, make_staff) -> None:
    admin = await make_staff("admin", [])
    all_operations = operations(app)
    assert len(all_operations) >= 60
    # The only exception: OAuth's authorization endpoint, which RFC 6749 §3.1 says "MUST ignore
    # unrecognized request parameters".
    exempt = {
        (method, context.path)
        for context in iter_route_contexts(app.routes)
        if isinstance(context.original_route, APIRoute)
        and (context.original_route.openapi_extra or {}).get(IGNORES_UNKNOWN_QUERY)
        for method in context.methods or ()
    }
    assert exempt == {("GET", "/api/v1/oauth/authorize")}
    for method, path in all_operations:
        if (method, path) in exempt or method == "HEAD":  # served as its GET (checked there), no body to read
            continue
        response = await client.request(
            method, concrete(path), params={"updated_since": "2026-01-01"}, headers=admin.headers
        )
        if path in {"/api/v1/oauth/token", "/api/v1/oauth/revoke"}:  # RFC 6749 §5.2 errors
            assert (response.status_code, response.json()["error"]) == (400, "invalid_request"), path
            assert "updated_since" in response.json()["error_description"]
            continue
        if path == "/api/v1/oauth/authorize":  # its HTML error page
            assert (response.status_code, response.headers["content-type"][:9]) == (400, "text/html")
            assert "updated_since" in response.text
            continue
        assert response.status_code == 422, (method, path, response.text)
        problem = response.json()
        assert response.headers["content-type"] == "application/problem+json"
        assert problem["errors"] == [
            {"loc": ["query", "updated_since"], "msg": "Unknown query parameter.", "type": "unknown_parameter"}
        ]
        assert "updated_since" in problem["detail"]


async def test_declared_query_parameters_still_pass(client, make_staff) -> None:
    admin = await make_staff("admin", [])
    listing = await client.get("/api/v1/registrants", params={"q": "Awa", "limit": "5"}, headers=admin.headers)
    assert listing.status_code == 200
    report = await client.get(
        "/api/v1/reports/registrations",
        params={"start": "2026-01-01", "end": "2026-01-31", "desk": ["CASA-BASE", "DKR-MOB"], "by": "month"},
        headers=admin.headers,
    )
    assert report.status_code == 200, report.text


async def test_a_single_valued_query_parameter_given_twice_is_422_naming_it(client, make_staff) -> None:
    """``?confirm_duplicates=false&confirm_duplicates=true`` is not silently read as its last value
    (which skipped the duplicate check), nor ``?q=Ndiaye&q=Diop`` as a search for Diop alone."""
    agent = await make_staff("agent", ["CASA-BASE"])
    created = await client.post(
        "/api/v1/registrants",
        params=[("confirm_duplicates", "false"), ("confirm_duplicates", "true")],
        json={"given_names": "Awa", "family_name": "Diop"},
        headers=agent.headers,
    )
    searched = await client.get("/api/v1/registrants", params=[("q", "Ndiaye"), ("q", "Diop")], headers=agent.headers)
    for response, name in ((created, "confirm_duplicates"), (searched, "q")):
        assert response.status_code == 422, response.text
        assert response.headers["content-type"] == "application/problem+json"
        assert response.json()["errors"] == [
            {"loc": ["query", name], "msg": "Query parameter given more than once.", "type": "repeated_parameter"}
        ]
    listing = await client.get("/api/v1/registrants", headers=agent.headers)
    assert listing.json()["items"] == []  # the refused registration wrote nothing


async def test_post_on_readyz_is_405_allowing_get_and_head(client) -> None:
    response = await client.post("/readyz")
    assert (response.status_code, response.headers["allow"]) == (405, "GET, HEAD")


async def test_every_405_lists_head_where_get_is_allowed(app, client, make_staff) -> None:
    """RFC 9110 §15.5.6: a 405's ``Allow`` lists the methods the resource supports, every route's
    for that URL (Starlette named only the first route's: ``GET`` alone on a record also edited by
    ``PATCH``), and ``HEAD`` since every ``GET`` answers it (§9.3.2)."""
    admin = await make_staff("admin", [])
    by_path: dict[str, set[str]] = {}
    for method, path in operations(app):
        by_path.setdefault(path, set()).add(method)
    wrong = []
    for path, methods in by_path.items():
        if "GET" not in methods:
            continue
        other = next(m for m in ("PUT", "DELETE", "PATCH", "POST") if m not in methods)
        response = await client.request(other, concrete(path), headers=admin.headers)
        if response.status_code != 405:
            continue  # a path another route also matches with this method
        allowed = {m.strip() for m in response.headers["allow"].split(",")}
        if not methods | {"HEAD"} <= allowed:  # other routes matching the URL may add theirs
            wrong.append(f"{other} {path}: Allow {response.headers['allow']}")
    assert wrong == []


async def test_a_trailing_slash_is_redirected_to_a_path_never_to_the_host_the_request_names(client, make_staff) -> None:
    """The redirect to the route meant (slash removed or added) is relative: a ``Host`` header
    naming another site does not make the API send the client, and its body, there."""
    agent = await make_staff("agent")
    headers = {**agent.headers, "Host": "evil.example"}
    for method in ("GET", "POST"):
        moved = await client.request(method, "/api/v1/registrants/?q=Awa", headers=headers, json={})
        assert (moved.status_code, moved.headers["location"]) == (307, "/api/v1/registrants?q=Awa"), method
    missing = await client.get("/api/v1/no-such-thing/", headers=headers)
    assert (missing.status_code, missing.headers["content-type"]) == (404, "application/problem+json")
    static = await client.get("/app/no-such-file.js/", headers=headers)  # the web client's files: their own 404
    assert static.status_code == 404
    followed = await client.get("/api/v1/registrants/", headers=agent.headers, follow_redirects=True)
    assert followed.status_code == 200
