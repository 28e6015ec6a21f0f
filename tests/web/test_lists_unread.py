"""A list or section the client reads and cannot load — a refusal, or no answer — says so in its
place, with what the agent can do, and the rest of the screen is drawn: it never looks like an
empty list (« Aucun pour l'instant »), nor leaves the screen undrawn."""

from __future__ import annotations

import io
from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from PIL import Image
from playwright.async_api import Page, Route, expect

from tests.appointments.helpers import next_weekday
from tests.imports.conftest import csv_file
from tests.web.conftest import LiveServer, assert_accessible
from tests.web.helpers import open_case_via_api, register_via_api, show_case, sign_in

pytestmark = pytest.mark.asyncio(loop_scope="session")

LIST_UNREAD = "La liste n'a pas pu être chargée : rechargez la page pour réessayer."


async def no_answer(route: Route) -> None:
    await route.abort("connectionreset")


async def refused(route: Route) -> None:
    await route.fulfill(status=503, content_type="application/problem+json", body='{"status": 503, "title": "x"}')


async def show_file(page: Page, server: LiveServer, person: dict[str, Any]) -> None:
    """Open ``person``'s file by its address, once its title is drawn."""
    await page.goto(f"{server.url}/app/#/person/{person['id']}")
    await expect(page.get_by_role("heading", level=1)).to_have_text(f"{person['given_names']} {person['family_name']}")


async def test_case_notes_referrals_and_file_history_say_they_could_not_be_loaded(
    page: Page, server: LiveServer
) -> None:
    supervisor = server.make_agent("supervisor")
    person = register_via_api(server, supervisor, given_names="Coumba", family_name="Ndiaye")
    case, _ = open_case_via_api(server, supervisor, person)
    await sign_in(page, server, supervisor)
    await page.route("**/api/v1/cases/*/notes?*", refused)
    await page.route("**/api/v1/cases/*/referrals", no_answer)

    await show_case(page, server, case)
    notes = page.locator("#case-notes")
    await expect(notes.locator(".msg.warning")).to_have_text(
        "Les notes du dossier n'ont pas pu être chargées : rouvrez le dossier pour réessayer."
    )
    await expect(notes.locator("#notes")).to_have_count(0)
    await expect(page.locator("#case-referrals .msg.warning")).to_have_text(
        "Les orientations du dossier n'ont pas pu être chargées : rouvrez le dossier pour réessayer."
    )
    await expect(page.locator("#case-timeline li")).not_to_have_count(0)  # the rest of the case is drawn
    await expect(page.locator("#note-form")).to_be_visible()
    await assert_accessible(page)

    await page.route("**/api/v1/registrants/*/history", no_answer)
    await show_file(page, server, person)
    history = page.locator("#history")
    await expect(history.locator(".msg.warning")).to_have_text(
        "L'historique de la fiche n'a pas pu être chargé : rechargez la page pour réessayer."
    )
    await expect(history.locator("ol li")).to_have_count(0)
    await expect(page.locator("#person-appointments")).to_be_visible()


Opener = Callable[[Page, LiveServer, dict[str, Any], dict[str, Any]], Awaitable[None]]


async def on_file(page: Page, server: LiveServer, person: dict[str, Any], case: dict[str, Any]) -> None:
    await show_file(page, server, person)


async def on_case(page: Page, server: LiveServer, person: dict[str, Any], case: dict[str, Any]) -> None:
    await show_case(page, server, case)


async def on_queue(page: Page, server: LiveServer, person: dict[str, Any], case: dict[str, Any]) -> None:
    await page.get_by_role("button", name="Files de dossiers").click()
    await page.get_by_label("File", exact=True).select_option("unassigned")
    await page.get_by_role("button", name="Afficher").click()


async def on_partners(page: Page, server: LiveServer, person: dict[str, Any], case: dict[str, Any]) -> None:
    await page.get_by_role("button", name="Partenaires").click()


async def on_day(page: Page, server: LiveServer, person: dict[str, Any], case: dict[str, Any]) -> None:
    await page.get_by_role("button", name="Rendez-vous du jour").click()
    await page.locator("#day-form").get_by_label("Jour").fill(next_weekday(2).isoformat())
    await page.locator("#day-form").get_by_role("button", name="Afficher").click()


async def on_imports(page: Page, server: LiveServer, person: dict[str, Any], case: dict[str, Any]) -> None:
    await page.get_by_role("button", name="Registres importés").click()


async def on_booking(page: Page, server: LiveServer, person: dict[str, Any], case: dict[str, Any]) -> None:
    await show_file(page, server, person)
    book = page.locator("#book")
    await book.get_by_label("Jour", exact=True).fill(next_weekday(3).isoformat())
    await book.get_by_role("button", name="Voir les créneaux libres").click()


