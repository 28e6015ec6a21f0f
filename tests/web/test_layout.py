"""Every screen fits a phone (390×844) and a desk screen (1366×768): nothing off screen, nothing
overlapping, no label parted from its field, no list cutting its choice unsaid, no form without a
heading of its own after a list, no code or number parted at a hyphen, no number parted from its unit
or its date's month, no table box opening scrolled sideways, no gap under a heading, no empty message
box taking room (``layout_faults.js``), no accessibility violation. The desk's screens, the imported
registers', the administration's (staff
accounts, desks' hours and holidays, the service catalogue) and a case's follow-up (the partner's
answer, the documents missing, a closure request and its decision).

Set ``WEB_SCREENSHOTS=<folder>`` to keep a screenshot of each screen there (to look at the layout).
"""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

import pytest
from playwright.async_api import Page, expect

from app.notifications.doubt import IN_DOUBT_REASON
from tests.web.conftest import LiveServer, assert_accessible
from tests.web.helpers import (
    answer_leaving,
    desk_id,
    fill_registration,
    open_file,
    register_via_api,
    set_registered_on,
    sign_in,
)
from tests.web.test_merge_files import compare_with, merge_via_api, open_by_address
from tests.web.test_merge_refusals import require_approval
from tests.web.test_person_messages import add_message

pytestmark = pytest.mark.asyncio(loop_scope="session")


PHOTO = Path(__file__).parent.parent / "fixtures" / "documents" / "specimen_residence_card.png"
LAYOUT_FAULTS = (Path(__file__).parent / "layout_faults.js").read_text(encoding="utf-8")
"""What a screen must not show besides an overflow (overlaps, a label parted from its field, a list
cut or said twice, a form with no heading after a list, a code parted at a hyphen, a number parted
from its unit, a box scrolled sideways, a gap under a heading, an empty message box): see the file."""


OFF_SCREEN = """() => {
  const edge = document.documentElement.clientWidth + 0.5;
  const past = (e) => e.getBoundingClientRect().right > edge;
  return [...document.querySelectorAll("body *")].filter((e) => past(e) && !past(e.parentElement))
    .map((e) => `${e.tagName.toLowerCase()}${e.id ? "#" + e.id : ""}${e.className ? "." + e.className : ""}`);
}"""
"""The outermost elements that reach past the right edge (where an overflow comes from)."""


def _folder(viewport: tuple[int, int], tmp_path: Path) -> Path:
    """Where the screenshots of ``viewport`` go (``WEB_SCREENSHOTS``, else the test's tmp folder)."""
    folder = Path(os.environ.get("WEB_SCREENSHOTS", tmp_path)) / f"{viewport[0]}x{viewport[1]}"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


async def check(page: Page, folder: Path, name: str) -> None:
    """Keep a screenshot; nothing off screen sideways, nothing overlapping or cut
    (:data:`LAYOUT_FAULTS`), no accessibility violation."""
    await page.screenshot(path=str(folder / f"{name}.png"), full_page=True)
    overflow = await page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
    assert overflow <= 0, f"{name}: {overflow}px off screen: {await page.evaluate(OFF_SCREEN)}"
    faults = await page.evaluate(LAYOUT_FAULTS)
    assert faults == [], f"{name}: {faults}"
    await assert_accessible(page)


