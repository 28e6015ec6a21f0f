"""The web client's files served from memory: gzip done once, one version for the whole tree.

On a slow link (400 kbit/s, 300 ms at some desks) what costs is bytes and round trips, so:

- every file is read and gzip-compressed (level 9) once, when first asked for, and again only when
  a file of the folder changes (size or modification time, checked when the page is asked for);
- the page (``/app/``) names its scripts and stylesheet under ``/app/v/<version>/…``, where
  ``<version>`` is a hash of every file of the folder: those URLs never change content, so they are
  cached for a year as ``immutable`` (RFC 8246) and an agent opening the client again fetches only
  the page (revalidated with its ``ETag``, a 304 when nothing changed). The modules import each
  other by relative URL, so they all stay under the same version;
- a version that is no longer the current one (a page loaded before an upgrade asking for a module
  it had not loaded yet) gets today's file with ``no-cache`` rather than a 404;
- the page's own Content-Security-Policy and referrer policy go on documents (HTML, SVG) only:
  they mean nothing on a script or a stylesheet, and cost a quarter of a small module's bytes.
  ``X-Content-Type-Options: nosniff`` is on every file.
"""

from __future__ import annotations

import functools
import gzip
import hashlib
import html
import mimetypes
import re
from dataclasses import dataclass
from pathlib import Path

from starlette.datastructures import Headers
from starlette.requests import Request
from starlette.types import Receive, Scope, Send

from app.core.errors import MethodNotAllowed, NotFound
from app.core.i18n import negotiate
from app.core.problems import problem_response

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; "
    "frame-src blob:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'"
)
YEAR = 365 * 24 * 3600
_TYPES = {
    ".js": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".html": "text/html; charset=utf-8",
}
_DOCUMENTS = (".html", ".svg")
# The page's references to files of the folder (``src="app.js"``, ``href="style.css"``).
_REFERENCE = re.compile(r'(?P<attr>(?:src|href)=")(?P<name>[a-z0-9_]+\.(?:js|css|svg))"')
_MIN_GZIP = 256  # below this the gzip framing costs more than it saves


@dataclass(frozen=True)
class Asset:
    """One file as served: bytes, its gzip form (or ``None``), media type and strong ETag."""

    body: bytes
    gzipped: bytes | None
    media_type: str
    etag: str
    document: bool


@functools.lru_cache(maxsize=256)
def _asset(name: str, body: bytes) -> Asset:
    """The served form of ``body``, memoised: gzip at level 9 is most of the cost of reading the
    folder (12 ms), and every app made in one process (the tests make one per test) reads the
    same files; a file edited in development is another key."""
    suffix = Path(name).suffix
    media_type = _TYPES.get(suffix) or mimetypes.guess_type(name)[0] or "application/octet-stream"
    squeezed = gzip.compress(body, compresslevel=9, mtime=0) if len(body) >= _MIN_GZIP else None
    if squeezed is not None and len(squeezed) >= len(body):
        squeezed = None
    etag = f'"{hashlib.sha256(body).hexdigest()[:20]}"'
    return Asset(body, squeezed, media_type, etag, suffix in _DOCUMENTS)


