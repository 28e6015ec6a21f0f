"""Registration and the person's file in detail: the duplicate panel follows the form, regions of
origin and situation chosen by name, document types in the history (refreshed after an edit), a
refused referral consent said as refused, dates of birth in words, the transfer label."""

from __future__ import annotations

import pytest
from playwright.async_api import Page, expect

from tests.web.conftest import LiveServer, assert_accessible
from tests.web.helpers import fill_registration, open_file, register_via_api, sign_in

pytestmark = pytest.mark.asyncio(loop_scope="session")


async def test_duplicate_panel_goes_when_the_form_changes_and_compares_identity_fields(
    page: Page, server: LiveServer
) -> None:
    agent = server.make_agent()
    register_via_api(
        server, agent, given_names="Ibrahima", family_name="Sow", date_of_birth="1988-02-11", name_arabic="إبراهيما سو",
        email="ibrahima@example.org", nationality="SN",
        documents=[{"doc_type": "passport", "number": "A1234567", "issuing_country": "SN"}],
    )  # fmt: skip
    await sign_in(page, server, agent)
    form = await fill_registration(page, given_names="Ibrahima", family_name="Sow", date_of_birth="1988-02-11")
    await page.locator("#candidates li").first.get_by_role("button", name="Comparer").click()
    table = page.locator("#compare table")
    for label, on_file in (
        ("Pièces d'identité", "Passeport A1234567 (SN)"), ("Nom en arabe", "إبراهيما سو"),
        ("E-mail", "ibrahima@example.org"), ("Nationalité", "SN"),
    ):  # fmt: skip
        row = table.locator("tr", has=page.locator("th", has_text=label))
        await expect(row.locator("td").last).to_have_text(on_file)
    born = table.locator("tr", has=page.locator("th", has_text="Date de naissance")).locator("td")
    await expect(born).to_have_text(["11 février 1988", "11 février 1988"])
    await assert_accessible(page)

    # Another person typed in the same form: the earlier candidates and their buttons go.
    await form.get_by_label("Prénom(s)").fill("Moussa")
    await expect(page.locator("#duplicates")).to_be_hidden()
    await expect(page.get_by_role("button", name="C'est la même personne")).to_have_count(0)
    await expect(page.locator("#candidates li")).to_have_count(0)


async def test_region_of_origin_and_situation_are_chosen_by_name_at_registration_and_in_edit(
    page: Page, server: LiveServer
) -> None:
    agent = server.make_agent()
    await sign_in(page, server, agent)
    # chosen by their words (the options' values are codes)
    await fill_registration(
        page, given_names="Lamine", family_name="Badji", origin_region="Ziguinchor", status_category="Étudiant(e)"
    )
    await expect(page.locator("#registered-link")).to_be_visible()
    with server.api(agent) as http:
        made = http.get("/api/v1/registrants", params={"q": "Lamine Badji"}).json()["items"][0]
        record = http.get(f"/api/v1/registrants/{made['id']}").json()
    assert (record["origin_region_code"], record["status_category"]) == ("SN-ZG", "student")

    await page.locator("#registered-link").click()
    await expect(page.get_by_role("heading", name="Lamine Badji", level=1)).to_be_visible()
    await page.get_by_role("button", name="Modifier").click()
    edit = page.locator("#edit-form")
    await expect(edit.get_by_label("Région d'origine")).to_have_value("SN-ZG")
    await expect(edit.get_by_label("Situation")).to_have_value("student")
    await expect(edit.get_by_label("Région d'origine").locator("option", has_text="Thiès")).to_have_count(1)
    await edit.get_by_label("Région d'origine").select_option(label="Thiès")
    await edit.get_by_label("Situation").select_option(label="Retraité(e)")
    await assert_accessible(page)
    await edit.get_by_role("button", name="Enregistrer les modifications").click()
    await expect(page.get_by_text("Modifications enregistrées.")).to_be_visible()
    with server.api(agent) as http:
        record = http.get(f"/api/v1/registrants/{made['id']}").json()
    assert (record["origin_region_code"], record["status_category"]) == ("SN-TH", "retired")
    situation = page.locator("#person dt", has_text="Situation").locator("xpath=following-sibling::dd[1]")
    await expect(situation).to_have_text("Retraité(e)")