@pytest.mark.parametrize("viewport", [(390, 844), (1366, 768)], ids=["phone", "desk"], indirect=True)
async def test_screens_fit_phone_and_desk(
    page: Page, server: LiveServer, viewport: tuple[int, int], tmp_path: Path
) -> None:
    folder = _folder(viewport, tmp_path)
    agent = server.make_agent()
    person = register_via_api(
        server, agent, given_names="Ndèye Fatou", family_name="Mbaye-Diallo", date_of_birth="1994-03",
        phones=[{"number": "0612345678", "whatsapp": True}],
        documents=[{"doc_type": "consular_card", "number": "SN12345678901", "issuing_country": "SN"}],
    )  # fmt: skip
    with server.api(agent) as http:
        http.post("/api/v1/cases", json={"registrant_id": person["id"], "service_type": "SOCIAL", "channel": "walk_in"})
        # a photo of 56,1 ko: on a phone its row's words end at the line's end, its size must not part
        photo = {"file": (PHOTO.name, PHOTO.read_bytes(), "image/png")}
        added = http.post(f"/api/v1/registrants/{person['id']}/documents", files=photo, data={"kind": "photo"})
        assert added.status_code == 201, added.text
    await page.goto(f"{server.url}/app/")
    await check(page, folder, "1-login")
    await sign_in(page, server, agent)
    await page.locator("#search-form").get_by_label("Nom, téléphone").fill("Mbaye")
    await page.get_by_role("button", name="Chercher", exact=True).click()
    await expect(page.locator("#results li")).to_have_count(1)
    await check(page, folder, "2-search")
    await page.locator("#results li button").click()
    await expect(page.get_by_role("heading", name="Ndèye Fatou Mbaye-Diallo")).to_be_visible()
    await page.locator("#book").get_by_role("button", name="Voir les créneaux libres").click()
    await expect(page.locator("#book fieldset.slots")).to_be_visible()
    await expect(page.locator("#documents li")).to_contain_text("56,1\u00a0ko")
    await page.locator("#case-service").select_option("RESIDENCE_MA")  # the longest name of the catalogue
    await check(page, folder, "3-person")
    await page.locator("#person").get_by_role("button", name="Modifier").click()
    await check(page, folder, "4-edit")
    await page.get_by_role("button", name="Annuler").click()
    await page.locator("#person .list button").first.click()
    await expect(page.locator(".timeline li")).to_have_count(1)
    await check(page, folder, "5-case")
    await fill_registration(page, given_names="Ndeye Fatou", family_name="Mbaye Diallo", date_of_birth="1994-03")
    await page.locator("#candidates button").first.click()
    await expect(page.locator("#compare table")).to_be_visible()
    await check(page, folder, "6-duplicates")
    await page.get_by_role("button", name="Files de dossiers").click()
    await answer_leaving(page, leave=True)  # the registration waits on its duplicates: not saved
    await page.get_by_role("button", name="Afficher").click()
    await expect(page.locator("#cases li")).to_have_count(1)
    await check(page, folder, "7-queue")
    await page.get_by_role("button", name="Rendez-vous du jour").click()
    await page.locator("#week-form").get_by_role("button", name="Afficher la semaine").click()
    await expect(page.locator("#week .week-day")).to_have_count(7)
    await check(page, folder, "8-week")

    # a second file of the person compared before merging, with the file's messages (one in doubt)
    twin = dict(given_names="Ndèye Fatou", family_name="Mbaye-Diallo", date_of_birth="1994-03", occupation="étudiante")
    second = register_via_api(server, agent, **twin)
    add_message(server, person, "appointment_reminder", "email", "ndeye@example.org", "in_doubt", IN_DOUBT_REASON)
    await open_by_address(page, server, person["id"])
    await compare_with(page, second)
    await check(page, folder, "9-merge")
    merge_via_api(server, agent, person, second)
    await open_by_address(page, server, second["id"])
    await expect(page.get_by_role("heading", name="Dossier fusionné")).to_be_visible()
    await check(page, folder, "10-merged")
    # a supervisor's approvals beside the queues: a proposed merge examined, a message in doubt
    require_approval(server)
    third = register_via_api(server, agent, **twin)
    merge_via_api(server, agent, person, third)
    await page.get_by_role("button", name="Se déconnecter").click()
    await expect(page.get_by_role("heading", name="Connexion")).to_be_visible()
    await sign_in(page, server, server.make_agent("supervisor"))
    await page.get_by_role("button", name="Files de dossiers").click()
    await page.locator("#merge-reviews").get_by_role("button", name="Examiner").click()
    await expect(page.locator("#merge-reviews dl")).to_be_visible()
    await expect(page.locator("#in-doubt-list > li")).to_have_count(1)
    await check(page, folder, "11-reviews")

    # A supervisor's screens of the people's data-protection rights: the rights in the file (a
    # request overdue, a legal hold, the disclosures, the erasure's question and its outcome) and
    # the data-protection screen.
    supervisor, admin = server.make_agent("supervisor"), server.make_agent("admin")
    with server.api(admin) as http:
        partner = http.post(
            "/api/v1/partners",
            json={"name": "Caritas Rabat", "kind": "ngo", "country": "MA", "city": "Rabat", "service_types": []},
        ).json()
    with server.api(agent) as http:
        consent = {"purpose": "partner_referral", "partner_id": partner["id"], "granted": True, "channel": "in_person",
                   "notice_version": "2026-01", "language": "fr"}  # fmt: skip
        assert http.post(f"/api/v1/registrants/{person['id']}/consents", json=consent).status_code == 201
        case_id = http.get(f"/api/v1/registrants/{person['id']}/cases").json()["items"][0]["id"]
        assert http.post(f"/api/v1/cases/{case_id}/referrals", json={"partner_id": partner["id"]}).status_code == 201
    long_ago = (dt.date.today() - dt.timedelta(days=45)).isoformat()
    set_registered_on(server, person["id"], dt.date.fromisoformat(long_ago))  # the request came after it
    with server.api(supervisor) as http:
        for kind, received in (("access", long_ago), ("erasure", None)):
            made = http.post(
                "/api/v1/privacy/subject-requests",
                json={"registrant_id": person["id"], "kind": kind, "received_on": received},
            )
            assert made.status_code == 201, made.text
        http.post("/api/v1/privacy/legal-holds", json={"registrant_id": person["id"], "reason": "Enquête en cours"})
    await page.get_by_role("button", name="Se déconnecter").click()
    await sign_in(page, server, supervisor)
    await open_by_address(page, server, person["id"])  # the twins' files hold the same name
    await expect(page.locator("#subject-request-list li")).to_have_count(2)
    await page.get_by_role("button", name="Afficher les communications de la personne").click()
    await expect(page.locator("#disclosure-list li")).to_have_count(1)
    await page.get_by_role("button", name="Afficher les corrections").click()
    await expect(page.locator("#correction-list li")).to_have_text("Aucune correction.")
    erasure = page.locator("#subject-request-list li").nth(1)
    await erasure.get_by_role("button", name="Effectuer l'effacement : demande reçue le").click()
    await erasure.get_by_role("button", name="Oui, anonymiser définitivement").click()
    await expect(erasure.locator(".msg")).to_contain_text("Effacement refusé")
    await check(page, folder, "9-rights")
    await page.get_by_role("button", name="Lever la conservation légale : Enquête en cours").click()
    await page.get_by_role("button", name="Oui, lever la conservation").click()
    await expect(page.locator("#legal-holds-msg")).to_have_text("Conservation légale levée.")
    # the refusal closed the question: asked again
    await erasure.get_by_role("button", name="Effectuer l'effacement : demande reçue le").click()
    await erasure.get_by_role("button", name="Oui, anonymiser définitivement").click()
    await expect(page.locator(".erasure-outcome")).to_be_visible()
    await check(page, folder, "10-erasure")
    await page.get_by_role("button", name="Protection des données").click()
    await expect(page.locator("#pending-list li")).to_have_count(1)
    await expect(page.locator("#disc-register-list li")).to_have_count(1)
    await check(page, folder, "11-privacy")


