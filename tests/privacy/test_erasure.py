"""Erasure by anonymisation: the reports count the same, no erased value is left anywhere in the
database, the audit chain still verifies, and a second erasure changes nothing."""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

import httpx
import pytest
from PIL import Image
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

import app.models  # noqa: F401  (every table in the metadata)
from app.audit.models import AuditEvent, AuditPayload
from app.core.config import Settings
from app.core.db import Base
from app.core.text import fold
from tests.cases.conftest import open_case
from tests.conftest import Staff

REPORTS = (
    ("registrations", {"by": ["sex", "age_band"]}),
    ("registrations", {"by": ["status_category", "month"]}),  # not host_city: typed text, erased
    ("registrations", {"by": ["origin_region", "month"]}),
    ("cases", {"by": ["sex", "age_band"]}),
    ("cases", {"by": ["service_type", "status"]}),
    ("referrals", {}),
    ("funder-indicators", {}),
)
"""Reports over the period, each counted before and after the erasure."""


@pytest.fixture
def settings(settings: Settings) -> Settings:
    # No small-cell suppression: with two people every cell would be hidden and compare equal.
    return settings.model_copy(update={"report_small_cell_threshold": 1})


def _png() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), (10, 120, 30)).save(buffer, format="PNG")
    return buffer.getvalue()


def birth_date_aged_18_for_40_days() -> str:
    """A date of birth whose year alone would put the person at 17 or 18 today (band ``unknown``)."""
    today = dt.date.today()
    return (today.replace(year=today.year - 18) - dt.timedelta(days=40)).isoformat()


PERSON: dict[str, Any] = {
    "given_names": "Khadijatou",
    "family_name": "Baldé-Sarr",
    "sex": "female",
    "place_of_birth": "Kolda",
    "nationality": "SN",
    "origin_region": "Kolda",
    "host_city": "Casablanca",
    "email": "khadijatou.sarr@mail.example",
    "phones": [{"number": "06 11 22 33 44", "whatsapp": True}],
    "documents": [{"doc_type": "passport", "number": "ZX9876543", "issuing_country": "SN"}],
    "status_category": "student",
    "occupation": "couturière",
    "residence_status": "récépissé en cours",
    "notes": "Habite chez son cousin à Derb Sultan",
    "consents": [
        {
            "purpose": "partner_referral",
            "granted": True,
            "channel": "in_person",
            "notice_version": "2026-01",
            "language": "ff",
            "partner_name": "OIM Maroc",
        }
    ],
}
ERASED_VALUES = (
    "Khadijatou",
    "Baldé",
    "Balde",
    "Sarr",
    "Derb Sultan",  # the place of birth, Kolda, is also a region's name in the reference data
    "611223344",
    "ZX9876543",
    "khadijatou.sarr@mail.example",
    "couturière",
    "récépissé",
    "Perte du passeport",
    "gare de Tanger",
    "Erreur de saisie",
    "Mariage à Rabat",
    "tribunal de Salé",
    "logement trouvé à Fès",
)
CONTROL: dict[str, Any] = {
    "given_names": "Ousmane",
    "family_name": "Faye",
    "sex": "male",
    "date_of_birth": "1985-02-10",
    "host_city": "Rabat",
    "status_category": "worker",
    "phones": [{"number": "06 99 88 77 66"}],
}


async def _create(client: httpx.AsyncClient, staff: Staff, body: dict[str, Any], key: str) -> dict[str, Any]:
    response = await client.post(
        "/api/v1/registrants?confirm_duplicates=true",
        headers={**staff.headers, "Idempotency-Key": key},
        json=body,
    )
    assert response.status_code == 201, response.text
    return response.json()  # type: ignore[no-any-return]


async def _reports(client: httpx.AsyncClient, staff: Staff) -> list[Any]:
    today = dt.date.today()
    period = {"start": today.replace(month=1, day=1).isoformat(), "end": today.isoformat()}
    out = []
    for name, params in REPORTS:
        response = await client.get(f"/api/v1/reports/{name}", headers=staff.headers, params={**period, **params})
        assert response.status_code == 200, (name, response.text)
        out.append(response.json())
    return out


