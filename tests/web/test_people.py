"""Items 2 to 5: find a person, read their whole file, edit it safely, register with the duplicate check."""

from __future__ import annotations

import pytest
from playwright.async_api import Page, Route, expect

from tests.web.conftest import LiveServer, assert_accessible
from tests.web.helpers import answer_leaving, fill_registration, register_via_api, sign_in

pytestmark = pytest.mark.asyncio(loop_scope="session")


async def test_find_by_spelling_variant_and_open_with_the_keyboard(page: Page, server: LiveServer) -> None:
    agent = server.make_agent()
    person = register_via_api(
        server, agent, given_names="Fatou", family_name="Ndiaye", date_of_birth="1990-05-04",
        phones=[{"number": "06 12 34 56 78", "whatsapp": True}],
        documents=[{"doc_type": "passport", "number": "A01234567", "issuing_country": "SN"}],
    )  # fmt: skip
    register_via_api(server, agent, given_names="Moussa", family_name="Ndiaye", sex="male")
    await sign_in(page, server, agent)

    await page.locator("#search-form").get_by_label("Nom, téléphone").fill("N'Diaye")
    await page.locator("#search-form").get_by_label("Sexe").select_option(label="Femme")
    await page.get_by_role("button", name="Chercher", exact=True).click()
    results = page.locator("#results li")
    await expect(results).to_have_count(1)
    await expect(results.first).to_contain_text("Fatou Ndiaye")
    await expect(results.first).to_contain_text(person["registration_number"])
    # Focus went to the first result: Enter opens the file.
    await expect(page.get_by_role("button", name="Fatou Ndiaye")).to_be_focused()
    await page.keyboard.press("Enter")
    file = page.locator("#person")
    await expect(page.get_by_role("heading", name="Fatou Ndiaye", level=1)).to_be_focused()
    await expect(file).to_contain_text("+212612345678 (WhatsApp)")
    await expect(file).to_contain_text("Passeport A01234567 (SN)")
    await expect(file).to_contain_text("être servi(e) au guichet : accordé")
    await expect(file).to_contain_text("Femme")
    assert "service_delivery" not in await file.inner_text()
    await assert_accessible(page)

    # The registration number finds the same person; the mouse opens it.
    await page.get_by_role("button", name="Retour aux résultats").click()
    await page.locator("#search-form").get_by_label("Nom, téléphone").fill(person["registration_number"])
    await page.locator("#search-form").get_by_label("Sexe").select_option(label="Tous")
    await page.get_by_role("button", name="Chercher", exact=True).click()
    await expect(results).to_have_count(1)
    await results.first.get_by_role("button").click()
    await expect(page.get_by_role("heading", name="Fatou Ndiaye", level=1)).to_be_visible()


async def test_edit_conflict_shows_what_changed_and_reapplies_the_agents_change(page: Page, server: LiveServer) -> None:
    agent = server.make_agent()
    person = register_via_api(server, agent, given_names="Awa", family_name="Diop", host_city="Rabat")
    await sign_in(page, server, agent)
    await page.locator("#search-form").get_by_label("Nom, téléphone").fill("Diop")
    await page.get_by_role("button", name="Chercher", exact=True).click()
    await page.get_by_role("button", name="Awa Diop").click()
    await page.get_by_role("button", name="Modifier").click()
    await expect(page.locator("#edit-form").get_by_label("Prénom(s)")).to_be_focused()
    await expect(page.locator("#edit-title")).to_have_text("Modifier — Awa Diop")  # whose file it is
    born = page.locator("#edit-form").get_by_label("Date de naissance")
    await expect(born).to_have_accessible_description("JJ/MM/AAAA, MM/AAAA ou AAAA")
    await born.fill("7/1985")  # a month and a year as French desks write them
    await page.locator("#edit-form").get_by_label("Ville de résidence").fill("Casablanca")
    await expect(born).to_have_value("1985-07")

    # Meanwhile a colleague corrects the family name.
    with server.api(agent) as http:
        etag = http.get(f"/api/v1/registrants/{person['id']}").headers["etag"]
        changed = http.patch(
            f"/api/v1/registrants/{person['id']}", json={"family_name": "Diop Ba"}, headers={"If-Match": etag}
        )
        assert changed.status_code == 200

    await page.get_by_role("button", name="Enregistrer les modifications").click()
    alert = page.locator("#person .msg")
    await expect(alert).to_contain_text("Quelqu'un a modifié cette fiche")
    await expect(alert).to_contain_text("Nom : « Diop » est devenu « Diop Ba »")
    assert await page.locator("#edit-form").get_by_label("Ville de résidence").input_value() == "Casablanca"
    assert await page.locator("#edit-form").get_by_label("Nom", exact=True).input_value() == "Diop Ba"
    await assert_accessible(page)

    await page.get_by_role("button", name="Appliquer mes modifications à la version actuelle").click()
    await expect(page.get_by_text("Modifications enregistrées.")).to_be_visible()
    with server.api(agent) as http:
        final = http.get(f"/api/v1/registrants/{person['id']}").json()
    assert (final["family_name"], final["host_city"], final["date_of_birth"]) == ("Diop Ba", "Casablanca", "1985-07")


