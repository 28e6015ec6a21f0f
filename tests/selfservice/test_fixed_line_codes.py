"""A sign-in code asked for a fixed line: refused at once, 422 ``phone_fixed_line`` naming
``phone``, with how to get a code instead (an e-mail address or a mobile number; the desk can
help). The answer follows from the number alone: the same whether or not someone on file holds
it, so it tells an attacker nothing. Nothing is queued, so nothing is withheld unseen; the person
then asks by e-mail and the code arrives at the SMTP server.

Before: the same 422 as an invalid number (``phone_invalid``, "n'est pas un numéro mobile
valide"), which told a person whose phone is a landline neither why nor how to get a code.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.core.config import Settings
from app.notifications.models import Notification
from app.notifications.worker import deliver_due
from app.selfservice.models import OneTimeCode
from tests.notifications.servers import SmtpSink, smtp_server
from tests.selfservice.conftest import SELF, count

FIXED = {"phone": "0522 22 33 44", "country": "MA"}
"""A Casablanca fixed line (``+212522223344``)."""
UNKNOWN_FIXED = {"phone": "+221 33 821 00 00"}
"""A Dakar fixed line no one on file holds."""


@pytest.fixture
def smtp() -> Iterator[SmtpSink]:
    yield from smtp_server()


def _answer(response: httpx.Response) -> tuple[int, dict[str, Any]]:
    """The answer without what differs from one request to the next (its id)."""
    body = response.json()
    body.pop("request_id", None)
    return response.status_code, body


async def test_a_fixed_line_is_told_at_once_how_to_get_a_code(
    client: httpx.AsyncClient, make_staff: Any, register: Any, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    agent = await make_staff("agent", ["CASA-BASE"])
    await register(agent, phones=[{"number": FIXED["phone"]}])  # their only phone
    asked = await client.post(f"{SELF}/codes", json=FIXED, headers={"Accept-Language": "fr"})
    status, body = _answer(asked)
    assert (status, [(e["loc"], e["type"]) for e in body["errors"]]) == (422, [(["body", "phone"], "phone_fixed_line")])
    assert body["detail"] == (
        "Ce numéro est une ligne fixe : il ne peut pas recevoir de code par SMS ni par WhatsApp. "
        "Demandez le code avec une adresse e-mail ou un numéro mobile ; le guichet peut vous aider."
    )
    english = await client.post(
        f"{SELF}/codes", json={**FIXED, "channel": "whatsapp"}, headers={"Accept-Language": "en"}
    )
    assert english.status_code == 422
    assert "fixed line" in english.json()["detail"] and "e-mail address or a mobile number" in english.json()["detail"]
    assert await count(sessionmaker, OneTimeCode) == 0
    assert await count(sessionmaker, Notification, Notification.event == "one_time_code") == 0


async def test_the_answer_for_a_fixed_line_is_the_same_whether_or_not_someone_holds_it(
    client: httpx.AsyncClient, make_staff: Any, register: Any
) -> None:
    agent = await make_staff("agent", ["CASA-BASE"])
    await register(agent, phones=[{"number": "+221 33 821 00 01"}])
    held = await client.post(f"{SELF}/codes", json={"phone": "+221 33 821 00 01"})
    nobody = await client.post(f"{SELF}/codes", json=UNKNOWN_FIXED)
    assert _answer(held) == _answer(nobody)
    assert held.json()["errors"][0]["type"] == "phone_fixed_line"


async def test_a_fixed_line_gets_no_sms_and_the_same_person_gets_the_code_by_email(
    client: httpx.AsyncClient,
    make_staff: Any,
    register: Any,
    sessionmaker: async_sessionmaker[AsyncSession],
    settings: Settings,
    smtp: SmtpSink,
) -> None:
    agent = await make_staff("agent", ["CASA-BASE"])
    await register(agent, phones=[{"number": FIXED["phone"]}], email="moussa.sarr@example.org")
    assert (await client.post(f"{SELF}/codes", json=FIXED)).status_code == 422
    mail = settings.model_copy(update={"smtp_port": smtp.port})
    assert await deliver_due(sessionmaker, mail) == 0
    assert not (settings.data_dir / "notifications" / "sms.jsonl").exists()  # the SMS provider got nothing

    asked = await client.post(f"{SELF}/codes", json={"email": "moussa.sarr@example.org"})
    assert (asked.status_code, asked.json()["status"]) == (202, "code_sent")
    assert await deliver_due(sessionmaker, mail) == 1
    [message] = smtp.messages
    body = message.get_body(preferencelist=("plain",))
    assert body is not None
    [code] = re.findall(r"\b\d{6}\b", body.get_content())
    signed = await client.post(f"{SELF}/sessions", json={"email": "moussa.sarr@example.org", "code": code})
    assert signed.status_code == 200, signed.text


async def test_a_mobile_or_an_invalid_number_is_answered_as_before(client: httpx.AsyncClient) -> None:
    mobile = await client.post(f"{SELF}/codes", json={"phone": "06 12 34 56 78", "country": "MA"})
    assert mobile.status_code == 202
    invalid = await client.post(f"{SELF}/codes", json={"phone": "12"})
    assert (invalid.status_code, invalid.json()["errors"][0]["type"]) == (422, "phone_invalid")
