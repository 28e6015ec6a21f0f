"""An anonymised file is closed for good: every write that would put the person's data on it again
is refused with 409 ``registrant-erased`` (whatever the path), the few that only wind its cases
down still work, its consents were withdrawn by the erasure, and the audit log still verifies."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.appointments.models import Appointment
from app.cases.models import Case, CaseNote, Referral
from app.documents.models import Document
from app.imports.models import ImportRow
from app.registrants.models import Consent, Registrant
from tests.appointments.conftest import insert_appointment
from tests.cases.conftest import open_case, refer
from tests.conftest import AuditLog, Staff
from tests.documents.conftest import PASSPORT
from tests.imports.conftest import URL, csv_file
from tests.privacy.test_erasure_imports import ROW as IMPORT_ROW

__all__ = ["erased"]

PASSPORT_BYTES = PASSPORT.read_bytes()
TOMORROW_TEN = (dt.datetime.now(dt.UTC) + dt.timedelta(days=1)).replace(hour=10, minute=0, second=0, microsecond=0)
STARTED = (dt.datetime.now(dt.UTC) - dt.timedelta(minutes=10)).replace(second=0, microsecond=0)
"""An appointment under way at the erasure stays booked (one still to come is cancelled by it):
the desk records whether the person came."""


@dataclass
class Erased:
    """A person's file, erased, with what was on it before: a case, a referral, an appointment."""

    registrant_id: uuid.UUID
    other_id: uuid.UUID  # another person's file, at the same desk
    case_id: str
    referral_id: str
    appointment_id: uuid.UUID
    consent_id: int
    desk_id: uuid.UUID
    supervisor: Staff
    agent: Staff


async def _erase(client: httpx.AsyncClient, staff: Staff, registrant_id: uuid.UUID) -> httpx.Response:
    request = await client.post(
        "/api/v1/privacy/subject-requests",
        headers=staff.headers,
        json={"registrant_id": str(registrant_id), "kind": "erasure"},
    )
    assert request.status_code == 201, request.text
    return await client.post(f"/api/v1/privacy/subject-requests/{request.json()['id']}/erase", headers=staff.headers)


@pytest.fixture
async def erased(
    client: httpx.AsyncClient,
    supervisor: Staff,
    agent: Staff,
    partner: dict[str, Any],
    make_registrant,  # type: ignore[no-untyped-def]
    sessionmaker: async_sessionmaker[AsyncSession],
    desk_ids: dict[str, uuid.UUID],
) -> Erased:
    person = await make_registrant(given="Aminata", family="Sow", consents=("partner_referral", "named_export"))
    other = await make_registrant(given="Ousmane", family="Faye")
    case = await open_case(client, agent, person, description="Perte du passeport")
    referral = await refer(client, agent, case["id"], partner["id"])
    appointment = await insert_appointment(
        sessionmaker, desk_id=desk_ids["CASA-BASE"], agent_id=agent.id, registrant_id=person, starts_at=STARTED
    )
    async with sessionmaker() as session:
        consent_id = (
            await session.execute(
                select(Consent.id).where(Consent.registrant_id == person, Consent.purpose == "named_export")
            )
        ).scalar_one()
    erasure = await _erase(client, supervisor, person)
    assert erasure.status_code == 200, erasure.text
    return Erased(
        person, other, case["id"], referral["id"], appointment, consent_id, desk_ids["CASA-BASE"], supervisor, agent
    )


async def _registrant_etag(client: httpx.AsyncClient, staff: Staff, registrant_id: uuid.UUID) -> str:
    response = await client.get(f"/api/v1/registrants/{registrant_id}", headers=staff.headers)
    assert response.status_code == 200, response.text
    return response.headers["etag"]


async def _case_etag(client: httpx.AsyncClient, staff: Staff, case_id: str) -> str:
    response = await client.get(f"/api/v1/cases/{case_id}", headers=staff.headers)
    assert response.status_code == 200, response.text
    return response.headers["etag"]


