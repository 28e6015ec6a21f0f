"""Codes delivered for real by the notification worker: e-mail to a local SMTP server (aiosmtpd),
WhatsApp through the file provider; the person signs in with the code read from what arrived."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.core.config import Settings
from app.notifications.worker import deliver_due
from tests.notifications.servers import SmtpSink, smtp_server
from tests.selfservice.conftest import SELF


@pytest.fixture
def smtp() -> Iterator[SmtpSink]:
    yield from smtp_server()


def _code_in(text: str) -> str:
    [code] = re.findall(r"\b\d{6}\b", text)
    return code


async def test_a_code_by_email_arrives_at_the_smtp_server_and_signs_in(
    client: httpx.AsyncClient, sessionmaker: async_sessionmaker[AsyncSession], settings: Settings, smtp: SmtpSink
) -> None:
    r = await client.post(f"{SELF}/codes", json={"email": "binta.diop@example.org", "language": "en"})
    assert r.status_code == 202
    mail = settings.model_copy(update={"smtp_port": smtp.port})
    assert await deliver_due(sessionmaker, mail) == 1
    [message] = smtp.messages
    assert message["To"] == "binta.diop@example.org"
    body = message.get_body(preferencelist=("plain",))
    assert body is not None
    code = _code_in(body.get_content())
    r = await client.post(f"{SELF}/sessions", json={"email": "binta.diop@example.org", "code": code})
    assert r.status_code == 200 and r.json()["account"]["kind"] == "email"


async def test_a_code_by_whatsapp_reaches_the_provider_and_signs_in(
    client: httpx.AsyncClient, sessionmaker: async_sessionmaker[AsyncSession], settings: Settings
) -> None:
    r = await client.post(f"{SELF}/codes", json={"phone": "06 12 34 56 78", "country": "MA", "channel": "whatsapp"})
    assert r.status_code == 202
    assert await deliver_due(sessionmaker, settings) == 1
    lines = (settings.data_dir / "notifications" / "whatsapp.jsonl").read_text(encoding="utf-8").splitlines()
    [sent] = [json.loads(line) for line in lines]
    assert sent["recipient"] == "+212612345678" and sent["language"] == "fr"
    code = _code_in(sent["body"])
    r = await client.post(f"{SELF}/sessions", json={"phone": "+212612345678", "code": code})
    assert r.status_code == 200 and r.json()["account"]["identifier"] == "+212612345678"