async def on_move(page: Page, server: LiveServer, person: dict[str, Any], case: dict[str, Any]) -> None:
    agent = server.make_agent()
    with server.api(agent) as http:
        desk = next(d["id"] for d in http.get("/api/v1/desks").json() if d["code"] == "CASA-BASE")
        asked = {"desk_id": desk, "start": next_weekday(3).isoformat(), "days": 1, "duration_minutes": 30}
        free = http.get("/api/v1/appointments/free-slots", params={**asked, "agent_id": str(agent.id)})
        slot = free.json()["days"][0]["slots"][0]
        body = {"desk_id": desk, "agent_id": str(agent.id), "registrant_id": person["id"]}
        booked = http.post(
            "/api/v1/appointments", json={**body, "starts_at": slot["start_local"], "ends_at": slot["end_local"]}
        )
        assert booked.status_code == 201, booked.text
    await show_file(page, server, person)
    row = page.locator("#person-appointments li").first
    await row.get_by_role("button", name="Déplacer").click()
    await row.locator("form").get_by_role("button", name="Voir les créneaux libres").click()


async def on_flagged(page: Page, server: LiveServer, person: dict[str, Any], case: dict[str, Any]) -> None:
    admin = server.make_agent("admin", [])
    line = "Saliou;Ka;M;14/05/1990;Dakar;Dakar;;;;;Casablanca;Etudiant;;;;"
    register = csv_file(f"1;12/03/2020;{line}", f"2;15/03/2020;{line}")
    with server.api(admin) as http:
        sent = {"file": ("registre.csv", register, "text/csv")}
        assert http.post("/api/v1/imports/registers", files=sent, data={"desk_code": "CASA-BASE"}).status_code == 201
    await page.get_by_role("button", name="Registres importés").click()
    await page.get_by_role("button", name="Voir les lignes signalées : registre.csv").click()


async def on_pending(page: Page, server: LiveServer, person: dict[str, Any], case: dict[str, Any]) -> None:
    await on_flagged(page, server, person, case)  # the batch's rows still to resolve, read after its flagged rows


async def on_privacy(page: Page, server: LiveServer, person: dict[str, Any], case: dict[str, Any]) -> None:
    await page.get_by_role("button", name="Protection des données").click()


# (screen, the list's request, where the screen says it, the list's place, its words for none, what
# the screen still draws)
WALK: list[tuple[Opener, str, str, str, str, str]] = [
    (
        on_file,
        "**/api/v1/registrants/*/cases",
        "#person-cases .msg",
        "#person-cases",
        "Aucun pour l'instant.",
        "#person-appointments",
    ),
    (
        on_file,
        "**/api/v1/appointments?registrant_id=*",
        "#person-appointments .msg",
        "#person-appointments",
        "Aucun pour l'instant.",
        "#person-cases",
    ),
    (on_file, "**/api/v1/registrants/*/documents", "#documents .msg.warning", "#documents", "Aucun", "#upload-form"),
    (
        on_file,
        "**/api/v1/registrant-merges?registrant_id=*",
        "#person-merge .msg",
        "#person-merge",
        "Aucun",
        "#person-messages",
    ),
    (
        on_file,
        "**/api/v1/registrants/*/notifications?*",
        "#person-messages .msg.warning",
        "#person-messages",
        "Aucun message pour l'instant.",
        "#preferences-form",
    ),
    (
        on_case,
        "**/api/v1/partners?limit=100&active=true",
        "#case-referrals .msg.warning",
        "#case-referrals",
        "Aucun partenaire",
        "#case-timeline",
    ),
    (on_case, "**/api/v1/desks/*/staff", "#assign-form .msg.warning", "#assign-form", "Choisir", "#case-timeline"),
    (
        on_case,
        "**/api/v1/desks/directory",
        "#move-form [data-field=to_desk] .msg.warning",
        "#move-form",
        "Aucun autre guichet",
        "#case-timeline",
    ),
    (on_queue, "**/api/v1/cases?queue=*", "#cases .msg.warning", "#cases", "Aucun résultat.", "#in-doubt-list"),
    (
        on_queue,
        "**/api/v1/notifications/in-doubt?*",
        "#in-doubt-list .msg.warning",
        "#in-doubt-list",
        "Aucun message en doute.",
        "#cases",
    ),
    (
        on_day,
        "**/api/v1/appointments?desk_id=*",
        "#day-list .msg.warning",
        "#day-list",
        "Aucun rendez-vous.",
        "#week-form",
    ),
    (
        on_booking,
        "**/api/v1/appointments/free-slots?*",
        "#book .slots .msg.warning",
        "#book",
        "Aucun créneau libre",
        "#book button[type=submit]",
    ),
    (
        on_move,
        "**/api/v1/appointments/free-slots?*",
        "#person-appointments .slots .msg.warning",
        "#person-appointments",
        "Aucun créneau libre",
        "#person-appointments button[type=submit]",
    ),
    (
        on_flagged,
        "**/api/v1/imports/*/flagged?*",
        "#import-report .msg.warning",
        "#import-report",
        "lignes signalées",
        "#import-batches table",
    ),
    (
        on_pending,
        "**/api/v1/imports/*/flagged?resolution=pending*",
        "#import-report section .msg.warning",
        "#import-report",
        "Aucune ligne en attente",
        "#import-report table",
    ),
    (
        on_imports,
        "**/api/v1/imports?limit=50",
        "#import-batches .msg.warning",
        "#import-batches",
        "Aucun lot d'import.",
        "#import-form",
    ),
    (
        on_partners,
        "**/api/v1/partners?limit=100",
        "#partners .msg.warning",
        "#partners",
        "Aucun partenaire.",
        "#partners",
    ),
    (
        on_file,
        "**/api/v1/privacy/subject-requests?registrant_id=*",
        "#subject-request-list .msg.warning",
        "#subject-request-list",
        "Aucune demande",
        "#person-merge",
    ),
    (
        on_privacy,
        "**/api/v1/privacy/subject-requests?open_only=*",
        "#pending-list .msg.warning",
        "#pending-list",
        "Aucune demande",
        "#disclosures-form",
    ),
    (
        on_file,
        "**/api/v1/registrants/*/legal-holds",
        "#legal-hold-list .msg.warning",
        "#legal-hold-list",
        "Aucune conservation légale",
        "#legal-hold-form",
    ),
]