async def test_leaving_an_edit_with_changes_asks_first_and_a_refusal_keeps_them(page: Page, server: LiveServer) -> None:
    agent = server.make_agent()
    register_via_api(server, agent, given_names="Khady", family_name="Faye")
    await sign_in(page, server, agent)
    await page.locator("#search-form").get_by_label("Nom, téléphone").fill("Faye")
    await page.get_by_role("button", name="Chercher", exact=True).click()
    await page.get_by_role("button", name="Khady Faye").click()
    await page.get_by_role("button", name="Modifier").click()
    occupation = page.locator("#edit-form").get_by_label("Profession")
    await occupation.fill("Commerçante")

    await page.get_by_role("button", name="Rechercher", exact=True).click()
    await answer_leaving(page, leave=False)
    await expect(occupation).to_be_visible()  # still editing, the value kept
    assert await occupation.input_value() == "Commerçante"

    await page.get_by_role("button", name="English").click()  # the language switch draws the screen again: it asks too
    await answer_leaving(page, leave=False)
    assert await occupation.input_value() == "Commerçante"
    await expect(page.get_by_role("button", name="English")).to_be_visible()  # still in French

    await page.get_by_role("button", name="Rechercher", exact=True).click()
    await answer_leaving(page, leave=True)
    await expect(page.locator("#search-form")).to_be_visible()


async def test_an_edit_that_resembles_another_file_lists_it_and_saves_only_when_confirmed(
    page: Page, server: LiveServer
) -> None:
    agent = server.make_agent()
    other = register_via_api(server, agent, given_names="Ibrahima", family_name="Sow", date_of_birth="1988-02-11")
    person = register_via_api(server, agent, given_names="Ibrahim", family_name="Diallo", date_of_birth="1979-06-30")
    await sign_in(page, server, agent)
    await page.locator("#search-form").get_by_label("Nom, téléphone").fill("Diallo")
    await page.get_by_role("button", name="Chercher", exact=True).click()
    await page.get_by_role("button", name="Ibrahim Diallo").click()
    await page.get_by_role("button", name="Modifier").click()
    await page.locator("#edit-form").get_by_label("Nom", exact=True).fill("Sow")
    await page.locator("#edit-form").get_by_label("Date de naissance").fill("1988-02-11")
    await page.get_by_role("button", name="Enregistrer les modifications").click()

    alert = page.locator("#person .msg")
    await expect(alert).to_contain_text("la fiche ressemble à d'autres personnes inscrites")
    await expect(alert.locator("li")).to_have_count(1)
    await expect(alert.locator("li")).to_contain_text(other["registration_number"])
    await expect(alert.get_by_role("button", name="C'est la même personne : ouvrir son dossier")).to_be_visible()
    await assert_accessible(page)
    with server.api(agent) as http:
        assert http.get(f"/api/v1/registrants/{person['id']}").json()["family_name"] == "Diallo"  # nothing saved

    await page.get_by_role("button", name="C'est quelqu'un d'autre : enregistrer quand même").click()
    await expect(page.get_by_text("Modifications enregistrées.")).to_be_visible()
    with server.api(agent) as http:
        assert http.get(f"/api/v1/registrants/{person['id']}").json()["family_name"] == "Sow"


