"""A desk agent's workflows in French: cancelling an appointment asks first and a move can be
abandoned, a status is named as its button, partners, referrals with the consent recorded in the
file, transfers to a desk from the list, identity fields in the registration and edit forms."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest
from playwright.async_api import Page, expect
from sqlalchemy import update

from app.appointments.models import Appointment
from tests.appointments.helpers import CASA_TZ, iso, next_weekday
from tests.web.conftest import LiveServer, assert_accessible
from tests.web.helpers import desk_id, fill_registration, open_file, register_via_api, sign_in

pytestmark = pytest.mark.asyncio(loop_scope="session")


def _book(server: LiveServer, agent, person: dict, day: dt.date, start: str, end: str) -> dict:
    with server.api(agent) as http:
        booked = http.post(
            "/api/v1/appointments",
            json={
                "desk_id": desk_id(server, agent), "agent_id": str(agent.id), "registrant_id": person["id"],
                "starts_at": iso(day, start), "ends_at": iso(day, end), "purpose": "Passeport",
            },
        )  # fmt: skip
        assert booked.status_code == 201, booked.text
        return booked.json()  # type: ignore[no-any-return]


def _move(server: LiveServer, appointment_id: str, start: dt.datetime) -> None:
    """Put an appointment at ``start`` (UTC) directly in the database, as time passing would."""

    async def run() -> None:
        async with server.app.state.sessionmaker() as session:
            await session.execute(
                update(Appointment)
                .where(Appointment.id == uuid.UUID(appointment_id))
                .values(starts_at=start, ends_at=start + dt.timedelta(minutes=30))
                .execution_options(synchronize_session=False)
            )
            await session.commit()

    server.call(run())


async def test_cancelling_asks_first_and_abandoning_a_move_keeps_the_appointment(
    page: Page, server: LiveServer
) -> None:
    agent = server.make_agent()
    person = register_via_api(server, agent, given_names="Fatou", family_name="Njaay")
    _book(server, agent, person, next_weekday(3), "10:30", "11:00")
    await sign_in(page, server, agent)
    await open_file(page, "Fatou Njaay")
    row = page.locator("#person-appointments li").first

    await row.get_by_role("button", name="Déplacer").click()
    await expect(row.locator("form")).to_be_visible()
    await row.get_by_role("button", name="Ne pas déplacer").click()
    await expect(row.locator("form")).to_have_count(0)
    await expect(row.get_by_role("button", name="Déplacer")).to_be_focused()
    await expect(row).to_contain_text("Réservé")

    await row.get_by_role("button", name="Annuler le rendez-vous").click()
    question = row.get_by_role("group", name="Annuler le rendez-vous")
    await expect(question).to_contain_text("Annuler ce rendez-vous (")
    await expect(question.locator("p")).to_be_focused()
    await assert_accessible(page)
    await question.get_by_role("button", name="Non, le garder").click()
    await expect(row.get_by_role("button", name="Annuler le rendez-vous")).to_be_focused()
    with server.api(agent) as http:
        assert http.get(f"/api/v1/appointments?registrant_id={person['id']}").json()["items"][0]["status"] == "booked"

    await row.get_by_role("button", name="Annuler le rendez-vous").click()
    await page.keyboard.press("Tab")
    await page.keyboard.press("Enter")  # "Oui, annuler le rendez-vous", by keyboard
    await expect(page.locator("#person-msg")).to_have_text("Rendez-vous annulé.")
    await expect(page.locator("#person-appointments li").first).to_contain_text("Annulé")


async def test_a_no_show_is_named_as_on_its_button_and_said_in_words(page: Page, server: LiveServer) -> None:
    agent = server.make_agent()
    person = register_via_api(server, agent, given_names="Moussa", family_name="Ba")
    day = next_weekday(2)
    appointment = _book(server, agent, person, day, "10:00", "10:30")
    started = dt.datetime.now(dt.UTC) - dt.timedelta(minutes=5)
    _move(server, appointment["id"], started)
    await sign_in(page, server, agent)
    await page.get_by_role("button", name="Rendez-vous du jour").click()
    form = page.locator("#day-form")
    # the day it started on (yesterday, run in the first minutes after midnight)
    await form.get_by_label("Jour").fill(started.astimezone(CASA_TZ).date().isoformat())
    await form.get_by_role("button", name="Afficher").click()
    row = page.locator("#day-list li", has_text="Moussa Ba")
    await row.get_by_role("button", name="Absent(e)").click()
    await expect(page.locator("#day-msg")).to_have_text("Absence enregistrée.")
    await expect(page.locator("#day-list li", has_text="Moussa Ba")).to_contain_text("Absent(e)")
    await expect(page.locator("#day-list")).not_to_contain_text("Manqué")


def _case(server: LiveServer, agent, person: dict, to: str | None = None) -> dict:
    with server.api(agent) as http:
        opened = http.post(
            "/api/v1/cases", json={"registrant_id": person["id"], "service_type": "SOCIAL", "channel": "walk_in"}
        )
        assert opened.status_code == 201, opened.text
        case = opened.json()
        if to:
            moved = http.post(
                f"/api/v1/cases/{case['id']}/transitions",
                json={"to": to},
                headers={"If-Match": opened.headers["etag"]},
            )
            assert moved.status_code == 200, moved.text
        return case  # type: ignore[no-any-return]


async def test_partners_screen_for_administrators_and_supervisors(page: Page, server: LiveServer) -> None:
    admin = server.make_agent("admin")
    supervisor = server.make_agent("supervisor")
    agent = server.make_agent()
    person = register_via_api(server, agent, given_names="Khady", family_name="Fall")
    case = _case(server, agent, person, to="qualified")

    # With no partner, the referral form says so and where one is added.
    await sign_in(page, server, agent)
    await expect(page.get_by_role("button", name="Partenaires")).to_be_hidden()
    await open_file(page, "Khady Fall")
    await page.get_by_role("button", name=case["case_number"]).click()
    await expect(page.locator("#referral-no-partner")).to_have_text(
        "Aucun partenaire n'est encore enregistré : un administrateur peut en ajouter dans l'écran « Partenaires »."
    )
    await page.get_by_role("button", name="Se déconnecter").click()

    await sign_in(page, server, admin)
    await page.get_by_role("button", name="Partenaires").click()
    await expect(page.get_by_role("heading", name="Partenaires", level=1)).to_be_focused()
    await expect(page.locator("#partner-list")).to_contain_text("Aucun partenaire.")
    form = page.locator("#partner-form-new")
    await form.get_by_label("Nom", exact=True).fill("Caritas Rabat")
    await form.get_by_label("Type d'organisation").select_option("ngo")
    await form.get_by_label("Pays (code à deux lettres").fill("XX")
    await form.get_by_role("button", name="Enregistrer le partenaire").click()
    await expect(form.get_by_label("Pays (code à deux lettres")).to_have_attribute("aria-invalid", "true")
    await expect(page.locator("#partners .msg").first).to_contain_text("Pays (code à deux lettres, ex. MA)")
    await form.get_by_label("Pays (code à deux lettres").fill("MA")
    await form.get_by_label("Ville").fill("Rabat")
    await form.get_by_label("Accompagnement social").check()
    await form.get_by_role("button", name="Enregistrer le partenaire").click()
    await expect(page.locator("#partners .msg").first).to_have_text("Partenaire enregistré.")
    row = page.locator("#partner-list li", has_text="Caritas Rabat")
    await expect(row).to_contain_text("ONG · Rabat, MA · Accompagnement social")  # the name, never the code
    await assert_accessible(page)
    await row.get_by_role("button", name="Modifier Caritas Rabat").click()
    await row.get_by_label("Ville").fill("Casablanca")
    await row.get_by_role("button", name="Enregistrer le partenaire").click()
    await expect(page.locator("#partner-list li", has_text="Caritas Rabat")).to_contain_text("Casablanca, MA")
    await page.get_by_role("button", name="Se déconnecter").click()

    await sign_in(page, server, supervisor)
    await page.get_by_role("button", name="Partenaires").click()
    await expect(page.locator("#partner-list")).to_contain_text("Caritas Rabat")
    await expect(page.locator("#partners")).to_contain_text("Seuls les administrateurs peuvent ajouter")
    await expect(page.locator("#partners form")).to_have_count(0)


async def test_referred_status_leads_to_the_referral_form_and_a_consent_is_recorded(
    page: Page, server: LiveServer
) -> None:
    admin = server.make_agent("admin")
    agent = server.make_agent()
    with server.api(admin) as http:
        made = http.post("/api/v1/partners", json={"name": "Caritas Rabat", "kind": "ngo", "country": "MA"})
        assert made.status_code == 201, made.text
    person = register_via_api(server, agent, given_names="Binta", family_name="Kane")
    case = _case(server, agent, person, to="qualified")
    await sign_in(page, server, agent)
    await open_file(page, "Binta Kane")

    # The consent of a referral to the partner, recorded from the file, with the purpose in words.
    consents = page.locator("#person-consents")
    await consents.get_by_label("Finalité").select_option("partner_referral")
    await consents.get_by_label("Accordé").check()
    partner = consents.get_by_label("Partenaire concerné")
    await expect(partner.locator("option", has_text="Caritas Rabat")).to_have_count(1)
    await partner.select_option("Caritas Rabat")
    await consents.get_by_role("button", name="Enregistrer un consentement").click()
    await expect(page.locator("#person-msg")).to_have_text("Consentement enregistré.")
    await expect(page.locator("#person-consents")).to_contain_text(
        "orientation vers un partenaire (Caritas Rabat) : accordé"
    )
    await assert_accessible(page)

    # "Adressé à un partenaire" is not offered before a referral awaits its answer (the API would
    # refuse it): the move's place says so and leads to the referral form.
    await page.get_by_role("button", name=case["case_number"]).click()
    move = page.locator("#move-form")
    await expect(move.get_by_label("Passer au statut").locator("option[value=referred]")).to_have_count(0)
    await expect(page.locator("#refer-hint")).to_contain_text(
        "Pour passer au statut « Adressé à un partenaire », enregistrez d'abord l'orientation vers un partenaire"
    )
    await page.get_by_role("button", name="Orienter vers un partenaire").click()
    await expect(page.locator("#referral-partner")).to_be_focused()
    await page.locator("#referral-partner").select_option(label="Caritas Rabat")
    await expect(page.locator("#referral-consent")).to_contain_text("consenti")
    await page.get_by_role("button", name="Orienter vers ce partenaire").click()
    await expect(page.locator("#case-msg")).to_have_text("Orientation enregistrée.")
    await expect(page.locator("#refer-hint")).to_have_count(0)  # the move is offered now
    await page.locator("#move-form").get_by_label("Passer au statut").select_option("referred")
    await page.locator("#move-form").get_by_role("button", name="Changer le statut").click()
    await expect(page.locator("#case-msg")).to_have_text("Statut changé.")
    await expect(page.locator("#case dd").nth(1)).to_have_text("Adressé à un partenaire")


async def test_registration_and_edit_take_documents_arabic_name_email_nationality_and_phones(
    page: Page, server: LiveServer
) -> None:
    agent = server.make_agent()
    await sign_in(page, server, agent)
    form = await fill_registration(
        page, given_names="Mariama", family_name="Ndiaye", name_arabic="مريم انجاي", email="mariama@example",
        nationality="SN", document_type="passport", document_number="A0 123 4567", document_country="SN",
    )  # fmt: skip
    await expect(form.get_by_label("Courriel de la personne")).to_have_attribute("aria-invalid", "true")
    await expect(page.locator("#register-msg")).to_contain_text("Courriel de la personne")
    await form.get_by_label("Courriel de la personne").fill("mariama@example.org")
    await form.get_by_role("button", name="Enregistrer").click()
    await page.locator("#registered-link").click()
    await expect(page.get_by_role("heading", name="Mariama Ndiaye", level=1)).to_be_visible()
    file = page.locator("#person")
    await expect(file).to_contain_text("Passeport A01234567 (SN)")
    await expect(file).to_contain_text("مريم انجاي")
    await expect(file).to_contain_text("mariama@example.org")
    with server.api(agent) as http:
        person = http.get("/api/v1/registrants?q=Mariama").json()["items"][0]
        record = http.get(f"/api/v1/registrants/{person['id']}")
    assert record.json()["nationality"] == "SN"

    # "Modifier": a phone is added; meanwhile a colleague changed the host city → 412, shown, re-applied.
    await page.get_by_role("button", name="Modifier").click()
    edit = page.locator("#edit-form")
    await expect(edit.get_by_label("Nationalité")).to_have_value("SN")
    await edit.get_by_label("Ajouter un téléphone").fill("+212 6 12 34 56 78")
    with server.api(agent) as http:
        changed = http.patch(
            f"/api/v1/registrants/{person['id']}",
            json={"host_city": "Rabat"},
            headers={"If-Match": record.headers["etag"]},
        )
        assert changed.status_code == 200, changed.text
    await edit.get_by_role("button", name="Enregistrer les modifications").click()
    await expect(page.locator("#person .msg.warning")).to_contain_text("Rabat")
    await expect(edit.get_by_label("Ajouter un téléphone")).to_have_value("+212 6 12 34 56 78")
    await page.get_by_role("button", name="Appliquer").first.click()
    await expect(page.locator("#person")).to_contain_text("+212612345678")
    await expect(page.locator("#person")).to_contain_text("Rabat")

    await page.get_by_role("button", name="Modifier").click()
    await page.locator("#edit-form").get_by_label("Nationalité").fill("XX")
    await page.locator("#edit-form").get_by_role("button", name="Enregistrer les modifications").click()
    await expect(page.locator("#edit-form").get_by_label("Nationalité")).to_have_attribute("aria-invalid", "true")
    await expect(page.locator("#person .msg")).to_contain_text("Nationalité (code pays à deux lettres, ex. SN)")
    await assert_accessible(page)
