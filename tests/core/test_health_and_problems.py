"""Health checks and the RFC 9457 problem responses of the HTTP layer."""

import re

import httpx


async def test_healthz_answers_ok(client: httpx.AsyncClient) -> None:
    response = await client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


async def test_readyz_reaches_the_database(client: httpx.AsyncClient) -> None:
    response = await client.get("/readyz")
    assert response.status_code == 200
    assert response.json() == {
        "status": "ready",
        "tzdata": "2026f",  # constraints.txt: tzdata==2026.6
        "audit": {"unsealed_events": 0, "oldest_unsealed_seconds": 0.0, "lagging": False, "sealing": "running"},
    }


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


async def test_nul_characters_are_refused_everywhere_with_the_same_answer(client, make_staff) -> None:
    agent = await make_staff("agent")
    answers = [
        await client.post("/api/v1/auth/token", data={"username": "a\x00b@example.org", "password": "x"}),
        await client.get("/api/v1/registrants", params={"q": "Nd\x00iaye"}, headers=agent.headers),
        await client.post(
            "/api/v1/registrants",
            content=b'{"given_names": "T", "family_name": "Ab\\u0000c"}',
            headers={**agent.headers, "content-type": "application/json"},
        ),
    ]
    assert [a.status_code for a in answers] == [422, 422, 422]
    assert {a.json()["type"] for a in answers} == {"/problems/validation-failed"}


async def test_an_escaped_backslash_before_u0000_is_not_a_nul(client, make_staff) -> None:
    admin = await make_staff("admin", [])
    response = await client.post(
        "/api/v1/desks",
        content=b'{"code": "ABJ-1", "name": "C:\\\\u0000", "country": "CI", "city": "A", '
        b'"time_zone": "Africa/Abidjan"}',
        headers={**admin.headers, "content-type": "application/json"},
    )
    assert response.status_code == 201
    assert response.json()["name"] == "C:\\u0000"


async def test_out_of_range_dates_are_422_not_500(client, make_staff) -> None:
    auditor = await make_staff("auditor", [])
    response = await client.get(
        "/api/v1/audit/events", params={"since": "9999-12-31T23:30:00-05:00"}, headers=auditor.headers
    )
    assert response.status_code == 422
    assert response.json()["type"] == "/problems/validation-failed"


async def test_405_detail_is_not_an_english_phrase_under_a_french_title(client) -> None:
    response = await client.delete("/healthz")
    assert "detail" not in response.json()


async def test_forged_cursor_with_wrong_value_types_is_400(client, make_staff, seal_cursor) -> None:
    auditor = await make_staff("auditor", [])
    forged = seal_cursor({"k": ["not-a-number"]}, "list:audit_events.id")
    response = await client.get("/api/v1/audit/events", params={"cursor": forged}, headers=auditor.headers)
    assert response.status_code == 400


async def test_far_future_days_and_periods_are_answered_not_500(client, make_staff, desk_ids) -> None:
    supervisor = await make_staff("supervisor")
    listing = await client.get(
        "/api/v1/appointments",
        params={"desk_id": str(desk_ids["CASA-BASE"]), "day": "9999-12-31"},
        headers=supervisor.headers,
    )
    report = await client.get(
        "/api/v1/reports/funder-indicators",
        params={"start": "9999-01-01", "end": "9999-12-31"},
        headers=supervisor.headers,
    )
    # a day whose next day does not exist is refused; a period ending at the calendar's edge is
    # open-ended there (app.reports.scope.Scope.bounds_in): an empty report
    assert (listing.status_code, report.status_code) == (422, 200)


def test_access_log_drops_query_strings_with_personal_data() -> None:
    import logging

    from app.core.logging import AccessLogQueryFilter

    record = logging.LogRecord(
        "uvicorn.access",
        logging.INFO,
        __file__,
        1,
        '%s - "%s %s HTTP/%s" %d',
        ("127.0.0.1:5000", "GET", "/api/v1/registrants?q=%2B212612345678", "1.1", 200),
        None,
    )
    AccessLogQueryFilter().filter(record)
    assert record.getMessage() == '127.0.0.1:5000 - "GET /api/v1/registrants?… HTTP/1.1" 200'


async def test_a_form_body_to_a_json_endpoint_is_415(client, make_staff) -> None:
    admin = await make_staff("admin", [])
    response = await client.post(
        "/api/v1/desks", content=b"code=X", headers={**admin.headers, "content-type": "text/plain"}
    )
    assert response.status_code == 415
    assert response.json()["type"] == "/problems/unsupported-media-type"


async def test_a_json_body_without_content_type_is_415_and_no_body_is_422(client, make_staff) -> None:
    """Without ``Content-Type`` a body is not taken for JSON (RFC 9110 §8.3): 415 saying what to
    send, where pydantic's "Input should be a valid dictionary" said nothing of it. No body is a
    missing body: 422."""
    admin = await make_staff("admin", [])
    body = b'{"code": "ABJ-3", "name": "A", "country": "CI", "city": "A", "time_zone": "Africa/Abidjan"}'
    response = await client.post("/api/v1/desks", content=body, headers=admin.headers)
    assert "content-type" not in response.request.headers
    assert (response.status_code, response.json()["type"]) == (415, "/problems/unsupported-media-type")
    assert "application/json" in response.json()["detail"]
    empty = await client.post("/api/v1/desks", headers=admin.headers)
    assert (empty.status_code, empty.json()["type"]) == (422, "/problems/validation-failed")


async def test_percent_zero_zero_is_ordinary_text_in_json(client, make_staff) -> None:
    admin = await make_staff("admin", [])
    body = {"code": "ABJ-2", "name": "Remise 100%00", "country": "CI", "city": "A", "time_zone": "Africa/Abidjan"}
    response = await client.post("/api/v1/desks", json=body, headers=admin.headers)
    assert response.status_code == 201
    assert response.json()["name"] == "Remise 100%00"


def test_generated_signing_key_is_read_once_and_kept(tmp_path) -> None:
    from app.core.config import Settings

    settings = Settings(data_dir=tmp_path, _env_file=None)  # type: ignore[call-arg]
    first = settings.signing_key()
    (tmp_path / "secret_key").unlink()
    assert settings.signing_key() == first
    assert len(first) >= 48


_URI_REFERENCE_CHARS = re.compile(r"[A-Za-z0-9\-._~:/?#\[\]@!$&'()*+,;=%]*")
"""The characters of an RFC 3986 URI reference: unreserved, reserved, and ``%`` of a percent-encoding."""


async def test_a_problems_instance_is_a_uri_reference_for_any_path_sent(client, make_staff) -> None:
    """``instance`` is a URI reference (RFC 9457 §3.1.5): the path as sent, percent-encoded, also
    when it holds characters refused in a path (a control character, a space, a letter with an accent,
    a backslash) — not the decoded text, which no client can parse back as a URI."""
    admin = await make_staff("admin", [])
    response = await client.get("/api/v1/cases/%C3%A9%20x%5C%14", headers=admin.headers)
    assert response.status_code == 422
    assert response.json()["instance"] == "/api/v1/cases/%C3%A9%20x%5C%14"
    assert _URI_REFERENCE_CHARS.fullmatch(response.json()["instance"])
    plain = await client.get("/api/v1/cases/not-a-uuid", headers=admin.headers)
    assert plain.json()["instance"] == "/api/v1/cases/not-a-uuid"
