"""Item "Qualities": in English no word of the French catalogue is left on any screen (the open
screen is drawn again when the language changes), the API's field errors are said in the interface
language, and the page's icon is served (no 404 anywhere)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.async_api import Page, Response, expect

from app.reference.data import DEFAULT_DESKS
from tests.appointments.helpers import iso, next_weekday
from tests.imports.conftest import csv_file
from tests.web.conftest import LiveServer
from tests.web.helpers import desk_id, open_file, register_via_api, sign_in

pytestmark = pytest.mark.asyncio(loop_scope="session")

SPECIMEN = Path(__file__).resolve().parents[1] / "fixtures" / "documents" / "specimen_residence_card.png"

# Every French string of the page's catalogues (labels and codes, once the later screens have added
# theirs) that differs from its English counterpart, searched as whole words in what is visible:
# the text, and the alt, title, aria-label and placeholder of visible elements. `data` is removed
# first (names of people, desks, partners, files: data, not interface words).
FRENCH_LEFT = r"""
async (data) => {
  // The page's own module (its URL carries the tree's version): the words later screens added are in it.
  const { LABELS, CODES } = await import(new URL("i18n.js", document.querySelector("script[type=module]").src));
  const english = new Set([...Object.values(LABELS.en), ...Object.values(CODES.en)]);
  const french = new Set();
  for (const table of [LABELS, CODES]) {
    for (const [key, fr] of Object.entries(table.fr)) {
      if (table.en[key] === fr) continue;
      for (const part of fr.split(/\{[a-z_]+(?:\|[^}]*)?\}/)) {
        const p = part.trim().replace(/^[\s:,.;·()«»“”"]+|[\s:,.;·()«»“”"]+$/g, "");
        if (p.length >= 4 && !english.has(p)) french.add(p);
      }
    }
  }
  let text = document.body.innerText;
  for (const n of document.querySelectorAll("[aria-label], [alt], [title], [placeholder]")) {
    if (!n.getClientRects().length) continue;
    for (const a of ["aria-label", "alt", "title", "placeholder"]) {
      if (n.getAttribute(a)) text += "\n" + n.getAttribute(a);
    }
  }
  for (const d of data) text = text.split(d).join(" ");
  const esc = (s) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  return [...french].filter((p) => new RegExp(`(^|[^\\p{L}])${esc(p)}($|[^\\p{L}])`, "u").test(text));
}
"""

DATA = [d["name"] for d in DEFAULT_DESKS] + ["Awa Diop", "Caritas Rabat", "specimen_residence_card.png"]


async def no_french(page: Page, where: str) -> None:
    left = await page.evaluate(FRENCH_LEFT, DATA)
    assert left == [], f"French words left on the {where} screen: {left}"


async def test_english_leaves_no_french_word_on_any_screen(page: Page, server: LiveServer) -> None:
    missing: list[str] = []

    def watch(response: Response) -> None:
        if response.status == 404:
            missing.append(response.url)

    page.on("response", watch)
    admin = server.make_agent("admin")
    person = register_via_api(server, admin, host_city="Casablanca", name_arabic="عوا جوب", desk_code="CASA-BASE")
    day = next_weekday(2)
    consent = {"granted": True, "channel": "in_person", "notice_version": "2026-01", "language": "fr"}
    with server.api(admin) as http:
        partner = http.post(
            "/api/v1/partners",
            json={"name": "Caritas Rabat", "kind": "ngo", "country": "MA", "city": "Rabat", "service_types": []},
        ).json()
        given = {"purpose": "partner_referral", "partner_name": "Caritas Rabat", **consent}
        assert http.post(f"/api/v1/registrants/{person['id']}/consents", json=given).status_code == 201
        case = http.post(
            "/api/v1/cases", json={"registrant_id": person["id"], "service_type": "SOCIAL", "channel": "walk_in"}
        ).json()
        assert http.post(f"/api/v1/cases/{case['id']}/referrals", json={"partner_id": partner["id"]}).status_code == 201
        assert http.post(f"/api/v1/cases/{case['id']}/notes", json={"text": "Visa"}).status_code == 201
        booked = http.post(
            "/api/v1/appointments",
            json={"desk_id": desk_id(server, admin), "agent_id": str(admin.id), "registrant_id": person["id"],
                  "starts_at": iso(day, "10:00"), "ends_at": iso(day, "10:30"), "purpose": "Visa"},
        )  # fmt: skip
        assert booked.status_code == 201, booked.text
        sent = http.post(
            f"/api/v1/registrants/{person['id']}/documents",
            files={"file": (SPECIMEN.name, SPECIMEN.read_bytes(), "image/png")},
            data={"kind": "photo"},
        )
        assert sent.status_code == 201, sent.text
        imported = http.post(
            "/api/v1/imports/registers",
            files={
                "file": (
                    "register.csv",
                    csv_file(*(f"{n};1{n}/03/2020;Saliou;Ka;M;14/05/1990;Dakar;Dakar;;;;;;;;;;" for n in (1, 2))),
                )
            },
            data={"desk_code": "CASA-BASE"},
        )
        assert imported.status_code == 201, imported.text

    await sign_in(page, server, admin)
    await open_file(page, "Awa Diop")
    await page.get_by_role("button", name="English").click()  # the open file is drawn again
    await expect(page.get_by_role("heading", name="History of the file")).to_be_visible()
    await expect(page.locator("#person")).to_contain_text("referral to a partner (Caritas Rabat): granted")
    await expect(page.locator("#history")).to_contain_text("disclosed data of the file: referral to a partner")
    await page.locator("#book").get_by_role("button", name="Show free slots").click()
    await expect(page.locator("#book fieldset.slots legend")).to_contain_text("Free slots on")
    await page.get_by_role("button", name="View", exact=True).click()
    await expect(page.locator("#document-view img")).to_be_visible()
    await no_french(page, "person")

    await page.get_by_role("button", name=case["case_number"]).click()
    await expect(page.locator("#assign-form")).to_be_visible()
    await page.locator("#move-form").get_by_label("Move to status").select_option("transferred")
    await no_french(page, "case")

    await page.get_by_role("button", name="Search", exact=True).first.click()
    form = page.locator("#search-form")
    await form.get_by_label("Name, phone").fill("Diop")
    await form.get_by_role("button", name="Search").click()
    await expect(page.locator("#results li")).to_have_count(1)
    await expect(page.locator("#results li").first).to_contain_text("Female")
    await no_french(page, "search")
    await form.get_by_label("Minimum age").fill("40")
    await form.get_by_label("Maximum age").fill("30")
    await form.get_by_role("button", name="Search").click()
    await expect(page.locator("#search-msg")).to_contain_text("Minimum age: the minimum age is above the maximum age")
    await no_french(page, "search error")

    await page.get_by_role("button", name="New person").click()
    await page.locator("#register-form").get_by_label("Given names").fill("Ousmane")
    await page.locator("#register-form").get_by_label("Date of birth").fill("1990-13-45")
    await page.locator("#register-form").get_by_label("The person consents").check()
    await page.locator("#register-form").get_by_label("Family name").fill("Faye")
    await page.locator("#register-form").get_by_role("button", name="Register").click()
    await expect(page.locator("#register-msg")).to_contain_text("Check the highlighted fields:")
    await no_french(page, "registration")

    await page.get_by_role("button", name="Case queues").click()  # the registration refused is not saved
    leaving = page.get_by_role("dialog", name="You have entries not saved on this screen. Discard them?")
    await expect(leaving).to_be_visible()
    await no_french(page, "leaving with input not saved")
    await leaving.get_by_role("button", name="Discard the entries").click()
    await page.locator("#queue-form").get_by_label("Queue").select_option("unassigned")
    await page.locator("#queue-form").get_by_role("button", name="Show").click()
    await expect(page.locator("#cases li").first).to_contain_text(case["case_number"])
    await no_french(page, "queues")

    await page.get_by_role("button", name="Today's appointments").click()
    await page.locator("#day-form").get_by_label("Day").fill(day.isoformat())
    await page.locator("#day-form").get_by_role("button", name="Show").click()
    await expect(page.locator("#day-list li").first).to_contain_text("Awa Diop")
    await page.locator("#week-form").get_by_label("Week starting on").fill(day.isoformat())
    await page.locator("#week-form").get_by_role("button", name="Show the week").click()
    await expect(page.locator("#week .week-day")).to_have_count(7)
    await no_french(page, "appointments")

    await page.get_by_role("button", name="Reports").click()
    await page.locator("#reports-form").get_by_role("button", name="Show").click()
    await expect(page.locator("#reports img.chart")).to_have_count(3)
    await page.locator("#export-form").get_by_label("With names and contacts").check()
    await no_french(page, "reports")

    await page.get_by_role("button", name="Imported registers").click()
    await page.get_by_role("button", name="Show the flagged rows").click()
    await expect(page.locator("#import-report table caption")).to_contain_text("rows flagged as possible duplicates")
    await expect(page.get_by_role("heading", name="Rows to resolve: 1")).to_be_visible()
    await page.locator("#import-report form").get_by_role("button", name="Save the decision").click()
    await expect(page.locator("#import-report form [role=alert]")).to_have_text("Choose a decision.")
    await no_french(page, "imports")
    await page.locator("#import-report form").get_by_label("Discard the row").check()
    await page.locator("#import-report form").get_by_role("button", name="Save the decision").click()
    await expect(page.locator("#import-done")).to_have_text("Line 3 discarded.")
    await expect(page.get_by_text("No row pending.")).to_be_visible()
    await no_french(page, "import resolution")

    await page.get_by_role("button", name="Administration").click()
    await expect(page.locator("#staff-list li", has_text=admin.email)).to_contain_text("administrator")
    await no_french(page, "staff accounts")
    await page.get_by_role("button", name="Desks", exact=True).click()
    await page.locator("#desk-list li").first.get_by_role("button", name="Hours and holidays").click()
    await expect(page.locator("#hours-form .hours-day legend").first).to_have_text("Monday")
    await expect(page.locator("#holiday-list li").first).to_be_visible()
    await no_french(page, "desks")
    await page.get_by_role("button", name="Service catalogue").click()
    await page.locator("#service-list li[data-code=SOCIAL]").get_by_role("button", name="Edit").click()
    await expect(page.locator("#service-form-SOCIAL")).to_be_visible()
    await no_french(page, "service catalogue")

    await page.get_by_role("button", name="Log out").click()
    await expect(page.get_by_role("button", name="Log in")).to_be_visible()
    await no_french(page, "login")
    await page.get_by_role("button", name="Français").click()
    assert {"Connexion", "Mot de passe"} <= set(await page.evaluate(FRENCH_LEFT, DATA))  # the check sees French

    icon = await page.request.get(f"{server.url}/favicon.ico")
    assert icon.status == 200
    assert icon.headers["content-type"].startswith("image/svg+xml")
    icon_href = await page.locator("link[rel=icon]").get_attribute("href") or ""
    assert re.fullmatch(r"v/[0-9a-f]{12}/favicon\.svg", icon_href), icon_href  # under the tree's version
    assert missing == [], missing
