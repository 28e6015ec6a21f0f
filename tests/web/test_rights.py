"""The people's data-protection rights in the person's file: a supervisor records a request (its
due date said, an overdue one said so), produces and downloads the access archive, carries out an
erasure after a question saying what it does (and sees every file it reached, at which desk, with
its counts), places and releases legal holds — a hold in force refuses the erasure in a sentence
naming it —, and reads the disclosures about the person. Agents are offered none of it.

Before: no screen for any of it; a supervisor had to call the API by hand."""

from __future__ import annotations

import asyncio
import datetime as dt
import io
import json
import zipfile
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from playwright.async_api import Page, Request, Route, expect

from tests.web.conftest import Agent, LiveServer, assert_accessible
from tests.web.helpers import open_file, register_via_api, set_registered_on, sign_in

pytestmark = pytest.mark.asyncio(loop_scope="session")

GIVEN = {"granted": True, "channel": "in_person", "notice_version": "2026-01", "language": "fr"}


def day_words(day: dt.date) -> str:
    """A day as the client writes it in French ("5 mars 2026"), Intl's medium style."""
    months = ["janv.", "févr.", "mars", "avr.", "mai", "juin", "juil.", "août", "sept.", "oct.", "nov.", "déc."]
    return f"{day.day} {months[day.month - 1]} {day.year}"


def casablanca_today() -> dt.date:
    return dt.datetime.now(ZoneInfo("Africa/Casablanca")).date()


async def days_overdue(page: Page, request: dict[str, Any]) -> int:
    """How late ``request`` is at the Casablanca desk's today as the browser's time-zone data has it
    (the page counts with them; Python's may differ by an hour when Morocco's rules change)."""
    today = await page.evaluate(
        "new Intl.DateTimeFormat('en-CA', {timeZone: 'Africa/Casablanca', year: 'numeric', month: '2-digit',"
        " day: '2-digit'}).format(new Date())"
    )
    return (dt.date.fromisoformat(today) - dt.date.fromisoformat(request["due_on"])).days


def person_sent_to_dakar(server: LiveServer, agent: Agent, **fields: Any) -> dict[str, Any]:
    """A person registered at Casablanca (one phone) whose case was transferred to Dakar: the
    transfer made them a file there too. The Casablanca file."""
    consents = [{"purpose": p, **GIVEN} for p in ("service_delivery", "desk_transfer", "transfer_to_senegal")]
    person = register_via_api(server, agent, phones=[{"number": "0612345678"}], consents=consents, **fields)
    with server.api(agent) as http:
        case = http.post(
            "/api/v1/cases", json={"registrant_id": person["id"], "service_type": "SOCIAL", "channel": "walk_in"}
        ).json()
        tag = http.get(f"/api/v1/cases/{case['id']}").headers["ETag"]
        moved = http.post(
            f"/api/v1/cases/{case['id']}/transitions",
            json={"to": "transferred", "to_desk": "DKR-MOB"},
            headers={"If-Match": tag},
        )
        assert moved.status_code == 200, moved.text
    return person


def record(server: LiveServer, staff: Agent, person: dict[str, Any], kind: str, **body: Any) -> dict[str, Any]:
    """A request of ``person``'s recorded over the API; one received on a past day dates the
    person's registration back to that day (no request is received before the file existed)."""
    if body.get("received_on"):
        set_registered_on(server, person["id"], dt.date.fromisoformat(body["received_on"]))
    with server.api(staff) as http:
        made = http.post("/api/v1/privacy/subject-requests", json={"registrant_id": person["id"], "kind": kind, **body})
        assert made.status_code == 201, made.text
        return made.json()  # type: ignore[no-any-return]


def record_of(server: LiveServer, staff: Agent, registrant_id: str) -> dict[str, Any]:
    with server.api(staff) as http:
        return http.get(f"/api/v1/registrants/{registrant_id}").json()  # type: ignore[no-any-return]