async def database_text(sessionmaker: async_sessionmaker[AsyncSession]) -> str:
    """Every row of every table as text, folded (no case, no accents): what a search of the whole
    database for a value looks through."""
    parts = []
    async with sessionmaker() as session:
        for table in Base.metadata.sorted_tables:
            for row in (await session.execute(select(table))).all():
                parts.append(repr(tuple(row)))
    return fold(" ".join(parts))


async def test_erasure_keeps_reports_equal_and_leaves_no_erased_value(
    client: httpx.AsyncClient,
    supervisor: Staff,
    agent: Staff,
    partner: dict[str, Any],
    sessionmaker: async_sessionmaker[AsyncSession],
    audit_log: Any,
) -> None:
    born = birth_date_aged_18_for_40_days()
    person = await _create(client, supervisor, {**PERSON, "date_of_birth": born}, "create-khadijatou")
    await _create(client, supervisor, CONTROL, "create-ousmane")
    url = f"/api/v1/registrants/{person['id']}"
    corrected = await client.patch(
        url,
        headers={**supervisor.headers, "If-Match": '"v1"'},
        json={"family_name": "Baldé", "reason": "Erreur de saisie, vu le passeport", "notes": "Mariage à Rabat"},
    )
    assert corrected.status_code == 200, corrected.text
    case = await open_case(client, agent, person["id"], description="Perte du passeport à Tanger")
    note = await client.post(
        f"/api/v1/cases/{case['id']}/notes", headers=agent.headers, json={"text": "A dormi à la gare de Tanger"}
    )
    due = (dt.date.fromisoformat(case["due_date"]) + dt.timedelta(days=7)).isoformat()
    delayed = await client.patch(
        f"/api/v1/cases/{case['id']}",
        headers={**supervisor.headers, "If-Match": '"v1"'},
        json={"due_date": due, "due_date_reason": "Convocation au tribunal de Salé"},
    )
    assert delayed.status_code == 200, delayed.text
    referral = await client.post(
        f"/api/v1/cases/{case['id']}/referrals", headers=agent.headers, json={"partner_id": partner["id"]}
    )
    # a closing note, then a reopening: the note stays on the timeline (and its audit payload)
    for to, extra in (("resolved", {"outcome_category": "social", "outcome_note": "logement trouvé à Fès"}),
                      ("in_follow_up", {"reason": "Expulsée"})):  # fmt: skip
        tag = (await client.get(f"/api/v1/cases/{case['id']}", headers=agent.headers)).headers["etag"]
        moved = await client.post(
            f"/api/v1/cases/{case['id']}/transitions",
            headers={**agent.headers, "If-Match": tag},
            json={"to": to, **extra},
        )
        assert moved.status_code == 200, moved.text
    upload = await client.post(
        f"{url}/documents",
        headers=agent.headers,
        files={"file": ("passeport Khadijatou.png", _png(), "image/png")},
        data={"kind": "passport", "description": "Passeport de Khadijatou"},
    )
    assert [note.status_code, referral.status_code, upload.status_code] == [201, 201, 201], upload.text
    before = await _reports(client, supervisor)
    registrations = before[0]["tables"][0]
    assert sum(v for row in registrations["values"] for v in row if v) == 2  # both people are counted
    assert fold("Khadijatou") in await database_text(sessionmaker)  # the search finds what is there

    request = await client.post(
        "/api/v1/privacy/subject-requests",
        headers=supervisor.headers,
        json={
            "registrant_id": person["id"],
            "kind": "erasure",
            "channel": "in_person",
            "received_on": person["registered_on"],
        },
    )
    assert request.status_code == 201, request.text
    erase_url = f"/api/v1/privacy/subject-requests/{request.json()['id']}/erase"
    by_agent = await client.post(erase_url, headers=agent.headers)
    assert (by_agent.status_code, by_agent.json()["type"]) == (403, "/problems/forbidden")
    erased = await client.post(erase_url, headers=supervisor.headers)
    assert erased.status_code == 200, erased.text
    outcome = erased.json()
    assert outcome["already_erased"] is False
    assert outcome["files_removed"] == 1
    assert {k: outcome["counts"][k] for k in ("phones", "identity_documents", "documents", "corrections", "cases")} == {
        "phones": 1,
        "identity_documents": 1,
        "documents": 1,
        "corrections": 2,
        "cases": 1,
    }

    assert await _reports(client, supervisor) == before
    text = await database_text(sessionmaker)
    assert [v for v in ERASED_VALUES if fold(v) in text] == []
    assert fold(person["registration_number"]) not in text
    assert fold("Ousmane") in text and "699887766" in text  # the other person's file is untouched

    shown = await client.get(url, headers=supervisor.headers)
    assert shown.status_code == 200
    body = shown.json()
    expected_birth = born[:4] if dt.date.today().strftime("%m-%d") == "12-31" else born[:7]
    assert (body["family_name"], body["phones"], body["documents"], body["date_of_birth"]) == (
        "[anonymisé]",
        [],
        [],
        expected_birth,
    )
    assert body["anonymised_at"] == outcome["anonymised_at"]
    assert (body["sex"], body["host_city"], body["status_category"], body["nationality"]) == (
        "female",
        None,
        "student",
        "SN",
    )
    requests_log = await client.get("/api/v1/privacy/subject-requests", headers=supervisor.headers)
    (logged,) = requests_log.json()["items"]
    received = dt.date.fromisoformat(person["registered_on"])
    assert (logged["kind"], logged["received_on"], logged["due_on"]) == (
        "erasure",
        received.isoformat(),
        (received + dt.timedelta(days=30)).isoformat(),
    )
    assert logged["fulfilled_at"] is not None

    # The audit log still says what happened, its chain verifies, and the payloads are gone.
    await audit_log.seal()
    assert (await audit_log.verify()).ok
    async with sessionmaker() as session:
        events = (
            await session.execute(
                select(AuditEvent).where(AuditEvent.entity_id == person["id"]).order_by(AuditEvent.id)
            )
        ).scalars()
        events = list(events)
        actions = [e.action for e in events]
        payloads = (await session.execute(select(AuditPayload))).scalars().all()
    assert actions[:2] == ["registrant.create", "registrant.update"]
    (erasure,) = [e for e in events if e.action == "privacy.erasure"]
    # It lists the payloads it deleted (the verifier accepts no other gone): the file's events' own.
    referenced = {e.details["personal"]["payload"] for e in events if "personal" in e.details}
    assert len(referenced) == 2
    assert referenced <= set(erasure.details["erased_payloads"])
    assert len(erasure.details["erased_payloads"]) == erasure.details["counts"]["audit_payloads"]
    assert all(p.registrant_id != person["id"] for p in payloads)
    assert len(payloads) == 1  # the control person's creation

    # Idempotent: the same request again changes nothing; a new request is refused.
    again = await client.post(erase_url, headers=supervisor.headers)
    assert (again.status_code, again.json()["already_erased"], again.json()["counts"]) == (200, True, {})
    assert again.json()["anonymised_at"] == outcome["anonymised_at"]
    second = await client.post(
        "/api/v1/privacy/subject-requests",
        headers=supervisor.headers,
        json={"registrant_id": person["id"], "kind": "erasure"},
    )
    assert (second.status_code, second.json()["type"]) == (409, "/problems/registrant-erased")
    assert await _reports(client, supervisor) == before


