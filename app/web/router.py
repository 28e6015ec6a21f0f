"""The thin web client desk agents use: static files under ``/app``, served by the API process.

The pages call the same JSON API as the mobile apps; they hold the access token in
``sessionStorage`` only. The page carries a strict Content-Security-Policy (no inline script, no
third-party origin). How the files are served on a slow link (one version for the tree, immutable
caching, gzip done once): :mod:`app.web.assets`.
"""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI
from fastapi.responses import FileResponse, RedirectResponse

from app.core.routing import add_routes, api_router
from app.web.assets import CSP, Assets, AssetsApp

STATIC_DIR = Path(__file__).parent / "static"
__all__ = ["CSP", "STATIC_DIR", "mount"]

router = api_router(include_in_schema=False)


@router.get("/")
async def root() -> RedirectResponse:
    """The web client lives under ``/app/``."""
    return RedirectResponse("/app/", status_code=307)


@router.get("/favicon.ico")
async def favicon() -> FileResponse:
    """The desk's icon for browsers that ask for ``/favicon.ico`` (the pages link the SVG)."""
    return FileResponse(STATIC_DIR / "favicon.svg", media_type="image/svg+xml")


def mount(app: FastAPI) -> None:
    """Serve the client at ``/app`` and redirect ``/`` to it."""
    add_routes(app, [router])
    assets = Assets(STATIC_DIR)
    assets.refresh()
    app.mount("/app", AssetsApp(assets), name="web")