async def test_an_access_request_is_recorded_and_its_archive_downloaded(page: Page, server: LiveServer) -> None:
    agent, supervisor = server.make_agent(), server.make_agent("supervisor")
    person = register_via_api(server, agent, given_names="Mariama", family_name="Ba")
    late = record(
        server, supervisor, person, "access", received_on=(casablanca_today() - dt.timedelta(days=40)).isoformat()
    )
    await sign_in(page, server, supervisor)
    await open_file(page, "Mariama Ba")
    rights = page.locator("#rights")
    await expect(rights.get_by_role("heading", name="Droits de la personne sur ses données")).to_be_visible()
    # a request received 40 days ago was due 30 days after: 10 days overdue at the desk's today
    overdue = rights.locator("#subject-request-list li").first
    await expect(overdue).to_contain_text(
        f"Demande d'accès · reçue le {day_words(dt.date.fromisoformat(late['received_on']))}"
    )
    late_by = await days_overdue(page, late)  # 10, or 9/11 an hour a day when the zone data differ
    await expect(overdue.locator("strong.late")).to_have_text(f"en retard de {late_by} jours")

    form = rights.locator("#subject-request-form")
    received = casablanca_today() - dt.timedelta(days=2)
    await form.get_by_label("Nature de la demande").select_option(label="Demande d'accès")
    await form.get_by_label("Reçue le").fill(received.isoformat())
    await form.get_by_label("Reçue par").select_option(label="téléphone")
    await form.get_by_role("button", name="Enregistrer la demande").click()
    due = received + dt.timedelta(days=30)
    await expect(page.locator("#subject-requests-msg")).to_have_text(
        f"Demande enregistrée : réponse due le {day_words(due)}."
    )
    row = rights.locator("#subject-request-list li").nth(1)
    await expect(row).to_contain_text(
        f"Demande d'accès · reçue le {day_words(received)} (téléphone) · réponse due le {day_words(due)} · en attente"
    )
    await assert_accessible(page)

    async with page.expect_download() as info:
        await row.get_by_role(
            "button", name=f"Produire et télécharger l'archive : demande reçue le {day_words(received)}"
        ).click()
    download = await info.value
    assert download.suggested_filename == f"acces-{person['id']}.zip"
    archive = zipfile.ZipFile(io.BytesIO((await download.path()).read_bytes()))
    data = json.loads(archive.read("data.json"))
    assert (data["registrant"]["given_names"], data["registrant"]["family_name"]) == ("Mariama", "Ba")
    await expect(page.locator("#subject-requests-msg")).to_have_text(
        f"Archive téléchargée : acces-{person['id']}.zip. Remettez-la à la personne ; la demande est traitée."
    )
    await expect(rights.locator("#subject-request-list li").nth(1)).to_contain_text("traitée le")
    with server.api(supervisor) as http:
        log = http.get("/api/v1/privacy/subject-requests", params={"registrant_id": person["id"]}).json()["items"]
    assert [r["fulfilled_at"] is not None for r in log] == [False, True]


async def test_an_erasure_asks_first_then_shows_every_file_it_reached(page: Page, server: LiveServer) -> None:
    agent, supervisor = server.make_agent(), server.make_agent("supervisor")
    person = person_sent_to_dakar(server, agent, given_names="Ousmane", family_name="Faye")
    await sign_in(page, server, supervisor)
    await open_file(page, "Ousmane Faye")
    form = page.locator("#subject-request-form")
    await form.get_by_label("Nature de la demande").select_option(label="Demande d'effacement")
    await form.get_by_role("button", name="Enregistrer la demande").click()
    row = page.locator("#subject-request-list li").first
    await expect(row).to_contain_text("Demande d'effacement · reçue le")

    ask = row.get_by_role("button", name="Effectuer l'effacement : demande reçue le")
    await ask.click()
    question = row.get_by_role("group")
    await expect(question).to_contain_text("Effacer les données de Ousmane Faye (CASA-")
    await expect(question).to_contain_text("tous les autres dossiers de la personne, à ce guichet ou à un autre")
    await expect(question).to_contain_text("C'est irréversible")
    await assert_accessible(page)
    await question.get_by_role("button", name="Non, ne rien effacer").click()
    await expect(ask).to_be_focused()
    assert record_of(server, supervisor, person["id"])["anonymised_at"] is None

    await ask.click()
    await question.get_by_role("button", name="Oui, anonymiser définitivement").click()
    await expect(page.locator("#person-msg")).to_have_text(
        "Effacement effectué : le dossier est anonymisé. Le résultat est détaillé sous la demande."
    )
    await expect(page.get_by_role("heading", name="[anonymisé] [anonymisé]", level=1)).to_be_visible()
    outcome = page.locator(".erasure-outcome")
    await expect(outcome).to_contain_text("Dossiers de la personne atteints : 2")
    files = outcome.locator(".erased-files li")
    await expect(files.nth(0)).to_contain_text("(CASA-BASE) — ce dossier · anonymisé le")
    await expect(files.nth(0)).to_contain_text("téléphones 1")
    await expect(files.nth(1)).to_contain_text("DKR-MOB — dossier lié par un transfert · anonymisé le")
    await expect(outcome.locator("table tr", has_text="téléphones")).to_have_text("téléphones2")
    await expect(page.locator("#rights")).to_contain_text("Dossier anonymisé le")
    await expect(page.locator("#subject-request-list li").first.get_by_role("button")).to_have_count(0)
    await assert_accessible(page)
    with server.api(supervisor) as http:
        log = http.get("/api/v1/privacy/subject-requests", params={"registrant_id": person["id"]}).json()["items"]
    assert record_of(server, supervisor, person["id"])["anonymised_at"] is not None
    assert log[0]["fulfilled_at"] is not None


