"""SMS and WhatsApp never go to a fixed line (``phonenumbers``' number type): the person's mobile
is used when they have one; otherwise nothing is queued (``fixed_line``), and a message queued
for a fixed line is withheld by the worker with the reason. Through the file provider."""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import select

from app.core.config import Settings
from app.notifications.models import Notification
from app.notifications.outbox import enqueue_message
from app.notifications.worker import deliver_due


async def _register(client, agent, phones: list[dict[str, Any]]) -> str:  # type: ignore[no-untyped-def]
    body = {
        "given_names": "Moussa",
        "family_name": "Sarr",
        "sex": "male",
        "phones": phones,
        "languages": ["fr"],
        "consents": [
            {
                "purpose": "contact_sms_whatsapp",
                "granted": True,
                "channel": "in_person",
                "notice_version": "2026-01",
                "language": "fr",
            }
        ],
    }
    response = await client.post("/api/v1/registrants", json=body, headers=agent.headers)
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


def _sms(settings: Settings) -> list[dict[str, Any]]:
    path = settings.data_dir / "notifications" / "sms.jsonl"
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()] if path.exists() else []


async def test_a_person_with_only_a_moroccan_fixed_line_gets_no_sms(client, make_staff, sessionmaker, settings) -> None:
    agent = await make_staff("agent", ["CASA-BASE"])
    registrant_id = await _register(client, agent, [{"number": "0522 22 33 44"}])

    assert await deliver_due(sessionmaker, settings) == 0

    listed = await client.get(f"/api/v1/registrants/{registrant_id}/notifications", headers=agent.headers)
    assert [(i["event"], i["status"], i["reason"]) for i in listed.json()["items"]] == [
        ("registration_receipt", "skipped", "fixed_line")
    ]
    assert _sms(settings) == []


async def test_the_mobile_after_a_fixed_line_gets_the_sms(client, make_staff, sessionmaker, settings) -> None:
    agent = await make_staff("agent", ["CASA-BASE"])
    await _register(client, agent, [{"number": "0522 22 33 44"}, {"number": "06 12 34 56 78"}])

    assert await deliver_due(sessionmaker, settings) == 1

    assert [m["recipient"] for m in _sms(settings)] == ["+212612345678"]


async def test_a_message_queued_for_a_fixed_line_is_withheld_with_the_reason(sessionmaker, settings) -> None:
    async with sessionmaker() as session:
        numbers = (("sms", "+212522223344"), ("whatsapp", "+221338210000"), ("sms", "+221771234567"))
        # +1 415 555 0100: FIXED_LINE_OR_MOBILE (the North American plan does not tell them apart)
        for channel, number in (*numbers, ("sms", "+14155550100")):
            await enqueue_message(
                session,
                event="one_time_code",
                channel=channel,
                recipient=number,
                language="fr",
                context={"code": "482913", "expires_minutes": 10},
                dedupe_key=f"otp:{number}",
            )
        await session.commit()

    assert await deliver_due(sessionmaker, settings) == 2

    async with sessionmaker() as session:
        rows = (await session.execute(select(Notification).order_by(Notification.recipient))).scalars().all()
    assert [(r.recipient, r.status, r.reason) for r in rows] == [
        ("+14155550100", "sent", None),
        ("+212522223344", "withheld", "the number is a fixed line: it cannot receive SMS or WhatsApp messages"),
        ("+221338210000", "withheld", "the number is a fixed line: it cannot receive SMS or WhatsApp messages"),
        ("+221771234567", "sent", None),
    ]
    assert sorted(m["recipient"] for m in _sms(settings)) == ["+14155550100", "+221771234567"]
