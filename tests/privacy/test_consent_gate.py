"""Every disclosure to a third party checks the consent for its purpose at the time it happens."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

import httpx
import pytest
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.audit.models import AuditEvent
from app.cases.models import CaseTransfer
from app.core.context import Actor
from app.privacy import service as privacy
from app.privacy.errors import ConsentRequired
from app.privacy.models import Disclosure
from app.registrants.models import Consent
from tests.cases.conftest import move, open_case
from tests.conftest import Staff

JUSTIFICATION = "Personne hospitalisée inconsciente, l'OIM organise l'évacuation"


async def _refer(client: httpx.AsyncClient, staff: Staff, case_id: str, partner_id: str, **body: Any) -> httpx.Response:
    return await client.post(
        f"/api/v1/cases/{case_id}/referrals", headers=staff.headers, json={"partner_id": partner_id, **body}
    )


async def _disclosures(sessionmaker: async_sessionmaker[AsyncSession], registrant: uuid.UUID) -> list[Disclosure]:
    async with sessionmaker() as session:
        stmt = select(Disclosure).where(Disclosure.registrant_id == registrant).order_by(Disclosure.disclosed_at)
        return list((await session.execute(stmt)).scalars())


async def test_a_referral_without_partner_referral_consent_is_refused_naming_it(
    client: httpx.AsyncClient, agent: Staff, make_registrant, partner, sessionmaker
) -> None:
    registrant = await make_registrant(consents=("service_delivery",))
    case = await open_case(client, agent, registrant)
    response = await _refer(client, agent, case["id"], partner["id"])
    body = response.json()
    assert response.status_code == 409
    assert response.headers["content-type"] == "application/problem+json"
    assert (body["type"], body["purpose"], body["partner_name"]) == (
        "/problems/consent-required",
        "partner_referral",
        "OIM Maroc",
    )
    listed = await client.get(f"/api/v1/cases/{case['id']}/referrals", headers=agent.headers)
    assert listed.json() == []
    assert await _disclosures(sessionmaker, registrant) == []


async def test_a_consent_naming_another_partner_does_not_cover_this_one(
    client: httpx.AsyncClient, agent: Staff, make_registrant, partner
) -> None:
    registrant = await make_registrant(consents=("partner_referral",), partner_name="Caritas Maroc")
    case = await open_case(client, agent, registrant)
    response = await _refer(client, agent, case["id"], partner["id"])
    assert (response.status_code, response.json()["purpose"]) == (409, "partner_referral")


async def test_a_referral_with_consent_is_registered_with_its_consent(
    client: httpx.AsyncClient, agent: Staff, make_registrant, partner, sessionmaker
) -> None:
    registrant = await make_registrant()  # consents to referral to "OIM Maroc"
    case = await open_case(client, agent, registrant)
    response = await _refer(client, agent, case["id"], partner["id"])
    assert response.status_code == 201, response.text
    async with sessionmaker() as session:
        consent = (await session.execute(select(Consent).where(Consent.registrant_id == registrant))).scalar_one()
    [row] = await _disclosures(sessionmaker, registrant)
    assert (row.kind, row.purpose, row.legal_basis, row.consent_id, row.recipient_name) == (
        "referral",
        "partner_referral",
        "consent",
        consent.id,
        "OIM Maroc",
    )
    assert (row.entity_type, row.entity_id, row.recipient_id) == ("referral", response.json()["id"], partner["id"])
    assert (row.disclosed_by, row.justification) == (agent.id, None)


async def test_a_withdrawn_consent_stops_the_next_referral(
    client: httpx.AsyncClient, agent: Staff, make_registrant, partner, sessionmaker
) -> None:
    registrant = await make_registrant(consents=())
    given = await client.post(
        f"/api/v1/registrants/{registrant}/consents",
        headers=agent.headers,
        json={
            "purpose": "partner_referral",
            "granted": True,
            "channel": "in_person",
            "notice_version": "2026-01",
            "language": "wo",
            "partner_name": "oim  MAROC",
        },
    )
    assert given.status_code == 201, given.text
    case = await open_case(client, agent, registrant)
    first = await _refer(client, agent, case["id"], partner["id"])
    withdrawn = await client.post(
        f"/api/v1/registrants/{registrant}/consents/{given.json()['id']}/withdraw", headers=agent.headers
    )
    second = await _refer(client, agent, case["id"], partner["id"])
    assert [first.status_code, withdrawn.status_code, second.status_code] == [201, 200, 409]
    assert len(await _disclosures(sessionmaker, registrant)) == 1


async def test_a_later_refusal_replaces_an_earlier_grant(
    client: httpx.AsyncClient, agent: Staff, make_registrant, partner
) -> None:
    registrant = await make_registrant()
    refused = await client.post(
        f"/api/v1/registrants/{registrant}/consents",
        headers=agent.headers,
        json={
            "purpose": "partner_referral",
            "granted": False,
            "channel": "phone",
            "notice_version": "2026-01",
            "language": "fr",
            "partner_name": "OIM Maroc",
        },
    )
    assert refused.status_code == 201
    case = await open_case(client, agent, registrant)
    assert (await _refer(client, agent, case["id"], partner["id"])).status_code == 409


async def test_a_referral_consent_expires_after_the_purposes_validity(
    client: httpx.AsyncClient, agent: Staff, make_registrant, partner, sessionmaker
) -> None:
    registrant = await make_registrant(consents=())
    given = await client.post(
        f"/api/v1/registrants/{registrant}/consents",
        headers=agent.headers,
        json={
            "purpose": "partner_referral",
            "granted": True,
            "channel": "in_person",
            "notice_version": "2026-01",
            "language": "wo",
            "partner_name": "OIM Maroc",
        },
    )
    body = given.json()
    recorded = dt.datetime.fromisoformat(body["recorded_at"])
    # The catalogue (README, docs/data-protection.md) gives partner_referral a validity of 365 days.
    assert dt.datetime.fromisoformat(body["expires_at"]) - recorded == dt.timedelta(days=365)
    read = await client.get(f"/api/v1/registrants/{registrant}", headers=agent.headers)
    [shown] = read.json()["consents"]
    assert dt.datetime.fromisoformat(shown["expires_at"]) == dt.datetime.fromisoformat(body["expires_at"])
    async with sessionmaker() as session:
        day_before = recorded + dt.timedelta(days=364)
        day_after = recorded + dt.timedelta(days=366)
        found = await privacy.require_consent(
            session,
            registrant_id=registrant,
            purpose="partner_referral",
            at=day_before,
            partner_id=uuid.UUID(partner["id"]),
        )
        assert found.id == body["id"]
        with pytest.raises(ConsentRequired):
            await privacy.require_consent(
                session,
                registrant_id=registrant,
                purpose="partner_referral",
                at=day_after,
                partner_id=uuid.UUID(partner["id"]),
            )
        # Nor does a consent count before it was given.
        with pytest.raises(ConsentRequired):
            await privacy.require_consent(
                session,
                registrant_id=registrant,
                purpose="partner_referral",
                at=recorded - dt.timedelta(seconds=1),
                partner_id=uuid.UUID(partner["id"]),
            )


async def test_an_expired_consent_refuses_the_referral_over_http(
    client: httpx.AsyncClient, agent: Staff, make_registrant, partner, sessionmaker
) -> None:
    registrant = await make_registrant()
    async with sessionmaker() as session:
        await session.execute(
            update(Consent)
            .where(Consent.registrant_id == registrant)
            .values(expires_at=dt.datetime(2026, 1, 1, tzinfo=dt.UTC))
        )
        await session.commit()
    case = await open_case(client, agent, registrant)
    assert (await _refer(client, agent, case["id"], partner["id"])).status_code == 409


async def test_vital_interest_is_for_supervisors_with_a_justification_and_is_recorded(
    client: httpx.AsyncClient, agent: Staff, supervisor: Staff, make_registrant, partner, sessionmaker
) -> None:
    registrant = await make_registrant(consents=())
    case = await open_case(client, agent, registrant, service_type="EMERGENCY")
    by_agent = await _refer(
        client, agent, case["id"], partner["id"], legal_basis="vital_interest", legal_basis_justification=JUSTIFICATION
    )
    unjustified = await _refer(
        client, supervisor, case["id"], partner["id"], legal_basis="vital_interest", legal_basis_justification="urgent"
    )
    unknown = await _refer(client, supervisor, case["id"], partner["id"], legal_basis="legitimate_interest")
    assert [by_agent.status_code, unjustified.status_code, unknown.status_code] == [403, 422, 422]
    assert [by_agent.json()["type"], unjustified.json()["type"]] == [
        "/problems/legal-basis-forbidden",
        "/problems/legal-basis-justification-required",
    ]
    done = await _refer(
        client,
        supervisor,
        case["id"],
        partner["id"],
        legal_basis="vital_interest",
        legal_basis_justification=JUSTIFICATION,
    )
    assert done.status_code == 201, done.text
    [row] = await _disclosures(sessionmaker, registrant)
    assert (row.legal_basis, row.consent_id, row.justification, row.disclosed_by) == (
        "vital_interest",
        None,
        JUSTIFICATION,
        supervisor.id,
    )
    async with sessionmaker() as session:
        event = (
            await session.execute(select(AuditEvent).where(AuditEvent.action == "privacy.disclosure"))
        ).scalar_one()
    assert (event.details["legal_basis"], event.details["justified"], event.details["entity_id"]) == (
        "vital_interest",
        True,
        done.json()["id"],
    )
    assert JUSTIFICATION not in str(event.details)


async def test_a_transfer_is_registered_with_the_consent_it_used(
    client: httpx.AsyncClient, agent: Staff, make_registrant, sessionmaker
) -> None:
    registrant = await make_registrant(consents=("transfer_to_senegal",))
    case = await open_case(client, agent, registrant)
    assert (await move(client, agent, case["id"], "transferred", to_desk="DKR-MOB")).status_code == 200
    [row] = await _disclosures(sessionmaker, registrant)
    async with sessionmaker() as session:
        consent = (await session.execute(select(Consent).where(Consent.registrant_id == registrant))).scalar_one()
        record = (await session.execute(select(CaseTransfer))).scalar_one()
    assert (row.kind, row.purpose, row.legal_basis, row.consent_id, row.recipient_name) == (
        "transfer",
        "transfer_to_senegal",
        "consent",
        consent.id,
        "DKR-MOB",
    )
    assert (row.entity_id, record.consent_id) == (str(record.id), consent.id)
    assert "residence_status" not in row.fields and "given_names" in row.fields


async def test_a_justification_that_shows_nothing_justifies_nothing(
    client: httpx.AsyncClient, agent: Staff, supervisor: Staff, make_registrant, partner, sessionmaker
) -> None:
    registrant = await make_registrant(consents=())
    case = await open_case(client, agent, registrant, service_type="EMERGENCY")
    invisible = ("\u200b" * 25, " \u200f" * 12, "\u3164" * 20, "urgent" + "\u200b" * 20)
    for text in invisible:  # long enough as typed, fewer than 20 characters that show
        referral = await _refer(
            client, supervisor, case["id"], partner["id"], legal_basis="vital_interest", legal_basis_justification=text
        )
        assert (referral.status_code, referral.json()["type"]) == (
            422,
            "/problems/legal-basis-justification-required",
        ), text
        transfer = await move(
            client, supervisor, case["id"], "transferred", to_desk="DKR-MOB", legal_basis="legal_obligation",
            legal_basis_note=text,
        )  # fmt: skip
        assert (transfer.status_code, transfer.json()["type"]) == (
            422,
            "/problems/legal-basis-justification-required",
        ), text
    assert await _disclosures(sessionmaker, registrant) == []


async def test_a_transfer_on_legal_obligation_needs_a_supervisor_and_is_recorded(
    client: httpx.AsyncClient, agent: Staff, supervisor: Staff, make_registrant, sessionmaker
) -> None:
    registrant = await make_registrant(consents=())
    case = await open_case(client, agent, registrant)
    basis = {"to_desk": "DKR-MOB", "legal_basis": "legal_obligation", "legal_basis_note": JUSTIFICATION}
    refused = await move(client, agent, case["id"], "transferred", **basis)
    done = await move(client, supervisor, case["id"], "transferred", **basis)
    assert [refused.status_code, done.status_code] == [403, 200]
    async with sessionmaker() as session:
        record = (await session.execute(select(CaseTransfer))).scalar_one()
    [row] = await _disclosures(sessionmaker, registrant)
    assert (record.legal_basis, record.consent_id, row.legal_basis, row.justification) == (
        "legal_obligation",
        None,
        "legal_obligation",
        JUSTIFICATION,
    )


async def test_a_notification_through_a_provider_needs_the_contact_consent(
    make_registrant, sessionmaker, desk_ids
) -> None:
    actor = Actor(user_id=None, email="notifier@desk.example", role="admin")
    without = await make_registrant(consents=())
    with_consent = await make_registrant(consents=("contact_sms_whatsapp",))
    async with sessionmaker() as session:
        with pytest.raises(ConsentRequired) as refused:
            await privacy.authorise_notification(
                session,
                actor=actor,
                registrant_id=without,
                desk_id=desk_ids["CASA-BASE"],
                provider="SMS",
                channel="sms",
            )
        assert refused.value.extra["purpose"] == "contact_sms_whatsapp"
        row = await privacy.authorise_notification(
            session,
            actor=actor,
            registrant_id=with_consent,
            desk_id=desk_ids["CASA-BASE"],
            provider="Orange SMS API",
            channel="sms",
        )
        await session.commit()
    assert (row.kind, row.recipient_type, row.recipient_name, row.fields) == (
        "notification",
        "provider",
        "Orange SMS API",
        ["phone", "message:sms"],
    )
    assert [d.id for d in await _disclosures(sessionmaker, with_consent)] == [row.id]