async def test_history_names_document_types_and_shows_an_edit_without_a_reload(page: Page, server: LiveServer) -> None:
    agent = server.make_agent()
    register_via_api(
        server, agent, given_names="Khady", family_name="Fall", date_of_birth="1990-05-12",
        documents=[{"doc_type": "passport", "number": "A1234567", "issuing_country": "SN"}],
    )  # fmt: skip
    await sign_in(page, server, agent)
    await open_file(page, "Khady Fall")
    born = page.locator("#person dt", has_text="Date de naissance").locator("xpath=following-sibling::dd[1]")
    await expect(born).to_have_text("12 mai 1990")
    await page.get_by_role("button", name="Modifier").click()
    edit = page.locator("#edit-form")
    await edit.get_by_label("Ville de résidence").fill("Tanger")
    await edit.get_by_role("button", name="Enregistrer les modifications").click()
    await expect(page.get_by_text("Modifications enregistrées.")).to_be_visible()
    history = page.locator("#history")
    await expect(history).to_contain_text("Ville de résidence : « — » → « Tanger »")

    with server.api(agent) as http:
        person = http.get("/api/v1/registrants", params={"q": "Khady Fall"}).json()["items"][0]
        current = http.get(f"/api/v1/registrants/{person['id']}")
        docs = [
            {"doc_type": "passport", "number": "A1234567", "issuing_country": "SN"},
            {"doc_type": "ma_residence_card", "number": "BE123456", "issuing_country": "MA"},
        ]
        etag = current.headers["etag"]
        path = f"/api/v1/registrants/{person['id']}"
        changed = http.patch(path, json={"documents": docs}, headers={"If-Match": etag})
        assert changed.status_code == 200, changed.text
    await page.reload()
    await expect(history).to_contain_text("Carte de séjour (Maroc) BE123456")
    text = await history.inner_text()
    assert "passport:" not in text and "ma_residence_card" not in text, text


async def test_a_refused_referral_consent_is_said_refused(page: Page, server: LiveServer) -> None:
    admin = server.make_agent("admin")
    agent = server.make_agent()
    with server.api(admin) as http:
        made = http.post("/api/v1/partners", json={"name": "Caritas Rabat", "kind": "ngo", "country": "MA"})
        assert made.status_code == 201, made.text
    person = register_via_api(server, agent, given_names="Seynabou", family_name="Gueye")
    with server.api(agent) as http:
        refused = {
            "purpose": "partner_referral", "partner_name": "Caritas Rabat", "granted": False,
            "channel": "in_person", "notice_version": "2026-01", "language": "fr",
        }  # fmt: skip
        assert http.post(f"/api/v1/registrants/{person['id']}/consents", json=refused).status_code == 201
        case = http.post(
            "/api/v1/cases", json={"registrant_id": person["id"], "service_type": "SOCIAL", "channel": "walk_in"}
        ).json()
    await sign_in(page, server, agent)
    await open_file(page, "Seynabou Gueye")
    await page.get_by_role("button", name=case["case_number"]).click()
    await page.locator("#referral-partner").select_option(label="Caritas Rabat")
    consent = page.locator("#referral-consent")
    await expect(consent).to_contain_text("La personne a refusé d'être orientée vers ce partenaire")
    assert "Aucun consentement" not in await consent.inner_text()


async def test_dates_of_birth_in_words_and_transfer_label_without_a_code(page: Page, server: LiveServer) -> None:
    agent = server.make_agent()
    register_via_api(server, agent, given_names="Ousmane", family_name="Cisse Un", date_of_birth="1990-05-12")
    register_via_api(server, agent, given_names="Ousmane", family_name="Cisse Deux", date_of_birth="1985-05")
    register_via_api(server, agent, given_names="Ousmane", family_name="Cisse Trois", date_of_birth="1985")
    await sign_in(page, server, agent)
    await page.locator("#search-form").get_by_label("Nom, téléphone").fill("Ousmane Cisse")
    await page.get_by_role("button", name="Chercher", exact=True).click()
    results = page.locator("#results")
    await expect(results).to_contain_text("née le 12 mai 1990")
    await expect(results).to_contain_text("née en mai 1985")
    await expect(results).to_contain_text("née en 1985")
    assert "1990-05-12" not in await results.inner_text()

    with server.api(agent) as http:
        person = http.get("/api/v1/registrants", params={"q": "Cisse Un"}).json()["items"][0]
        case = http.post(
            "/api/v1/cases", json={"registrant_id": person["id"], "service_type": "SOCIAL", "channel": "walk_in"}
        ).json()
    await page.get_by_role("button", name="Ousmane Cisse Un").click()
    await page.get_by_role("button", name=case["case_number"]).click()
    label = page.locator("#move-form label", has_text="Guichet de destination")
    await expect(label).to_have_count(1)
    assert "DKR-MOB" not in await label.inner_text()
