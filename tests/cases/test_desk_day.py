"""A desk day over HTTP: a request opened, qualified, referred to a partner, an appointment booked,
a note added, the partner's answer recorded, the case resolved — and the timeline and audit log
tell that story exactly.

The person is registered straight in the database and the appointment is added with
``app.cases.timeline.add_event`` exactly as the registrants and appointments domains (other
branches) will do once integrated.
"""

from __future__ import annotations

import uuid

import httpx
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.cases.timeline import add_event
from app.core.context import Actor
from tests.cases.conftest import move, open_case, refer
from tests.conftest import Staff


async def test_a_desk_day_is_told_by_the_timeline_and_the_audit_log(
    client: httpx.AsyncClient,
    agent: Staff,
    admin: Staff,
    make_registrant,
    partner,
    sessionmaker: async_sessionmaker[AsyncSession],
    audit_log,
) -> None:
    registrant = await make_registrant(given="Mouhamadou", family="Diop")
    case = await open_case(client, agent, registrant, service_type="RETURN_REINTEGRATION", language="wo")
    case_id = case["id"]
    take = await client.post(
        f"/api/v1/cases/{case_id}/assignment",
        headers={**agent.headers, "If-Match": '"v1"'},
        json={"assignee_id": str(agent.id)},
    )
    assert take.status_code == 200
    assert (await move(client, agent, case_id, "qualified")).status_code == 200
    referral = await refer(client, agent, case_id, partner["id"], partner_reference="AVRR-2026-0031")
    assert (await move(client, agent, case_id, "referred")).status_code == 200
    async with sessionmaker() as session:
        actor = Actor(user_id=agent.id, email=agent.email, role="agent")
        await add_event(
            session,
            case_id=uuid.UUID(case_id),
            kind="appointment_booked",
            actor=actor,
            details={"starts_at": "2026-12-02T10:00:00+01:00"},
        )
        await session.commit()
    note = await client.post(
        f"/api/v1/cases/{case_id}/notes", headers=agent.headers, json={"text": "Billet retenu pour le 15."}
    )
    assert note.status_code == 201
    answer = await client.patch(
        f"/api/v1/cases/{case_id}/referrals/{referral['id']}",
        headers={**agent.headers, "If-Match": '"v1"'},
        json={"status": "answered", "outcome": "retour accepté"},
    )
    assert answer.status_code == 200
    assert (await move(client, agent, case_id, "in_follow_up")).status_code == 200
    resolved = await move(client, agent, case_id, "resolved", outcome_category="economic")
    assert resolved.status_code == 200

    timeline = (await client.get(f"/api/v1/cases/{case_id}/timeline", headers=agent.headers)).json()["items"]
    story = [(e["kind"], e["details"].get("to") if e["kind"] == "status_changed" else None) for e in timeline]
    assert story == [
        ("case_opened", None),
        ("assigned", None),
        ("status_changed", "qualified"),
        ("referral_created", None),
        ("status_changed", "referred"),
        ("appointment_booked", None),
        ("note_added", None),
        ("referral_updated", None),
        ("status_changed", "in_follow_up"),
        ("status_changed", "resolved"),
    ]
    assert {e["actor_label"] for e in timeline} == {agent.email}
    assert timeline[-1]["details"] == {"from": "in_follow_up", "to": "resolved", "outcome_category": "economic"}
    assert timeline[7]["details"]["changes"]["status"] == {"before": "sent", "after": "answered"}

    audit = await client.get(f"/api/v1/audit/events?actor_id={agent.id}&limit=200", headers=admin.headers)
    writes = [
        e["action"]
        for e in reversed(audit.json()["items"])
        # The messages these changes queue for the person are the notifications tests' business.
        if not (
            e["action"].endswith("read") or e["action"].endswith(".list") or e["action"].startswith("notification.")
        )
    ]
    assert writes == [
        "case.create",
        "case.assign",
        "case.transition",
        "privacy.disclosure",
        "referral.create",
        "case.transition",
        "case_note.create",
        "referral.update",
        "case.transition",
        "case.transition",
    ]
    await audit_log.seal()
    assert (await audit_log.verify()).ok
