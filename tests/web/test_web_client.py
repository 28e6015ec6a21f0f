"""The web client is served by the API process with a strict Content-Security-Policy."""


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
    assert '<script type="module" src="app.js">' in response.text


async def test_web_client_scripts_are_javascript_and_never_write_html(client) -> None:
    from app.web.router import STATIC_DIR

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
