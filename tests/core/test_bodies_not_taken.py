"""A body sent to an operation that takes none is refused (422 ``body-not-taken``), never ignored;
an empty body, ``{}`` and an object of ``null`` members hold nothing and pass.

Before: ``POST …/consents/{id}/withdraw`` with ``{"reason": "moved away"}``, ``DELETE`` of a
holiday with a body, or any bodiless action answered as if nothing had been sent: the client's
reason was dropped without a word.
"""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from fastapi.routing import APIRoute

from app.core.conformance import takes_body
from tests.conftest import Staff
from tests.core.test_http_conformance import concrete, operations
from tests.registrants.conftest import URL, person

NOT_TAKEN = "/problems/body-not-taken"
CONSENT = {"purpose": "contact_sms_whatsapp", "granted": True, "channel": "whatsapp",
           "notice_version": "v2", "language": "wo"}  # fmt: skip


@pytest.fixture
async def agent(make_staff: Any) -> Staff:
    return await make_staff("agent", ["CASA-BASE"])  # type: ignore[no-any-return]


async def _withdraw_url(client: httpx.AsyncClient, agent: Staff) -> str:
    registrant = (await client.post(URL, json=person(), headers=agent.headers)).json()
    consent = await client.post(f"{URL}/{registrant['id']}/consents", json=CONSENT, headers=agent.headers)
    assert consent.status_code == 201, consent.text
    return f"{URL}/{registrant['id']}/consents/{consent.json()['id']}/withdraw"


async def _withdrawn(client: httpx.AsyncClient, agent: Staff, url: str) -> bool:
    person_url = url.split("/consents/")[0]
    consents = (await client.get(person_url, headers=agent.headers)).json()["consents"]
    return any(c["withdrawn_at"] is not None for c in consents)


async def test_a_reason_sent_with_a_withdrawal_is_refused_and_nothing_is_withdrawn(
    client: httpx.AsyncClient, agent: Staff
) -> None:
    url = await _withdraw_url(client, agent)
    refused = await client.post(url, json={"reason": "moved away", "note": None}, headers=agent.headers)
    assert (refused.status_code, refused.json()["type"]) == (422, NOT_TAKEN)
    assert refused.json()["errors"] == [
        {"loc": ["body", "reason"], "msg": "This operation takes no request body.", "type": "not_applicable"}
    ]
    assert not await _withdrawn(client, agent, url)


@pytest.mark.parametrize(
    ("content", "content_type"),
    [
        (b'["moved away"]', "application/json"),
        (b'"moved away"', "application/json"),
        (b"{not json", "application/json"),
        (b'{"reason": null, "reason": "moved"}', "application/json"),  # a key twice hides a value
        (b"reason=moved+away", "application/x-www-form-urlencoded"),
        (b"moved away", "text/plain"),
        (b"{}", "text/plain"),
    ],
    ids=["array", "string", "not-json", "key-twice", "form", "text", "object-as-text"],
)
async def test_any_other_body_is_refused_at_the_body(
    client: httpx.AsyncClient, agent: Staff, content: bytes, content_type: str
) -> None:
    url = await _withdraw_url(client, agent)
    refused = await client.post(url, content=content, headers={**agent.headers, "Content-Type": content_type})
    assert (refused.status_code, refused.json()["type"]) == (422, NOT_TAKEN)
    assert [(e["loc"], e["type"]) for e in refused.json()["errors"]] == [(["body"], "body_not_taken")]
    assert not await _withdrawn(client, agent, url)


@pytest.mark.parametrize(
    ("content", "content_type"),
    [(b"", None), (b"", "application/json"), (b" \r\n", "application/json"), (b"{}", "application/json"),
     (b'{"reason": null}', "application/json"), (b"null", "application/json"), (b"{ }", None)],
    ids=["none", "empty-json", "blank", "empty-object", "null-member", "null", "untyped-empty-object"],
)  # fmt: skip
async def test_a_body_holding_nothing_is_taken_as_none(
    client: httpx.AsyncClient, agent: Staff, content: bytes, content_type: str | None
) -> None:
    url = await _withdraw_url(client, agent)
    headers = {**agent.headers, **({"Content-Type": content_type} if content_type else {})}
    withdrawn = await client.post(url, content=content, headers=headers)
    assert withdrawn.status_code == 200, withdrawn.text
    assert withdrawn.json()["withdrawn_at"] is not None


async def test_a_holiday_deleted_with_a_body_stays(client: httpx.AsyncClient, make_staff: Any) -> None:
    admin = await make_staff("admin", [])
    desk = (await client.get("/api/v1/desks", headers=admin.headers)).json()[0]
    holidays = f"/api/v1/desks/{desk['id']}/holidays"
    added = await client.post(holidays, json={"day": "2027-03-10", "name": "Aïd al-Fitr"}, headers=admin.headers)
    assert added.status_code == 201, added.text
    refused = await client.request(
        "DELETE", f"{holidays}/2027-03-10", json={"reason": "typed twice"}, headers=admin.headers
    )
    assert (refused.status_code, refused.json()["type"]) == (422, NOT_TAKEN)
    listed = await client.get(holidays, params={"year": 2027}, headers=admin.headers)
    assert "2027-03-10" in [h["day"] for h in listed.json()["items"]]


async def test_every_operation_that_takes_no_body_refuses_one(
    app: FastAPI, client: httpx.AsyncClient, make_staff: Any
) -> None:
    """Every route, present and future, whatever its method: one that declares no body refuses a
    JSON object holding a value before anything else (an unknown id, a missing token)."""
    admin = await make_staff("admin", [])
    routes = {
        (method, route.path): route for route in app.routes if isinstance(route, APIRoute) for method in route.methods
    }
    checked = []
    for method, path in operations(app):
        route = routes.get((method, path))
        if route is None or takes_body(route) or method == "HEAD":
            continue
        headers = {**admin.headers, "Accept-Language": "en"}
        response = await client.request(method, concrete(path), json={"note": "kept?"}, headers=headers)
        if response.headers["content-type"] == "application/problem+json":
            assert (response.status_code, response.json()["type"]) == (422, NOT_TAKEN), (method, path)
        else:  # an OAuth endpoint answers in its protocol's own format (its error page)
            assert "takes no request body" in response.text, (method, path)
        checked.append((method, path))
    assert ("POST", "/api/v1/registrants/{registrant_id}/consents/{consent_id}/withdraw") in checked
    assert ("DELETE", "/api/v1/self/sessions") in checked
    assert len(checked) > 60  # the GETs too
