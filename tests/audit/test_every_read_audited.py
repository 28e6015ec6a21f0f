"""Guard: every GET route of the API that answers a person's data leaves an audit event.

The walk takes the routes from the application itself (``app.routes``): each GET route is either
read here (:data:`READS`, with what it needs) and must record at least one event, or allow-listed
(:data:`NOT_PERSONAL`) with the reason it answers no person's data. A new GET route is in neither
and fails the test until its read is audited and added here, or its reason is written down.
The events a read records are left out of the delta sync's feed (they change nothing)."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import httpx
from fastapi import FastAPI
from fastapi.routing import APIRoute
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.appointments.models import Appointment
from app.audit.models import AuditEvent
from app.sync import service as sync
from tests.cases.conftest import open_case, refer
from tests.conftest import Staff
from tests.imports.conftest import csv_file, names_row
from tests.merges.conftest import Pair, merge
from tests.selfservice.conftest import Person
from tests.sync.test_sync import PASSPORT

PHONE = "+212612345678"  # the person's phone (tests.cases.conftest.make_registrant)

NOT_PERSONAL: dict[str, str] = {
    # the signed-in staff member's own account, and staff accounts, app clients, desks: not people served
    "/api/v1/auth/me": "the caller's own staff account",
    "/api/v1/users": "staff accounts",
    "/api/v1/users/{user_id}": "a staff account",
    "/api/v1/clients": "registered app clients",
    "/api/v1/desks": "desks",
    "/api/v1/desks/directory": "desks' public directory",
    "/api/v1/desks/{desk_id}": "a desk",
    "/api/v1/desks/{desk_id}/staff": "a desk's staff",
    "/api/v1/desks/{desk_id}/holidays": "a desk's calendar",
    "/api/v1/desks/{desk_id}/holidays/{day}": "one day of a desk's calendar",
    "/api/v1/appointments/free-slots": "free times of the desk's staff, no booking shown",
    # reference data
    "/api/v1/reference/areas": "places",
    "/api/v1/service-types": "the catalogue",
    "/api/v1/service-types/document-labels": "the catalogue",
    "/api/v1/service-types/{code}": "the catalogue",
    "/api/v1/partners": "partner organisations",
    "/api/v1/partners/{partner_id}": "a partner organisation",
    "/api/v1/privacy/purposes": "the purposes of processing",
    "/api/v1/privacy/processing-activities": "the register of processing activities (no person)",
    "/api/v1/self/service-types": "the catalogue, as people see it",
    "/api/v1/self/slots": "free times of the person's desk, no one else's booking",
    "/api/v1/self/account": "the signed-in person's own sign-in account (read by it alone), not a file",
    "/api/v1/imports": "import batches: file names and counts, no row of the register (no person)",
    # aggregates: counts only, small cells suppressed (docs/reports.md)
    "/api/v1/reports/registrations": "counts",
    "/api/v1/reports/cases": "counts",
    "/api/v1/reports/cases/monthly": "counts",
    "/api/v1/reports/resolution-time": "counts",
    "/api/v1/reports/sla": "counts",
    "/api/v1/reports/referrals": "counts",
    "/api/v1/reports/appointments": "counts",
    "/api/v1/reports/funder-indicators": "counts",
    # the audit log itself: ids and actions; personal values sit in audit_payloads, never answered
    "/api/v1/audit/events": "audit events hold no person's values (docs/audit.md)",
    "/api/v1/audit/checkpoint": "the signed head of the chain",
    # the sign-in protocol, operations and the web client's shell
    "/api/v1/oauth/authorize": "the app sign-in page",
    "/.well-known/oauth-authorization-server": "OAuth metadata",
    "/metrics": "request and audit log counters",
    "/healthz": "liveness",
    "/readyz": "readiness",
    "/problems/{slug}": "problem type documentation",
    "/": "the web client's page",
    "/favicon.ico": "an icon",
}


@dataclass
class World:
    """What the walk reads: the person's file with one record of every kind, and who reads it."""

    admin: Staff
    person: Person
    ids: dict[str, str]


Read = Callable[[World], tuple[dict[str, str], str, dict[str, Any]]]
"""A read of a route: the headers, the URL and the query parameters."""


def staff(url: str, **params: Any) -> Read:
    return lambda w: (w.admin.headers, url.format(**w.ids), params)


def staff_with(url: str, **params: str) -> Read:
    """Query parameters naming the world's ids (``registrant_id="{registrant_id}"``)."""
    return lambda w: (w.admin.headers, url.format(**w.ids), {k: v.format(**w.ids) for k, v in params.items()})


def person(url: str) -> Read:
    return lambda w: (w.person.headers, url.format(**w.ids), {})


