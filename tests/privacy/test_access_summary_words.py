"""The printable summary of a subject access archive (``resume.html``) says every value in French
words: no stored code (sex, status, region, country, language, consent purpose or channel, case
status, channel, priority or outcome, document type, referral or appointment status) is shown."""

from __future__ import annotations

import datetime as dt
import html
import re
import uuid
from typing import Any

import httpx
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.cases.workflow import STATUSES
from app.privacy.purposes import PURPOSES
from app.privacy.summary import _IDENTITY
from app.registrants.models import SEXES
from app.registrants.normalize import DOCUMENT_TYPES
from app.reports.chart_words import CODES
from tests.appointments.conftest import insert_appointment
from tests.cases.conftest import etag, open_case, refer
from tests.conftest import Staff
from tests.privacy.conftest import summary_page
from tests.privacy.test_erasure import _png

CODES_SHOWN_NOWHERE = (
    set(SEXES)
    | set(STATUSES)
    | (set(CODES) - {"agent"})
    | set(PURPOSES)
    | set(DOCUMENT_TYPES)
    | {"in_person", "paper_form", "whatsapp", "online"}
    | {"sent", "acknowledged", "answered", "declined", "no_answer", "closed_with_case"}
    | {"booked", "kept", "missed", "cancelled", "consent", "vital_interest", "legal_obligation"}
    | {"ar", "wo", "ff", "SN", "MA", "SN-TH", "MA-06", "supervisor", "image/png"}
)


def _cells(page: str) -> list[str]:
    return [html.unescape(c) for c in re.findall(r"<td>(.*?)</td>", page, flags=re.S)]


async def test_the_printable_summary_says_every_code_in_french_words(
    client: httpx.AsyncClient,
    supervisor: Staff,
    agent: Staff,
    partner: dict[str, Any],
    sessionmaker: async_sessionmaker[AsyncSession],
    desk_ids: dict[str, uuid.UUID],
) -> None:
    consent = {"granted": True, "channel": "in_person", "notice_version": "2026-01", "language": "ar"}
    body = {
        "given_names": "Awa",
        "family_name": "Ndiaye",
        "sex": "female",
        "nationality": "SN",
        "origin_region": "SN-TH",
        "host_region": "MA-06",
        "languages": ["ar", "wo", "ff"],
        "status_category": "student",
        "documents": [{"doc_type": "passport", "number": "A01234567", "issuing_country": "SN"}],
        "consents": [
            {**consent, "purpose": "service_delivery"},
            {**consent, "purpose": "partner_referral", "partner_id": partner["id"]},
            {**consent, "purpose": "named_export"},
        ],
    }
    created = await client.post("/api/v1/registrants?confirm_duplicates=true", headers=supervisor.headers, json=body)
    assert created.status_code == 201, created.text
    rid = uuid.UUID(created.json()["id"])
    case = await open_case(client, agent, rid, service_type="LEGAL_AID", priority="high")
    await refer(client, agent, case["id"], partner["id"])
    upload = await client.post(
        f"/api/v1/registrants/{rid}/documents",
        headers=agent.headers,
        files={"file": ("scan.png", _png(), "image/png")},
        data={"kind": "passport"},
    )
    resolved = await client.post(
        f"/api/v1/cases/{case['id']}/transitions",
        headers={**supervisor.headers, "If-Match": await etag(client, supervisor, case["id"])},
        json={"to": "resolved", "outcome_category": "legal"},
    )
    assert (upload.status_code, resolved.status_code) == (201, 200), resolved.text
    await insert_appointment(
        sessionmaker,
        desk_id=desk_ids["CASA-BASE"],
        agent_id=agent.id,
        registrant_id=rid,
        starts_at=dt.datetime.now(dt.UTC).replace(microsecond=0) - dt.timedelta(days=2),
        status="kept",
    )
    page = await summary_page(client, supervisor, rid)

    cells = [c for c in _cells(page) if c not in dict(_IDENTITY).values()]  # the field names
    shown = [(c, t) for c in cells for t in re.split(r"[\s,()·]+", c) if t in CODES_SHOWN_NOWHERE]
    assert shown == []
    expected = ("Femme", "Étudiant(e)", "Thiès", "Sénégal", "arabe, wolof, peul", "Passeport", "en personne")
    expected += ("Résolu", "Au guichet", "Haute", "Juridique", "Close avec le dossier", "Honoré", "image PNG")
    for words in expected:
        assert any(words in c for c in cells), words
