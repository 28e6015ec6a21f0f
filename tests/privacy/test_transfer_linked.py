"""A person's files at every desk of the controller, linked by transfers: an erasure reaches them
all (or none, under a legal hold), an access archive names them, and a consent withdrawn at one
desk is withdrawn at the others — whose queued messages are then withheld."""

from __future__ import annotations

import io
import json
import uuid
import zipfile
from typing import Any

import httpx
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.audit.models import AuditEvent
from app.cases.models import CaseTransfer
from app.core.config import Settings
from app.desks.models import Desk
from app.notifications.models import Notification
from app.notifications.worker import deliver_due
from app.privacy.models import Disclosure
from app.registrants.models import Consent, Registrant
from tests.cases.conftest import move, open_case
from tests.conftest import Staff

CONSENTS = ("transfer_to_senegal", "contact_sms_whatsapp")


async def _transfer(client: httpx.AsyncClient, staff: Staff, case_id: str, to_desk: str = "DKR-MOB") -> str:
    response = await move(client, staff, case_id, "transferred", to_desk=to_desk)
    assert response.status_code == 200, response.text
    return str(response.json()["transferred_to_case_id"])


async def _copy_of(sessionmaker: async_sessionmaker[AsyncSession], source_case_id: str) -> uuid.UUID:
    async with sessionmaker() as session:
        stmt = select(CaseTransfer.target_registrant_id).where(CaseTransfer.source_case_id == uuid.UUID(source_case_id))
        return (await session.execute(stmt)).scalar_one()


async def _request(client: httpx.AsyncClient, staff: Staff, registrant_id: object, kind: str) -> str:
    response = await client.post(
        "/api/v1/privacy/subject-requests",
        headers=staff.headers,
        json={"registrant_id": str(registrant_id), "kind": kind},
    )
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


async def _erase(client: httpx.AsyncClient, staff: Staff, registrant_id: object) -> httpx.Response:
    request_id = await _request(client, staff, registrant_id, "erasure")
    return await client.post(f"/api/v1/privacy/subject-requests/{request_id}/erase", headers=staff.headers)


async def _sent_to_dakar(
    client: httpx.AsyncClient, agent: Staff, dakar_agent: Staff, make_registrant
) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    """A person registered at Casablanca, their case transferred to Dakar, where a message about
    it is queued for the copy: ids of the file, the copy and both cases."""
    registrant = await make_registrant(consents=CONSENTS)
    case = await open_case(client, agent, registrant)
    target = await _transfer(client, agent, case["id"])
    qualified = await move(client, dakar_agent, target, "qualified")
    assert qualified.status_code == 200, qualified.text
    return {"registrant": registrant, "case": case["id"], "target": target}


async def test_erasing_at_the_sending_desk_erases_the_copy_at_the_receiving_desk(
    client: httpx.AsyncClient,
    agent: Staff,
    supervisor: Staff,
    dakar_agent: Staff,
    make_registrant,
    sessionmaker: async_sessionmaker[AsyncSession],
    settings: Settings,
) -> None:
    sent = await _sent_to_dakar(client, agent, dakar_agent, make_registrant)
    copy = await _copy_of(sessionmaker, sent["case"])
    erased = await _erase(client, supervisor, sent["registrant"])
    assert erased.status_code == 200, erased.text
    files = [
        (f["registrant_id"], f["desk_code"], f["link"], f["already_erased"]) for f in erased.json()["files_erased"]
    ]
    assert files == [
        (str(sent["registrant"]), "CASA-BASE", "request", False),
        (str(copy), "DKR-MOB", "transfer", False),
    ]
    # what was removed is counted at each file, and the answer's counts add them up
    per_file = [f["counts"] for f in erased.json()["files_erased"]]
    assert [(c["phones"], c["cases"]) for c in per_file] == [(1, 1), (1, 1)]
    kinds = {*per_file[0], *per_file[1]}
    assert erased.json()["counts"] == {k: per_file[0].get(k, 0) + per_file[1].get(k, 0) for k in kinds}

    shown = (await client.get(f"/api/v1/registrants/{copy}", headers=dakar_agent.headers)).json()
    assert (shown["given_names"], shown["family_name"], shown["phones"]) == ("[anonymisé]", "[anonymisé]", [])
    assert shown["anonymised_at"] is not None
    async with sessionmaker() as session:
        in_force = await session.execute(
            select(Consent.id).where(Consent.registrant_id == copy, Consent.withdrawn_at.is_(None), Consent.granted)
        )
        assert list(in_force.scalars()) == []
        messages = await session.execute(select(Notification.status).where(Notification.registrant_id == copy))
        assert set(messages.scalars()) == {"withheld"}
    # nothing more goes out about the person from Dakar: no message, no disclosure
    await deliver_due(sessionmaker, settings)
    async with sessionmaker() as session:
        disclosures = await session.execute(select(Disclosure.kind).where(Disclosure.registrant_id == copy))
        assert list(disclosures.scalars()) == []
    refused = await move(client, dakar_agent, sent["target"], "oriented")
    assert (refused.status_code, refused.json()["type"]) == (409, "/problems/registrant-erased")
    # the same request again: every file already erased, nothing changes
    request_id = erased.json()["subject_request_id"]
    again = await client.post(f"/api/v1/privacy/subject-requests/{request_id}/erase", headers=supervisor.headers)
    assert [(f["already_erased"], f["counts"]) for f in again.json()["files_erased"]] == [(True, {}), (True, {})]
    assert again.json()["counts"] == {}