READS: dict[str, Read] = {
    "/api/v1/registrants": staff("/api/v1/registrants", q=PHONE),
    "/api/v1/registrants/{registrant_id}": staff("/api/v1/registrants/{registrant_id}"),
    "/api/v1/registrants/{registrant_id}/history": staff("/api/v1/registrants/{registrant_id}/history"),
    "/api/v1/registrants/{registrant_id}/cases": staff("/api/v1/registrants/{registrant_id}/cases"),
    "/api/v1/registrants/{registrant_id}/documents": staff("/api/v1/registrants/{registrant_id}/documents"),
    "/api/v1/registrants/{registrant_id}/legal-holds": staff("/api/v1/registrants/{registrant_id}/legal-holds"),
    "/api/v1/registrants/{registrant_id}/corrections": staff("/api/v1/registrants/{registrant_id}/corrections"),
    "/api/v1/registrants/{registrant_id}/notifications": staff("/api/v1/registrants/{registrant_id}/notifications"),
    "/api/v1/registrants/{registrant_id}/notification-preferences": staff(
        "/api/v1/registrants/{registrant_id}/notification-preferences"
    ),
    "/api/v1/registrants/{registrant_id}/self-service/accounts": staff(
        "/api/v1/registrants/{registrant_id}/self-service/accounts"
    ),
    "/api/v1/registrant-merges/preview": staff_with(
        "/api/v1/registrant-merges/preview", survivor_id="{registrant_id}", merged_id="{other_id}"
    ),
    "/api/v1/registrant-merges": staff("/api/v1/registrant-merges"),
    "/api/v1/registrant-merges/{merge_id}": staff("/api/v1/registrant-merges/{merge_id}"),
    "/api/v1/cases": staff("/api/v1/cases"),
    "/api/v1/cases/{case_id}": staff("/api/v1/cases/{case_id}"),
    "/api/v1/cases/{case_id}/timeline": staff("/api/v1/cases/{case_id}/timeline"),
    "/api/v1/cases/{case_id}/notes": staff("/api/v1/cases/{case_id}/notes"),
    "/api/v1/cases/{case_id}/referrals": staff("/api/v1/cases/{case_id}/referrals"),
    "/api/v1/cases/{case_id}/referrals/{referral_id}": staff("/api/v1/cases/{case_id}/referrals/{referral_id}"),
    "/api/v1/cases/{case_id}/documents": staff("/api/v1/cases/{case_id}/documents"),
    "/api/v1/documents/{document_id}": staff("/api/v1/documents/{document_id}"),
    "/api/v1/documents/{document_id}/content": staff("/api/v1/documents/{document_id}/content"),
    "/api/v1/appointments": staff("/api/v1/appointments"),
    "/api/v1/appointments/{appointment_id}": staff("/api/v1/appointments/{appointment_id}"),
    "/api/v1/sync": staff("/api/v1/sync"),
    "/api/v1/imports/{batch_id}": staff("/api/v1/imports/{batch_id}"),
    "/api/v1/imports/{batch_id}/flagged": staff("/api/v1/imports/{batch_id}/flagged"),
    "/api/v1/exports/{kind}": staff("/api/v1/exports/registrants"),
    "/api/v1/privacy/disclosures": staff("/api/v1/privacy/disclosures"),
    "/api/v1/privacy/disclosures.csv": staff("/api/v1/privacy/disclosures.csv"),
    "/api/v1/privacy/subject-requests": staff_with("/api/v1/privacy/subject-requests", registrant_id="{registrant_id}"),
    "/api/v1/notifications/in-doubt": staff("/api/v1/notifications/in-doubt"),
    "/api/v1/self/contact": person("/api/v1/self/contact"),
    "/api/v1/self/requests": person("/api/v1/self/requests"),
    "/api/v1/self/requests/{case_id}": person("/api/v1/self/requests/{case_id}"),
    "/api/v1/self/appointments": person("/api/v1/self/appointments"),
    "/api/v1/self/archive": person("/api/v1/self/archive"),
}


def get_routes(app: FastAPI) -> set[str]:
    return {r.path for r in app.routes if isinstance(r, APIRoute) and "GET" in r.methods}


async def _upload(client: httpx.AsyncClient, admin: Staff, owner: str, owner_id: str) -> str:
    response = await client.post(
        f"/api/v1/{owner}/{owner_id}/documents",
        headers=admin.headers,
        files={"file": ("p.pdf", PASSPORT.read_bytes(), "application/pdf")},
        data={"kind": "passport", "description": "passeport"},
    )
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


