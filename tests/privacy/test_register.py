"""The register of disclosures, read through the API and exported as CSV."""

from __future__ import annotations

import csv
import io

import httpx
from sqlalchemy import select

from app.audit.models import AuditEvent
from app.registrants.models import Consent
from tests.cases.conftest import move, open_case
from tests.conftest import Staff


async def _two_disclosures(
    client: httpx.AsyncClient, agent: Staff, dakar_agent: Staff, make_registrant, partner
) -> tuple:  # type: ignore[no-untyped-def,type-arg]
    """A referral at Casablanca, then a transfer from Dakar back to Casablanca."""
    casa = await make_registrant()
    case = await open_case(client, agent, casa)
    referral = await client.post(
        f"/api/v1/cases/{case['id']}/referrals", headers=agent.headers, json={"partner_id": partner["id"]}
    )
    assert referral.status_code == 201
    dakar = await make_registrant("DKR-MOB", consents=("desk_transfer",))
    dakar_case = await open_case(client, dakar_agent, dakar)
    assert (await move(client, dakar_agent, dakar_case["id"], "transferred", to_desk="CASA-BASE")).status_code == 200
    return casa, referral.json(), dakar


async def test_the_register_shows_who_to_whom_when_and_on_which_basis(
    client: httpx.AsyncClient, agent: Staff, dakar_agent: Staff, auditor: Staff, make_registrant, partner, sessionmaker
) -> None:
    casa, referral, dakar = await _two_disclosures(client, agent, dakar_agent, make_registrant, partner)
    response = await client.get("/api/v1/privacy/disclosures", headers=auditor.headers)
    assert response.status_code == 200
    assert response.headers["cache-control"] == "no-store"
    items = response.json()["items"]
    async with sessionmaker() as session:
        consent_ids = dict(
            (
                await session.execute(
                    select(Consent.registrant_id, Consent.id).where(Consent.registrant_id.in_([casa, dakar]))
                )
            ).all()
        )
    assert [
        (i["kind"], i["registrant_id"], i["desk_code"], i["recipient_name"], i["legal_basis"], i["consent_id"])
        for i in items
    ] == [
        ("transfer", str(dakar), "DKR-MOB", "CASA-BASE", "consent", consent_ids[dakar]),
        ("referral", str(casa), "CASA-BASE", "OIM Maroc", "consent", consent_ids[casa]),
    ]
    assert items[1]["entity_id"] == referral["id"]
    assert items[1]["fields"] == ["given_names", "family_name", "phones", "service_type", "case_description"]
    assert items[1]["disclosed_by"] == str(agent.id)
    only_referrals = await client.get(
        "/api/v1/privacy/disclosures", params={"kind": "referral"}, headers=auditor.headers
    )
    assert [i["kind"] for i in only_referrals.json()["items"]] == ["referral"]
    async with sessionmaker() as session:
        reads = (
            (await session.execute(select(AuditEvent).where(AuditEvent.action == "privacy.register_read")))
            .scalars()
            .all()
        )
    assert [(e.actor_label, e.details["rows"]) for e in reads] == [(auditor.email, 2), (auditor.email, 1)]


async def test_supervisors_read_their_desks_and_agents_not_at_all(
    client: httpx.AsyncClient,
    agent: Staff,
    dakar_agent: Staff,
    supervisor: Staff,
    dakar_supervisor: Staff,
    make_registrant,
    partner,
) -> None:
    await _two_disclosures(client, agent, dakar_agent, make_registrant, partner)
    casa = await client.get("/api/v1/privacy/disclosures", headers=supervisor.headers)
    dakar = await client.get("/api/v1/privacy/disclosures", headers=dakar_supervisor.headers)
    refused = await client.get("/api/v1/privacy/disclosures", headers=agent.headers)
    refused_csv = await client.get("/api/v1/privacy/disclosures.csv", headers=agent.headers)
    assert [i["kind"] for i in casa.json()["items"]] == ["referral"]
    assert [i["kind"] for i in dakar.json()["items"]] == ["transfer"]
    assert [refused.status_code, refused_csv.status_code] == [403, 403]
    assert refused.json()["type"] == "/problems/forbidden"