async def _referral_etag(client: httpx.AsyncClient, staff: Staff, f: Erased) -> str:
    response = await client.get(f"/api/v1/cases/{f.case_id}/referrals/{f.referral_id}", headers=staff.headers)
    assert response.status_code == 200, response.text
    return response.headers["etag"]


def _passport(description: str = "Passeport Aminata Sow A01234567") -> dict[str, Any]:
    return {
        "files": {"file": ("Passport_Aminata_SOW.pdf", PASSPORT_BYTES, "application/pdf")},
        "data": {"kind": "passport", "description": description},
    }


Write = Callable[[httpx.AsyncClient, Erased], Awaitable[httpx.Response]]


async def _patch_as(client: httpx.AsyncClient, staff: Staff, f: Erased) -> httpx.Response:
    tag = await _registrant_etag(client, staff, f.registrant_id)
    return await client.patch(
        f"/api/v1/registrants/{f.registrant_id}",
        headers={**staff.headers, "If-Match": tag},
        json={"given_names": "Aminata"},
    )


async def _patch_registrant_as_supervisor(client: httpx.AsyncClient, f: Erased) -> httpx.Response:
    return await _patch_as(client, f.supervisor, f)


async def _patch_registrant_as_agent(client: httpx.AsyncClient, f: Erased) -> httpx.Response:
    return await _patch_as(client, f.agent, f)


async def _add_consent(client: httpx.AsyncClient, f: Erased) -> httpx.Response:
    body = {"purpose": "named_export", "granted": True, "channel": "in_person", "notice_version": "2026-01"}
    return await client.post(
        f"/api/v1/registrants/{f.registrant_id}/consents", headers=f.agent.headers, json={**body, "language": "wo"}
    )


async def _withdraw_consent(client: httpx.AsyncClient, f: Erased) -> httpx.Response:
    return await client.post(
        f"/api/v1/registrants/{f.registrant_id}/consents/{f.consent_id}/withdraw", headers=f.agent.headers
    )


async def _upload_to_registrant(client: httpx.AsyncClient, f: Erased) -> httpx.Response:
    return await client.post(f"/api/v1/registrants/{f.registrant_id}/documents", headers=f.agent.headers, **_passport())


async def _upload_to_case(client: httpx.AsyncClient, f: Erased) -> httpx.Response:
    return await client.post(f"/api/v1/cases/{f.case_id}/documents", headers=f.agent.headers, **_passport())


async def _open_case(client: httpx.AsyncClient, f: Erased) -> httpx.Response:
    body = {"registrant_id": str(f.registrant_id), "service_type": "SOCIAL", "channel": "walk_in"}
    return await client.post("/api/v1/cases", headers=f.agent.headers, json={**body, "description": "Aminata Sow"})


async def _add_note(client: httpx.AsyncClient, f: Erased) -> httpx.Response:
    body = {"text": "Aminata Sow came back, phone 0612345678"}
    return await client.post(f"/api/v1/cases/{f.case_id}/notes", headers=f.agent.headers, json=body)


async def _refer_again(client: httpx.AsyncClient, f: Erased) -> httpx.Response:
    referral = await client.get(f"/api/v1/cases/{f.case_id}/referrals/{f.referral_id}", headers=f.agent.headers)
    body = {"partner_id": referral.json()["partner_id"], "partner_reference": "OIM-SOW-1"}
    return await client.post(f"/api/v1/cases/{f.case_id}/referrals", headers=f.agent.headers, json=body)


async def _referral_outcome(client: httpx.AsyncClient, f: Erased) -> httpx.Response:
    tag = await _referral_etag(client, f.agent, f)
    return await client.patch(
        f"/api/v1/cases/{f.case_id}/referrals/{f.referral_id}",
        headers={**f.agent.headers, "If-Match": tag},
        json={"status": "answered", "outcome": "Aminata Sow hébergée au foyer"},
    )


async def _edit_case(client: httpx.AsyncClient, f: Erased) -> httpx.Response:
    tag = await _case_etag(client, f.agent, f.case_id)
    return await client.patch(
        f"/api/v1/cases/{f.case_id}", headers={**f.agent.headers, "If-Match": tag}, json={"description": "Aminata"}
    )