async def test_registration_shows_duplicates_compares_and_opens_the_same_person(page: Page, server: LiveServer) -> None:
    agent = server.make_agent()
    existing = register_via_api(server, agent, given_names="Ibrahima", family_name="Sow", date_of_birth="1988-02-11")
    await sign_in(page, server, agent)
    await fill_registration(page, given_names="Ibrahima", family_name="Sow", date_of_birth="1988-02-11")

    await expect(page.get_by_role("heading", name="Personnes déjà enregistrées")).to_be_focused()
    candidates = page.locator("#candidates li")
    await expect(candidates).to_have_count(1)
    await expect(candidates.first).to_contain_text(existing["registration_number"])
    await expect(candidates.first).to_contain_text("même date de naissance")
    await candidates.first.get_by_role("button", name="Comparer").click()
    table = page.locator("#compare table")
    await expect(table).to_contain_text("Saisi")
    await expect(table.locator("tr", has_text="N° d'enregistrement")).to_contain_text(existing["registration_number"])
    await assert_accessible(page)

    await page.get_by_role("button", name="C'est la même personne").click()
    await expect(page.get_by_role("heading", name="Ibrahima Sow", level=1)).to_be_visible()
    await expect(page.locator("#person p.mono")).to_have_text(existing["registration_number"])
    with server.api(agent) as http:
        assert len(http.get("/api/v1/registrants", params={"q": "Ibrahima Sow"}).json()["items"]) == 1


async def test_a_registration_lost_on_the_way_back_is_resent_with_the_same_key(page: Page, server: LiveServer) -> None:
    agent = server.make_agent()
    await sign_in(page, server, agent)
    form = await fill_registration(
        page, submit=False, given_names="Aminata", family_name="Kane", phone="0661234567", notice_language="wo"
    )

    keys: list[str] = []

    async def lose_first_answer(route: Route) -> None:
        keys.append(route.request.headers["idempotency-key"])
        if len(keys) == 1:
            await route.fetch()  # the server creates the person, but the answer never arrives
            await route.abort("connectionreset")
        else:
            await route.continue_()

    await page.route("**/api/v1/registrants", lose_first_answer)
    await page.get_by_role("button", name="Enregistrer", exact=True).click()
    alert = page.locator("#register-msg")
    await expect(alert).to_have_text(
        "Le serveur n'a pas répondu (connexion coupée ?) : ce qui a été envoyé a pu être enregistré ou non. "
        "Le formulaire est gardé ; le renvoyer tel quel ne crée rien en double."
    )
    assert await form.get_by_label("Prénom(s)").input_value() == "Aminata"
    await expect(page.get_by_role("button", name="Enregistrer", exact=True)).to_be_enabled()

    await page.get_by_role("button", name="Enregistrer", exact=True).click()
    await expect(page.locator("#registered-link")).to_be_focused()
    assert len(keys) == 2 and keys[0] == keys[1]
    with server.api(agent) as http:
        found = http.get("/api/v1/registrants", params={"q": "Aminata Kane"}).json()["items"]
    assert len(found) == 1
    await expect(page.locator("#registered-link")).to_contain_text(found[0]["registration_number"])
    with server.api(agent) as http:
        person = http.get(f"/api/v1/registrants/{found[0]['id']}").json()
    # the notice was given in the person's language, whatever the interface's (French here)
    assert [(c["purpose"], c["language"]) for c in person["consents"]] == [("service_delivery", "wo")]


