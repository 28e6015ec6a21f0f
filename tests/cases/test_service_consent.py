"""The consent to be served at the desk (``service_delivery``: reception, orientation and
follow-up) governs opening a case: once the person withdrew or refused it, no new case is opened
for them (409 ``consent-required``), until they give it again. A person with no decision recorded
(files registered or imported before consents were asked) is served as before."""

from __future__ import annotations

import uuid

import httpx
from sqlalchemy import func, select

from app.cases.models import Case
from tests.cases.conftest import open_case
from tests.conftest import Staff


async def _decide(client: httpx.AsyncClient, staff: Staff, registrant: uuid.UUID, granted: bool) -> int:
    response = await client.post(
        f"/api/v1/registrants/{registrant}/consents",
        headers=staff.headers,
        json={
            "purpose": "service_delivery", "granted": granted, "channel": "in_person",
            "notice_version": "2026-01", "language": "wo",
        },
    )  # fmt: skip
    assert response.status_code == 201, response.text
    return int(response.json()["id"])


async def _open(client: httpx.AsyncClient, staff: Staff, registrant: uuid.UUID, lang: str = "fr") -> httpx.Response:
    return await client.post(
        "/api/v1/cases",
        headers={**staff.headers, "Accept-Language": lang},
        json={"registrant_id": str(registrant), "service_type": "SOCIAL", "channel": "walk_in"},
    )


async def _cases(sessionmaker, registrant: uuid.UUID) -> int:  # type: ignore[no-untyped-def]
    async with sessionmaker() as session:
        stmt = select(func.count()).select_from(Case).where(Case.registrant_id == registrant)
        return (await session.execute(stmt)).scalar_one()


async def test_no_case_is_opened_after_the_person_withdrew_the_service_consent(
    client: httpx.AsyncClient, agent: Staff, make_registrant, sessionmaker
) -> None:
    registrant = await make_registrant(consents=())
    consent = await _decide(client, agent, registrant, granted=True)
    await open_case(client, agent, registrant)
    withdrawn = await client.post(
        f"/api/v1/registrants/{registrant}/consents/{consent}/withdraw", headers=agent.headers
    )
    assert withdrawn.status_code == 200, withdrawn.text
    french, english = await _open(client, agent, registrant), await _open(client, agent, registrant, "en")
    assert (french.status_code, french.json()["type"], french.json()["purpose"]) == (
        409, "/problems/consent-required", "service_delivery",
    )  # fmt: skip
    assert french.json()["detail"] == (
        "La personne a retiré son consentement à être servie au guichet (accueil, orientation et suivi) : "
        "aucun dossier ne peut lui être ouvert. Si elle le donne de nouveau, enregistrez-le dans sa fiche."
    )
    assert english.json()["detail"] == (
        "The person withdrew their consent to be served at the desk (reception, orientation and follow-up): "
        "no case can be opened for them. If they give it again, record it on their file."
    )
    assert await _cases(sessionmaker, registrant) == 1


async def test_a_refusal_also_stops_new_cases_and_a_new_grant_lifts_it(
    client: httpx.AsyncClient, agent: Staff, make_registrant
) -> None:
    registrant = await make_registrant(consents=())
    await _decide(client, agent, registrant, granted=False)
    refused = await _open(client, agent, registrant)
    assert (refused.status_code, refused.json()["type"]) == (409, "/problems/consent-required")
    assert refused.json()["detail"].startswith("La personne a refusé d'être servie au guichet")
    await _decide(client, agent, registrant, granted=True)
    assert (await _open(client, agent, registrant)).status_code == 201


async def test_a_person_with_no_decision_recorded_is_served(
    client: httpx.AsyncClient, agent: Staff, make_registrant
) -> None:
    assert (await _open(client, agent, await make_registrant(consents=()))).status_code == 201
