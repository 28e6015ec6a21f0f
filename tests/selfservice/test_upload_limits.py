"""Every upload route takes a document up to the documents' limit (``DOCUMENTS_MAX_BYTES``, 20 MB by
default), not the 1 MB limit of JSON bodies: a person sends what an agent may send
(docs/self-service.md)."""

from __future__ import annotations

import io
import os

import httpx
from fastapi import FastAPI
from fastapi.routing import APIRoute
from PIL import Image

from app.core.config import Settings
from app.documents.router import streamed_upload
from tests.selfservice.conftest import SELF, World


def _big_png() -> bytes:
    """A real PNG of about 1.5 MB (noise does not compress)."""
    image = Image.frombytes("RGB", (720, 720), os.urandom(720 * 720 * 3))
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


async def test_a_person_sends_a_document_over_the_json_body_limit_as_an_agent_does(
    client: httpx.AsyncClient, settings: Settings, world: World
) -> None:
    png = _big_png()
    assert settings.max_request_body_bytes < len(png) < settings.documents_max_bytes
    case = (
        await client.post(f"{SELF}/requests", json={"service_type": "RESIDENCE_MA"}, headers=world.a.headers)
    ).json()
    sent = {
        "agent, file": (f"/api/v1/registrants/{world.a.registrant_id}/documents", world.agent.headers),
        "agent, case": (f"/api/v1/cases/{case['id']}/documents", world.agent.headers),
        "person, file": (f"{SELF}/documents", world.a.headers),
        "person, request": (f"{SELF}/requests/{case['id']}/documents", world.a.headers),
    }
    for who, (url, headers) in sent.items():
        r = await client.post(
            url, files={"file": (f"{who}.png", png, "image/png")}, data={"kind": "photo"}, headers=headers
        )
        assert r.status_code in (200, 201), (who, r.status_code, r.text)


async def test_a_document_over_the_documents_limit_is_refused_by_the_upload_in_the_persons_words(
    client: httpx.AsyncClient, settings: Settings, world: World
) -> None:
    settings.documents_max_bytes = 1_200_000
    r = await client.post(
        f"{SELF}/documents",
        files={"file": ("carte.png", _big_png(), "image/png")},
        data={"kind": "photo"},
        headers={**world.a.headers, "Accept-Language": "fr"},
    )
    assert r.status_code == 413
    assert r.json()["type"] == "/problems/document-too-large"
    assert r.json()["max_bytes"] == 1_200_000


def test_every_route_taking_a_document_is_exempt_from_the_json_body_limit(app: FastAPI) -> None:
    """The whole kind: any route whose body is a document upload gets the upload's own bound."""
    uploads = [r for r in app.routes if isinstance(r, APIRoute) and streamed_upload(r)]
    assert {r.path for r in uploads} >= {
        "/api/v1/registrants/{registrant_id}/documents",
        "/api/v1/cases/{case_id}/documents",
        f"{SELF}/documents",
        f"{SELF}/requests/{{case_id}}/documents",
    }
    multipart = [
        r
        for r in app.routes
        if isinstance(r, APIRoute)
        and "multipart/form-data" in ((r.openapi_extra or {}).get("requestBody", {}).get("content", {}))
        and not r.path.startswith("/api/v1/imports/")
    ]
    assert {r.path for r in multipart} == {r.path for r in uploads}
