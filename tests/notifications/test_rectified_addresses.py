"""A message queued before an agent rectified the person's address goes to the address on file
when the worker claims it — never to the corrected one — or is withheld when none is left: e-mail
to a real local SMTP server (aiosmtpd), SMS and WhatsApp through the file provider."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import select

from app.audit.models import AuditEvent
from app.core.config import Settings
from app.notifications.models import Notification
from app.notifications.worker import deliver_due
from tests.notifications.servers import SmtpSink, smtp_server

CORRECTED = "Adresse mal saisie au guichet"


@pytest.fixture
def smtp() -> Iterator[SmtpSink]:
    yield from smtp_server()


@pytest.fixture
def mail_settings(settings: Settings, smtp: SmtpSink) -> Settings:
    return settings.model_copy(update={"smtp_port": smtp.port})


async def _register(client, agent, **contact: Any) -> str:  # type: ignore[no-untyped-def]
    purposes = ("contact_email", "contact_sms_whatsapp")
    body = {
        "given_names": "Aïssatou",
        "family_name": "Diallo",
        "sex": "female",
        "languages": ["fr"],
        "consents": [
            {"purpose": p, "granted": True, "channel": "in_person", "notice_version": "2026-01", "language": "fr"}
            for p in purposes
        ],
        **contact,
    }
    response = await client.post("/api/v1/registrants", json=body, headers=agent.headers)
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


async def _correct(client, agent, registrant_id: str, **changes: Any) -> None:  # type: ignore[no-untyped-def]
    response = await client.patch(
        f"/api/v1/registrants/{registrant_id}",
        json={**changes, "reason": CORRECTED},
        headers={**agent.headers, "If-Match": '"v1"'},
    )
    assert response.status_code == 200, response.text


async def _receipt(sessionmaker) -> Notification:  # type: ignore[no-untyped-def]
    async with sessionmaker() as session:
        return (
            await session.execute(select(Notification).where(Notification.event == "registration_receipt"))
        ).scalar_one()


def _sent(settings: Settings, channel: str) -> list[dict[str, Any]]:
    path = settings.data_dir / "notifications" / f"{channel}.jsonl"
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()] if path.exists() else []


async def test_an_email_queued_before_the_address_was_corrected_goes_to_the_corrected_address(
    client, make_staff, sessionmaker, mail_settings, smtp
) -> None:
    agent = await make_staff("agent", ["CASA-BASE"])
    registrant_id = await _register(client, agent, email="aissatou.dialo@example.org")
    await _correct(client, agent, registrant_id, email="aissatou.diallo@example.org")

    assert await deliver_due(sessionmaker, mail_settings) == 1

    assert [str(m["To"]) for m in smtp.messages] == ["aissatou.diallo@example.org"]
    receipt = await _receipt(sessionmaker)
    assert (receipt.status, receipt.recipient) == ("sent", "aissatou.diallo@example.org")
    async with sessionmaker() as session:
        [readdressed] = (
            (await session.execute(select(AuditEvent).where(AuditEvent.action == "notification.readdress")))
            .scalars()
            .all()
        )
    assert readdressed.entity_id == str(receipt.id)
    assert {k: readdressed.details[k] for k in ("channel", "why")} == {"channel": "email", "why": "address rectified"}
    assert "aissatou" not in json.dumps(readdressed.details)  # the addresses are the person's sealed values


async def test_an_email_queued_before_the_address_was_removed_is_withheld(
    client, make_staff, sessionmaker, mail_settings, smtp
) -> None:
    agent = await make_staff("agent", ["CASA-BASE"])
    registrant_id = await _register(client, agent, email="aissatou.dialo@example.org")
    await _correct(client, agent, registrant_id, email=None)

    assert await deliver_due(sessionmaker, mail_settings) == 0

    receipt = await _receipt(sessionmaker)
    assert smtp.messages == []
    assert (receipt.status, receipt.reason) == (
        "withheld",
        "no email address on file any more: it was removed or corrected after the message was queued",
    )


async def test_a_whatsapp_message_queued_before_the_number_changed_goes_to_the_new_number(
    client, make_staff, sessionmaker, settings
) -> None:
    agent = await make_staff("agent", ["CASA-BASE"])
    registrant_id = await _register(client, agent, phones=[{"number": "06 12 34 56 78", "whatsapp": True}])
    await _correct(client, agent, registrant_id, phones=[{"number": "06 98 76 54 32", "whatsapp": True}])

    assert await deliver_due(sessionmaker, settings) == 1

    assert [m["recipient"] for m in _sent(settings, "whatsapp")] == ["+212698765432"]
    assert (await _receipt(sessionmaker)).recipient == "+212698765432"


async def test_an_sms_queued_before_the_number_was_removed_is_withheld(
    client, make_staff, sessionmaker, settings
) -> None:
    agent = await make_staff("agent", ["CASA-BASE"])
    registrant_id = await _register(client, agent, phones=[{"number": "06 12 34 56 78"}])
    await _correct(client, agent, registrant_id, phones=[])

    assert await deliver_due(sessionmaker, settings) == 0

    receipt = await _receipt(sessionmaker)
    assert (receipt.channel, receipt.status, _sent(settings, "sms")) == ("sms", "withheld", [])
    assert receipt.reason == "no sms address on file any more: it was removed or corrected after the message was queued"