@pytest.mark.parametrize("viewport", [(390, 844), (1366, 768)], ids=["phone", "desk"], indirect=True)
async def test_administration_screens_fit_phone_and_desk(
    page: Page, server: LiveServer, viewport: tuple[int, int], tmp_path: Path
) -> None:
    folder = _folder(viewport, tmp_path)
    admin = server.make_agent("admin", ["CASA-BASE", "DKR-MOB"])
    with server.api(admin) as http:  # a holiday named at length, in the year the screen shows
        holiday = {
            "day": f"{dt.date.today().year}-12-31",
            "name": "Fin d'année : fermeture décidée par le consulat général",
        }
        added = http.post(f"/api/v1/desks/{desk_id(server, admin, 'DKR-MOB')}/holidays", json=holiday)
        assert added.status_code == 201, added.text
    await sign_in(page, server, admin)
    await page.get_by_role("button", name="Administration").click()
    await expect(page.locator("#staff-list li").first).to_be_visible()
    await check(page, folder, "a1-staff")
    row = page.locator("#staff-list li", has_text=admin.email)
    await row.get_by_role("button", name="Modifier le compte").click()
    await expect(row.locator("form")).to_be_visible()
    await check(page, folder, "a2-staff-edit")

    await page.get_by_role("button", name="Guichets", exact=True).click()
    await page.get_by_role("button", name="Horaires et jours fériés : Guichet unique mobilité — Dakar").click()
    hours = page.locator("#hours-form")
    monday = hours.locator(".hours-day[data-day='1']")
    await monday.get_by_role("button", name="Ajouter une plage : lundi").click()
    await expect(monday.locator(".hours-range")).to_have_count(2)
    await expect(page.locator("#holiday-list li")).to_contain_text(holiday["name"])
    await check(page, folder, "a3-desk-hours")

    await page.get_by_role("button", name="Catalogue des services").click()
    row = page.locator("#service-list li[data-code=SOCIAL]")
    await row.get_by_role("button", name="Modifier : Accompagnement social").click()
    await expect(row.locator("form")).to_be_visible()
    await check(page, folder, "a4-services")


