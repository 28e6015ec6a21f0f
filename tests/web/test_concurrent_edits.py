"""Two people on the same record: the second change is sent with the ETag of the version its screen
showed, so it gets the conflict (412) instead of writing over the first one unseen; the screen then
shows the record as it is now and keeps what was typed or chosen, to send again knowingly.

Before: the partners screen, a referral's answer, an appointment's arrival, no-show or cancellation
(the day's list and the person's file), the move of an appointment and an account's deactivation
each read the record's current ETag just before writing, and so wrote over a colleague's change.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest
import pytest_asyncio
from playwright.async_api import Browser, Page, expect

from tests.appointments.helpers import iso, next_weekday
from tests.web.conftest import Agent, LiveServer, new_context
from tests.web.helpers import open_file, register_via_api, sign_in

pytestmark = pytest.mark.asyncio(loop_scope="session")


@pytest_asyncio.fixture(loop_scope="session")
async def other_page(browser: Browser, server: LiveServer) -> AsyncIterator[Page]:
    """A second browser (its own context: another colleague's session) on the same server."""
    context = await new_context(browser, (1366, 768))
    tab = await context.new_page()
    errors: list[str] = []
    tab.on("pageerror", lambda exc: errors.append(str(exc)))
    yield tab
    await context.close()
    assert not errors, errors


def _get(server: LiveServer, who: Agent, path: str) -> dict[str, Any]:
    with server.api(who) as http:
        response = http.get(path)
        assert response.status_code == 200, response.text
        return response.json()  # type: ignore[no-any-return]


async def test_a_partner_saved_meanwhile_on_another_page_is_not_written_over(
    page: Page, other_page: Page, server: LiveServer
) -> None:
    admin, colleague = server.make_agent("admin"), server.make_agent("admin")
    with server.api(admin) as http:
        made = http.post(
            "/api/v1/partners", json={"name": "Caritas Rabat", "kind": "ngo", "country": "MA", "city": "Rabat"}
        )
        assert made.status_code == 201, made.text
    url = f"/api/v1/partners/{made.json()['id']}"
    rows = []
    for tab, who in ((page, admin), (other_page, colleague)):
        await sign_in(tab, server, who)
        await tab.get_by_role("button", name="Partenaires").click()
        row = tab.locator("#partner-list li", has_text="Caritas Rabat")
        await row.get_by_role("button", name="Modifier Caritas Rabat").click()
        rows.append(row)
    mine, theirs = rows

    await theirs.get_by_label("Ville").fill("Tanger")
    await theirs.get_by_role("button", name="Enregistrer le partenaire").click()
    await expect(other_page.locator("#partners .msg").first).to_have_text("Partenaire enregistré.")

    await mine.get_by_label("Ville").fill("Casablanca")
    await mine.get_by_label("Personne à contacter").fill("Fatou Ndiaye")
    await mine.get_by_role("button", name="Enregistrer le partenaire").click()
    note = mine.locator("form [role=alert]").first
    await expect(note).to_contain_text("Ce partenaire a été modifié entre-temps")
    await expect(note).to_contain_text("Ville : « Rabat » est devenu « Tanger »")
    await expect(mine.get_by_label("Ville")).to_have_value("Casablanca")
    await expect(mine.get_by_label("Personne à contacter")).to_have_value("Fatou Ndiaye")
    stored = _get(server, admin, url)
    assert (stored["city"], stored["contact_name"]) == ("Tanger", None)  # nothing written over the colleague's

    await mine.get_by_role("button", name="Enregistrer le partenaire").click()  # sent again, knowingly
    await expect(page.locator("#partners .msg").first).to_have_text("Partenaire enregistré.")
    stored = _get(server, admin, url)
    assert (stored["city"], stored["contact_name"]) == ("Casablanca", "Fatou Ndiaye")


async def test_a_referral_answered_meanwhile_on_another_page_is_not_written_over(
    page: Page, other_page: Page, server: LiveServer
) -> None:
    agent, supervisor, admin = server.make_agent(), server.make_agent("supervisor"), server.make_agent("admin")
    person = register_via_api(server, agent, given_names="Rokhaya", family_name="Sow")
    with server.api(admin) as http:
        partner = http.post("/api/v1/partners", json={"name": "Caritas Rabat", "kind": "ngo", "country": "MA"}).json()
    consent = {"granted": True, "channel": "in_person", "notice_version": "2026-01", "language": "fr"}
    with server.api(agent) as http:
        given = {"purpose": "partner_referral", "partner_name": "Caritas Rabat", **consent}
        assert http.post(f"/api/v1/registrants/{person['id']}/consents", json=given).status_code == 201
        case = http.post(
            "/api/v1/cases", json={"registrant_id": person["id"], "service_type": "SOCIAL", "channel": "walk_in"}
        ).json()
        made = http.post(f"/api/v1/cases/{case['id']}/referrals", json={"partner_id": partner["id"]})
        assert made.status_code == 201, made.text
    url = f"/api/v1/cases/{case['id']}/referrals/{made.json()['id']}"
    views = []
    for tab, who in ((page, agent), (other_page, supervisor)):
        await sign_in(tab, server, who)
        await open_file(tab, "Rokhaya Sow")
        await tab.get_by_role("button", name=case["case_number"]).click()
        views.append(tab.locator("#case"))
    mine, theirs = views

    await theirs.get_by_label("Nouveau statut de l'orientation (Caritas Rabat)").select_option("acknowledged")
    await theirs.get_by_label("Référence du partenaire").fill("CAR-2026-17")
    await theirs.get_by_role("button", name="Mettre à jour l'orientation").click()
    await expect(other_page.locator("#case-msg")).to_have_text("Orientation mise à jour.")

    await mine.get_by_label("Nouveau statut de l'orientation (Caritas Rabat)").select_option("answered")
    await mine.get_by_label("Réponse du partenaire").fill("Prise en charge acceptée")
    await mine.get_by_label("Référence du partenaire").fill("AUTRE-REF")
    await mine.get_by_role("button", name="Mettre à jour l'orientation").click()
    await expect(page.locator("#case-msg")).to_contain_text("Ce dossier a été modifié entre-temps")
    await expect(mine).to_contain_text("Caritas Rabat · Reçue par le partenaire")  # as it is now
    await expect(mine.get_by_label("Nouveau statut de l'orientation (Caritas Rabat)")).to_have_value("answered")
    await expect(mine.get_by_label("Réponse du partenaire")).to_have_value("Prise en charge acceptée")
    await expect(mine.get_by_label("Référence du partenaire")).to_have_value("AUTRE-REF")
    stored = _get(server, agent, url)
    assert (stored["status"], stored["partner_reference"], stored["outcome"]) == ("acknowledged", "CAR-2026-17", None)

    await mine.get_by_label("Référence du partenaire").fill("CAR-2026-17")
    await mine.get_by_role("button", name="Mettre à jour l'orientation").click()
    await expect(page.locator("#case-msg")).to_have_text("Orientation mise à jour.")
    stored = _get(server, agent, url)
    assert (stored["status"], stored["outcome"]) == ("answered", "Prise en charge acceptée")


def _book(server: LiveServer, agent: Agent, person: dict[str, Any], day: Any) -> dict[str, Any]:
    with server.api(agent) as http:
        desk = next(d for d in http.get("/api/v1/desks").json() if d["code"] == "CASA-BASE")
        body = {"desk_id": desk["id"], "agent_id": str(agent.id), "registrant_id": person["id"]}
        booked = http.post(
            "/api/v1/appointments", json={**body, "starts_at": iso(day, "10:00"), "ends_at": iso(day, "10:30")}
        )
        assert booked.status_code == 201, booked.text
        return booked.json()  # type: ignore[no-any-return]


def _move(server: LiveServer, agent: Agent, appointment: dict[str, Any], day: Any, hhmm: str, end: str) -> None:
    with server.api(agent) as http:
        url = f"/api/v1/appointments/{appointment['id']}"
        tag = http.get(url).headers["ETag"]
        moved = http.patch(url, json={"starts_at": iso(day, hhmm), "ends_at": iso(day, end)}, headers={"If-Match": tag})
        assert moved.status_code == 200, moved.text


async def test_an_appointment_moved_meanwhile_is_not_cancelled_from_the_day_s_list(
    page: Page, other_page: Page, server: LiveServer
) -> None:
    agent, colleague = server.make_agent(), server.make_agent()
    person = register_via_api(server, agent, given_names="Oumou", family_name="Sy")
    day = next_weekday(2)
    appointment = _book(server, agent, person, day)
    for tab, who in ((page, agent), (other_page, colleague)):
        await sign_in(tab, server, who)
        await tab.get_by_role("button", name="Rendez-vous du jour").click()
        await tab.locator("#day-form").get_by_label("Jour", exact=True).fill(day.isoformat())
        await tab.locator("#day-form").get_by_role("button", name="Afficher").click()
        await expect(tab.locator("#day-list li").first).to_contain_text("10:00–10:30 Oumou Sy · Réservé")

    # The colleague moves it to 11:00 from their list.
    theirs = other_page.locator("#day-list li").first
    await theirs.get_by_role("button", name="Déplacer").click()
    await theirs.get_by_role("button", name="Voir les créneaux libres").click()
    await theirs.get_by_label("11:00–11:30").check()
    await theirs.get_by_role("button", name="Déplacer à ce créneau").click()
    await expect(other_page.locator("#day-msg")).to_have_text("Rendez-vous déplacé.")

    row = page.locator("#day-list li").first
    await row.get_by_role("button", name="Annuler le rendez-vous").click()
    await row.get_by_role("button", name="Oui, annuler le rendez-vous").click()
    message = page.locator("#day-msg")
    await expect(message).to_contain_text("Ce rendez-vous a été modifié entre-temps par quelqu'un d'autre")
    await expect(message).to_contain_text("à 11:00 (Réservé)")
    await expect(page.locator("#day-list li").first).to_contain_text("11:00–11:30 Oumou Sy · Réservé")
    stored = _get(server, agent, f"/api/v1/appointments/{appointment['id']}")
    assert (stored["status"], stored["start_local"][11:16]) == ("booked", "11:00")


async def test_an_appointment_moved_meanwhile_is_not_cancelled_from_the_person_s_file(
    page: Page, server: LiveServer
) -> None:
    agent, colleague = server.make_agent(), server.make_agent()
    person = register_via_api(server, agent, given_names="Oumou", family_name="Sy")
    day = next_weekday(2)
    appointment = _book(server, agent, person, day)
    await sign_in(page, server, agent)
    await open_file(page, "Oumou Sy")
    section = page.locator("#person-appointments")
    await expect(section).to_contain_text("Réservé")
    _move(server, colleague, appointment, day, "14:00", "14:30")
    await section.get_by_role("button", name="Annuler le rendez-vous").click()
    await section.get_by_role("button", name="Oui, annuler le rendez-vous").click()
    await expect(page.locator("#person-msg")).to_contain_text("à 14:00 (Réservé)")
    assert _get(server, agent, f"/api/v1/appointments/{appointment['id']}")["status"] == "booked"


async def test_a_move_opened_on_an_appointment_changed_since_it_was_listed_says_so(
    page: Page, server: LiveServer
) -> None:
    agent, colleague = server.make_agent(), server.make_agent()
    person = register_via_api(server, agent, given_names="Oumou", family_name="Sy")
    day = next_weekday(2)
    appointment = _book(server, agent, person, day)
    await sign_in(page, server, agent)
    await open_file(page, "Oumou Sy")
    _move(server, colleague, appointment, day, "14:00", "14:30")
    section = page.locator("#person-appointments")
    await section.get_by_role("button", name="Déplacer").click()
    await expect(section.locator(".slot-form .warning")).to_contain_text(
        "Ce rendez-vous a été modifié depuis son affichage : il est maintenant le"
    )
    await expect(section.locator(".slot-form .warning")).to_contain_text("à 14:00")


async def test_an_account_changed_meanwhile_is_not_switched_from_the_list(page: Page, server: LiveServer) -> None:
    admin, colleague, agent = server.make_agent("admin"), server.make_agent("admin"), server.make_agent()
    await sign_in(page, server, admin)
    await page.get_by_role("button", name="Administration").click()
    row = page.locator("#staff-list li", has_text=agent.email)
    await expect(row).to_contain_text("· actif")
    with server.api(colleague) as http:  # deactivated then given another role meanwhile, and reactivated
        for change in ({"is_active": False}, {"role": "supervisor", "is_active": True}):
            tag = http.get(f"/api/v1/users/{agent.id}").headers["ETag"]
            assert http.patch(f"/api/v1/users/{agent.id}", json=change, headers={"If-Match": tag}).status_code == 200
    await row.get_by_role("button", name="Désactiver").click()
    await expect(page.locator("#staff-msg")).to_contain_text("Ce compte a été modifié entre-temps")
    await expect(row).to_contain_text("superviseur · CASA-BASE · actif")
    stored = _get(server, admin, f"/api/v1/users/{agent.id}")
    assert (stored["role"], stored["is_active"]) == ("supervisor", True)
