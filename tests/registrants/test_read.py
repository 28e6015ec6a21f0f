"""Reading one registrant's record: the same record whatever the path, and every read logged.

On PostgreSQL the read takes its own two statements (record as JSON, then the audit append); these
tests hold it to the record the ORM builds when the person is created or changed.
"""

from __future__ import annotations

import uuid

import pytest

from app.audit import service as audit
from app.auth.cache import AuthCache
from tests.registrants.conftest import URL, person

pytestmark = pytest.mark.usefixtures("oim_maroc")  # FULL's referral consent names that partner

FULL = person(
    email="fatou.ndiaye@example.sn",
    origin_region="Thiès",
    host_city="Casablanca",
    phones=[{"number": "77-123-45-67", "label": "mobile"}, {"number": "+212 6 61 23 45 67", "whatsapp": True}],
    documents=[
        {"doc_type": "passport", "number": "A0 123-4567", "issuing_country": "SN", "expires_on": "2031-05-30"},
        {"doc_type": "cni_ecowas", "number": "1 234 1994 00012"},
    ],
    languages=["wo", "fr"],
    arrival_date="2024-09-01",
    residence_status="carte de séjour étudiant",
    consents=[
        {
            "purpose": "service_delivery",
            "granted": True,
            "channel": "in_person",
            "notice_version": "2026-01",
            "language": "wo",
        },
        {
            "purpose": "partner_referral",
            "granted": False,
            "channel": "paper_form",
            "notice_version": "2026-01",
            "language": "fr",
            "partner_name": "OIM Maroc",
        },
    ],
)

AGENT_FULL = {key: value for key, value in FULL.items() if key != "residence_status"}  # agents may not write it


async def test_the_record_read_is_the_record_created(casa_supervisor, create, client) -> None:
    created = await create(casa_supervisor, FULL)
    assert created.status_code == 201, created.text
    read = await client.get(f"{URL}/{created.json()['id']}", headers=casa_supervisor.headers)
    assert read.status_code == 200
    assert read.json() == created.json()
    assert read.json()["residence_status"] == "carte de séjour étudiant"
    assert len(read.json()["consents"]) == 2


async def test_an_agent_reads_the_record_without_the_restricted_field(casa_supervisor, casa_agent, create, client):
    created = (await create(casa_supervisor, FULL)).json()
    read = (await client.get(f"{URL}/{created['id']}", headers=casa_agent.headers)).json()
    assert read["residence_status"] is None
    assert read == {**created, "residence_status": None}


async def test_a_withdrawn_consent_reads_back_with_its_utc_time(casa_agent, create, client) -> None:
    created = (await create(casa_agent, AGENT_FULL)).json()
    consent_id = created["consents"][0]["id"]
    withdrawn = await client.post(f"{URL}/{created['id']}/consents/{consent_id}/withdraw", headers=casa_agent.headers)
    assert withdrawn.status_code == 200, withdrawn.text
    read = (await client.get(f"{URL}/{created['id']}", headers=casa_agent.headers)).json()
    (consent,) = [c for c in read["consents"] if c["id"] == consent_id]
    assert consent == withdrawn.json()
    assert consent["withdrawn_at"].endswith("Z")


async def test_the_record_read_after_an_update_carries_the_new_version(casa_agent, create, client) -> None:
    created = await create(casa_agent, AGENT_FULL)
    url = f"{URL}/{created.json()['id']}"
    patched = await client.patch(
        url, json={"host_city": "Rabat"}, headers={**casa_agent.headers, "If-Match": created.headers["etag"]}
    )
    assert patched.status_code == 200, patched.text
    read = await client.get(url, headers=casa_agent.headers)
    assert read.headers["etag"] == '"v2"'
    assert read.json() == patched.json()


async def test_reads_are_logged_in_an_unbroken_chain(casa_agent, create, client, audit_events, audit_log) -> None:
    created = (await create(casa_agent, AGENT_FULL)).json()
    for _ in range(3):
        assert (await client.get(f"{URL}/{created['id']}", headers=casa_agent.headers)).status_code == 200
    reads = await audit_events(created["id"], "registrant.read")
    assert [(e.actor_id, e.actor_role, str(e.desk_id)) for e in reads] == [
        (casa_agent.id, "agent", created["desk_id"])
    ] * 3
    assert reads[0].request_id is not None
    assert reads[0].ip == "203.0.113.7"
    await audit_log.seal()
    result = await audit_log.verify()
    assert result.ok, result


async def test_a_record_out_of_scope_is_404_and_its_read_is_not_logged(
    casa_agent, dakar_agent, create, client, audit_events
) -> None:
    created = (await create(casa_agent, AGENT_FULL)).json()
    response = await client.get(f"{URL}/{created['id']}", headers=dakar_agent.headers)
    assert response.status_code == 404
    assert await audit_events(created["id"], "registrant.read") == []


async def test_a_read_in_a_request_that_already_opened_its_transaction_is_logged(
    app, casa_agent, create, client, audit_events, audit_log
) -> None:
    # With no remembered actor, the actor is read through the request's session first, so the
    # record and its event go through that open transaction and commit with the request.
    app.state.auth_cache = AuthCache(ttl_seconds=0)
    created = (await create(casa_agent, AGENT_FULL)).json()
    read = await client.get(f"{URL}/{created['id']}", headers=casa_agent.headers)
    assert read.status_code == 200
    assert read.json() == created
    assert len(await audit_events(created["id"], "registrant.read")) == 1
    await audit_log.seal()
    assert (await audit_log.verify()).ok


async def test_a_read_inside_a_transaction_rolls_back_with_it(casa_agent, create, sessionmaker, audit_events) -> None:
    # A transaction begun by queuing an event (no statement sent yet): the read and its event
    # must belong to it and vanish with its rollback, not commit on their own.
    from app.auth.service import load_actor
    from app.registrants import service

    created = (await create(casa_agent, AGENT_FULL)).json()
    async with sessionmaker() as session:
        actor = await load_actor(session, user_id=casa_agent.id, token_version=1)
        await session.rollback()
        assert actor is not None
        await audit.record(session, actor=actor, action="test.begin", entity_type="test")
        record = await service.read(session, actor=actor, registrant_id=uuid.UUID(created["id"]))
        assert str(record.id) == created["id"]
        await session.rollback()
    assert await audit_events(created["id"], "registrant.read") == []