async def test_a_legal_hold_refuses_the_erasure_in_a_sentence_naming_it_until_released(
    page: Page, server: LiveServer
) -> None:
    agent, supervisor = server.make_agent(), server.make_agent("supervisor")
    person = register_via_api(server, agent, given_names="Coumba", family_name="Ndiaye")
    record(server, supervisor, person, "erasure")
    await sign_in(page, server, supervisor)
    await open_file(page, "Coumba Ndiaye")
    holds = page.locator("#legal-holds")
    await expect(holds.locator("#legal-hold-list")).to_have_text("Aucune conservation légale.")
    hold_form = holds.locator("#legal-hold-form")
    await hold_form.get_by_label("Motif").fill("Procédure prud'homale en cours")
    await hold_form.get_by_label("Dernier jour").fill("2099-12-31")
    await hold_form.get_by_role("button", name="Poser la conservation").click()
    await expect(page.locator("#legal-holds-msg")).to_have_text("Conservation légale posée.")
    await expect(holds.locator("#legal-hold-list li")).to_contain_text(
        f"Procédure prud'homale en cours · en vigueur, jusqu'au 31 déc. 2099 · posée par {supervisor.email} le"
    )
    await expect(hold_form.get_by_label("Motif")).to_have_value("")

    row = page.locator("#subject-request-list li").first
    await row.get_by_role("button", name="Effectuer l'effacement : demande reçue le").click()
    await row.get_by_role("button", name="Oui, anonymiser définitivement").click()
    refusal = row.locator(".msg")
    await expect(refusal).to_have_text(
        "Effacement refusé : ce dossier est sous conservation légale « Procédure prud'homale en cours », posée par "
        f"{supervisor.email} le {day_words(dt.datetime.now(dt.UTC).date())}, jusqu'au 31 déc. 2099. Rien n'a été "
        "effacé. Levez la conservation (ou attendez son terme), puis effectuez l'effacement."
    )
    assert record_of(server, supervisor, person["id"])["anonymised_at"] is None
    # the question is closed, the refusal stays: no « Oui » inviting a retry refused again (before:
    # both answers stayed on screen above the refusal)
    question = row.get_by_role("group", name="Effectuer l'effacement : demande reçue le")
    await expect(question).to_be_hidden()
    await expect(row.get_by_role("button", name="Oui, anonymiser définitivement")).to_have_count(0)
    await expect(row.get_by_role("button", name="Non, ne rien effacer")).to_have_count(0)
    await expect(row.get_by_role("button", name="Effectuer l'effacement : demande reçue le")).to_be_visible()
    await expect(refusal).to_contain_text("Effacement refusé")
    await assert_accessible(page)

    await holds.get_by_role("button", name="Lever la conservation légale : Procédure prud'homale en cours").click()
    await holds.get_by_role("button", name="Oui, lever la conservation").click()
    await expect(page.locator("#legal-holds-msg")).to_have_text("Conservation légale levée.")
    await expect(holds.locator("#legal-hold-list li")).to_contain_text("· levée le")
    await expect(holds.locator("#legal-hold-list li").get_by_role("button")).to_have_count(0)
    # asked again, the erasure is carried out now
    await row.get_by_role("button", name="Effectuer l'effacement : demande reçue le").click()
    await row.get_by_role("button", name="Oui, anonymiser définitivement").click()
    await expect(page.locator("#person-msg")).to_contain_text("Effacement effectué")
    assert record_of(server, supervisor, person["id"])["anonymised_at"] is not None


