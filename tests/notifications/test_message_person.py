"""A message read by staff names the person it was for (``registrant_id``) and their desk
(``desk_id``: its times are shown in the desk's zone), so that a message in
doubt, listed for the desk (``GET /api/v1/notifications/in-doubt``), leads to the person's file
whom staff check with before deciding; an account's code, for no file, names none.

Before: the list gave the address and the event only, and staff could not tell whose file it was."""

from __future__ import annotations

from sqlalchemy import update

from app.core.context import SYSTEM_ACTOR
from app.notifications import events
from app.notifications.models import Notification
from app.notifications.outbox import enqueue_message
from app.registrants.models import Registrant


async def test_a_message_in_doubt_names_the_person_it_was_for(client, make_staff, make_person, sessionmaker) -> None:
    admin = await make_staff("admin", [])
    person = await make_person(consents=("contact_email",), phone=None)
    async with sessionmaker() as session:
        registrant = await session.get(Registrant, person)
        assert registrant is not None
        receipt = await events.registration_received(session, actor=SYSTEM_ACTOR, registrant=registrant)
        code = await enqueue_message(
            session,
            event="one_time_code",
            channel="sms",
            recipient="+212612345678",
            language="fr",
            context={"code": "482913", "expires_minutes": 10},
            dedupe_key="otp:person-named",
        )
        assert receipt is not None and code is not None
        ids = [receipt.id, code.id]
        await session.execute(update(Notification).where(Notification.id.in_(ids)).values(status="in_doubt"))
        await session.commit()
    listed = await client.get("/api/v1/notifications/in-doubt", headers=admin.headers)
    own = await client.get(f"/api/v1/registrants/{person}/notifications", headers=admin.headers)
    assert listed.status_code == 200, listed.text
    named = {n["id"]: (n["registrant_id"], n["desk_id"]) for n in listed.json()["items"]}
    assert named == {str(receipt.id): (str(person), str(registrant.desk_id)), str(code.id): (None, None)}
    assert [n["registrant_id"] for n in own.json()["items"]] == [str(person)]
