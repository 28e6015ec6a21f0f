"""A ``partner_referral`` consent designates one partner organisation, for good: its id, never a
name that a rename or a new partner with a like name could make designate another one; and no two
partners have names that differ only by case, accents or spacing."""

from __future__ import annotations

import uuid
from typing import Any

import httpx
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.privacy.models import Disclosure
from tests.cases.conftest import open_case
from tests.conftest import Staff

PARTNERS = "/api/v1/partners"
DECISION = {"purpose": "partner_referral", "channel": "in_person", "notice_version": "2026-01", "language": "fr"}


async def _partner(client: httpx.AsyncClient, admin: Staff, name: str) -> httpx.Response:
    return await client.post(
        PARTNERS, headers=admin.headers, json={"name": name, "kind": "international_organisation", "country": "MA"}
    )


async def _rename(client: httpx.AsyncClient, admin: Staff, partner_id: str, name: str) -> httpx.Response:
    current = await client.get(f"{PARTNERS}/{partner_id}", headers=admin.headers)
    return await client.patch(
        f"{PARTNERS}/{partner_id}", headers={**admin.headers, "If-Match": current.headers["etag"]}, json={"name": name}
    )


async def _consent(client: httpx.AsyncClient, agent: Staff, registrant: uuid.UUID, **body: Any) -> httpx.Response:
    return await client.post(
        f"/api/v1/registrants/{registrant}/consents", headers=agent.headers, json={**DECISION, "granted": True, **body}
    )


async def _refer(client: httpx.AsyncClient, agent: Staff, case_id: str, partner_id: str) -> httpx.Response:
    return await client.post(
        f"/api/v1/cases/{case_id}/referrals", headers=agent.headers, json={"partner_id": partner_id}
    )


async def test_partner_names_differing_only_by_case_accents_or_spacing_are_taken(
    client: httpx.AsyncClient, admin: Staff, partner: dict[str, Any]
) -> None:
    other = await _partner(client, admin, "Caritas Rabat")
    assert other.status_code == 201, other.text
    created = [(await _partner(client, admin, name)).status_code for name in ("oim  maroc", "OÏM Maroc", "OIM-Maroc")]
    clash = await _rename(client, admin, other.json()["id"], "OIM MAROC")
    assert (created, clash.status_code) == ([409, 409, 409], 409)
    assert clash.json()["type"] == "/problems/partner-name-taken"
    assert clash.json()["partner_id"] == partner["id"]
    listed = await client.get(PARTNERS, headers=admin.headers)
    assert sorted(p["name"] for p in listed.json()["items"]) == ["Caritas Rabat", "OIM Maroc"]
    # a partner may change its own name's case or spacing
    assert (await _rename(client, admin, partner["id"], "OIM  MAROC")).status_code == 200


