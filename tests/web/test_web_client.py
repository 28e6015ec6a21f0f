"""The web client is served by the API process with a strict Content-Security-Policy, its files
under one version of the tree (cached for a year, immutable), gzip-compressed, the page revalidated."""

import re

from app.web.router import STATIC_DIR


async def test_root_redirects_to_the_web_client(client) -> None:
    response = await client.get("/")
    assert response.status_code == 307
    assert response.headers["location"] == "/app/"


async def test_web_client_page_is_served_with_a_strict_csp(client) -> None:
    response = await client.get("/app/")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    directives = dict(
        (d.split()[0], sorted(d.split()[1:])) for d in response.headers["content-security-policy"].split(";")
    )
    # CSP Level 3: nothing inline or eval'd ('unsafe-*' absent), no third-party origin, not framable.
    assert directives == {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "blob:", "data:"],
        "frame-src": ["blob:"],  # a PDF viewed in the page, from the bytes fetched with the token
        "connect-src": ["'self'"],
        "frame-ancestors": ["'none'"],
        "base-uri": ["'none'"],
        "form-action": ["'self'"],
    }
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["referrer-policy"] == "no-referrer"
    assert re.search(r'<script type="module" src="v/[0-9a-f]{12}/app\.js">', response.text)


async def test_web_client_scripts_are_javascript_and_never_write_html(client) -> None:
    scripts = sorted(p.name for p in STATIC_DIR.glob("*.js"))
    assert "app.js" in scripts
    for name in scripts:
        response = await client.get(f"/app/{name}")
        assert response.status_code == 200
        assert "javascript" in response.headers["content-type"]
        for sink in ("innerHTML", "outerHTML", "insertAdjacentHTML", "document.write", "eval("):
            assert sink not in response.text, (name, sink)


async def test_unknown_static_file_is_404(client) -> None:
    response = await client.get("/app/nothing.js")
    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["type"] == "/problems/not-found"
    assert response.json()["instance"] == "/app/nothing.js"


async def test_an_unknown_address_under_app_is_a_page_for_a_browser_and_a_problem_for_the_rest(client) -> None:
    """A browser sent to an address of the client that is no page (an old or cut link) gets a page
    in the desk's language saying so, with a way back to the client, under the page's CSP; a
    script, a stylesheet or an API client gets the API's problem+json. Before: "Not Found" as
    text/plain for both."""
    browser = {"Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"}
    page = await client.get("/app/dossiers/CASA-2026-000001", headers=browser)
    assert (page.status_code, page.headers["content-type"]) == (404, "text/html; charset=utf-8")
    assert '<html lang="fr">' in page.text and "<h1>Page introuvable</h1>" in page.text
    assert '<a href="/app/">Ouvrir le guichet</a>' in page.text
    assert page.headers["content-security-policy"].startswith("default-src 'self'")
    assert "<script" not in page.text and "style=" not in page.text  # nothing the CSP would block
    english = await client.get("/app/nowhere", headers={**browser, "Accept-Language": "en-GB,en;q=0.9"})
    assert '<html lang="en">' in english.text and "<h1>Page not found</h1>" in english.text
    data = await client.get("/app/dossiers/x", headers={"Accept": "application/json", "Accept-Language": "en"})
    assert (data.status_code, data.headers["content-type"]) == (404, "application/problem+json")
    assert data.json()["detail"] == "No page or file of the web client at this address."
    posted = await client.post("/app/", headers={"Accept-Language": "en"})
    assert (posted.status_code, posted.headers["allow"]) == (405, "GET, HEAD")
    assert posted.json()["type"] == "/problems/method-not-allowed"


async def _version(client) -> str:
    page = await client.get("/app/")
    found = re.search(r'src="v/([0-9a-f]{12})/app\.js"', page.text)
    assert found, page.text[:500]
    return found[1]


async def test_every_file_the_page_names_is_under_the_current_version(client) -> None:
    page = (await client.get("/app/")).text
    version = await _version(client)
    named = re.findall(r'(?:src|href)="([^"]+)"', page)
    assert named and all(n.startswith(f"v/{version}/") for n in named if not n.startswith("#")), named
    for name in named:
        if name.startswith("#"):
            continue
        response = await client.get(f"/app/{name}")
        assert response.status_code == 200, name


async def test_versioned_files_are_immutable_the_page_is_revalidated(client) -> None:
    version = await _version(client)
    script = await client.get(f"/app/v/{version}/search.js")
    assert script.headers["cache-control"] == "public, max-age=31536000, immutable"
    assert script.headers["x-content-type-options"] == "nosniff"
    assert (STATIC_DIR / "search.js").read_text(encoding="utf-8") == script.text
    page = await client.get("/app/")
    assert page.headers["cache-control"] == "no-cache"
    again = await client.get("/app/", headers={"If-None-Match": page.headers["etag"]})
    assert again.status_code == 304
    assert again.content == b""
    assert again.headers["etag"] == page.headers["etag"]
    # A page loaded before an upgrade asking for a module of its version: today's file, not cached.
    older = await client.get("/app/v/000000000000/search.js")
    assert older.status_code == 200
    assert older.headers["cache-control"] == "no-cache"
    assert (await client.get(f"/app/v/{version}/nothing.js")).status_code == 404
    assert (await client.get(f"/app/v/{version}/index.html")).status_code == 404
    assert (await client.post("/app/")).status_code == 405


async def test_files_are_gzipped_once_and_only_documents_carry_the_csp(client) -> None:
    version = await _version(client)
    zipped = await client.get(f"/app/v/{version}/i18n.js", headers={"Accept-Encoding": "gzip"})
    assert zipped.headers["content-encoding"] == "gzip"
    assert int(zipped.headers["content-length"]) < len(zipped.content) / 2  # decoded by httpx
    assert "Accept-Encoding" in zipped.headers["vary"]
    plain = await client.get(f"/app/v/{version}/i18n.js", headers={"Accept-Encoding": "identity"})
    assert "content-encoding" not in plain.headers
    assert plain.content == zipped.content
    assert "content-security-policy" not in zipped.headers  # it means nothing on a script
    for document in ("/app/", f"/app/v/{version}/favicon.svg"):
        assert "frame-ancestors 'none'" in (await client.get(document)).headers["content-security-policy"]
    head = await client.head("/app/", headers={"Accept-Encoding": "gzip"})
    assert head.content == b""
    assert head.headers["content-length"] == (await client.get("/app/")).headers["content-length"]


async def test_api_json_is_gzipped_other_answers_pass_untouched(client, make_staff) -> None:
    admin = await make_staff("admin", [])
    desks = await client.get("/api/v1/service-types", headers={**admin.headers, "Accept-Encoding": "gzip"})
    assert desks.status_code == 200
    assert desks.headers["content-encoding"] == "gzip"
    assert desks.json()
    small = await client.get("/api/v1/auth/me", headers={**admin.headers, "Accept-Encoding": "gzip"})
    assert "content-encoding" not in small.headers  # under 1 KiB: not worth it
    refused = await client.get("/api/v1/service-types", headers={**admin.headers, "Accept-Encoding": "identity"})
    assert "content-encoding" not in refused.headers
    assert refused.json() == desks.json()
    schema = await client.get("/openapi.json", headers={"Accept-Encoding": "gzip"})
    assert "content-encoding" not in schema.headers  # outside /api/