async def test_the_register_pages_with_a_cursor(
    client: httpx.AsyncClient, agent: Staff, dakar_agent: Staff, auditor: Staff, make_registrant, partner
) -> None:
    await _two_disclosures(client, agent, dakar_agent, make_registrant, partner)
    first = (await client.get("/api/v1/privacy/disclosures", params={"limit": 1}, headers=auditor.headers)).json()
    second = (
        await client.get(
            "/api/v1/privacy/disclosures", params={"limit": 1, "cursor": first["next_cursor"]}, headers=auditor.headers
        )
    ).json()
    assert [i["kind"] for i in first["items"] + second["items"]] == ["transfer", "referral"]
    assert second["next_cursor"] is None


async def test_the_register_exports_as_csv(
    client: httpx.AsyncClient, agent: Staff, dakar_agent: Staff, admin: Staff, make_registrant, partner, sessionmaker
) -> None:
    casa, referral, dakar = await _two_disclosures(client, agent, dakar_agent, make_registrant, partner)
    response = await client.get("/api/v1/privacy/disclosures.csv", headers=admin.headers)
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/csv; charset=utf-8"
    assert response.headers["cache-control"] == "no-store"
    assert response.content.startswith(b"\xef\xbb\xbf")
    rows = list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert [(r["kind"], r["registrant_id"], r["recipient_name"], r["legal_basis"]) for r in rows] == [
        ("referral", str(casa), "OIM Maroc", "consent"),
        ("transfer", str(dakar), "CASA-BASE", "consent"),
    ]
    assert rows[0]["entity_id"] == referral["id"]
    assert rows[0]["disclosed_at"].endswith("Z")
    async with sessionmaker() as session:
        event = (
            await session.execute(select(AuditEvent).where(AuditEvent.action == "privacy.register_export"))
        ).scalar_one()
    assert (event.actor_label, event.details["rows"]) == (admin.email, 2)


async def test_the_purposes_catalogue_is_published(client: httpx.AsyncClient, agent: Staff) -> None:
    response = await client.get("/api/v1/privacy/purposes", headers=agent.headers)
    by_code = {p["code"]: p for p in response.json()}
    assert sorted(by_code) == [
        "contact_email",
        "contact_sms_whatsapp",
        "desk_transfer",
        "named_export",
        "partner_referral",
        "service_delivery",
        "statistics",
        "transfer_to_senegal",
    ]
    assert (by_code["partner_referral"]["validity_days"], by_code["service_delivery"]["validity_days"]) == (365, None)


async def test_the_record_of_processing_comes_from_the_configuration(
    client: httpx.AsyncClient, agent: Staff, auditor: Staff, settings
) -> None:
    refused = await client.get("/api/v1/privacy/processing-activities", headers=agent.headers)
    record = (await client.get("/api/v1/privacy/processing-activities", headers=auditor.headers)).json()
    assert refused.status_code == 403
    assert [c["desk"] for c in record["controllers"]] == ["CASA-BASE", "DKR-MOB"]
    by_purpose = {a["purpose"]: a for a in record["activities"]}
    assert sorted(by_purpose) == sorted(
        ["service_delivery", "transfer_to_senegal", "desk_transfer", "partner_referral", "contact_sms_whatsapp",
         "contact_email", "statistics", "named_export"]
    )  # fmt: skip
    referral = by_purpose["partner_referral"]
    assert referral["recipients"] == ["the partner named in the consent"]
    assert referral["time_limits"][0] == "consent valid 365 days, then asked again"
    assert f"purged after {settings.documents_retention_days} days" in referral["time_limits"][1]
    assert referral["time_limits"][2:] == [
        "closed cases' free text and documents removed 5 years after closure",
        "registrants anonymised after 5 years without activity (no open case), unless under a legal hold; "
        "erasure on request at any time",
    ]
    assert by_purpose["transfer_to_senegal"]["transfers_to_other_countries"] == ["SN"]
    assert sorted(record["other_legal_bases"]) == ["legal_obligation", "vital_interest"]