async def test_a_consent_keeps_designating_its_partner_whatever_happens_to_partner_records(
    client: httpx.AsyncClient,
    admin: Staff,
    agent: Staff,
    make_registrant,  # type: ignore[no-untyped-def]
    partner: dict[str, Any],
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    registrant = await make_registrant(consents=())
    given = await _consent(client, agent, registrant, partner_id=partner["id"])
    assert given.status_code == 201, given.text
    assert (given.json()["partner_id"], given.json()["partner_name"]) == (partner["id"], "OIM Maroc")
    other = (await _partner(client, admin, "Caritas Rabat")).json()
    case = await open_case(client, agent, registrant)

    # the partner renamed: the consent still covers it
    assert (await _rename(client, admin, partner["id"], "IOM Morocco")).status_code == 200
    # the old name given to another partner: the consent does not cover that one
    assert (await _rename(client, admin, other["id"], "OIM Maroc")).status_code == 200
    refused = await _refer(client, agent, case["id"], other["id"])
    assert (refused.status_code, refused.json()["type"]) == (409, "/problems/consent-required")
    assert refused.json()["partner_id"] == other["id"]
    referred = await _refer(client, agent, case["id"], partner["id"])
    assert referred.status_code == 201, referred.text

    async with sessionmaker() as session:
        [disclosure] = (
            await session.execute(select(Disclosure).where(Disclosure.registrant_id == registrant))
        ).scalars()
    assert (disclosure.recipient_id, disclosure.consent_id) == (partner["id"], given.json()["id"])
    read = await client.get(f"/api/v1/registrants/{registrant}", headers=agent.headers)
    assert [(c["partner_id"], c["partner_name"]) for c in read.json()["consents"]] == [(partner["id"], "OIM Maroc")]


async def test_a_consent_recorded_by_name_designates_the_one_partner_of_that_name(
    client: httpx.AsyncClient,
    admin: Staff,
    agent: Staff,
    make_registrant,  # type: ignore[no-untyped-def]
    partner: dict[str, Any],
) -> None:
    registrant = await make_registrant(consents=())
    by_name = await _consent(client, agent, registrant, partner_name="oim  MAROC")
    assert by_name.status_code == 201, by_name.text
    assert (by_name.json()["partner_id"], by_name.json()["partner_name"]) == (partner["id"], "oim MAROC")
    case = await open_case(client, agent, registrant)
    assert (await _rename(client, admin, partner["id"], "IOM Morocco")).status_code == 200
    assert (await _refer(client, agent, case["id"], partner["id"])).status_code == 201

    unknown = await _consent(client, agent, registrant, partner_name="OIM Sénégal")
    missing = await _consent(client, agent, registrant, partner_id=str(uuid.uuid4()))
    mismatched = await _consent(client, agent, registrant, partner_id=partner["id"], partner_name="Caritas Rabat")
    assert [(r.status_code, r.json()["type"], r.json()["field"]) for r in (unknown, missing, mismatched)] == [
        (422, "/problems/unknown-partner", "partner_name"),
        (422, "/problems/unknown-partner", "partner_id"),
        (422, "/problems/validation-failed", "partner_name"),
    ]
    not_referral = await _consent(client, agent, registrant, purpose="contact_email", partner_id=partner["id"])
    assert not_referral.status_code == 422
    read = await client.get(f"/api/v1/registrants/{registrant}", headers=agent.headers)
    assert len(read.json()["consents"]) == 1  # nothing refused was stored


async def test_a_registration_binds_its_referral_consent_to_the_partner(
    client: httpx.AsyncClient, agent: Staff, partner: dict[str, Any]
) -> None:
    person = {"given_names": "Mariama", "family_name": "Sow", "sex": "female", "date_of_birth": "1990-02-03"}
    known = await client.post(
        "/api/v1/registrants?confirm_duplicates=true",
        headers=agent.headers,
        json={**person, "consents": [{**DECISION, "granted": True, "partner_name": "OIM MAROC"}]},
    )
    unknown = await client.post(
        "/api/v1/registrants?confirm_duplicates=true",
        headers=agent.headers,
        json={**person, "given_names": "Fama", "consents": [{**DECISION, "granted": True, "partner_name": "OIM Mali"}]},
    )
    assert known.status_code == 201, known.text
    assert [(c["partner_id"], c["partner_name"]) for c in known.json()["consents"]] == [(partner["id"], "OIM MAROC")]
    assert (unknown.status_code, unknown.json()["field"]) == (422, "consents.0.partner_name")


async def test_another_partner_renamed_like_the_consented_one_gets_no_referral(
    client: httpx.AsyncClient,
    admin: Staff,
    agent: Staff,
    make_registrant,  # type: ignore[no-untyped-def]
    partner: dict[str, Any],
) -> None:
    """The black-box tester's case: the person consented to "OIM Maroc" only."""
    registrant = await make_registrant(consents=())
    assert (await _consent(client, agent, registrant, partner_name="OIM Maroc")).status_code == 201
    other = (await _partner(client, admin, "Caritas Rabat")).json()
    renamed = await _rename(client, admin, other["id"], "OIM MAROC")
    case = await open_case(client, agent, registrant)
    referred = await _refer(client, agent, case["id"], other["id"])
    assert (renamed.status_code, referred.status_code) == (409, 409)
    # deactivated, the partner keeps its name: no new partner takes it
    current = await client.get(f"{PARTNERS}/{partner['id']}", headers=admin.headers)
    off = await client.patch(
        f"{PARTNERS}/{partner['id']}",
        headers={**admin.headers, "If-Match": current.headers["etag"]},
        json={"is_active": False},
    )
    assert (off.status_code, (await _partner(client, admin, "OIM maroc")).status_code) == (200, 409)