@pytest.mark.parametrize("fail", [refused, no_answer], ids=["refused", "no-answer"])
@pytest.mark.parametrize(
    ("open_screen", "request_path", "notice", "place", "none_words", "still_drawn"),
    WALK,
    ids=[f"{w[0].__name__[3:]}-{w[3].strip('#')}" for w in WALK],
)
async def test_a_list_that_could_not_be_loaded_says_so_in_its_place(
    page: Page,
    server: LiveServer,
    open_screen: Opener,
    request_path: str,
    notice: str,
    place: str,
    none_words: str,
    still_drawn: str,
    fail: Callable[[Route], Awaitable[None]],
) -> None:
    supervisor = server.make_agent("supervisor")
    person = register_via_api(server, supervisor, given_names="Mame", family_name="Sarr")
    case, _ = open_case_via_api(server, supervisor, person)
    await sign_in(page, server, supervisor)
    await page.route(request_path, fail)

    await open_screen(page, server, person, case)
    await expect(page.locator(notice)).to_have_text(LIST_UNREAD)
    await expect(page.locator(place)).not_to_contain_text(none_words)
    await expect(page.locator(still_drawn)).to_be_visible()


@pytest.mark.parametrize("fail", [refused, no_answer], ids=["refused", "no-answer"])
async def test_a_case_whose_staff_or_desks_could_not_be_loaded_offers_no_assignment_nor_transfer(
    page: Page, server: LiveServer, fail: Callable[[Route], Awaitable[None]]
) -> None:
    """The desk's staff not loaded: the supervisor's assignment says so, with no button to assign to
    no one. The desk directory not loaded: the transfer says so, and the move form offers no submit
    while a transfer is chosen (no desk to send), as soon as another move is chosen it does."""
    supervisor = server.make_agent("supervisor")
    person = register_via_api(server, supervisor, given_names="Mame", family_name="Sarr")
    case, _ = open_case_via_api(server, supervisor, person)
    await sign_in(page, server, supervisor)
    await page.route("**/api/v1/desks/*/staff", fail)
    await page.route("**/api/v1/desks/directory", fail)

    await show_case(page, server, case)
    assign = page.locator("#assign-form")
    await expect(assign.locator(".msg.warning")).to_have_text(LIST_UNREAD)
    await expect(assign.get_by_role("button")).to_have_count(0)
    move = page.locator("#move-form")
    submit = move.get_by_role("button", name="Changer le statut")
    await move.get_by_label("Passer au statut").select_option("transferred")
    await expect(move.locator("[data-field=to_desk] .msg.warning")).to_have_text(LIST_UNREAD)
    await expect(move.locator("[data-field=to_desk] .msg.warning")).to_be_visible()
    await expect(submit).to_be_hidden()
    await move.get_by_label("Passer au statut").select_option("qualified")
    await expect(submit).to_be_visible()
    await assert_accessible(page)


