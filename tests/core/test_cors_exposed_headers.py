"""A browser client served from another origin (``CORS_ORIGINS``) reads every response header the
API sets for it: the export's row counts and id, the file's name, the wait before retrying, a
replayed answer, a download's range — not only ``ETag``, ``Location`` and ``X-Request-ID``."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI

from app.core.config import Settings
from app.main import EXPOSED_HEADERS, create_app

ORIGIN = "https://desk.example"
FEB = {"start": "2026-02-01", "end": "2026-02-28"}
# Headers the API sets that are not X-… ones and a script needs: the file's name, when to retry, a
# replayed answer, a download's range.
STANDARD_FOR_SCRIPTS = ("Content-Disposition", "Retry-After", "Idempotent-Replayed", "Content-Range", "Accept-Ranges")
# X-… headers meant for the browser itself (its security policy), never read by a script.
FOR_THE_BROWSER = frozenset({"x-content-type-options", "x-frame-options"})
_X_HEADER = re.compile(r'"(X-[A-Z][A-Za-z]*(?:-[A-Za-z]+)*)"')


@pytest.fixture
async def cross_origin(settings: Settings) -> AsyncIterator[tuple[FastAPI, httpx.AsyncClient]]:
    application = create_app(settings.model_copy(update={"cors_origins": [ORIGIN]}))
    transport = httpx.ASGITransport(app=application, client=("203.0.113.7", 50000))
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
        yield application, http
    await application.state.engine.dispose()


def _exposed(response: httpx.Response) -> set[str]:
    return {h.strip().lower() for h in response.headers.get("access-control-expose-headers", "").split(",")}


async def test_a_named_export_s_counts_are_readable_from_another_origin(
    cross_origin: tuple[FastAPI, httpx.AsyncClient], make_staff
) -> None:  # type: ignore[no-untyped-def]
    _, http = cross_origin
    admin = await make_staff("admin", [])
    params = {**FEB, "named": "true", "purpose": "Liste des bénéficiaires pour le bailleur du programme"}
    response = await http.head(
        "/api/v1/exports/registrants", params=params, headers={**admin.headers, "Origin": ORIGIN}
    )
    assert response.status_code == 200, response.text
    assert (response.headers["access-control-allow-origin"], response.headers["x-export-rows"]) == (ORIGIN, "0")
    assert response.headers["x-export-unnamed-rows"] == "0"
    assert {"x-export-rows", "x-export-unnamed-rows", "x-export-id", "content-disposition"} <= _exposed(response)


def test_every_x_header_the_api_sets_and_the_standard_ones_a_script_reads_are_exposed() -> None:
    """Each ``X-…`` name in the API's code (``headers["X-Export-Rows"]``, ``"X-Export-Id": …``) is
    exposed unless it is for the browser alone, and so are the standard headers a script reads."""
    root = Path(__file__).resolve().parents[2] / "app"
    written = {
        name.lower() for path in root.rglob("*.py") for name in _X_HEADER.findall(path.read_text(encoding="utf-8"))
    }
    assert {"x-export-rows", "x-export-unnamed-rows", "x-export-id", "x-request-id"} <= written  # the scan finds them
    exposed = {h.lower() for h in EXPOSED_HEADERS}
    assert sorted(written - FOR_THE_BROWSER - exposed) == []
    assert sorted({h.lower() for h in STANDARD_FOR_SCRIPTS} - exposed) == []


async def test_a_preflight_answers_the_origin_and_an_unknown_origin_is_not_let_in(
    cross_origin: tuple[FastAPI, httpx.AsyncClient],
) -> None:
    _, http = cross_origin
    asked = {"Access-Control-Request-Method": "GET", "Access-Control-Request-Headers": "authorization"}
    allowed = await http.options("/api/v1/desks", headers={"Origin": ORIGIN, **asked})
    refused = await http.options("/api/v1/desks", headers={"Origin": "https://elsewhere.example", **asked})
    assert (allowed.status_code, allowed.headers["access-control-allow-origin"]) == (200, ORIGIN)
    assert (refused.status_code, "access-control-allow-origin" in refused.headers) == (400, False)