class Assets:
    """The files of ``directory`` (not its sub-folders), their tree version and the rewritten page."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self._stamp: tuple[tuple[str, int, int], ...] = ()
        self.files: dict[str, Asset] = {}
        self.version = ""
        self.page: Asset | None = None

    def _scan(self) -> tuple[tuple[str, int, int], ...]:
        return tuple(
            (p.name, p.stat().st_mtime_ns, p.stat().st_size) for p in sorted(self.directory.iterdir()) if p.is_file()
        )

    def refresh(self) -> None:
        """Read the folder again if any file was added, removed or changed since the last read."""
        stamp = self._scan()
        if stamp == self._stamp:
            return
        raw = {name: (self.directory / name).read_bytes() for name, _, _ in stamp}
        tree = hashlib.sha256()
        for name, body in raw.items():
            tree.update(name.encode() + b"\0" + hashlib.sha256(body).digest())
        version = tree.hexdigest()[:12]
        page = _REFERENCE.sub(
            lambda m: f'{m["attr"]}v/{version}/{m["name"]}"' if m["name"] in raw else m[0],
            raw["index.html"].decode("utf-8"),
        )
        self.files = {name: _asset(name, body) for name, body in raw.items()}
        self.page = _asset("index.html", page.encode("utf-8"))
        self.version = version
        self._stamp = stamp


def _headers(asset: Asset, cache: str, encoded: bool) -> list[tuple[bytes, bytes]]:
    body = asset.gzipped if encoded and asset.gzipped is not None else asset.body
    headers = [
        (b"content-type", asset.media_type.encode()),
        (b"content-length", str(len(body)).encode()),
        (b"cache-control", cache.encode()),
        (b"x-content-type-options", b"nosniff"),
    ]
    if asset.gzipped is not None:
        headers.append((b"vary", b"Accept-Encoding"))
        if encoded:
            headers.append((b"content-encoding", b"gzip"))
    if cache != f"public, max-age={YEAR}, immutable":
        headers.append((b"etag", asset.etag.encode()))  # an immutable file is never revalidated
    if asset.document:
        headers += [(b"content-security-policy", CSP.encode()), (b"referrer-policy", b"no-referrer")]
    return headers


class AssetsApp:
    """ASGI app mounted at ``/app``: ``/`` the page, ``/v/<version>/<file>`` and ``/<file>``.

    ``GET``/``HEAD`` only (405 ``method-not-allowed`` otherwise); a name not in the folder is a 404
    (:func:`_not_found`: a page for a browser, else problem+json); ``If-None-Match`` matching the
    file's ETag is a 304.
    """

    def __init__(self, assets: Assets) -> None:
        self.assets = assets

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        assert scope["type"] == "http"
        path, root = scope["path"], scope.get("root_path", "")  # the mount's path is in root_path
        path = path[len(root) :] if root and path.startswith(root) else path
        if scope["method"] not in ("GET", "HEAD"):
            problem = MethodNotAllowed(
                "The web client's pages and files are only read (GET, HEAD).",
                detail_fr="Les pages et fichiers du client web se lisent seulement (GET, HEAD).",
                headers={"Allow": "GET, HEAD"},
            )
            await problem_response(Request(scope, receive), problem)(scope, receive, send)
            return
        if path in ("", "/", "/index.html"):
            self.assets.refresh()  # the page is where an edited file shows up (a new version)
            assert self.assets.page is not None
            await self._send(scope, send, self.assets.page, "no-cache")
            return
        parts = path.strip("/").split("/")
        if not self.assets.files:
            self.assets.refresh()
        if len(parts) == 3 and parts[0] == "v" and parts[2] in self.assets.files and parts[2] != "index.html":
            current = parts[1] == self.assets.version
            cache = f"public, max-age={YEAR}, immutable" if current else "no-cache"
            await self._send(scope, send, self.assets.files[parts[2]], cache)
            return
        if len(parts) == 1 and parts[0] in self.assets.files:
            await self._send(scope, send, self.assets.files[parts[0]], "no-cache")
            return
        await _not_found(scope, receive, send)

    async def _send(self, scope: Scope, send: Send, asset: Asset, cache: str) -> None:
        request = Headers(scope=scope)
        encoded = asset.gzipped is not None and "gzip" in request.get("accept-encoding", "")
        headers = _headers(asset, cache, encoded)
        tags = [t.strip().removeprefix("W/") for t in request.get("if-none-match", "").split(",")]
        if asset.etag in tags or "*" in tags:
            kept = {b"cache-control", b"etag", b"vary", b"content-security-policy"}
            await send({"type": "http.response.start", "status": 304, "headers": [h for h in headers if h[0] in kept]})
            await send({"type": "http.response.body", "body": b""})
            return
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        body = asset.gzipped if encoded and asset.gzipped is not None else asset.body
        await send({"type": "http.response.body", "body": b"" if scope["method"] == "HEAD" else body})


_NOT_FOUND_PAGE = {
    "fr": (
        "Page introuvable",
        "Cette adresse ne correspond à aucune page du guichet. Le lien est peut-être incomplet ou ancien.",
        "Ouvrir le guichet",
    ),
    "en": (
        "Page not found",
        "This address is not a page of the desk. The link may be incomplete or outdated.",
        "Open the desk",
    ),
}


def wants_html(scope: Scope) -> bool:
    """Whether the request prefers a page (a browser navigating: ``Accept: text/html…``) to data."""
    accept = Headers(scope=scope).get("accept", "")
    return any(
        item.split(";")[0].strip().lower() in ("text/html", "application/xhtml+xml") for item in accept.split(",")
    )


async def _not_found(scope: Scope, receive: Receive, send: Send) -> None:
    """404 for an address under ``/app`` that is no page nor file of the client: for a browser
    navigating there (``Accept: text/html``), a page in its language (French unless it prefers
    English) with a link to the client, under the page's Content-Security-Policy; for anything
    else (a script, a stylesheet, an API client) the API's problem+json ``not-found``."""
    request = Request(scope, receive)
    if not wants_html(scope):
        problem = NotFound(
            "No page or file of the web client at this address.",
            detail_fr="Aucune page ni aucun fichier du client web à cette adresse.",
        )
        await problem_response(request, problem)(scope, receive, send)
        return
    default = getattr(getattr(request.app.state, "settings", None), "default_language", "fr")
    lang = negotiate(request.headers.get("accept-language"), default)
    title, text, link = _NOT_FOUND_PAGE["fr" if lang == "fr" else "en"]
    home = f"{scope.get('root_path', '')}/"
    body = (
        f'<!doctype html>\n<html lang="{lang}">\n<head>\n  <meta charset="utf-8">\n'
        '  <meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"  <title>{title} — Diaspora Desk</title>\n</head>\n<body>\n  <main>\n    <h1>{title}</h1>\n"
        f'    <p>{text}</p>\n    <p><a href="{html.escape(home)}">{link}</a></p>\n  </main>\n</body>\n</html>\n'
    ).encode()
    headers = [
        (b"content-type", b"text/html; charset=utf-8"),
        (b"content-length", str(len(body)).encode()),
        (b"content-language", lang.encode()),
        (b"cache-control", b"no-cache"),
        (b"vary", b"Accept, Accept-Language"),
        (b"x-content-type-options", b"nosniff"),
        (b"content-security-policy", CSP.encode()),
        (b"referrer-policy", b"no-referrer"),
    ]
    await send({"type": "http.response.start", "status": 404, "headers": headers})
    await send({"type": "http.response.body", "body": b"" if scope["method"] == "HEAD" else body})
