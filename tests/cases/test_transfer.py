"""Transfers between desks: a new case at the receiving desk, the registrant record it needs, a
read-only trace at the sending desk, and the legal basis in the transfer register."""

from __future__ import annotations

import uuid
from typing import Any

import httpx
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.cases.models import CaseTransfer
from app.registrants.models import Consent, Registrant, RegistrantPhone
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