@pytest.mark.parametrize("viewport", [(390, 844), (1366, 768)], ids=["phone", "desk"], indirect=True)
async def test_case_follow_up_screens_fit_phone_and_desk(
    page: Page, server: LiveServer, viewport: tuple[int, int], tmp_path: Path
) -> None:
    """The partner's answer to a referral, the documents asked of the person, a closure request
    (the agent's fields, then the supervisor's decision)."""
    folder = _folder(viewport, tmp_path)
    agent, supervisor, admin = server.make_agent(), server.make_agent("supervisor"), server.make_agent("admin")
    person = register_via_api(server, agent, given_names="Ndèye Fatou", family_name="Mbaye-Diallo")
    partner = {
        "name": "Organisation internationale pour les migrations — bureau de Rabat",
        "kind": "international_organisation",
    }
    with server.api(admin) as http:
        made = http.post("/api/v1/partners", json={**partner, "country": "MA", "service_types": ["RESIDENCE_MA"]})
        assert made.status_code == 201, made.text
    with server.api(agent) as http:
        body = {"registrant_id": person["id"], "service_type": "RESIDENCE_MA", "channel": "walk_in"}
        case = http.post("/api/v1/cases", json=body).json()
        consent = {"purpose": "partner_referral", "partner_name": partner["name"], "granted": True}
        consent |= {"channel": "in_person", "notice_version": "2026-01", "language": "fr"}
        assert http.post(f"/api/v1/registrants/{person['id']}/consents", json=consent).status_code == 201
        referral = http.post(f"/api/v1/cases/{case['id']}/referrals", json={"partner_id": made.json()["id"]}).json()
    await sign_in(page, server, agent)
    await open_file(page, "Ndèye Fatou Mbaye-Diallo")
    await page.get_by_role("button", name=case["case_number"]).click()
    answer = page.locator(f"#referral-status-{referral['id']}-form")
    await answer.get_by_label("Nouveau statut de l'orientation").select_option("answered")
    await expect(answer.get_by_label("Réponse du partenaire")).to_be_visible()
    await expect(page.locator("#documents-missing-form input[name=usual]")).to_have_count(4)
    await check(page, folder, "f1-referral-answer-and-documents")

    move = page.locator("#move-form")
    await move.get_by_label("Passer au statut").select_option("pending_closure")
    await move.get_by_label("Clôture proposée au superviseur").select_option("closed_withdrawn")
    await move.get_by_label("Résultat").select_option("information")
    await move.get_by_label("Note de clôture").fill("La personne a obtenu sa carte de séjour par un autre guichet.")
    await check(page, folder, "f2-closure-asked")
    await move.get_by_role("button", name="Changer le statut").click()
    await expect(page.locator("#closure-request")).to_be_visible()
    await page.get_by_role("button", name="Se déconnecter").click()

    await sign_in(page, server, supervisor)
    await open_file(page, "Ndèye Fatou Mbaye-Diallo")
    await page.get_by_role("button", name=case["case_number"]).click()
    decide = page.locator("#move-form")
    await decide.get_by_label("Votre décision").select_option("in_follow_up")
    await expect(decide.get_by_label("Motif du refus (l'agent le lira)")).to_be_visible()
    await check(page, folder, "f3-closure-decision")


REGISTER = (
    "N°;Date d'enregistrement;Prénom(s);Nom;Sexe;Date de naissance;Lieu de naissance;Région d'origine;"
    "N° passeport;N° CNI;Téléphone;Email;Ville de résidence;Statut;Profession;Date d'arrivée au Maroc;"
    "Demande;Observations\r\n"
    "1;10/03/2020;Ibrahima;Sow;M;02/01/1985;Dakar;Dakar;;;;;Casablanca;;;;;\r\n"
    "2;11/03/2020;Ibrahima;Sow;M;02/01/1985;Dakar;Dakar;;;;;Casablanca;;;;;\r\n"
)


@pytest.mark.parametrize("viewport", [(390, 844), (1366, 768)], ids=["phone", "desk"], indirect=True)
async def test_import_screens_fit_phone_and_desk(
    page: Page, server: LiveServer, viewport: tuple[int, int], tmp_path: Path
) -> None:
    """The imported registers: the upload form (a desk's long name in its list), the batches' table
    (wider than a phone: it scrolls in its own box, and opens at its start), a batch's flagged rows
    once its button is pressed (at the table's end on a phone), and all of it drawn again in English."""
    folder = _folder(viewport, tmp_path)
    admin = server.make_agent("admin", ["CASA-BASE", "DKR-MOB"])
    with server.api(admin) as http:
        files = {"file": ("registre-casa-2020.csv", REGISTER.encode("cp1252"), "text/csv")}
        made = http.post("/api/v1/imports/registers", files=files, data={"desk_code": "CASA-BASE"})
        assert made.status_code == 201, made.text
    await sign_in(page, server, admin)
    await page.get_by_role("button", name="Registres importés").click()
    await expect(page.locator("#import-batches tr")).to_have_count(2)
    await check(page, folder, "i1-imports")
    await page.locator("#import-batches").get_by_role("button", name="Voir les lignes signalées").click()
    await expect(page.locator("#import-report tr")).to_have_count(2)
    await check(page, folder, "i2-flagged-rows")
    await page.get_by_role("button", name="English").click()
    await expect(page.locator("#import-batches th").first).to_have_text("Imported on")
    await check(page, folder, "i3-english")
