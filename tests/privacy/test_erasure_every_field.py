"""Erasure of a file with every field filled: every value typed about the person is gone from
every table, what stays is exactly what the erasure question says stays, and the audit chain
still verifies."""

from __future__ import annotations

import datetime as dt
import re
import uuid
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.appointments.models import Appointment
from app.core.text import fold
from app.privacy.erased_values import KEPT_FIELDS, REPLACED_FIELDS, STRUCTURE_FIELDS
from app.registrants.models import Registrant
from tests.appointments.conftest import insert_appointment
from tests.cases.conftest import etag, open_case, refer
from tests.conftest import AuditLog, Staff
from tests.privacy.test_erasure import _png, database_text

TYPED = {
    "given_names": "Zacharia",
    "family_name": "Quibdo",
    "name_arabic": "زكريا",
    "place_of_birth": "Ndiaffate Xplace",
    "host_city": "Casa 🏙️ Blanca",
    "email": "zacharia.quibdo@mail.example",
    "occupation": "tailleur Xjob",
    "residence_status": "récépissé Xresidence",
    "notes": "habite Xnotes Derb Omar",
}
"""The person's free-text values: each a word found nowhere else in the database."""
MARKERS = (
    "Zacharia", "Quibdo", "زكريا", "Xplace", "Casa 🏙️ Blanca", "zacharia.quibdo", "Xjob", "Xresidence",
    "Xnotes", "Xphonelabel", "611447788", "QK7766554", "Xdescription", "Xnote2", "Xclosing", "Xreference",
    "Xoutcome", "Xpurpose", "Xstatusreason", "Xlabelasked", "Xhold", "Xfilename", "Xfiledescription",
)  # fmt: skip

KEPT_WORDS = {
    "sex": "sexe",
    "birth_year": "année de naissance",
    "nationality": "nationalité",
    "origin_region_code": "région et département d'origine",
    "origin_departement_code": "région et département d'origine",
    "host_country": "pays et région de résidence",
    "host_region_code": "pays et région de résidence",
    "languages": "langues",
    "status_category": "situation",
    "registered_on": "date d'enregistrement",
    "arrival_date": "année d'arrivée",
}
"""How the erasure question names each column kept (or kept coarser)."""
I18N_RIGHTS = Path(__file__).parents[2] / "app" / "web" / "static" / "i18n_rights.js"


def test_the_erasure_question_names_exactly_what_is_kept() -> None:
    question = re.search(r'erase_q: "([^"]+)"', I18N_RIGHTS.read_text(encoding="utf-8"))
    assert question is not None
    kept = question.group(1).split("Seul reste ce que comptent les rapports")[1].split("C'est irréversible")[0]
    assert set(KEPT_WORDS) == KEPT_FIELDS | {"arrival_date"}
    assert [w for w in KEPT_WORDS.values() if w not in kept] == []
    assert [w for w in ("ville", "lieu de naissance", "profession", "courriel", "observations") if w in kept] == []