async def test_a_hold_on_the_persons_file_at_another_desk_is_named_as_such(page: Page, server: LiveServer) -> None:
    agent, supervisor = server.make_agent(), server.make_agent("supervisor")
    dakar = server.make_agent("supervisor", ["DKR-MOB"])
    person = person_sent_to_dakar(server, agent, given_names="Aliou", family_name="Sarr")
    with server.api(dakar) as http:
        copy = http.get("/api/v1/registrants", params={"q": "Aliou Sarr"}).json()["items"][0]
        held = http.post(
            "/api/v1/privacy/legal-holds", json={"registrant_id": copy["id"], "reason": "Enquête du parquet"}
        )
        assert held.status_code == 201, held.text
    record(server, supervisor, person, "erasure")
    await sign_in(page, server, supervisor)
    await open_file(page, "Aliou Sarr")
    row = page.locator("#subject-request-list li").first
    await row.get_by_role("button", name="Effectuer l'effacement : demande reçue le").click()
    await row.get_by_role("button", name="Oui, anonymiser définitivement").click()
    await expect(row.locator(".msg")).to_have_text(
        "Effacement refusé : un autre dossier de la personne (lié par un transfert ou une fusion) est sous "
        f"conservation légale « Enquête du parquet », posée par {dakar.email} le "
        f"{day_words(dt.datetime.now(dt.UTC).date())}, jusqu'à sa levée. Rien n'a été effacé, dans aucun dossier : "
        "la conservation doit être levée (ou arriver à son terme) avant l'effacement."
    )
    assert record_of(server, supervisor, person["id"])["anonymised_at"] is None


async def test_an_erasure_whose_answer_was_lost_is_resent_and_shows_its_outcome(page: Page, server: LiveServer) -> None:
    agent, supervisor = server.make_agent(), server.make_agent("supervisor")
    person = register_via_api(server, agent, given_names="Fatou", family_name="Kane", phones=[{"number": "0612345678"}])
    request = record(server, supervisor, person, "erasure")
    await sign_in(page, server, supervisor)
    await open_file(page, "Fatou Kane")
    keys: list[str | None] = []

    async def lose_the_answer(route: Route, request: Request) -> None:
        keys.append(request.headers.get("idempotency-key"))
        await route.fetch()  # the server erases the file…
        await route.abort("connectionreset")  # …and its answer never arrives

    erase_url = f"**/subject-requests/{request['id']}/erase"
    await page.route(erase_url, lose_the_answer)
    row = page.locator("#subject-request-list li").first
    await row.get_by_role("button", name="Effectuer l'effacement : demande reçue le").click()
    await row.get_by_role("button", name="Oui, anonymiser définitivement").click()
    await expect(row.locator(".msg")).to_contain_text("l'effacement a pu être fait ou non")
    await page.unroute(erase_url)
    assert record_of(server, supervisor, person["id"])["anonymised_at"] is not None  # it was

    sent: list[str | None] = []
    page.on("request", lambda r: sent.append(r.headers.get("idempotency-key")) if r.url.endswith("/erase") else None)
    await row.get_by_role("button", name="Oui, anonymiser définitivement").click()
    await expect(page.locator("#person-msg")).to_contain_text("Effacement effectué")
    # the first outcome replayed (what the erasure removed), not "already anonymised, nothing changed"
    outcome = page.locator(".erasure-outcome")
    await expect(outcome).to_contain_text("Anonymisé le")
    await expect(outcome.locator(".erased-files li")).to_contain_text("ce dossier · anonymisé le")
    await expect(outcome.locator("table tr", has_text="téléphones")).to_have_text("téléphones1")
    assert keys[0] and sent == keys, (keys, sent)


async def test_a_hold_refused_is_said_at_its_field_with_what_was_typed_kept(page: Page, server: LiveServer) -> None:
    agent, supervisor = server.make_agent(), server.make_agent("supervisor")
    person = register_via_api(server, agent, given_names="Ibou", family_name="Diallo")
    await sign_in(page, server, supervisor)
    await open_file(page, "Ibou Diallo")
    form = page.locator("#legal-hold-form")
    await form.get_by_label("Motif").fill("Litige avec l'employeur")
    await form.get_by_label("Dernier jour").fill("2020-01-01")
    await form.get_by_role("button", name="Poser la conservation").click()
    await expect(form.locator(".msg")).to_contain_text(
        "Dernier jour (facultatif) : date passée : aujourd'hui ou une date à venir est attendue"
    )
    await expect(form.get_by_label("Dernier jour")).to_have_attribute("aria-invalid", "true")
    await expect(form.get_by_label("Motif")).to_have_value("Litige avec l'employeur")
    with server.api(supervisor) as http:
        assert http.get(f"/api/v1/registrants/{person['id']}/legal-holds").json() == []