async def test_the_agent_in_charge_is_said_unavailable_when_the_desk_staff_could_not_be_loaded(
    page: Page, server: LiveServer
) -> None:
    """The case in a colleague's charge, the desk's staff refused: the agent in charge is « nom
    indisponible », never « an agent no longer active at this desk »."""
    supervisor = server.make_agent("supervisor")
    colleague = server.make_agent()
    person = register_via_api(server, supervisor, given_names="Mame", family_name="Sarr")
    case, etag = open_case_via_api(server, supervisor, person)
    with server.api(supervisor) as http:
        to_colleague = {"assignee_id": str(colleague.id)}
        given = http.post(f"/api/v1/cases/{case['id']}/assignment", json=to_colleague, headers={"If-Match": etag})
        assert given.status_code == 200, given.text
    await sign_in(page, server, supervisor)
    await page.route("**/api/v1/desks/*/staff", refused)

    await show_case(page, server, case)
    await expect(page.locator('#case dt:text-is("Agent chargé") + dd')).to_have_text("nom indisponible")


LIST_UNREAD_AGAIN = "La liste n'a pas pu être chargée : demandez-la à nouveau pour réessayer."


async def on_search(page: Page, server: LiveServer, person: dict[str, Any], case: dict[str, Any]) -> None:
    await page.locator("#search-form").get_by_label("Nom, téléphone").fill("Sarr")
    await page.get_by_role("button", name="Chercher", exact=True).click()


async def on_corrections(page: Page, server: LiveServer, person: dict[str, Any], case: dict[str, Any]) -> None:
    await show_file(page, server, person)
    await page.get_by_role("button", name="Afficher les corrections").click()


async def on_disclosures(page: Page, server: LiveServer, person: dict[str, Any], case: dict[str, Any]) -> None:
    await show_file(page, server, person)
    await page.get_by_role("button", name="Afficher les communications de la personne").click()


# Lists read when the agent asks for them (a search, a register, a part of the file): (screen, the
# list's request, where the screen says it and in which words, the list's place, its words for
# none, what the screen still draws). Before: said in the message box, the list left as it was.
ASKED: list[tuple[Opener, str, str, str, str, str, str]] = [
    (
        on_search,
        "**/api/v1/registrants?*",
        "#results .msg.warning",
        "Les résultats n'ont pas pu être chargés : relancez la recherche pour réessayer.",
        "#results",
        "Aucun résultat",
        "#search-form",
    ),
    (
        on_privacy,
        "**/api/v1/privacy/disclosures?*",
        "#disc-register-list .msg.warning",
        LIST_UNREAD_AGAIN,
        "#disc-register-list",
        "Aucune communication",
        "#pending-list",
    ),
    (
        on_corrections,
        "**/api/v1/registrants/*/corrections",
        "#correction-list .msg.warning",
        LIST_UNREAD_AGAIN,
        "#correction-list",
        "Aucune correction",
        "#legal-hold-list",
    ),
    (
        on_disclosures,
        "**/api/v1/privacy/disclosures?*",
        "#disclosure-list .msg.warning",
        LIST_UNREAD_AGAIN,
        "#disclosure-list",
        "Aucune communication",
        "#legal-hold-list",
    ),
]


@pytest.mark.parametrize("fail", [refused, no_answer], ids=["refused", "no-answer"])
@pytest.mark.parametrize(
    ("open_screen", "request_path", "notice", "words", "place", "none_words", "still_drawn"),
    ASKED,
    ids=[f"{w[0].__name__[3:]}-{w[4].strip('#')}" for w in ASKED],
)
async def test_a_list_asked_for_that_could_not_be_loaded_says_so_in_its_place(
    page: Page,
    server: LiveServer,
    open_screen: Opener,
    request_path: str,
    notice: str,
    words: str,
    place: str,
    none_words: str,
    still_drawn: str,
    fail: Callable[[Route], Awaitable[None]],
) -> None:
    supervisor = server.make_agent("supervisor")
    person = register_via_api(server, supervisor, given_names="Mame", family_name="Sarr")
    await sign_in(page, server, supervisor)
    await page.route(request_path, fail)

    await open_screen(page, server, person, {})
    await expect(page.locator(notice)).to_have_text(words)
    await expect(page.locator(place)).not_to_contain_text(none_words)
    await expect(page.locator(".tab:not([hidden]) .msg[role=alert]:visible")).to_have_count(0)  # not a message
    await expect(page.locator(still_drawn)).to_be_visible()