async def test_a_legal_hold_blocks_erasure_and_names_itself(
    client: httpx.AsyncClient, supervisor: Staff, agent: Staff, admin: Staff, make_registrant
) -> None:
    registrant = await make_registrant()
    hold_body = {"registrant_id": str(registrant), "reason": "Procédure prud'homale en cours", "until": "2099-12-31"}
    by_agent = await client.post("/api/v1/privacy/legal-holds", headers=agent.headers, json=hold_body)
    past = await client.post(
        "/api/v1/privacy/legal-holds", headers=supervisor.headers, json={**hold_body, "until": "2020-01-01"}
    )
    blank = await client.post(
        "/api/v1/privacy/legal-holds", headers=supervisor.headers, json={**hold_body, "reason": "   "}
    )
    control = await client.post(
        "/api/v1/privacy/legal-holds", headers=supervisor.headers, json={**hold_body, "reason": "Enquête\u0000"}
    )
    hold = await client.post("/api/v1/privacy/legal-holds", headers=supervisor.headers, json=hold_body)
    statuses = [by_agent.status_code, past.status_code, blank.status_code, control.status_code, hold.status_code]
    assert statuses == [403, 422, 422, 422, 201]
    # the day at fault named, for a form to mark it (before: a bare detail)
    assert (past.json()["field"], [(e["loc"], e["type"]) for e in past.json()["errors"]]) == (
        "until",
        [(["body", "until"], "date_in_past")],
    )
    request = await client.post(
        "/api/v1/privacy/subject-requests",
        headers=supervisor.headers,
        json={"registrant_id": str(registrant), "kind": "erasure"},
    )
    erase_url = f"/api/v1/privacy/subject-requests/{request.json()['id']}/erase"
    refused = await client.post(erase_url, headers=admin.headers)
    assert refused.status_code == 409
    problem = refused.json()
    assert problem["type"] == "/problems/legal-hold"
    assert {k: problem["legal_hold"][k] for k in ("id", "reason", "set_by_label", "until")} == {
        "id": hold.json()["id"],
        "reason": "Procédure prud'homale en cours",
        "set_by_label": supervisor.email,
        "until": "2099-12-31",
    }
    unchanged = await client.get(f"/api/v1/registrants/{registrant}", headers=supervisor.headers)
    assert (unchanged.json()["family_name"], len(unchanged.json()["phones"])) == ("Ndiaye", 1)

    release = f"/api/v1/privacy/legal-holds/{hold.json()['id']}/release"
    assert (await client.post(release, headers=supervisor.headers)).status_code == 200
    twice = await client.post(release, headers=supervisor.headers)
    assert (twice.status_code, twice.json()["type"]) == (409, "/problems/conflict")
    listed = await client.get(f"/api/v1/registrants/{registrant}/legal-holds", headers=supervisor.headers)
    assert [h["released_at"] is not None for h in listed.json()] == [True]
    erased = await client.post(erase_url, headers=admin.headers)
    assert (erased.status_code, erased.json()["already_erased"]) == (200, False)