async def test_invalid_field_is_named_and_highlighted_in_french(page: Page, server: LiveServer) -> None:
    """Two fields with a pasted control character are both said at once, in words (before: only
    one, « Occupation: body.occupation: character U+0007 … »); a date of birth is taken as French
    desks write it (15.03.1992) and shown as sent, an ambiguous one refused in words."""
    agent = server.make_agent()
    await sign_in(page, server, agent)
    form = await fill_registration(
        page, given_names="Ousmane", family_name="Ba", date_of_birth="15/03/92", submit=False
    )
    await form.get_by_label("Lieu de naissance").fill("Da\u0007kar")
    await form.get_by_label("Profession").fill("a\u0007b")
    await form.get_by_role("button", name="Enregistrer", exact=True).click()
    alert = page.locator("#register-msg")
    pasted = "contient un caractère invisible U+0007 en position {}, qui ne peut pas être enregistré : "
    await expect(alert).to_have_text(
        "Vérifiez les champs signalés :"
        f"Lieu de naissance : {pasted.format(3)}effacez-le ou retapez le texte au lieu de le coller"
        f"Profession : {pasted.format(2)}effacez-le ou retapez le texte au lieu de le coller"
    )
    for label in ("Lieu de naissance", "Profession"):
        await expect(form.get_by_label(label)).to_have_attribute("aria-invalid", "true")
    await expect(form.get_by_label("Lieu de naissance")).to_be_focused()
    await page.locator("#lang").click()  # said again in English, in the client's own words
    await expect(alert).to_contain_text(
        "Place of birth: holds an invisible character U+0007 at position 3, which cannot be saved"
    )
    await page.locator("#lang").click()
    await expect(alert).to_contain_text(f"Profession : {pasted.format(2)}")

    # the text rule answers before the fields' own checks: the date's refusal comes next, in words
    await form.get_by_label("Lieu de naissance").fill("Dakar")
    await form.get_by_label("Profession").fill("commerçant")
    await form.get_by_role("button", name="Enregistrer", exact=True).click()
    await expect(alert).to_have_text(
        "Vérifiez les champs signalés :"
        "Date de naissance : date non reconnue : écrivez JJ/MM/AAAA, MM/AAAA ou AAAA (l'année sur quatre chiffres)"
    )
    dob = form.get_by_label("Date de naissance")
    await expect(dob).to_have_attribute("aria-invalid", "true")
    await expect(dob).to_be_focused()
    await expect(dob).to_have_value("15/03/92")  # what was typed, to correct
    await expect(dob).to_have_accessible_description("JJ/MM/AAAA, MM/AAAA ou AAAA")
    assert "errors" not in await alert.inner_text()
    await assert_accessible(page)
    # over the API's 10 characters: a date not read, not « trop long (10 caractères au plus) »
    await dob.fill("né le 15/03/1992")
    await form.get_by_role("button", name="Enregistrer", exact=True).click()
    await expect(alert).to_have_text(
        "Vérifiez les champs signalés :"
        "Date de naissance : date non reconnue : écrivez JJ/MM/AAAA, MM/AAAA ou AAAA (l'année sur quatre chiffres)"
    )
    await page.locator("#lang").click()
    await expect(alert).to_contain_text("Date of birth: date not recognised: write DD/MM/YYYY")
    await page.locator("#lang").click()

    # day first, as French desks write it: shown as it is sent once the field is left
    await dob.fill("31.12.1990")
    await form.get_by_label("Lieu de naissance").focus()
    await expect(dob).to_have_value("1990-12-31")
    await dob.fill("31/12/1990")
    await page.get_by_role("button", name="Enregistrer", exact=True).click()  # sent without leaving it first
    await expect(page.locator("#registered-link")).to_be_visible()
    await expect(form.locator("[aria-invalid]")).to_have_count(0)  # the emptied form keeps no mark
    with server.api(agent) as http:
        found = http.get("/api/v1/registrants", params={"q": "Ousmane Ba"}).json()["items"]
    assert [p["date_of_birth"] for p in found] == ["1990-12-31"]

    # the other ways the form takes, and what it leaves for the API to refuse
    written = await page.evaluate(
        """async (typed) => {
          const src = document.querySelector("script[type=module][src]").src;
          const { partialDate } = await import(new URL("form_checks.js", src).href);
          return typed.map(partialDate);
        }""",
        ["15-03-1992", "03/1992", "1985-7", "1985-7-4", "00/00/1979", "1985", "31/02/1990", "15/03-1992", "12/05",
         "\u0661\u0665/\u0660\u0663/\u0661\u0669\u0669\u0662", "\u06f1\u06f5/\u06f0\u06f3/\u06f1\u06f9\u06f9\u06f2"],
    )  # fmt: skip
    assert written == [
        "1992-03-15", "1992-03", "1985-07", "1985-07-04", "1979", "1985", "1990-02-31", "15/03-1992", "12/05",
        "1992-03-15", "1992-03-15",
    ]  # fmt: skip
