"""The thin web client desk agents use: static files under ``/app``, served by the API process.

The pages call the same JSON API as the mobile apps; they hold the access token in
``sessionStorage`` only. Responses carry a strict Content-Security-Policy (no inline script, no
third-party origin).
"""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter, FastAPI
from fastapi.responses import FileResponse, RedirectResponse
from starlette.middleware.gzip import GZipMiddleware
from starlette.staticfiles import StaticFiles
from starlette.types import Message, Receive, Scope, Send

STATIC_DIR = Path(__file__).parent / "static"
CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; "
    "frame-src blob:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'"
)

router = APIRouter(include_in_schema=False)


@router.get("/")
async def root() -> RedirectResponse:
    """The web client lives under ``/app/``."""
    return RedirectResponse("/app/", status_code=307)


@router.get("/favicon.ico")
async def favicon() -> FileResponse:
    """The desk's icon for browsers that ask for ``/favicon.ico`` (the pages link the SVG)."""
    return FileResponse(STATIC_DIR / "favicon.svg", media_type="image/svg+xml")


class _SecuredStatic(StaticFiles):
    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [
                    *message.get("headers", []),
                    (b"content-security-policy", CSP.encode()),
                    (b"x-content-type-options", b"nosniff"),
                    (b"referrer-policy", b"no-referrer"),
                ]
            await send(message)

        await super().__call__(scope, receive, send_with_headers)


def mount(app: FastAPI) -> None:
    """Serve the client at ``/app`` and redirect ``/`` to it."""
    app.include_router(router)
    # Compressed: about a quarter of the bytes on a slow connection (400 kbit/s at some desks).
    static = GZipMiddleware(_SecuredStatic(directory=STATIC_DIR, html=True), minimum_size=1024)
    app.mount("/app", static, name="web")
