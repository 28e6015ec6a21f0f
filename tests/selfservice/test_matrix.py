"""The self-service authorisation matrix, generated from the route table.

Every route under ``/api/v1/self`` must be classified below (a new route fails the first test
until it is): ``public`` (signing in), ``account`` (any signed-in person), ``linked`` (a person
whose account a desk linked). Then, for every route:

* person B (same desk as A) never reads or changes A's data: with A's ids in the path the answer
  is 404; without ids, B's answer carries nothing of A's; A's records are unchanged afterwards;
* an unlinked account gets 403 ``account-not-linked`` on every ``linked`` route;
* a staff token and no token get 401 on every non-public route;
* a person token gets 401 on every staff route of the application that needs a staff token.
"""

from __future__ import annotations

import re
import uuid
from pathlib import Path
from typing import Any

import httpx
from fastapi import FastAPI
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.appointments.models import Appointment
from app.cases.models import Case
from app.documents.models import Document
from app.registrants.models import Registrant
from tests.appointments.helpers import iso, next_weekday
from tests.core.test_http_conformance import operations
from tests.selfservice.conftest import SELF, Person, World

SPECIMENS = Path(__file__).resolve().parents[1] / "fixtures" / "documents"

ROUTES: dict[tuple[str, str], str] = {
    ("POST", "/codes"): "public",
    ("POST", "/sessions"): "public",
    ("DELETE", "/sessions"): "account",
    ("GET", "/account"): "account",
    ("POST", "/link"): "account",
    ("GET", "/contact"): "linked",
    ("PATCH", "/contact"): "linked",
    ("GET", "/service-types"): "linked",
    ("GET", "/requests"): "linked",
    ("POST", "/requests"): "linked",
    ("GET", "/requests/{case_id}"): "linked",
    ("POST", "/documents"): "linked",
    ("POST", "/requests/{case_id}/documents"): "linked",
    ("GET", "/slots"): "linked",
    ("GET", "/appointments"): "linked",
    ("POST", "/appointments"): "linked",
    ("PATCH", "/appointments/{appointment_id}"): "linked",
    ("POST", "/appointments/{appointment_id}/cancel"): "linked",
    ("GET", "/archive"): "linked",
}


def self_routes(app: FastAPI) -> list[tuple[str, str]]:
    return [(m, p.removeprefix(SELF)) for m, p in operations(app) if p.startswith(SELF + "/") and m != "HEAD"]


def test_every_self_service_route_is_classified(app: FastAPI) -> None:
    assert self_routes(app) == sorted(ROUTES)


def _request(method: str, path: str, ids: dict[str, str], starts_at: str) -> dict[str, Any]:
    """The URL and a valid body for the route, with ``ids`` in its path."""
    url = SELF + path.format(**ids)
    kwargs: dict[str, Any] = {"method": method, "url": url, "headers": {"If-Match": '"v1"'}}
    png = (SPECIMENS / "specimen_residence_card.png").read_bytes()
    bodies: dict[tuple[str, str], dict[str, Any]] = {
        ("POST", "/link"): {"json": {"code": "ABCDEFGHJK"}},
        ("PATCH", "/contact"): {"json": {"host_city": "Tanger"}},
        ("POST", "/requests"): {"json": {"service_type": "STUDENT"}},
        ("POST", "/documents"): {"files": {"file": ("c.png", png, "image/png")}, "data": {"kind": "photo"}},
        ("POST", "/requests/{case_id}/documents"): {
            "files": {"file": ("c.png", png, "image/png")},
            "data": {"kind": "photo"},
        },
        ("POST", "/appointments"): {"json": {"starts_at": starts_at, "case_id": ids["case_id"]}},
        ("PATCH", "/appointments/{appointment_id}"): {"json": {"starts_at": starts_at}},
    }
    kwargs.update(bodies.get((method, path), {}))
    return kwargs


async def _send(client: httpx.AsyncClient, request: dict[str, Any], headers: dict[str, str]) -> httpx.Response:
    request = {**request, "headers": {**request["headers"], **headers}}
    return await client.request(**request)


async def _a_records(world: World, client: httpx.AsyncClient, agent_headers: dict[str, str]) -> dict[str, str]:
    """Give A a request, a document and an appointment; their ids."""
    case = (await client.post(f"{SELF}/requests", json={"service_type": "LEGAL_AID"}, headers=world.a.headers)).json()
    day = next_weekday(2)
    appointment = await client.post(
        f"{SELF}/appointments", json={"starts_at": iso(day, "09:00"), "case_id": case["id"]}, headers=world.a.headers
    )
    assert appointment.status_code == 201, appointment.text
    png = (SPECIMENS / "specimen_residence_card.png").read_bytes()
    document = await client.post(
        f"{SELF}/documents",
        files={"file": ("a.png", png, "image/png")},
        data={"kind": "photo"},
        headers=world.a.headers,
    )
    assert document.status_code == 201
    return {"case_id": case["id"], "appointment_id": appointment.json()["id"], "case_number": case["case_number"]}


