"""Health checks and the RFC 9457 problem responses of the HTTP layer."""

import httpx


async def test_healthz_answers_ok(client: httpx.AsyncClient) -> None:
    response = await client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


async def test_readyz_reaches_the_database(client: httpx.AsyncClient) -> None:
    response = await client.get("/readyz")
    assert response.status_code == 200
    assert response.json() == {"status": "ready"}


async def test_unknown_route_is_a_problem_in_french_by_default(client: httpx.AsyncClient) -> None:
    response = await client.get("/api/v1/nothing-here")
    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"
    body = response.json()
    assert body["type"] == "/problems/not-found"
    assert body["title"] == "Ressource introuvable"
    assert body["status"] == 404


async def test_problem_title_follows_accept_language(client: httpx.AsyncClient) -> None:
    response = await client.get("/api/v1/nothing-here", headers={"Accept-Language": "en-GB,en;q=0.9,fr;q=0.5"})
    assert response.json()["title"] == "Resource not found"
    assert response.headers["content-language"] == "en"


async def test_wrong_method_is_405_problem(client: httpx.AsyncClient) -> None:
    response = await client.delete("/healthz")
    assert response.status_code == 405
    assert response.json()["type"] == "/problems/method-not-allowed"


async def test_request_id_is_echoed_or_generated(client: httpx.AsyncClient) -> None:
    echoed = await client.get("/healthz", headers={"X-Request-ID": "abc-123"})
    assert echoed.headers["x-request-id"] == "abc-123"
    generated = await client.get("/healthz", headers={"X-Request-ID": "bad id with spaces"})
    assert len(generated.headers["x-request-id"]) == 32


async def test_problem_type_uri_is_documented(client: httpx.AsyncClient) -> None:
    response = await client.get("/problems/precondition-failed")
    assert response.status_code == 200
    assert response.json()["status"] == 412


async def test_oversized_json_body_is_413(client: httpx.AsyncClient) -> None:
    response = await client.post(
        "/api/v1/auth/logout", content=b"{" + b" " * 2_000_000 + b"}", headers={"content-type": "application/json"}
    )
    assert response.status_code == 413
    assert response.json()["type"] == "/problems/payload-too-large"


async def test_multipart_body_to_a_json_endpoint_is_bounded_too(client) -> None:
    body = b'--x\r\nContent-Disposition: form-data; name="f"\r\n\r\n' + b"a" * 2_000_000 + b"\r\n--x--\r\n"
    response = await client.post(
        "/api/v1/auth/token", content=body, headers={"content-type": "multipart/form-data; boundary=x"}
    )
    assert response.status_code == 413


async def test_chunked_body_without_length_is_stopped_at_the_limit(client) -> None:
    async def chunks():
        for _ in range(40):
            yield b" " * 65536

    response = await client.post("/api/v1/auth/logout", content=chunks(), headers={"content-type": "application/json"})
    assert response.status_code == 413
    assert response.json()["type"] == "/problems/payload-too-large"
