"""Every part of a merged file (``/api/v1/registrants/{id}/…``) answers 409 ``registrant-merged``
pointing at the survivor, read or write alike; only ``GET`` of the file itself answers 301."""

from __future__ import annotations

import uuid
from typing import Any

import httpx
from fastapi import FastAPI
from fastapi.routing import APIRoute, iter_route_contexts

from tests.conftest import Staff
from tests.merges.conftest import REGISTRANTS, URL, Pair, merge, read

FILE = "/api/v1/registrants/{registrant_id}"
# A body the route accepts, so that the request reaches the merged-file check (others send none,
# or ``{}`` for a write: a new route whose body that refuses gets its entry here).
BODIES: dict[tuple[str, str], Any] = {
    ("PATCH", FILE): {"occupation": "vendeuse"},
    ("POST", f"{FILE}/consents"): {
        "purpose": "contact_sms_whatsapp",
        "granted": True,
        "channel": "in_person",
        "notice_version": "2026-01",
        "language": "fr",
    },
}


def file_routes(app: FastAPI) -> list[tuple[str, str]]:
    """Every (method, path) of a registrant file and its parts, but ``GET`` of the file."""
    found = {
        (method, context.path)
        for context in iter_route_contexts(app.routes)
        if isinstance(context.original_route, APIRoute)
        and (context.path == FILE or context.path.startswith(f"{FILE}/"))
        for method in context.methods or ()
    }
    return sorted(found - {("GET", FILE)})


def _url(path: str, registrant_id: str) -> str:
    out = path.replace("{registrant_id}", registrant_id)
    while "{" in out:  # another record of the file (a consent, an account): any id
        start, end = out.index("{"), out.index("}")
        out = out[:start] + ("1" if out[start:end] == "{consent_id" else str(uuid.uuid4())) + out[end + 1 :]
    return out


async def test_every_part_of_a_merged_file_answers_409_with_the_survivor(
    app: FastAPI, client: httpx.AsyncClient, agent: Staff, supervisor: Staff, pair: Pair
) -> None:
    corrected = await client.patch(
        f"{REGISTRANTS}/{pair.merged}",
        json={"host_city": "Rabat", "reason": "Déménagement."},
        headers={**supervisor.headers, "If-Match": (await read(client, supervisor, pair.merged)).headers["etag"]},
    )
    assert corrected.status_code == 200, corrected.text
    hold = await client.post(
        "/api/v1/privacy/legal-holds",
        json={"registrant_id": pair.merged, "reason": "Recours en cours."},
        headers=supervisor.headers,
    )
    assert hold.status_code == 201, hold.text
    record = await merge(
        client, agent, pair, choices={"occupation": "merged", "email": "merged", "host_city": "merged"}
    )
    assert record.status_code == 201, record.text

    routes = file_routes(app)
    assert len(routes) >= 15
    for method, path in routes:
        body = BODIES.get((method, path), {} if method in ("POST", "PUT", "PATCH") else None)
        response = await client.request(
            method, _url(path, pair.merged), json=body, headers={**supervisor.headers, "If-Match": "*"}
        )
        assert response.status_code == 409, (method, path, response.text)
        assert (response.json()["type"], response.json()["survivor_id"]) == (
            "/problems/registrant-merged",
            pair.survivor,
        ), (method, path)
    placed = await client.post(
        "/api/v1/privacy/legal-holds",
        json={"registrant_id": pair.merged, "reason": "Enquête."},
        headers=supervisor.headers,
    )
    assert (placed.status_code, placed.json()["survivor_id"]) == (409, pair.survivor)

    # the merged file's hold guards the person's data where it now is, and goes back at the unmerge
    holds = await client.get(f"{REGISTRANTS}/{pair.survivor}/legal-holds", headers=supervisor.headers)
    assert [h["id"] for h in holds.json()] == [hold.json()["id"]]
    undone = await client.post(f"{URL}/{record.json()['id']}/unmerge", headers=supervisor.headers)
    assert undone.status_code == 200, undone.text
    holds = await client.get(f"{REGISTRANTS}/{pair.merged}/legal-holds", headers=supervisor.headers)
    assert [h["id"] for h in holds.json()] == [hold.json()["id"]]
    corrections = await client.get(f"{REGISTRANTS}/{pair.merged}/corrections", headers=supervisor.headers)
    assert [(c["field"], c["new_value"]) for c in corrections.json()] == [("host_city", "Rabat")]
