"""A registration's receipt takes the route the person's stored file gives.

The receipt is queued in the registration's own transaction from the registrant just written
(its phones and consents as built, no preference possible yet: ``registered_now``); every other
message reads the file from the database. Both must choose the same channel, recipient,
language and reason, whatever the body: the route of each receipt is compared with
``choose_route`` over the stored file afterwards.
"""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from sqlalchemy import select

from app.notifications.models import Notification
from app.notifications.outbox import NoRoute, Route, choose_route
from app.registrants.models import Registrant


def _consent(purpose: str, granted: bool = True) -> dict[str, Any]:
    return {
        "purpose": purpose,
        "granted": granted,
        "channel": "in_person",
        "notice_version": "2026-01",
        "language": "fr",
    }


BODIES = {
    "whatsapp_on_second_phone": (
        {
            "phones": [{"number": "+212612345678"}, {"number": "+212661234567", "whatsapp": True}],
            "consents": [_consent("contact_sms_whatsapp")],
        },
        ("whatsapp", "+212661234567", None),
    ),
    "sms_to_the_first_phone": (
        {
            "phones": [{"number": "+212612345678"}, {"number": "+221771234567"}],
            "consents": [_consent("contact_sms_whatsapp")],
        },
        ("sms", "+212612345678", None),
    ),
    "sms_refused_email_granted": (
        {
            "phones": [{"number": "+212612345678", "whatsapp": True}],
            "email": "awa.sow@example.org",
            "consents": [_consent("contact_sms_whatsapp", granted=False), _consent("contact_email")],
        },
        ("email", "awa.sow@example.org", None),
    ),
    "granted_then_refused_in_one_body": (
        {
            "phones": [{"number": "+212612345678", "whatsapp": True}],
            "consents": [_consent("contact_sms_whatsapp"), _consent("contact_sms_whatsapp", granted=False)],
        },
        ("whatsapp", "", "no_consent"),
    ),
    "unverified_phone_only": (
        {"phones": [{"number": "+212 6 00"}], "consents": [_consent("contact_sms_whatsapp")]},
        ("none", "", "no_channel"),
    ),
    "no_consent": (
        {"phones": [{"number": "+221771234567"}], "email": "awa.sow@example.org", "consents": []},
        ("sms", "", "no_consent"),  # the first reachable channel is named
    ),
    "english_first": (
        {
            "phones": [{"number": "+221771234567"}],
            "languages": ["en", "fr"],
            "consents": [_consent("contact_sms_whatsapp")],
        },
        ("sms", "+221771234567", None),
    ),
}


@pytest.mark.parametrize("case", sorted(BODIES))
async def test_the_receipt_takes_the_route_of_the_stored_file(client, make_staff, sessionmaker, case: str) -> None:  # type: ignore[no-untyped-def]
    body, (channel, recipient, reason) = BODIES[case]
    agent = await make_staff("agent", ["CASA-BASE"])
    person = {"given_names": "Awa", "family_name": "Sow", "sex": "female", "languages": ["fr"], **body}
    response = await client.post("/api/v1/registrants", json=person, headers=agent.headers)
    assert response.status_code == 201, response.text
    async with sessionmaker() as session:
        receipt = (
            await session.execute(select(Notification).where(Notification.event == "registration_receipt"))
        ).scalar_one()
        registrant = await session.get(Registrant, uuid.UUID(response.json()["id"]))
        assert registrant is not None
        stored = await choose_route(session, registrant=registrant, event="registration_receipt")
    assert (receipt.channel, receipt.recipient, receipt.reason) == (channel, recipient, reason)
    if isinstance(stored, Route):
        assert (receipt.status, receipt.channel, receipt.recipient, receipt.language) == (
            "queued",
            stored.channel,
            stored.recipient,
            stored.language,
        )
    else:
        assert isinstance(stored, NoRoute)
        assert (receipt.status, receipt.channel, receipt.reason) == ("skipped", stored.channel or "none", stored.reason)
