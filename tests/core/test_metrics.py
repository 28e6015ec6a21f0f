"""``GET /metrics``: who may read it, and what it says (Prometheus text format)."""

from __future__ import annotations

import httpx
from prometheus_client.parser import text_string_to_metric_families
from pydantic import SecretStr

from app.core.config import Settings


def samples(text: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    """Every sample of the exposition, by name and sorted labels (parsed by prometheus_client)."""
    out = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            out[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return out


async def test_metrics_need_an_auditor_an_administrator_or_the_scrape_token(  # type: ignore[no-untyped-def]
    client: httpx.AsyncClient, make_staff, settings: Settings
) -> None:
    assert (await client.get("/metrics")).status_code == 401
    agent = await make_staff("agent")
    forbidden = await client.get("/metrics", headers=agent.headers)
    assert (forbidden.status_code, forbidden.headers["content-type"]) == (403, "application/problem+json")
    for role in ("auditor", "admin"):
        staff = await make_staff(role, [])
        assert (await client.get("/metrics", headers=staff.headers)).status_code == 200
    settings.metrics_token = SecretStr("scrape-token-0123456789")
    assert (
        await client.get("/metrics", headers={"Authorization": "Bearer scrape-token-0123456789"})
    ).status_code == 200
    assert (await client.get("/metrics", headers={"Authorization": "Bearer scrape-token-wrong"})).status_code == 401


async def test_metrics_count_requests_by_route_template_and_report_the_audit_backlog(  # type: ignore[no-untyped-def]
    client: httpx.AsyncClient, make_staff
) -> None:
    auditor = await make_staff("auditor", [])
    for _ in range(3):
        assert (await client.get("/healthz")).status_code == 200
    missing = "/api/v1/registrants/00000000-0000-4000-8000-000000000000"
    assert (await client.get(missing, headers=auditor.headers)).status_code in (403, 404)
    response = await client.get("/metrics", headers=auditor.headers)
    assert response.headers["content-type"].startswith("text/plain; version=1.0.0")
    found = samples(response.text)
    healthz = (("method", "GET"), ("route", "/healthz"), ("status", "200"))
    assert found[("diaspora_desk_http_requests_total", healthz)] == 3
    timing = (("method", "GET"), ("route", "/healthz"))
    assert found[("diaspora_desk_http_request_duration_seconds_count", timing)] == 3
    assert found[("diaspora_desk_http_request_duration_seconds_bucket", tuple(sorted((*timing, ("le", "+Inf")))))] == 3
    # the person's id is not a label: the route's template is
    templated = [labels for name, labels in found if name == "diaspora_desk_http_requests_total"]
    assert any(("route", "/api/v1/registrants/{registrant_id}") in labels for labels in templated)
    assert not any(missing in value for labels in templated for _, value in labels)
    # the auditor's own requests are audit events; the gauges read the backlog from the database
    assert ("diaspora_desk_audit_unsealed_events", ()) in found
    assert found[("diaspora_desk_audit_oldest_unsealed_seconds", ())] >= 0
    assert found[("diaspora_desk_audit_lagging", ())] in (0, 1)
