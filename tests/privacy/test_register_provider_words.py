"""The register of disclosures names a message's recipient by the channel that carried it, in
words (« SMS », « WhatsApp », « e-mail »), with the provider's organisation when it is one — never
the sending provider's internal id (``log``, ``smtp``, ``twilio``)."""

from __future__ import annotations

import csv
import datetime as dt
import io
import uuid

import httpx
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.privacy.models import Disclosure
from tests.conftest import Staff

CHANNEL_WORDS = {"log": "SMS", "twilio": "WhatsApp (Twilio)", "smtp": "e-mail"}


async def _notified(sessionmaker: async_sessionmaker[AsyncSession], registrant: uuid.UUID, desk: uuid.UUID) -> None:
    """Three messages as the notification worker registers them: provider id, ``message:<channel>``."""
    at = dt.datetime(2026, 11, 3, 10, 0, tzinfo=dt.UTC)
    sent = [("log", "sms"), ("twilio", "whatsapp"), ("smtp", "email")]
    async with sessionmaker() as session:
        session.add_all(
            Disclosure(
                registrant_id=registrant, desk_id=desk, legal_basis="consent", kind="notification",
                purpose="contact_sms_whatsapp", recipient_type="provider", recipient_name=provider,
                fields=["phone", f"message:{channel}"], disclosed_at=at + dt.timedelta(minutes=i),
            )
            for i, (provider, channel) in enumerate(sent)
        )  # fmt: skip
        await session.commit()


async def test_the_register_names_the_channel_not_the_providers_id(  # type: ignore[no-untyped-def]
    client: httpx.AsyncClient, auditor: Staff, make_registrant, sessionmaker, desk_ids
) -> None:
    person = await make_registrant()
    await _notified(sessionmaker, person, desk_ids["CASA-BASE"])

    r = await client.get("/api/v1/privacy/disclosures", params={"registrant_id": str(person)}, headers=auditor.headers)
    assert r.status_code == 200, r.text
    assert [i["recipient_name"] for i in r.json()["items"]] == ["e-mail", "WhatsApp (Twilio)", "SMS"]


async def test_the_register_exported_names_the_channel_not_the_providers_id(  # type: ignore[no-untyped-def]
    client: httpx.AsyncClient, auditor: Staff, make_registrant, sessionmaker, desk_ids
) -> None:
    person = await make_registrant()
    await _notified(sessionmaker, person, desk_ids["CASA-BASE"])

    r = await client.get("/api/v1/privacy/disclosures.csv", params={"kind": "notification"}, headers=auditor.headers)
    assert r.status_code == 200, r.text
    rows = list(csv.DictReader(io.StringIO(r.content.decode("utf-8-sig"))))
    assert [row["recipient_name"] for row in rows] == ["SMS", "WhatsApp (Twilio)", "e-mail"]
