"""The messages of a person's file in the web client: what was sent, withheld, not sent or failed,
on which channel, with the reason in words; the person's channel and language saved with
If-Match (a change made meanwhile said, the agent's choice kept); a message in doubt decided from
the file, and the desk's messages in doubt listed for supervisors beside the case queues (a
message decided meanwhile: said)."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

import pytest
from playwright.async_api import Page, expect
from sqlalchemy import update

from app.notifications.doubt import IN_DOUBT_REASON
from app.notifications.models import Notification
from app.notifications.outbox import enqueue_message
from tests.web.conftest import LiveServer, assert_accessible
from tests.web.helpers import register_via_api, sign_in
from tests.web.test_merge_files import open_by_address

pytestmark = pytest.mark.asyncio(loop_scope="session")


def add_message(
    server: LiveServer,
    person: dict[str, Any] | None,
    event: str,
    channel: str,
    recipient: str,
    status: str,
    reason: str | None = None,
    attempts: int = 1,
) -> str:
    """A message to ``person`` (None: to no file, a self-service code) as the worker left it."""

    async def insert() -> str:
        async with server.app.state.sessionmaker() as session:
            row = await enqueue_message(
                session, event=event, channel=channel, recipient=recipient, language="fr", context={},
                dedupe_key=f"web-test:{uuid.uuid4()}", registrant_id=uuid.UUID(person["id"]) if person else None,
                desk_id=uuid.UUID(person["desk_id"]) if person else None,
            )  # fmt: skip
            assert row is not None
            sent_at = dt.datetime.now(dt.UTC) if status == "sent" else None
            values = {"status": status, "reason": reason, "attempts": attempts, "sent_at": sent_at}
            await session.execute(update(Notification).where(Notification.id == row.id).values(**values))
            await session.commit()
            return str(row.id)

    return server.call(insert())  # type: ignore[no-any-return]


async def test_the_files_messages_say_their_status_and_reason_and_one_in_doubt_is_decided(
    page: Page, server: LiveServer
) -> None:
    agent = server.make_agent()
    person = register_via_api(server, agent, phones=[{"number": "+212612345678"}])  # no consent to be contacted
    add_message(
        server,
        person,
        "case_received",
        "sms",
        "+212612345678",
        "withheld",
        "no consent in force for contact_sms_whatsapp",
    )
    add_message(
        server, person, "appointment_booked", "email", "awa@example.org", "failed", "550 5.1.1 mailbox unavailable", 3
    )
    add_message(server, person, "appointment_reminder", "whatsapp", "+212612345678", "sent")
    add_message(server, person, "documents_missing", "email", "awa@example.org", "in_doubt", IN_DOUBT_REASON)
    await sign_in(page, server, agent)
    await open_by_address(page, server, person["id"])
    section = page.locator("#person-messages")
    items = section.locator("ul.messages > li")
    await expect(items).to_have_count(5)
    await expect(items.filter(has_text="Reçu d'enregistrement")).to_contain_text(
        "non envoyé — la personne n'a pas consenti à être contactée ainsi"
    )
    await expect(items.filter(has_text="Demande reçue")).to_contain_text("SMS · à +212612345678")
    await expect(items.filter(has_text="Demande reçue")).to_contain_text(
        "retenu, non envoyé — le consentement a été retiré ou a expiré avant l'envoi"
    )
    await expect(items.filter(has_text="Rendez-vous pris")).to_contain_text(
        "échec — refus technique : 550 5.1.1 mailbox unavailable · 3 tentatives"
    )
    await expect(items.filter(has_text="Rappel de rendez-vous")).to_contain_text("envoyé (envoyé le")
    doubt = items.filter(has_text="Documents manquants")
    await expect(doubt).to_contain_text(
        "en doute : peut-être arrivé — remis au serveur d'envoi, puis la réponse s'est perdue"
    )
    await assert_accessible(page)

    await doubt.get_by_role("button", name="Enregistrer la décision").click()
    await expect(doubt.get_by_role("alert")).to_have_text("Choisissez : reçu ou à renvoyer.")
    await doubt.get_by_label("La personne l'a reçu : le marquer envoyé").check()
    await doubt.get_by_label("Comment vous l'avez vérifié").fill("Confirmé par téléphone")
    await doubt.get_by_role("button", name="Enregistrer la décision").click()
    await expect(section.get_by_role("status")).to_have_text("Message marqué comme reçu.")
    await expect(items.filter(has_text="Documents manquants")).to_contain_text(
        "envoyé — reçu selon le guichet (« Confirmé par téléphone »)"
    )


@pytest.mark.parametrize("viewport", [(1366, 768), (390, 844)], ids=["desk", "phone"], indirect=True)
async def test_the_persons_preferences_are_saved_with_if_match_and_a_change_meanwhile_is_said(
    page: Page, server: LiveServer
) -> None:
    agent = server.make_agent()
    person = register_via_api(server, agent)
    await sign_in(page, server, agent)
    await open_by_address(page, server, person["id"])
    form = page.locator("#preferences-form")
    await form.get_by_label("Canal des messages").select_option("sms")
    await form.get_by_label("Langue des messages").select_option("wo")
    await form.get_by_role("button", name="Enregistrer ces préférences").click()
    await expect(page.locator("#person-messages").get_by_role("status")).to_have_text(
        "Préférences de messages enregistrées."
    )
    url = f"/api/v1/registrants/{person['id']}/notification-preferences"
    with server.api(agent) as http:
        assert http.get(url).json()["channel"] == "sms"
        # a colleague, meanwhile
        changed = http.put(
            url, json={"channel": "whatsapp", "language": "en"}, headers={"If-Match": http.get(url).headers["etag"]}
        )
        assert changed.status_code == 200, changed.text

    form = page.locator("#preferences-form")
    await form.get_by_label("Canal des messages").select_option("email")
    await form.get_by_role("button", name="Enregistrer ces préférences").click()
    alert = form.get_by_role("alert")
    await expect(alert).to_contain_text(
        "Quelqu'un a changé ces préférences entre-temps : maintenant WhatsApp, Anglais."
    )
    await expect(form.get_by_label("Canal des messages")).to_have_value("email")  # the agent's choice, kept
    await assert_accessible(page)
    await form.get_by_role("button", name="Enregistrer ces préférences").click()
    await expect(page.locator("#person-messages").get_by_role("status")).to_have_text(
        "Préférences de messages enregistrées."
    )
    with server.api(agent) as http:
        assert (http.get(url).json()["channel"], http.get(url).json()["language"]) == ("email", "wo")


async def test_a_supervisor_decides_the_desks_messages_in_doubt(page: Page, server: LiveServer) -> None:
    agent, supervisor = server.make_agent(), server.make_agent("supervisor")
    person = register_via_api(server, agent, given_names="Mariama", family_name="Sow")
    mine = add_message(
        server, person, "appointment_reminder", "email", "mariama@example.org", "in_doubt", IN_DOUBT_REASON
    )
    other = add_message(
        server,
        person,
        "case_received",
        "email",
        "mariama@example.org",
        "in_doubt",
        "answer lost after the hand-over: timed out",
    )

    await sign_in(page, server, agent)  # an agent is not shown the supervisors' lists
    await page.get_by_role("button", name="Files de dossiers").click()
    await expect(page.locator("#cases li")).to_have_count(1)  # the queue read (nothing left in flight)
    await expect(page.locator("#in-doubt")).to_be_hidden()
    await page.get_by_role("button", name="Se déconnecter").click()
    await expect(page.get_by_role("heading", name="Connexion")).to_be_visible()

    await sign_in(page, server, supervisor)
    await page.get_by_role("button", name="Files de dossiers").click()
    listed = page.locator("#in-doubt-list > li")
    await expect(listed).to_have_count(2)
    first = listed.filter(has_text="Rappel de rendez-vous")
    await expect(first.get_by_role("button", name="Ouvrir le dossier de Mariama Sow")).to_be_visible()
    await expect(listed.filter(has_text="Demande reçue")).to_contain_text("la connexion s'est coupée après la remise")
    await assert_accessible(page)
    await first.get_by_label("La personne ne l'a pas reçu : le renvoyer").check()
    await first.get_by_role("button", name="Enregistrer la décision").click()
    await expect(page.locator("#in-doubt-msg")).to_have_text("Message remis en file : il repart maintenant.")
    await expect(listed).to_have_count(1)

    with server.api(supervisor) as http:  # decided meanwhile by a colleague
        assert http.post(f"/api/v1/notifications/{other}/resolution", json={"decision": "sent"}).status_code == 200
    second = listed.filter(has_text="Demande reçue")
    await second.get_by_label("La personne l'a reçu : le marquer envoyé").check()
    await second.get_by_role("button", name="Enregistrer la décision").click()
    await expect(second.get_by_role("alert")).to_have_text("Ce message a déjà été décidé : il n'est plus en doute.")
    with server.api(supervisor) as http:
        statuses = {
            n["id"]: n["status"] for n in http.get(f"/api/v1/registrants/{person['id']}/notifications").json()["items"]
        }
    assert statuses[other] == "sent" and statuses[mine] in ("queued", "sending", "in_flight", "sent", "failed")
