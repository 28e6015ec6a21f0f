"""Files the API sends (a document, an archive, an export, a report in CSV or XLSX) carry
``Cache-Control: no-store`` and ``Pragma: no-cache`` like every other ``/api/`` answer: identity
papers and personal data must not stay in a cache (an HTTP/1.0 proxy or a shared counter PC's
browser). An endpoint that set its own ``no-store`` used to lose the ``Pragma``.

The walk is checked against the OpenAPI document: an operation whose success answer is not JSON
must be in :data:`FILE_OPERATIONS`, so a new file endpoint cannot be left out.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import httpx
from fastapi import FastAPI

from tests.conftest import Staff
from tests.documents.conftest import PASSPORT
from tests.selfservice.conftest import SELF, latest_code

FILE_OPERATIONS = {
    ("GET", "/api/v1/documents/{document_id}/content"),
    ("GET", "/api/v1/exports/{kind}"),
    ("GET", "/api/v1/privacy/disclosures.csv"),
    # every report as CSV or XLSX, and a chart as PNG or SVG (one implementation: sent below as
    # the funders' indicators in CSV and the cases' chart)
    ("GET", "/api/v1/reports/appointments"),
    ("GET", "/api/v1/reports/cases"),
    ("GET", "/api/v1/reports/cases/monthly"),
    ("GET", "/api/v1/reports/funder-indicators"),
    ("GET", "/api/v1/reports/referrals"),
    ("GET", "/api/v1/reports/registrations"),
    ("GET", "/api/v1/reports/sla"),
    ("POST", "/api/v1/privacy/subject-requests/{request_id}/archive"),
    ("GET", "/api/v1/self/archive"),
}


def _file_operations(app: FastAPI) -> set[tuple[str, str]]:
    """The ``/api/`` operations whose 2xx answers declare a type other than JSON."""
    found = set()
    for path, operations in app.openapi()["paths"].items():
        for method, operation in operations.items():
            types = {
                kind
                for code, answer in operation.get("responses", {}).items()
                if code.startswith("2")
                for kind in (answer.get("content") or {})
            }
            # text/html: the OAuth consent page, a page and not a file (no-store: tests/clients/test_oauth.py)
            if path.startswith("/api/") and types - {"application/json", "text/html"}:
                found.add((method.upper(), path))
    return found


def test_the_walk_below_covers_every_file_operation(app: FastAPI) -> None:
    assert _file_operations(app) == FILE_OPERATIONS


def _not_cached(response: httpx.Response, status: int, what: str) -> tuple[Any, ...]:
    return (what, response.status_code, response.headers.get("cache-control"), response.headers.get("pragma"))


async def _linked_person(client: httpx.AsyncClient, sessionmaker: Any, agent: Staff, registrant: str) -> dict[str, str]:
    """A person signed in to self-service and linked to ``registrant``: their headers."""
    phone = {"phone": "+221771234567"}
    assert (await client.post(f"{SELF}/codes", json=phone)).status_code == 202
    signed = await client.post(
        f"{SELF}/sessions", json={**phone, "code": await latest_code(sessionmaker, phone["phone"])}
    )
    headers = {"Authorization": f"Bearer {signed.json()['access_token']}"}
    code = await client.post(f"/api/v1/registrants/{registrant}/self-service/link-codes", headers=agent.headers)
    linked = await client.post(f"{SELF}/link", json={"code": code.json()["code"]}, headers=headers)
    assert linked.status_code == 200, linked.text
    return headers


async def test_every_file_the_api_sends_is_no_store_and_no_cache(  # type: ignore[no-untyped-def]
    client: httpx.AsyncClient, make_staff, sessionmaker
) -> None:
    agent: Staff = await make_staff("agent", ["CASA-BASE"])
    supervisor: Staff = await make_staff("supervisor", ["CASA-BASE"])
    body = {"given_names": "Awa", "family_name": "Ndiaye", "sex": "female", "date_of_birth": "1994-03-12"}
    registrant = (await client.post("/api/v1/registrants", json=body, headers=agent.headers)).json()["id"]
    person = await _linked_person(client, sessionmaker, agent, registrant)
    uploaded = await client.post(
        f"/api/v1/registrants/{registrant}/documents",
        headers=agent.headers,
        files={"file": ("passeport.pdf", PASSPORT.read_bytes(), "application/pdf")},
        data={"kind": "passport"},
    )
    assert uploaded.status_code == 201, uploaded.text
    content = f"/api/v1/documents/{uploaded.json()['id']}/content"
    etag = uploaded.headers["etag"]
    request = await client.post(
        "/api/v1/privacy/subject-requests", headers=supervisor.headers, json={"registrant_id": str(registrant)}
    )
    assert request.status_code == 201, request.text
    today = dt.date.today().isoformat()
    period = {"start": today, "end": today}

    sent = [
        ("download", 200, await client.get(content, headers=agent.headers)),
        ("download HEAD", 200, await client.head(content, headers=agent.headers)),
        ("download range", 206, await client.get(content, headers={**agent.headers, "Range": "bytes=0-9"})),
        ("download unchanged", 304, await client.get(content, headers={**agent.headers, "If-None-Match": etag})),
        (
            "access archive",
            200,
            await client.post(
                f"/api/v1/privacy/subject-requests/{request.json()['id']}/archive", headers=supervisor.headers
            ),
        ),
        ("disclosures", 200, await client.get("/api/v1/privacy/disclosures.csv", headers=supervisor.headers)),
        ("export csv", 200, await client.get("/api/v1/exports/registrants", params=period, headers=supervisor.headers)),
        (
            "export xlsx",
            200,
            await client.get(
                "/api/v1/exports/registrants", params={**period, "format": "xlsx"}, headers=supervisor.headers
            ),
        ),
        (
            "report csv",
            200,
            await client.get(
                "/api/v1/reports/funder-indicators", params={**period, "format": "csv"}, headers=supervisor.headers
            ),
        ),
        (
            "report xlsx in words",
            200,
            await client.get(
                "/api/v1/reports/cases",
                params={**period, "format": "xlsx", "labels": "fr"},
                headers=supervisor.headers,
            ),
        ),
        (
            "chart png",
            200,
            await client.get("/api/v1/reports/cases", params={**period, "format": "png"}, headers=supervisor.headers),
        ),
        ("own archive", 200, await client.get(f"{SELF}/archive", headers=person)),
    ]
    assert [_not_cached(response, status, what) for what, status, response in sent] == [
        (what, status, "no-store", "no-cache") for what, status, _ in sent
    ]