async def test_the_disclosures_about_the_person_are_read_from_the_file(page: Page, server: LiveServer) -> None:
    agent, supervisor, admin = server.make_agent(), server.make_agent("supervisor"), server.make_agent("admin")
    person = register_via_api(server, agent, given_names="Rokhaya", family_name="Sow")
    with server.api(admin) as http:
        partner = http.post(
            "/api/v1/partners",
            json={"name": "Caritas Rabat", "kind": "ngo", "country": "MA", "city": "Rabat", "service_types": []},
        ).json()
    with server.api(agent) as http:
        given = {"purpose": "partner_referral", "partner_id": partner["id"], **GIVEN}
        assert http.post(f"/api/v1/registrants/{person['id']}/consents", json=given).status_code == 201
        case = http.post(
            "/api/v1/cases", json={"registrant_id": person["id"], "service_type": "SOCIAL", "channel": "walk_in"}
        ).json()
        assert http.post(f"/api/v1/cases/{case['id']}/referrals", json={"partner_id": partner["id"]}).status_code == 201
    await sign_in(page, server, supervisor)
    await open_file(page, "Rokhaya Sow")
    part = page.locator("#person-disclosures")
    await expect(part.locator("#disclosure-list")).to_be_hidden()  # read (and audited) when asked for
    await part.get_by_role("button", name="Afficher les communications de la personne").click()
    entry = part.locator("#disclosure-list li")
    await expect(entry).to_have_count(1)
    await expect(entry).to_contain_text("— Caritas Rabat (partenaire) · orientation")
    await expect(entry).to_contain_text(
        "finalité : orientation vers un partenaire · base : consentement (consentement n°"
    )
    await expect(entry).to_contain_text("données : prénom(s), nom, téléphones, type de service, description du dossier")
    await assert_accessible(page)


async def test_an_agent_is_offered_none_of_it_and_an_auditor_only_reads(page: Page, server: LiveServer) -> None:
    agent, auditor = server.make_agent(), server.make_agent("auditor", [])
    register_via_api(server, agent, given_names="Moussa", family_name="Gueye")
    fetched: list[str] = []
    page.on("request", lambda r: fetched.append(r.url) if "rights" in r.url or "privacy" in r.url else None)
    await sign_in(page, server, agent)
    await open_file(page, "Moussa Gueye")
    await expect(page.get_by_role("heading", name="Historique de la fiche")).to_be_visible()
    await expect(page.locator("#rights")).to_have_count(0)
    await expect(page.get_by_role("button", name="Protection des données")).to_be_hidden()
    assert fetched == [], fetched  # neither the module nor the API it calls

    await page.get_by_role("button", name="Se déconnecter").click()
    await sign_in(page, server, auditor)
    await open_file(page, "Moussa Gueye")
    rights = page.locator("#rights")
    await expect(rights.locator("#legal-hold-list")).to_have_text("Aucune conservation légale.")
    await expect(rights.locator("#subject-requests")).to_have_count(0)  # the API answers auditors 403
    await expect(rights.locator("form")).to_have_count(0)
    await expect(rights.get_by_role("button", name="Afficher les communications de la personne")).to_be_visible()


async def test_a_correction_keeps_its_reason_and_the_file_shows_its_corrections(page: Page, server: LiveServer) -> None:
    """Rectification: the edit form sends the reason, the rights of the file list the corrections.
    Before: no reason could be given from the client and the history of corrections was not shown."""
    agent, supervisor = server.make_agent(), server.make_agent("supervisor")
    person = register_via_api(server, agent, given_names="Ndeye", family_name="Diop")
    await sign_in(page, server, supervisor)
    await open_file(page, "Ndeye Diop")
    await page.locator("#person").get_by_role("button", name="Modifier").click()
    form = page.locator("#edit-form")
    await form.get_by_label("Prénom(s)").fill("Ndèye")
    await form.get_by_label("Motif de la correction").fill("Acte de naissance présenté par la personne")
    await form.get_by_role("button", name="Enregistrer les modifications").click()
    await expect(page.get_by_role("heading", name="Ndèye Diop", level=1)).to_be_visible()
    part = page.locator("#person-corrections")
    await part.get_by_role("button", name="Afficher les corrections").click()
    entry = part.locator("#correction-list li")
    await expect(entry).to_have_count(1)
    await expect(entry).to_contain_text(f"— {supervisor.email} : Prénom(s) : « Ndeye » → « Ndèye »")
    await expect(entry.locator("p")).to_have_text("motif : Acte de naissance présenté par la personne")
    await assert_accessible(page)
    with server.api(supervisor) as http:
        stored = http.get(f"/api/v1/registrants/{person['id']}/corrections").json()
    assert [(c["field"], c["reason"]) for c in stored] == [
        ("given_names", "Acte de naissance présenté par la personne")
    ]