async def _snapshot(sessionmaker: async_sessionmaker[AsyncSession], registrant_id: uuid.UUID) -> tuple[Any, ...]:
    async with sessionmaker() as session:
        person = await session.get(Registrant, registrant_id)
        assert person is not None
        cases = (await session.execute(select(Case.id, Case.version).where(Case.registrant_id == registrant_id))).all()
        appointments = (
            await session.execute(
                select(Appointment.id, Appointment.version, Appointment.status).where(
                    Appointment.registrant_id == registrant_id
                )
            )
        ).all()
        documents = (await session.execute(select(Document.id).where(Document.owner_id == registrant_id))).all()
        return person.version, sorted(cases), sorted(appointments), sorted(documents)


async def test_person_b_never_reaches_person_a(
    client: httpx.AsyncClient, sessionmaker: async_sessionmaker[AsyncSession], world: World
) -> None:
    assert world.a.registrant_id is not None
    ids = await _a_records(world, client, world.agent.headers)
    before = await _snapshot(sessionmaker, world.a.registrant_id)
    async with sessionmaker() as session:
        a_number = (await session.get(Registrant, world.a.registrant_id)).registration_number  # type: ignore[union-attr]
    markers = [str(world.a.registrant_id), a_number, ids["case_id"], ids["appointment_id"], ids["case_number"], "Awa"]
    starts_at = iso(next_weekday(2), "11:00")
    for (method, path), kind in ROUTES.items():
        if kind != "linked":
            continue
        r = await _send(client, _request(method, path, ids, starts_at), world.b.headers)
        if "{" in path or (method, path) == ("POST", "/appointments"):
            assert r.status_code == 404, (method, path, r.status_code, r.text)
        else:
            assert r.status_code < 500, (method, path, r.text)
            for marker in markers:
                assert marker.encode() not in r.content, (method, path, marker)
    assert await _snapshot(sessionmaker, world.a.registrant_id) == before


async def test_an_unlinked_account_sees_nothing(client: httpx.AsyncClient, world: World, sign_in) -> None:  # type: ignore[no-untyped-def]
    unlinked: Person = await sign_in(phone="+221781112233")
    ids = {"case_id": str(uuid.uuid4()), "appointment_id": str(uuid.uuid4())}
    for (method, path), kind in ROUTES.items():
        if kind != "linked":
            continue
        r = await _send(client, _request(method, path, ids, iso(next_weekday(2), "11:00")), unlinked.headers)
        assert r.status_code == 403, (method, path, r.text)
        assert r.json()["type"] == "/problems/account-not-linked"
    assert (await client.get(f"{SELF}/account", headers=unlinked.headers)).json()["linked"] is False


async def test_staff_tokens_and_no_token_are_refused_on_self_service(client: httpx.AsyncClient, world: World) -> None:
    ids = {"case_id": str(uuid.uuid4()), "appointment_id": str(uuid.uuid4())}
    for (method, path), kind in ROUTES.items():
        if kind == "public":
            continue
        request = _request(method, path, ids, iso(next_weekday(2), "11:00"))
        for headers in (world.agent.headers, {}, {"Authorization": "Bearer not-a-token"}):
            r = await _send(client, request, headers)
            assert r.status_code == 401, (method, path, headers, r.text)
            assert r.headers["content-type"] == "application/problem+json"


def _fill(path: str) -> str:
    def value(match: re.Match[str]) -> str:
        name = match.group(1)
        if name.endswith("id"):
            return str(uuid.uuid4())
        if name in {"day", "date"}:
            return "2026-12-01"
        return "x"

    return re.sub(r"\{([^}:]+)(?::[^}]*)?\}", value, path)


async def test_person_tokens_are_refused_on_every_staff_route(
    app: FastAPI, client: httpx.AsyncClient, world: World
) -> None:
    checked = 0
    for method, path in operations(app):
        if method == "HEAD" or not path.startswith("/api/") or path.startswith(SELF + "/"):
            continue
        url = _fill(path)
        anonymous = await client.request(method, url)
        if anonymous.status_code != 401:
            continue  # a public route (the staff token endpoint…)
        r = await client.request(method, url, headers=world.a.headers)
        assert r.status_code == 401, (method, path, r.status_code)
        checked += 1
    assert checked >= 60