async def test_erasing_a_copy_reaches_back_and_on_through_every_transfer(
    client: httpx.AsyncClient,
    agent: Staff,
    dakar_agent: Staff,
    dakar_supervisor: Staff,
    make_registrant,
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    async with sessionmaker() as session:
        session.add(
            Desk(
                code="SLO-MOB",
                number_prefix="SLO",
                name="Saint-Louis",
                country="SN",
                city="Saint-Louis",
                time_zone="Africa/Dakar",
            )
        )
        await session.commit()
    sent = await _sent_to_dakar(client, agent, dakar_agent, make_registrant)
    copy = await _copy_of(sessionmaker, sent["case"])
    await _transfer(client, dakar_agent, sent["target"], to_desk="SLO-MOB")
    further = await _copy_of(sessionmaker, sent["target"])
    erased = await _erase(client, dakar_supervisor, copy)
    assert erased.status_code == 200, erased.text
    files = [(f["registrant_id"], f["desk_code"]) for f in erased.json()["files_erased"]]
    assert files == [(str(copy), "DKR-MOB"), (str(sent["registrant"]), "CASA-BASE"), (str(further), "SLO-MOB")]
    async with sessionmaker() as session:
        rows = await session.execute(
            select(Registrant.given_names, Registrant.anonymised_at).where(
                Registrant.id.in_([sent["registrant"], copy, further])
            )
        )
        assert [(name, at is not None) for name, at in rows] == [("[anonymisé]", True)] * 3
        events = await session.execute(select(AuditEvent.entity_id).where(AuditEvent.action == "privacy.erasure"))
        assert sorted(events.scalars()) == sorted(str(i) for i in (sent["registrant"], copy, further))


async def test_a_legal_hold_on_the_copy_stops_the_whole_erasure(
    client: httpx.AsyncClient,
    agent: Staff,
    supervisor: Staff,
    dakar_agent: Staff,
    dakar_supervisor: Staff,
    make_registrant,
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    sent = await _sent_to_dakar(client, agent, dakar_agent, make_registrant)
    copy = await _copy_of(sessionmaker, sent["case"])
    hold = await client.post(
        "/api/v1/privacy/legal-holds",
        headers=dakar_supervisor.headers,
        json={"registrant_id": str(copy), "reason": "Enquête du procureur de Dakar"},
    )
    assert hold.status_code == 201, hold.text
    refused = await _erase(client, supervisor, sent["registrant"])
    assert (refused.status_code, refused.json()["type"]) == (409, "/problems/legal-hold")
    assert (refused.json()["legal_hold"]["id"], refused.json()["legal_hold"]["registrant_id"]) == (
        hold.json()["id"],
        str(copy),
    )
    async with sessionmaker() as session:
        rows = await session.execute(
            select(Registrant.family_name).where(Registrant.id.in_([sent["registrant"], copy]))
        )
        assert list(rows.scalars()) == ["Ndiaye", "Ndiaye"]


async def test_the_access_archive_names_the_copy_at_the_other_desk(
    client: httpx.AsyncClient,
    agent: Staff,
    supervisor: Staff,
    dakar_agent: Staff,
    make_registrant,
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    sent = await _sent_to_dakar(client, agent, dakar_agent, make_registrant)
    copy = await _copy_of(sessionmaker, sent["case"])
    request_id = await _request(client, supervisor, sent["registrant"], "access")
    archive = await client.post(f"/api/v1/privacy/subject-requests/{request_id}/archive", headers=supervisor.headers)
    assert archive.status_code == 200, archive.text
    with zipfile.ZipFile(io.BytesIO(archive.content)) as z:
        data = json.loads(z.read("data.json"))
        summary = z.read("resume.html").decode()
    (linked,) = data["linked_files"]
    assert (linked["registrant_id"], linked["desk_code"], linked["link"]) == (str(copy), "DKR-MOB", "transfer")
    assert linked["registration_number"].startswith("DKR-") and linked["registration_number"] in summary


async def _consent(sessionmaker: async_sessionmaker[AsyncSession], registrant_id: object, purpose: str) -> Consent:
    async with sessionmaker() as session:
        stmt = select(Consent).where(Consent.registrant_id == registrant_id, Consent.purpose == purpose)
        return (await session.execute(stmt.order_by(Consent.id))).scalars().first()  # type: ignore[return-value]


async def test_a_withdrawal_at_one_desk_withdraws_the_copy_and_withholds_its_messages(
    client: httpx.AsyncClient,
    agent: Staff,
    dakar_agent: Staff,
    make_registrant,
    sessionmaker: async_sessionmaker[AsyncSession],
    settings: Settings,
) -> None:
    sent = await _sent_to_dakar(client, agent, dakar_agent, make_registrant)
    copy = await _copy_of(sessionmaker, sent["case"])
    original = await _consent(sessionmaker, sent["registrant"], "contact_sms_whatsapp")
    withdrawn = await client.post(
        f"/api/v1/registrants/{sent['registrant']}/consents/{original.id}/withdraw", headers=agent.headers
    )
    assert withdrawn.status_code == 200, withdrawn.text
    copied = await _consent(sessionmaker, copy, "contact_sms_whatsapp")
    assert copied.withdrawn_at is not None
    assert (await _consent(sessionmaker, copy, "transfer_to_senegal")).withdrawn_at is None  # that purpose only
    await deliver_due(sessionmaker, settings)
    async with sessionmaker() as session:
        messages = await session.execute(select(Notification.status).where(Notification.registrant_id == copy))
        assert list(messages.scalars()) == ["withheld"]
        disclosures = await session.execute(select(Disclosure.kind).where(Disclosure.registrant_id == copy))
        assert list(disclosures.scalars()) == []
        audited = await session.execute(
            select(AuditEvent.details).where(
                AuditEvent.action == "registrant.consent_withdraw", AuditEvent.entity_id == str(copy)
            )
        )
        (details,) = audited.scalars()
    assert details["consent_id"] == copied.id
    assert details["propagated_from"] == {"registrant_id": str(sent["registrant"]), "consent_id": original.id}


async def test_a_refusal_at_the_receiving_desk_reaches_back_but_a_grant_does_not(
    client: httpx.AsyncClient,
    agent: Staff,
    dakar_agent: Staff,
    make_registrant,
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    sent = await _sent_to_dakar(client, agent, dakar_agent, make_registrant)
    copy = await _copy_of(sessionmaker, sent["case"])
    decision = {"channel": "in_person", "notice_version": "2026-01", "language": "wo"}
    refused = await client.post(
        f"/api/v1/registrants/{copy}/consents",
        headers=dakar_agent.headers,
        json={"purpose": "contact_sms_whatsapp", "granted": False, **decision},
    )
    granted = await client.post(
        f"/api/v1/registrants/{copy}/consents",
        headers=dakar_agent.headers,
        json={"purpose": "statistics", "granted": True, **decision},
    )
    assert (refused.status_code, granted.status_code) == (201, 201), refused.text
    assert (await _consent(sessionmaker, sent["registrant"], "contact_sms_whatsapp")).withdrawn_at is not None
    assert await _consent(sessionmaker, sent["registrant"], "statistics") is None
