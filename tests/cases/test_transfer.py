"""Transfers between desks: a new case at the receiving desk, the registrant record it needs, a
read-only trace at the sending desk, and the legal basis in the transfer register."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

import httpx
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.cases.models import CaseTransfer
from app.privacy.purposes import REGISTRANT_FIELD_CATEGORIES, REGISTRANT_RECORD_COLUMNS
from app.registrants.models import Consent, IdentityDocument, Registrant, RegistrantKey, RegistrantPhone
from app.registrants.normalize import name_keys
from tests.cases.conftest import move, open_case
from tests.conftest import Staff


async def _transfer(client: httpx.AsyncClient, staff: Staff, case_id: str, to_desk: str, **body: Any) -> httpx.Response:
    return await move(client, staff, case_id, "transferred", to_desk=to_desk, **body)


async def test_casablanca_to_dakar_opens_a_case_at_dakar(
    client: httpx.AsyncClient, agent: Staff, dakar_agent: Staff, make_registrant
) -> None:
    registrant = await make_registrant(consents=("transfer_to_senegal",))
    case = await open_case(client, agent, registrant, service_type="RETURN_REINTEGRATION", priority="high")
    response = await _transfer(client, agent, case["id"], "DKR-MOB", legal_basis_note="retour volontaire")
    source = response.json()
    assert response.status_code == 200
    assert (source["status"], source["allowed_transitions"]) == ("transferred", [])
    target = await client.get(f"/api/v1/cases/{source['transferred_to_case_id']}", headers=dakar_agent.headers)
    body = target.json()
    assert target.status_code == 200
    assert body["case_number"] == f"DKR-{case['case_number'][5:9]}-C-000001"
    assert (body["desk_code"], body["status"], body["service_type"], body["priority"], body["assignee_id"]) == (
        "DKR-MOB",
        "received",
        "RETURN_REINTEGRATION",
        "high",
        None,
    )
    assert body["transferred_from_case_id"] == case["id"]
    assert body["registrant_id"] != str(registrant)


async def test_the_receiving_desk_gets_the_minimum_registrant_record(
    client: httpx.AsyncClient, agent: Staff, make_registrant, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    registrant = await make_registrant(consents=("transfer_to_senegal", "sms_contact"), withdrawn=("statistics",))
    case = await open_case(client, agent, registrant)
    source = (await _transfer(client, agent, case["id"], "DKR-MOB")).json()
    async with sessionmaker() as session:
        record = (
            await session.execute(select(CaseTransfer).where(CaseTransfer.source_case_id == uuid.UUID(case["id"])))
        ).scalar_one()
        copy = await session.get(Registrant, record.target_registrant_id)
        assert copy is not None
        phones = await session.execute(select(RegistrantPhone.e164).where(RegistrantPhone.registrant_id == copy.id))
        purposes = await session.execute(select(Consent.purpose).where(Consent.registrant_id == copy.id))
        assert (copy.given_names, copy.family_name, copy.date_of_birth, copy.source, copy.source_ref) == (
            "Awa",
            "Ndiaye",
            "1994-03",
            "transfer",
            str(registrant),
        )
        assert copy.registration_number.startswith("DKR-") and "-T-" in copy.registration_number
        assert copy.residence_status is None
        assert list(phones.scalars()) == ["+212612345678"]
        assert sorted(purposes.scalars()) == ["sms_contact", "transfer_to_senegal"]
        assert (record.legal_basis, record.legal_basis_note, str(record.target_case_id)) == (
            "consent",
            None,
            source["transferred_to_case_id"],
        )
        assert "residence_status" not in record.fields_sent


async def test_without_consent_to_transfer_nothing_moves(
    client: httpx.AsyncClient, agent: Staff, dakar_agent: Staff, make_registrant
) -> None:
    registrant = await make_registrant(consents=("sms_contact",), withdrawn=("transfer_to_senegal",))
    case = await open_case(client, agent, registrant)
    response = await _transfer(client, agent, case["id"], "DKR-MOB")
    assert response.status_code == 409
    assert response.json()["type"] == "/problems/consent-required"
    assert response.json()["accepted_purposes"] == ["desk_transfer", "transfer_to_senegal"]
    # the purposes in words only, no code and no English "or" (the codes are in accepted_purposes)
    assert response.json()["detail"] == (
        "La personne n'a pas de consentement en vigueur pour : transfert du dossier vers un autre guichet "
        "ou transfert du dossier vers un guichet au Sénégal."
    )
    still = await client.get(f"/api/v1/cases/{case['id']}", headers=agent.headers)
    assert still.json()["status"] == "received"
    dakar = await client.get("/api/v1/cases", headers=dakar_agent.headers)
    assert dakar.json()["items"] == []


async def test_a_transfer_names_an_existing_other_desk(
    client: httpx.AsyncClient, agent: Staff, make_registrant
) -> None:
    case = await open_case(client, agent, await make_registrant(consents=("desk_transfer",)))
    same = await _transfer(client, agent, case["id"], "CASA-BASE")
    unknown = await _transfer(client, agent, case["id"], "NOWHERE")
    missing = await move(client, agent, case["id"], "transferred")
    assert [r.status_code for r in (same, unknown, missing)] == [422, 422, 422]
    assert [r.json()["type"] for r in (same, unknown, missing)] == [
        "/problems/invalid-transfer-target",
        "/problems/unknown-desk",
        "/problems/transition-requirement-missing",
    ]


async def test_the_sending_desk_keeps_a_read_only_trace(
    client: httpx.AsyncClient, agent: Staff, make_registrant, partner
) -> None:
    case = await open_case(client, agent, await make_registrant(consents=("transfer_to_senegal",)))
    source = (await _transfer(client, agent, case["id"], "DKR-MOB")).json()
    tag = (await client.get(f"/api/v1/cases/{case['id']}", headers=agent.headers)).headers["etag"]
    note = await client.post(f"/api/v1/cases/{case['id']}/notes", headers=agent.headers, json={"text": "x"})
    patch = await client.patch(
        f"/api/v1/cases/{case['id']}", headers={**agent.headers, "If-Match": tag}, json={"priority": "low"}
    )
    referral = await client.post(
        f"/api/v1/cases/{case['id']}/referrals", headers=agent.headers, json={"partner_id": partner["id"]}
    )
    assert [r.status_code for r in (note, patch, referral)] == [409, 409, 409]
    assert note.json()["type"] == "/problems/case-read-only"
    assert (await client.get(f"/api/v1/cases/{case['id']}/timeline", headers=agent.headers)).status_code == 200
    # The sending desk cannot open the receiving desk's case.
    other = await client.get(f"/api/v1/cases/{source['transferred_to_case_id']}", headers=agent.headers)
    assert other.status_code == 404


async def test_and_back_to_casablanca_reuses_the_original_registrant(
    client: httpx.AsyncClient, agent: Staff, dakar_agent: Staff, make_registrant, sessionmaker
) -> None:
    registrant = await make_registrant(consents=("transfer_to_senegal", "desk_transfer"))
    case = await open_case(client, agent, registrant)
    there = (await _transfer(client, agent, case["id"], "DKR-MOB")).json()["transferred_to_case_id"]
    back = await _transfer(client, dakar_agent, there, "CASA-BASE")
    assert back.status_code == 200
    returned = await client.get(f"/api/v1/cases/{back.json()['transferred_to_case_id']}", headers=agent.headers)
    assert (returned.json()["registrant_id"], returned.json()["case_number"][-6:]) == (str(registrant), "000002")
    async with sessionmaker() as session:
        copies = await session.execute(select(Registrant.id).where(Registrant.source == "transfer"))
        assert len(copies.all()) == 1


async def test_the_transfer_is_on_both_timelines_and_in_the_audit_log(
    client: httpx.AsyncClient, agent: Staff, dakar_agent: Staff, admin: Staff, make_registrant
) -> None:
    case = await open_case(client, agent, await make_registrant(consents=("transfer_to_senegal",)))
    target_id = (await _transfer(client, agent, case["id"], "DKR-MOB")).json()["transferred_to_case_id"]
    out = await client.get(f"/api/v1/cases/{case['id']}/timeline", headers=agent.headers)
    into = await client.get(f"/api/v1/cases/{target_id}/timeline", headers=dakar_agent.headers)
    assert [e["kind"] for e in out.json()["items"]] == ["case_opened", "transferred_out", "status_changed"]
    assert [e["kind"] for e in into.json()["items"]] == ["transferred_in"]
    assert into.json()["items"][0]["details"]["legal_basis"] == "consent"
    assert into.json()["items"][0]["details"]["source_case_number"] == case["case_number"]
    events = await client.get("/api/v1/audit/events?action=case.transfer", headers=admin.headers)
    [event] = events.json()["items"]
    details = event["details"]
    assert (details["to_desk"], details["consent_purpose"], details["registrant_copied"]) == (
        "DKR-MOB",
        "transfer_to_senegal",
        True,
    )


async def test_the_receiving_desk_finds_the_copied_registrant_by_name_and_phone(
    client: httpx.AsyncClient, agent: Staff, dakar_agent: Staff, make_registrant
) -> None:
    registrant = await make_registrant(consents=("transfer_to_senegal",))
    case = await open_case(client, agent, registrant)
    assert (await _transfer(client, agent, case["id"], "DKR-MOB")).status_code == 200
    found = await client.get("/api/v1/registrants", params={"q": "awa njaay"}, headers=dakar_agent.headers)
    assert found.status_code == 200
    assert [(r["given_names"], r["family_name"]) for r in found.json()["items"]] == [("Awa", "Ndiaye")]


async def test_the_copy_s_name_keys_are_computed_from_its_names_not_copied(
    client: httpx.AsyncClient, agent: Staff, make_registrant, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    """A file keyed by an older variant table (its phonetic columns stale) gives a copy keyed as
    every write keys a file now: the search by name at the receiving desk reads those columns."""
    registrant = await make_registrant(consents=("transfer_to_senegal",))
    async with sessionmaker() as session:
        source = await session.get(Registrant, registrant)
        assert source is not None
        source.family_name_phonetic = "ndiaye"  # as no write of this version would store it
        await session.commit()
    case = await open_case(client, agent, registrant)
    assert (await _transfer(client, agent, case["id"], "DKR-MOB")).status_code == 200
    async with sessionmaker() as session:
        copy = (await session.execute(select(Registrant).where(Registrant.source == "transfer"))).scalar_one()
    assert (copy.family_name_key, copy.family_name_phonetic) == (name_keys("Awa", "Ndiaye").family_name_key, "njai")


# A file with every field filled, written by a supervisor (residence status is theirs to write).
EVERY_FIELD: dict[str, Any] = {
    "given_names": "Ndèye Fatou",
    "family_name": "N'Diaye",
    "name_arabic": "نديي فاطو انجاي",
    "sex": "female",
    "date_of_birth": "1994-03-12",
    "place_of_birth": "Thiès",
    "nationality": "SN",
    "origin_region": "SN-TH",
    "origin_departement": "Mbour",
    "host_city": "Casablanca",
    "host_region": "MA-06",
    "email": "ndeye.fatou@example.org",
    "phones": [
        {"number": "06 12 34 56 78", "whatsapp": True, "label": "mobile"},
        {"number": "05 00 00 00 00", "label": "fixe"},  # the 0500 block is not allocated: kept unverified
    ],
    "documents": [
        {"doc_type": "passport", "number": "A0 123 4567", "issuing_country": "SN", "expires_on": "2031-05-01"}
    ],
    "languages": ["wo", "fr"],
    "status_category": "student",
    "occupation": "Étudiante en informatique",
    "arrival_date": "2019-09-15",
    "residence_status": "carte de séjour en cours de renouvellement",
    "notes": "Suivi psychologique en cours",
    "consents": [
        {"purpose": p, "granted": True, "channel": "in_person", "notice_version": "2026-01", "language": "wo"}
        for p in ("service_delivery", "transfer_to_senegal")
    ],
}
# What the Dakar copy holds, column by column: identity and contact, the transfer purposes'
# categories (app.privacy.purposes); never documents, residence status or notes.
EXPECTED_COPY: dict[str, Any] = {
    "given_names": "Ndèye Fatou",
    "family_name": "N'Diaye",
    "name_arabic": "نديي فاطو انجاي",
    "sex": "female",
    "date_of_birth": "1994-03-12",
    "birth_year": 1994,
    "place_of_birth": "Thiès",
    "nationality": "SN",
    "origin_region_code": "SN-TH",
    "origin_departement_code": "SN-TH-MBO",
    "host_country": "MA",
    "host_city": "Casablanca",
    "host_region_code": "MA-06",
    "email": "ndeye.fatou@example.org",
    "languages": ["wo", "fr"],
    "status_category": "student",
    "occupation": "Étudiante en informatique",
    "arrival_date": dt.date(2019, 9, 15),
    "residence_status": None,
    "notes": None,
    "source": "transfer",
}
EXPECTED_PHONES = [
    # (e164, verified, raw, digits, whatsapp, label, flag)
    ("+212612345678", True, "06 12 34 56 78", "212612345678", True, "mobile", None),
    (None, False, "05 00 00 00 00", "0500000000", False, "fixe", "unverified_number"),
]


async def test_the_copy_carries_every_field_the_transfer_consent_covers(
    client: httpx.AsyncClient,
    agent: Staff,
    supervisor: Staff,
    dakar_agent: Staff,
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    created = await client.post("/api/v1/registrants", json=EVERY_FIELD, headers=supervisor.headers)
    assert created.status_code == 201, created.text
    source_id = uuid.UUID(created.json()["id"])
    case = await open_case(client, agent, source_id)
    moved = await _transfer(client, agent, case["id"], "DKR-MOB")
    assert moved.status_code == 200, moved.text
    async with sessionmaker() as session:
        record = (
            await session.execute(select(CaseTransfer).where(CaseTransfer.source_case_id == uuid.UUID(case["id"])))
        ).scalar_one()
        copy = await session.get(Registrant, record.target_registrant_id)
        source = await session.get(Registrant, source_id)
        assert copy is not None and source is not None
        assert {f: getattr(copy, f) for f in EXPECTED_COPY} == EXPECTED_COPY
        for derived in ("given_names_key", "family_name_key", "given_names_phonetic", "family_name_phonetic"):
            assert getattr(copy, derived) == getattr(source, derived) != ""
        assert copy.source_ref == str(source_id)
        phones = await session.execute(
            select(
                RegistrantPhone.e164,
                RegistrantPhone.verified,
                RegistrantPhone.raw,
                RegistrantPhone.digits,
                RegistrantPhone.whatsapp,
                RegistrantPhone.label,
                RegistrantPhone.flag,
            )
            .where(RegistrantPhone.registrant_id == copy.id)
            .order_by(RegistrantPhone.position)
        )
        assert [tuple(p) for p in phones] == EXPECTED_PHONES
        documents = await session.execute(select(IdentityDocument.id).where(IdentityDocument.registrant_id == copy.id))
        assert list(documents.scalars()) == []
        purposes = await session.execute(select(Consent.purpose).where(Consent.registrant_id == copy.id))
        assert sorted(purposes.scalars()) == ["service_delivery", "transfer_to_senegal"]
        # matched at Dakar on the same keys as the file it came from (documents have no keys)
        keys = {}
        for rid in (source_id, copy.id):
            rows = await session.execute(
                select(RegistrantKey.kind, RegistrantKey.value).where(RegistrantKey.registrant_id == rid)
            )
            keys[rid] = {tuple(k) for k in rows}
        assert keys[copy.id] == keys[source_id]
        assert {("c", "casablanca"), ("t", "0000000050")} <= keys[copy.id]
        # the person's data in words they understand: no search key, no birth year (computed again)
        assert sorted(record.fields_sent) == sorted(
            [
                "given_names", "family_name", "name_arabic", "sex", "date_of_birth",
                "place_of_birth", "nationality", "origin_region_code", "origin_departement_code", "languages",
                "status_category", "occupation", "arrival_date", "email", "phones", "host_country", "host_city",
                "host_region_code", "consents",
                "case.service_type", "case.channel", "case.priority", "case.language", "case.interpreter_used",
            ]
        )  # fmt: skip
    # the receiving desk reads it through the API, and is told what stayed behind (names only)
    target_case_id = moved.json()["transferred_to_case_id"]
    read = await client.get(f"/api/v1/registrants/{record.target_registrant_id}", headers=dakar_agent.headers)
    assert read.status_code == 200, read.text
    body = read.json()
    assert (body["host_city"], body["host_country"], body["name_arabic"], body["arrival_date"]) == (
        "Casablanca",
        "MA",
        "نديي فاطو انجاي",
        "2019-09-15",
    )
    assert [(p["raw"], p["verified"]) for p in body["phones"]] == [("06 12 34 56 78", True), ("05 00 00 00 00", False)]
    timeline = await client.get(f"/api/v1/cases/{target_case_id}/timeline", headers=dakar_agent.headers)
    (event,) = timeline.json()["items"]
    assert event["details"]["fields_withheld"] == ["documents", "residence_status", "notes"]
    # found at Dakar by the unverified number's digits, like any registrant
    found = await client.get("/api/v1/registrants", params={"q": "0500000000"}, headers=dakar_agent.headers)
    assert [r["id"] for r in found.json()["items"]] == [str(record.target_registrant_id)]


def test_every_field_of_a_file_has_a_category() -> None:
    """A column added to ``registrants`` must be placed in a category (or declared a record column)
    before a transfer or any other disclosure can decide whether it travels."""
    columns = set(Registrant.__table__.columns.keys())
    placed = set(REGISTRANT_FIELD_CATEGORIES) - {"phones", "documents"}
    assert columns == placed | REGISTRANT_RECORD_COLUMNS
    assert not placed & REGISTRANT_RECORD_COLUMNS
    assert set(Registrant.__mapper__.relationships.keys()) == {"phones", "documents", "consents"}