async def test_an_erased_file_with_every_field_filled_keeps_no_typed_value(
    client: httpx.AsyncClient,
    supervisor: Staff,
    agent: Staff,
    partner: dict[str, Any],
    sessionmaker: async_sessionmaker[AsyncSession],
    desk_ids: dict[str, uuid.UUID],
    audit_log: AuditLog,
) -> None:
    body = {
        **TYPED,
        "sex": "male",
        "date_of_birth": "1990-04-12",
        "nationality": "SN",
        "origin_region": "Kolda",
        "host_region": "MA-06",
        "arrival_date": "2019-09-01",
        "languages": ["wo", "ff"],
        "status_category": "worker",
        "phones": [{"number": "06 11 44 77 88", "whatsapp": True, "label": "Xphonelabel"}],
        "documents": [{"doc_type": "passport", "number": "QK7766554", "issuing_country": "SN"}],
        "consents": [
            {"purpose": "service_delivery", "granted": True, "channel": "in_person", "notice_version": "2026-01",
             "language": "wo"},
            {"purpose": "partner_referral", "granted": True, "channel": "in_person", "notice_version": "2026-01",
             "language": "ff", "partner_id": partner["id"]},
        ],
    }  # fmt: skip
    created = await client.post(
        "/api/v1/registrants?confirm_duplicates=true",
        headers={**supervisor.headers, "Idempotency-Key": "z1"},
        json=body,
    )
    assert created.status_code == 201, created.text
    person = created.json()
    rid = uuid.UUID(person["id"])
    case = await open_case(client, agent, rid, description="perdu Xdescription")
    note = await client.post(f"/api/v1/cases/{case['id']}/notes", headers=agent.headers, json={"text": "vu Xnote2"})
    referral = await refer(client, agent, case["id"], partner["id"], partner_reference="Xreference-1")
    referral_url = f"/api/v1/cases/{case['id']}/referrals/{referral['id']}"
    referral_tag = (await client.get(referral_url, headers=agent.headers)).headers["etag"]
    answered = await client.patch(
        referral_url,
        headers={**agent.headers, "If-Match": referral_tag},
        json={"status": "answered", "outcome": "hébergé Xoutcome"},
    )
    asked = await client.post(
        f"/api/v1/cases/{case['id']}/documents-missing",
        headers=agent.headers,
        json={"documents": ["passport", "attestation Xlabelasked"]},
    )
    upload = await client.post(
        f"/api/v1/registrants/{rid}/documents",
        headers=agent.headers,
        files={"file": ("scan Xfilename.png", _png(), "image/png")},
        data={"kind": "passport", "description": "copie Xfiledescription"},
    )
    hold = await client.post(
        "/api/v1/privacy/legal-holds",
        headers=supervisor.headers,
        json={"registrant_id": str(rid), "reason": "procès Xhold", "until": "2099-12-31"},
    )
    released = await client.post(f"/api/v1/privacy/legal-holds/{hold.json()['id']}/release", headers=supervisor.headers)
    closing = await client.post(
        f"/api/v1/cases/{case['id']}/transitions",
        headers={**agent.headers, "If-Match": await etag(client, agent, case["id"])},
        json={"to": "resolved", "outcome_category": "social", "outcome_note": "fini Xclosing"},
    )
    statuses = [note, answered, asked, upload, hold, released, closing]
    assert [r.status_code for r in statuses] == [201, 200, 201, 201, 201, 200, 200], [r.text for r in statuses]
    appointment = await insert_appointment(
        sessionmaker,
        desk_id=desk_ids["CASA-BASE"],
        agent_id=agent.id,
        registrant_id=rid,
        starts_at=dt.datetime.now(dt.UTC).replace(microsecond=0) - dt.timedelta(days=1),
        status="cancelled",
    )
    async with sessionmaker() as session, session.begin():
        await session.execute(
            update(Appointment)
            .where(Appointment.id == appointment)
            .values(purpose="visite Xpurpose", status_reason="malade Xstatusreason")
        )
    text = await database_text(sessionmaker)
    assert [m for m in MARKERS if fold(m) not in text] == []  # every value is there to be found

    request = await client.post(
        "/api/v1/privacy/subject-requests",
        headers=supervisor.headers,
        json={"registrant_id": str(rid), "kind": "erasure"},
    )
    erased = await client.post(
        f"/api/v1/privacy/subject-requests/{request.json()['id']}/erase", headers=supervisor.headers
    )
    assert erased.status_code == 200, erased.text

    text = await database_text(sessionmaker)
    assert [m for m in MARKERS if fold(m) in text] == []
    assert fold(person["registration_number"]) not in text
    async with sessionmaker() as session:
        row = (await session.execute(select(Registrant).where(Registrant.id == rid))).scalar_one()
    columns = {c.key for c in Registrant.__table__.columns}
    blanked = columns - KEPT_FIELDS - REPLACED_FIELDS - STRUCTURE_FIELDS
    assert {k: getattr(row, k) for k in blanked if getattr(row, k) is not None} == {}
    assert {k: getattr(row, k) for k in sorted(KEPT_FIELDS - {"registered_on"})} == {
        "birth_year": 1990,
        "host_country": "MA",
        "host_region_code": "MA-06",
        "languages": ["wo", "ff"],
        "nationality": "SN",
        "origin_departement_code": None,
        "origin_region_code": "SN-KD",
        "sex": "male",
        "status_category": "worker",
    }
    assert (row.given_names, row.date_of_birth, row.arrival_date) == ("[anonymisé]", "1990", dt.date(2019, 1, 1))
    shown = await client.get(f"/api/v1/cases/{case['id']}/timeline", headers=supervisor.headers)
    asked_event = [e for e in shown.json()["items"] if e["kind"] == "documents_requested"]
    assert [e["details"]["documents"] for e in asked_event] == [["passport"]]  # the code stays

    await audit_log.seal()
    assert (await audit_log.verify()).ok