async def _transition(client: httpx.AsyncClient, f: Erased, body: dict[str, Any], staff: Staff) -> httpx.Response:
    tag = await _case_etag(client, staff, f.case_id)
    return await client.post(
        f"/api/v1/cases/{f.case_id}/transitions", headers={**staff.headers, "If-Match": tag}, json=body
    )


async def _close_with_a_note(client: httpx.AsyncClient, f: Erased) -> httpx.Response:
    body = {"to": "closed_withdrawn", "outcome_category": "no_outcome", "outcome_note": "Aminata est partie"}
    return await _transition(client, f, body, f.supervisor)


async def _move_forward(client: httpx.AsyncClient, f: Erased) -> httpx.Response:
    return await _transition(client, f, {"to": "qualified"}, f.agent)


async def _transfer(client: httpx.AsyncClient, f: Erased) -> httpx.Response:
    body = {"to": "transferred", "to_desk": "DKR-MOB", "legal_basis": "vital_interest"}
    return await _transition(
        client, f, {**body, "legal_basis_note": "Hospitalisée à Dakar, urgence vitale"}, f.supervisor
    )


async def _documents_missing(client: httpx.AsyncClient, f: Erased) -> httpx.Response:
    return await client.post(
        f"/api/v1/cases/{f.case_id}/documents-missing", headers=f.agent.headers, json={"documents": ["passport"]}
    )


def _slot(days: int) -> dict[str, str]:
    start = TOMORROW_TEN + dt.timedelta(days=days)
    return {"starts_at": start.isoformat(), "ends_at": (start + dt.timedelta(minutes=30)).isoformat()}


async def _book(client: httpx.AsyncClient, f: Erased, subject: dict[str, str]) -> httpx.Response:
    body = {"desk_id": str(f.desk_id), "agent_id": str(f.agent.id), **_slot(7), **subject, "purpose": "Aminata"}
    return await client.post("/api/v1/appointments", headers=f.agent.headers, json=body)


async def _book_for_the_person(client: httpx.AsyncClient, f: Erased) -> httpx.Response:
    return await _book(client, f, {"registrant_id": str(f.registrant_id)})


async def _book_for_the_case(client: httpx.AsyncClient, f: Erased) -> httpx.Response:
    return await _book(client, f, {"case_id": f.case_id})


async def _appointment_etag(client: httpx.AsyncClient, f: Erased) -> str:
    response = await client.get(f"/api/v1/appointments/{f.appointment_id}", headers=f.agent.headers)
    assert response.status_code == 200, response.text
    return response.headers["etag"]


async def _reschedule(client: httpx.AsyncClient, f: Erased) -> httpx.Response:
    tag = await _appointment_etag(client, f)
    return await client.patch(
        f"/api/v1/appointments/{f.appointment_id}",
        headers={**f.agent.headers, "If-Match": tag},
        json={**_slot(8), "purpose": "Aminata"},
    )


async def _cancel_with_a_reason(client: httpx.AsyncClient, f: Erased) -> httpx.Response:
    tag = await _appointment_etag(client, f)
    return await client.post(
        f"/api/v1/appointments/{f.appointment_id}/transitions",
        headers={**f.agent.headers, "If-Match": tag},
        json={"status": "cancelled", "reason": "Aminata a appelé depuis le 0612345678"},
    )


async def _notification_preferences(client: httpx.AsyncClient, f: Erased) -> httpx.Response:
    return await client.put(
        f"/api/v1/registrants/{f.registrant_id}/notification-preferences",
        headers={**f.agent.headers, "If-Match": '"v0"'},
        json={"channel": "sms", "language": "wo"},
    )


async def _link_code(client: httpx.AsyncClient, f: Erased) -> httpx.Response:
    return await client.post(f"/api/v1/registrants/{f.registrant_id}/self-service/link-codes", headers=f.agent.headers)


async def _legal_hold(client: httpx.AsyncClient, f: Erased) -> httpx.Response:
    body = {"registrant_id": str(f.registrant_id), "reason": "Procédure au tribunal de Salé (Aminata Sow)"}
    return await client.post("/api/v1/privacy/legal-holds", headers=f.supervisor.headers, json=body)