async def test_erasure_of_unknown_or_foreign_or_wrong_kind_requests_is_404(
    client: httpx.AsyncClient, supervisor: Staff, dakar_supervisor: Staff, make_registrant
) -> None:
    registrant = await make_registrant()
    access = await client.post(
        "/api/v1/privacy/subject-requests", headers=supervisor.headers, json={"registrant_id": str(registrant)}
    )
    erasure = await client.post(
        "/api/v1/privacy/subject-requests",
        headers=supervisor.headers,
        json={"registrant_id": str(registrant), "kind": "erasure"},
    )
    unknown = "/api/v1/privacy/subject-requests/00000000-0000-4000-8000-000000000000/erase"
    answers = [
        await client.post(unknown, headers=supervisor.headers),
        await client.post(f"/api/v1/privacy/subject-requests/{access.json()['id']}/erase", headers=supervisor.headers),
        await client.post(
            f"/api/v1/privacy/subject-requests/{erasure.json()['id']}/erase", headers=dakar_supervisor.headers
        ),
        await client.post("/api/v1/privacy/subject-requests/not-a-uuid/erase", headers=supervisor.headers),
    ]
    assert [(a.status_code, a.json()["type"]) for a in answers] == [
        (404, "/problems/not-found"),
        (404, "/problems/not-found"),
        (404, "/problems/not-found"),
        (422, "/problems/validation-failed"),
    ]
    unknown_person = await client.post(
        "/api/v1/privacy/subject-requests",
        headers=supervisor.headers,
        json={"registrant_id": "00000000-0000-4000-8000-000000000000", "kind": "erasure"},
    )
    assert (unknown_person.status_code, unknown_person.json()["type"]) == (404, "/problems/not-found")
    bad_kind = await client.post(
        "/api/v1/privacy/subject-requests",
        headers=supervisor.headers,
        json={"registrant_id": str(registrant), "kind": "deletion"},
    )
    assert bad_kind.status_code == 422
    still = await client.get(f"/api/v1/registrants/{registrant}", headers=supervisor.headers)
    assert still.json()["family_name"] == "Ndiaye"