async def test_a_hold_placed_while_a_release_reads_the_list_stays_listed(page: Page, server: LiveServer) -> None:
    """A release reads the holds again and that read answers late, with the list as it was before
    the hold placed meanwhile: the later read stays drawn. Before: the release's answer, arriving
    last, left out the hold in force — the file then read as if its data could be erased."""
    agent, supervisor = server.make_agent(), server.make_agent("supervisor")
    person = register_via_api(server, agent, given_names="Astou", family_name="Mbaye")
    with server.api(supervisor) as http:
        placed = http.post("/api/v1/privacy/legal-holds", json={"registrant_id": person["id"], "reason": "Litige"})
        assert placed.status_code == 201, placed.text
    reads: list[str] = []
    asked, listed = asyncio.Event(), asyncio.Event()

    async def late(route: Route) -> None:
        reads.append(route.request.url)
        if len(reads) != 2:  # the first: the file opening; the third: after the hold placed
            return await route.continue_()
        answer = await route.fetch()  # the list read after the release, before the hold placed…
        asked.set()
        await listed.wait()  # …delivered once the later read is drawn
        await route.fulfill(response=answer)

    await page.route("**/api/v1/registrants/*/legal-holds", late)
    await sign_in(page, server, supervisor)
    await open_file(page, "Astou Mbaye")
    holds = page.locator("#legal-holds")
    await holds.get_by_role("button", name="Lever la conservation légale : Litige").click()
    await holds.get_by_role("button", name="Oui, lever la conservation").click()
    await asyncio.wait_for(asked.wait(), 5)
    await holds.locator("#legal-hold-form").get_by_label("Motif").fill("Enquête en cours")
    await holds.locator("#legal-hold-form").get_by_role("button", name="Poser la conservation").click()
    hold_list = holds.locator("#legal-hold-list li")
    await expect(hold_list.filter(has_text="Enquête en cours")).to_contain_text("en vigueur")
    listed.set()
    await expect(page.locator("#legal-holds-msg")).to_have_text("Conservation légale levée.")
    await expect(hold_list.filter(has_text="Enquête en cours")).to_contain_text("en vigueur")


async def test_a_request_received_before_the_persons_registration_is_refused_at_its_date(
    page: Page, server: LiveServer
) -> None:
    """Before: « Reçue le » years before the person's file existed was taken, and the request shown
    « en retard de 2866 jours »."""
    agent, supervisor = server.make_agent(), server.make_agent("supervisor")
    person = register_via_api(server, agent, given_names="Binta", family_name="Kane")
    registered = casablanca_today() - dt.timedelta(days=3)
    set_registered_on(server, person["id"], registered)
    await sign_in(page, server, supervisor)
    await open_file(page, "Binta Kane")
    form = page.locator("#subject-request-form")
    await form.get_by_label("Reçue le").fill("2019-01-01")
    await form.get_by_role("button", name="Enregistrer la demande").click()
    message = page.locator("#subject-request-form-msg")
    await expect(message).to_contain_text("Reçue le")
    await expect(message).to_contain_text("date antérieure à l'enregistrement de la personne")
    await expect(form.get_by_label("Reçue le")).to_have_attribute("aria-invalid", "true")
    await expect(page.locator("#subject-request-list li")).to_have_text(["Aucune demande enregistrée."])
    await form.get_by_label("Reçue le").fill(registered.isoformat())
    await form.get_by_role("button", name="Enregistrer la demande").click()
    await expect(page.locator("#subject-request-list li")).to_have_count(1)
    await expect(page.locator("#subject-request-list li")).to_contain_text(f"reçue le {day_words(registered)}")