async def _merge_into_it(client: httpx.AsyncClient, f: Erased) -> httpx.Response:
    body = {"survivor_id": str(f.registrant_id), "merged_id": str(f.other_id), "survivor_etag": "*"}
    return await client.post(
        "/api/v1/registrant-merges", headers=f.supervisor.headers, json={**body, "merged_etag": "*", "choices": {}}
    )


REFUSED: dict[str, Write] = {
    "registrant PATCH (supervisor)": _patch_registrant_as_supervisor,
    "registrant PATCH (agent)": _patch_registrant_as_agent,
    "consent": _add_consent,
    "consent withdrawal": _withdraw_consent,
    "registrant document": _upload_to_registrant,
    "case document": _upload_to_case,
    "new case": _open_case,
    "case note": _add_note,
    "referral": _refer_again,
    "referral outcome": _referral_outcome,
    "case PATCH": _edit_case,
    "closing with a note": _close_with_a_note,
    "moving a case on": _move_forward,
    "transfer": _transfer,
    "documents missing": _documents_missing,
    "appointment for the person": _book_for_the_person,
    "appointment for the case": _book_for_the_case,
    "appointment moved": _reschedule,
    "appointment cancelled with a reason": _cancel_with_a_reason,
    "notification preferences": _notification_preferences,
    "self-service link code": _link_code,
    "legal hold": _legal_hold,
    "merge into the erased file": _merge_into_it,
}
"""Every kind of write that would put the person's data on the anonymised file again."""