async def _world(
    client: httpx.AsyncClient,
    admin: Staff,
    partner: dict[str, Any],
    make_registrant: Any,
    sign_in: Any,
    link: Any,
    sessionmaker: async_sessionmaker[AsyncSession],
) -> World:
    registrant = await make_registrant("CASA-BASE")
    other = await make_registrant("CASA-BASE", given="Modou", family="Sy", consents=())
    duplicate = await make_registrant("CASA-BASE", consents=())
    case = await open_case(client, admin, registrant)
    note = await client.post(f"/api/v1/cases/{case['id']}/notes", json={"text": "suivi"}, headers=admin.headers)
    assert note.status_code == 201, note.text
    referral = await refer(client, admin, case["id"], partner["id"])
    document = await _upload(client, admin, "registrants", str(registrant))
    await _upload(client, admin, "cases", case["id"])
    async with sessionmaker() as session:
        start = dt.datetime(2027, 3, 1, 10, tzinfo=dt.UTC)
        appointment = Appointment(
            desk_id=uuid.UUID(case["desk_id"]),
            agent_id=admin.id,
            registrant_id=registrant,
            case_id=uuid.UUID(case["id"]),
            starts_at=start,
            ends_at=start + dt.timedelta(minutes=30),
        )
        session.add(appointment)
        await session.commit()
    hold = {"registrant_id": str(registrant), "reason": "Procédure en cours", "until": "2099-12-31"}
    request = {"registrant_id": str(registrant), "kind": "access", "channel": "in_person"}
    for url, body in (("/api/v1/privacy/legal-holds", hold), ("/api/v1/privacy/subject-requests", request)):
        made = await client.post(url, json=body, headers=admin.headers)
        assert made.status_code == 201, made.text
    pair = Pair(survivor=str(registrant), merged=str(duplicate), case_id="", survivor_number="", merged_number="")
    merged = await merge(client, admin, pair, choices={})
    assert merged.status_code in (200, 201), merged.text
    imported = await client.post(
        "/api/v1/imports/registers",
        files={"file": ("registre.csv", csv_file(names_row(1, "Awa", "Ndiaye", "1994")), "text/csv")},
        data={"desk_code": "CASA-BASE", "dry_run": "false"},
        headers=admin.headers,
    )
    assert imported.status_code in (200, 201), imported.text
    signed_in: Person = await sign_in(phone="+221771234567")
    await link(signed_in, admin, registrant)
    ids = {
        "registrant_id": str(registrant),
        "other_id": str(other),
        "case_id": case["id"],
        "referral_id": referral["id"],
        "document_id": document,
        "appointment_id": str(appointment.id),
        "merge_id": merged.json()["id"],
        "batch_id": imported.json()["batch_id"],
    }
    return World(admin=admin, person=signed_in, ids=ids)


async def _last_event(sessionmaker: async_sessionmaker[AsyncSession]) -> int:
    async with sessionmaker() as session:
        return int((await session.execute(select(func.coalesce(func.max(AuditEvent.id), 0)))).scalar_one())


async def test_every_get_route_is_read_here_or_allow_listed_with_its_reason(app: FastAPI) -> None:
    routes = get_routes(app)
    unlisted = sorted(routes - set(READS) - set(NOT_PERSONAL))
    assert unlisted == [], "audit these reads and add them to READS, or allow-list them with the reason"
    assert sorted((set(READS) | set(NOT_PERSONAL)) - routes) == []  # no entry outlives its route
    assert set(READS) & set(NOT_PERSONAL) == set()


async def test_every_read_of_a_persons_data_leaves_an_audit_event(
    app: FastAPI,
    client: httpx.AsyncClient,
    admin: Staff,
    partner: dict[str, Any],
    make_registrant: Any,
    sign_in: Any,
    link: Any,
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    world = await _world(client, admin, partner, make_registrant, sign_in, link, sessionmaker)
    unaudited: list[str] = []
    recorded: list[tuple[str, str, str | None]] = []
    for route, read in READS.items():
        headers, url, params = read(world)
        before = await _last_event(sessionmaker)
        response = await client.get(url, params=params, headers=headers)
        assert response.status_code == 200, (route, response.text)
        async with sessionmaker() as session:
            stmt = select(AuditEvent.action, AuditEvent.entity_type, AuditEvent.entity_id).where(AuditEvent.id > before)
            events = [(a, t, i) for a, t, i in (await session.execute(stmt)).all()]
        if not events:
            unaudited.append(route)
        recorded.extend(events)
    assert unaudited == [], "\n".join(unaudited)
    # the sync's feed takes the events naming a record of its types: a read changes nothing
    in_feed = {a for a, t, i in recorded if t in sync.FEED_TYPES and i is not None and not a.startswith("privacy.")}
    assert sorted(in_feed - sync.READ_ACTIONS) == [], ", ".join(sorted(in_feed - sync.READ_ACTIONS))