@pytest.mark.parametrize("fail", [refused, no_answer], ids=["refused", "no-answer"])
async def test_the_staff_accounts_that_could_not_be_loaded_are_said_so(
    page: Page, server: LiveServer, fail: Callable[[Route], Awaitable[None]]
) -> None:
    admin = server.make_agent("admin")
    await sign_in(page, server, admin)
    await page.route("**/api/v1/users", fail)
    await page.get_by_role("button", name="Administration").click()
    await expect(page.locator("#admin-staff .msg.warning")).to_have_text(LIST_UNREAD)
    await expect(page.locator("#admin-staff")).not_to_contain_text("Aucun compte.")
    await page.get_by_role("button", name="Guichets").click()  # the other sections still open
    await expect(page.locator("#desk-list li").first).to_be_visible()


def png_bytes(colour: tuple[int, int, int]) -> bytes:
    """A small picture of one colour (two colours: two different files)."""
    out = io.BytesIO()
    Image.new("RGB", (32, 24), colour).save(out, format="PNG")
    return out.getvalue()


async def test_documents_that_could_not_be_loaded_are_listed_once_one_is_uploaded(
    page: Page, server: LiveServer
) -> None:
    """The documents of the file not loaded: after an upload the list is read again and drawn
    (before, the document uploaded was shown only after a reload); that read not answered either,
    the list still says it could not be loaded, and the upload is said done."""
    supervisor = server.make_agent("supervisor")
    person = register_via_api(server, supervisor, given_names="Khady", family_name="Gueye")
    await sign_in(page, server, supervisor)

    async def read_unanswered(route: Route) -> None:  # the upload (a POST to the same address) goes through
        await (no_answer(route) if route.request.method == "GET" else route.continue_())

    await page.route("**/api/v1/registrants/*/documents", read_unanswered)
    await show_file(page, server, person)
    documents = page.locator("#documents")
    await expect(documents.locator(".msg.warning")).to_have_text(LIST_UNREAD)

    form = page.locator("#upload-form")
    picture = {"name": "acte.png", "mimeType": "image/png", "buffer": png_bytes((30, 120, 60))}
    await form.get_by_label("Fichier (scan, photo ou PDF)").set_input_files(picture)
    await form.get_by_role("button", name="Déposer le document").click()
    await expect(documents.locator(".msg[role=alert]")).to_have_text("Document déposé.")
    await expect(documents.locator(".msg.warning")).to_have_text(LIST_UNREAD)

    await page.unroute("**/api/v1/registrants/*/documents", read_unanswered)
    card = {"name": "carte.png", "mimeType": "image/png", "buffer": png_bytes((200, 30, 30))}
    await form.get_by_label("Fichier (scan, photo ou PDF)").set_input_files(card)
    await form.get_by_role("button", name="Déposer le document").click()
    await expect(documents.locator(".msg[role=alert]")).to_have_text("Document déposé.")
    await expect(documents.locator(".msg.warning")).to_have_count(0)
    await expect(page.locator("#document-list li")).to_have_count(2)
    await expect(page.locator("#document-list li").first).to_contain_text("carte.png")  # newest first


async def test_a_booking_form_says_the_desks_staff_could_not_be_loaded_and_still_books_with_the_agent(
    page: Page, server: LiveServer
) -> None:
    """The agents to book with not read: said under the list, which keeps the agent signed in (the
    booking still goes through), never a list that looks like the whole desk."""
    agent = server.make_agent()
    colleague = server.make_agent()
    person = register_via_api(server, agent, given_names="Ndèye", family_name="Thiam")
    await sign_in(page, server, agent)
    await page.route("**/api/v1/desks/*/staff", refused)
    await show_file(page, server, person)
    book = page.locator("#book")
    await expect(book.locator(".msg.warning")).to_have_text(
        "La liste des agents du guichet n'a pas pu être chargée : rechargez la page pour choisir un collègue."
    )
    helper = book.get_by_label("Avec l'agent")
    await expect(helper.locator("option")).to_have_count(1)
    await expect(helper.locator(f"option[value='{colleague.id}']")).to_have_count(0)
    await book.get_by_label("Jour", exact=True).fill(next_weekday(3).isoformat())
    await book.get_by_role("button", name="Voir les créneaux libres").click()
    await book.locator("fieldset.slots").get_by_role("radio").first.check()
    await book.get_by_role("button", name="Réserver ce créneau").click()
    await expect(page.locator("#person-msg")).to_have_text("Rendez-vous réservé.")
    await assert_accessible(page)