@pytest.mark.parametrize("write", list(REFUSED.values()), ids=list(REFUSED))
async def test_a_write_to_an_anonymised_file_is_refused(
    client: httpx.AsyncClient, erased: Erased, write: Write, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    before = await _what_the_file_holds(sessionmaker, erased)
    response = await write(client, erased)
    assert response.status_code == 409, response.text
    problem = response.json()
    assert response.headers["content-type"] == "application/problem+json"
    assert problem["type"].endswith("/problems/registrant-erased")
    assert problem["registrant_id"] == str(erased.registrant_id)
    assert await _what_the_file_holds(sessionmaker, erased) == before


async def _what_the_file_holds(sessionmaker: async_sessionmaker[AsyncSession], f: Erased) -> dict[str, Any]:
    """What a refused write must leave as it was: the names, every row of the person's."""
    async with sessionmaker() as session:
        registrant = await session.get(Registrant, f.registrant_id)
        assert registrant is not None

        async def count(model: Any, *condition: Any) -> int:
            return int((await session.execute(select(func.count()).select_from(model).where(*condition))).scalar_one())

        case_ids = select(Case.id).where(Case.registrant_id == f.registrant_id)
        return {
            "names": (registrant.given_names, registrant.family_name, registrant.version),
            "cases": await count(Case, Case.registrant_id == f.registrant_id),
            "statuses": sorted((await session.execute(select(Case.status).where(Case.id.in_(case_ids)))).scalars()),
            "notes": await count(CaseNote, CaseNote.case_id.in_(case_ids)),
            "referrals": await count(Referral, Referral.case_id.in_(case_ids)),
            "documents": await count(Document),
            "consents": await count(Consent, Consent.registrant_id == f.registrant_id, Consent.withdrawn_at.is_(None)),
            "appointments": sorted(
                (s, p)
                for s, p in await session.execute(
                    select(Appointment.status, Appointment.purpose).where(Appointment.registrant_id == f.registrant_id)
                )
            ),
        }


async def test_the_erasure_withdrew_the_consents_and_named_exports_leave_the_file_out(
    client: httpx.AsyncClient, erased: Erased, admin: Staff, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    async with sessionmaker() as session:
        consents = (
            await session.execute(
                select(Consent.purpose, Consent.withdrawn_at, Registrant.anonymised_at)
                .join(Registrant, Registrant.id == Consent.registrant_id)
                .where(Consent.registrant_id == erased.registrant_id)
                .order_by(Consent.purpose)
            )
        ).all()
    assert [(purpose, withdrawn == anonymised) for purpose, withdrawn, anonymised in consents] == [
        ("named_export", True),
        ("partner_referral", True),
    ]
    today = dt.date.today().isoformat()
    export = await client.get(
        "/api/v1/exports/registrants",
        headers=admin.headers,
        params={"named": "true", "start": today, "end": today, "purpose": "Liste du programme FIAM"},
    )
    assert export.status_code == 200, export.text
    # Both people are listed; the erased one is not named, not even as "[anonymisé]".
    assert (export.text.count("\n"), "anonymis" in export.text.lower()) == (3, False)


async def test_the_cases_of_an_anonymised_file_can_still_be_wound_down(
    client: httpx.AsyncClient, erased: Erased, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    tag = await _referral_etag(client, erased.agent, erased)
    silent = await client.patch(
        f"/api/v1/cases/{erased.case_id}/referrals/{erased.referral_id}",
        headers={**erased.agent.headers, "If-Match": tag},
        json={"status": "no_answer"},
    )
    assert (silent.status_code, silent.json()["status"]) == (200, "no_answer"), silent.text
    tag = await _appointment_etag(client, erased)
    cancelled = await client.post(
        f"/api/v1/appointments/{erased.appointment_id}/transitions",
        headers={**erased.agent.headers, "If-Match": tag},
        json={"status": "cancelled"},
    )
    assert (cancelled.status_code, cancelled.json()["status"]) == (200, "cancelled"), cancelled.text
    closed = await _transition(
        client, erased, {"to": "closed_withdrawn", "outcome_category": "no_outcome"}, erased.supervisor
    )
    assert (closed.status_code, closed.json()["status"]) == (200, "closed_withdrawn"), closed.text


async def test_the_audit_log_still_verifies_after_the_refused_writes(
    client: httpx.AsyncClient, erased: Erased, audit_log: AuditLog
) -> None:
    statuses = [(await write(client, erased)).status_code for write in REFUSED.values()]
    assert statuses == [409] * len(REFUSED)
    search = await client.get("/api/v1/registrants", headers=erased.supervisor.headers, params={"q": "Aminata"})
    assert (search.status_code, search.json()["items"]) == (200, [])
    await audit_log.seal()
    result = await audit_log.verify()
    assert (result.ok, result.reason) == (True, None)


async def test_an_import_row_is_not_linked_to_an_anonymised_file(
    client: httpx.AsyncClient, admin: Staff, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    # The same person twice in one register: the second row is flagged, its candidate the first row.
    second = "8" + IMPORT_ROW[1:].replace("01-06-2019", "03-09-2020")
    imported = await client.post(
        URL,
        files={"file": ("registre.csv", csv_file(IMPORT_ROW, second), "application/octet-stream")},
        data={"desk_code": "CASA-BASE", "dry_run": "false"},
        headers=admin.headers,
    )
    assert imported.status_code in (200, 201), imported.text
    async with sessionmaker() as session:
        rows = (await session.execute(select(ImportRow).order_by(ImportRow.line))).scalars().all()
    assert [(r.outcome, r.candidates[0].get("line") if r.candidates else None) for r in rows] == [
        ("imported", None),
        ("flagged", rows[0].line),
    ]
    person = rows[0].registrant_id
    assert person is not None
    assert (await _erase(client, admin, person)).status_code == 200
    # The erasure closed the row it recognised as the person (``erased``); one it could not
    # recognise (say, flagged through another file since) would still be pending: arranged here.
    async with sessionmaker() as session:
        await session.execute(update(ImportRow).where(ImportRow.id == rows[1].id).values(resolution=None))
        await session.commit()
    linked = await client.post(
        f"/api/v1/imports/{rows[1].batch_id}/rows/{rows[1].line}/resolution",
        headers=admin.headers,
        json={"decision": "link", "registrant_id": str(person)},
    )
    assert linked.status_code == 409, linked.text
    assert (linked.json()["type"].split("/")[-1], linked.json()["registrant_id"]) == ("registrant-erased", str(person))
