"""Screenshots of every screen of the web client, to look at (layout, words, nothing off screen).

    .venv/bin/python scripts/screenshots.py [/tmp/shots]

Starts the server on a throw-away SQLite database and data folder (``DESK_ADMIN_EMAIL`` /
``DESK_ADMIN_PASSWORD`` set for the run), seeds through the API a supervisor, a few people, cases,
appointments, a document, a holiday and an imported register with flagged rows, then walks every
screen in Debian's Chromium (in French: LANGUAGE=fr, and the chromium-l10n package for its date fields'
words) at 1366×768 and 390×844 and saves full-page PNGs (``<size>/NN-name.png``;
the question asked on leaving a screen with input not saved, as the viewport shows it; the walk
then abandons that input, as it does wherever it leaves a filled form).
A step that fails is reported and the walk goes on. Prints, per screenshot, the page's horizontal
overflow (pixels off screen; 0 is right). Not a test: it asserts nothing.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import os
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import httpx
from playwright.async_api import Page, async_playwright

ROOT = Path(__file__).resolve().parent.parent
ADMIN, ADMIN_PASSWORD = "admin@shots.example", "shots-admin-password-1"
SUPERVISOR, PASSWORD = "superviseure@shots.example", "shots-supervisor-password-1"
PNG = ROOT / "tests" / "fixtures" / "documents" / "specimen_residence_card.png"
REGISTER_HEADER = (
    "N°;Date d'enregistrement;Prénom(s);Nom;Sexe;Date de naissance;Lieu de naissance;Région d'origine;"
    "N° passeport;N° CNI;Téléphone;Email;Ville de résidence;Statut;Profession;Date d'arrivée au Maroc;"
    "Demande;Observations"
)
SIZES = [(1366, 768), (390, 844)]
# The browser's own widgets (a date field's 18/12/2026, a file field's button) in French, as a French
# desk sees them: the context's locale (fr-FR) sets the page's language and Intl, not those widgets,
# which follow the browser's language (LANGUAGE; Debian's chromium-l10n package holds its French
# words). LANG: a UTF-8 locale every Debian has (fr_FR.UTF-8 is often not generated), as the browser
# tests do (tests/web/conftest.py).
FRENCH_BROWSER = {**os.environ, "LANG": "C.UTF-8", "LANGUAGE": "fr"}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def weekday_ahead(isoweekday: int, weeks: int = 2) -> dt.date:
    day = dt.date.today() + dt.timedelta(weeks=weeks)
    while day.isoweekday() != isoweekday:
        day += dt.timedelta(days=1)
    return day


def seed(base: str) -> dict[str, Any]:
    """People, cases, appointments, a document, a holiday and an import with flagged rows."""
    token = httpx.post(f"{base}/api/v1/auth/token", data={"username": ADMIN, "password": ADMIN_PASSWORD}).json()
    admin = httpx.Client(base_url=base, headers={"Authorization": f"Bearer {token['access_token']}"}, timeout=60)
    user = {"email": SUPERVISOR, "full_name": "Aïssatou Ndiaye", "role": "supervisor", "password": PASSWORD}
    created = admin.post("/api/v1/users", json={**user, "desk_codes": ["CASA-BASE"]})
    assert created.status_code == 201, created.text
    for name, email in (("Ousmane Fall", "agent1@shots.example"), ("Mariama Sy", "agent2@shots.example")):
        body = {"email": email, "full_name": name, "role": "agent", "password": PASSWORD, "desk_codes": ["CASA-BASE"]}
        admin.post("/api/v1/users", json=body)
    token = httpx.post(f"{base}/api/v1/auth/token", data={"username": SUPERVISOR, "password": PASSWORD}).json()
    sup = httpx.Client(base_url=base, headers={"Authorization": f"Bearer {token['access_token']}"}, timeout=60)
    me = sup.get("/api/v1/auth/me").json()
    desk = next(d for d in sup.get("/api/v1/desks").json() if d["code"] == "CASA-BASE")
    consent = {"granted": True, "channel": "in_person", "notice_version": "2026-01", "language": "fr"}
    people = []
    for given, family, sex, born, city in (
        ("Ndèye Fatou", "Mbaye-Diallo", "female", "1994-03-12", "Casablanca"),
        ("Mamadou Lamine", "Diop", "male", "1988-11-02", "Rabat"),
        ("Awa", "Diop", "female", "2001-06", "Casablanca"),
        ("Cheikh Ahmadou Bamba", "Ndiaye", "male", "1979", "Fès"),
    ):
        body = {
            "given_names": given,
            "family_name": family,
            "sex": sex,
            "date_of_birth": born,
            "host_city": city,
            "desk_code": "CASA-BASE",
            "phones": [{"number": "06123456" + str(len(people)) + "8", "whatsapp": True}],
            "documents": [{"doc_type": "passport", "number": f"A0{len(people)}123456", "issuing_country": "SN"}],
            "consents": [{"purpose": "service_delivery", **consent}],
        }
        r = sup.post("/api/v1/registrants?confirm_duplicates=true", json=body)
        assert r.status_code == 201, r.text
        people.append(r.json())
    first = people[0]
    sup.post(
        f"/api/v1/registrants/{first['id']}/consents",
        json={"purpose": "partner_referral", "partner_name": "Caritas Rabat", **consent},
    )
    cases = []
    for person, service in ((first, "SOCIAL"), (people[1], "SOCIAL"), (people[2], "SOCIAL")):
        body = {"registrant_id": person["id"], "service_type": service, "channel": "walk_in"}
        r = sup.post("/api/v1/cases", json=body)
        if r.status_code == 201:
            cases.append(r.json())
    if cases:
        case = cases[0]
        sup.post(f"/api/v1/cases/{case['id']}/notes", json={"text": "Pièces demandées : passeport, attestation."})
        sup.post(f"/api/v1/cases/{case['id']}/notes", json={"text": "Situation familiale", "confidential": True})
        allowed = sup.get(f"/api/v1/cases/{case['id']}").json().get("allowed_statuses", [])
        etag = sup.get(f"/api/v1/cases/{case['id']}").headers.get("etag", "")
        if "qualified" in allowed:
            sup.post(
                f"/api/v1/cases/{case['id']}/transitions", json={"status": "qualified"}, headers={"If-Match": etag}
            )
    day = weekday_ahead(2)
    for person, hhmm in ((first, "10:00"), (people[1], "11:00"), (people[2], "14:30")):
        params = {"desk_id": desk["id"], "start": day.isoformat(), "days": 1, "duration_minutes": 30}
        params["agent_id"] = me["id"]
        slots = sup.get("/api/v1/appointments/free-slots", params=params).json()["days"][0]["slots"]
        slot = next(s for s in slots if s["start_local"][11:16] == hhmm)
        body = {
            "desk_id": desk["id"],
            "agent_id": me["id"],
            "registrant_id": person["id"],
            "starts_at": slot["start_local"],
            "ends_at": slot["end_local"],
            "purpose": "Renouvellement du passeport",
        }
        sup.post("/api/v1/appointments", json=body)
    sup.post(
        f"/api/v1/registrants/{first['id']}/documents",
        files={"file": (PNG.name, PNG.read_bytes(), "image/png")},
        data={"kind": "photo"},
    )
    holiday = weekday_ahead(4)
    admin.post(f"/api/v1/desks/{desk['id']}/holidays", json={"day": holiday.isoformat(), "name": "Fête du Trône"})
    rows = []
    for n, person in enumerate(["Ibrahima;Sow;M;02/01/1985", "Fatoumata;Camara;F;17/07/1992"]):
        for copy in range(2):
            rows.append(f"{2 * n + copy + 1};1{copy}/03/2020;{person};Dakar;Dakar;;;;;Casablanca;;;;;")
    register = "\r\n".join([REGISTER_HEADER, *rows, ""]).encode("cp1252")
    imported = admin.post(
        "/api/v1/imports/registers",
        files={"file": ("registre-casa-2020.csv", register, "text/csv")},
        data={"desk_code": "CASA-BASE"},
    )
    return {"day": day, "people": people, "imported": imported.status_code}


class Walk:
    """Screenshots of one viewport; a failing step is printed and skipped."""

    def __init__(self, page: Page, folder: Path) -> None:
        self.page, self.folder, self.n = page, folder, 0

    async def shot(self, name: str, *, full_page: bool = True) -> None:
        self.n += 1
        path = self.folder / f"{self.n:02d}-{name}.png"
        await self.page.wait_for_timeout(300)
        await self.page.screenshot(path=str(path), full_page=full_page)
        overflow = await self.page.evaluate(
            "document.documentElement.scrollWidth - document.documentElement.clientWidth"
        )
        print(f"{path}  overflow={overflow}px")

    async def step(self, name: str, action: Callable[[], Awaitable[None]], *, full_page: bool = True) -> None:
        try:
            await action()
            await self.shot(name, full_page=full_page)
        except Exception as error:  # a screenshot walk reports and goes on
            print(f"step {name} failed: {str(error).splitlines()[0]}")


LEAVE_QUESTION = "Vous avez des saisies non enregistrées sur cet écran. Les abandonner ?"


async def abandon_input(page: Page) -> None:
    """Answer « Abandonner les saisies » to the question asked on leaving a screen with a filled form."""
    dialog = page.get_by_role("dialog", name=LEAVE_QUESTION)
    await dialog.get_by_role("button", name="Abandonner les saisies").click()
    await dialog.wait_for(state="detached")


async def sign_in(page: Page, base: str, email: str, password: str) -> None:
    await page.goto(f"{base}/app/")
    if await page.locator("#logout").is_visible():
        await page.locator("#logout").click()
    await page.get_by_label("E-mail").fill(email)
    await page.get_by_label("Mot de passe").fill(password)
    await page.get_by_role("button", name="Se connecter").click()
    await page.get_by_role("heading", name="Rechercher", level=1).wait_for()


async def walk(page: Page, base: str, folder: Path, data: dict[str, Any]) -> None:
    w = Walk(page, folder)
    day: dt.date = data["day"]
    await page.goto(f"{base}/app/")
    await w.shot("login")
    await sign_in(page, base, SUPERVISOR, PASSWORD)

    async def search() -> None:
        await page.locator("#search-form").get_by_label("Nom, téléphone").fill("Diop")
        await page.get_by_role("button", name="Chercher", exact=True).click()
        await page.locator("#results li").first.wait_for()

    await w.step("search", search)

    async def person() -> None:
        await page.locator("#search-form").get_by_label("Nom, téléphone").fill("Mbaye")
        await page.get_by_role("button", name="Chercher", exact=True).click()
        await page.get_by_role("button", name="Ndèye Fatou Mbaye-Diallo").click()
        await page.get_by_role("heading", name="Ndèye Fatou Mbaye-Diallo", level=1).wait_for()

    await w.step("person-file", person)

    async def booking() -> None:
        book = page.locator("#book")
        await book.get_by_label("Jour", exact=True).fill(day.isoformat())
        await book.get_by_role("button", name="Voir les créneaux libres").click()
        await book.locator("fieldset.slots input").first.wait_for()
        await book.scroll_into_view_if_needed()

    await w.step("person-booking", booking)

    async def reschedule_in_file() -> None:
        row = page.locator("#person-appointments li").first
        await row.get_by_role("button", name="Déplacer").click()
        await row.locator("form").get_by_role("button", name="Voir les créneaux libres").click()
        await row.locator("fieldset.slots input").first.wait_for()

    await w.step("person-reschedule", reschedule_in_file)

    async def documents() -> None:
        await page.get_by_role("button", name="Voir", exact=True).first.click()
        await page.locator("#document-view img").wait_for()

    await w.step("documents-view", documents)

    async def edit() -> None:
        await page.locator("#person").get_by_role("button", name="Modifier").click()
        await page.locator("#person form").first.wait_for()

    await w.step("person-edit", edit)

    async def receipt() -> None:
        await page.get_by_role("button", name="Annuler", exact=True).first.click()
        await page.get_by_role("button", name="Imprimer un reçu").click()
        await page.locator("#receipt").wait_for()
        await page.emulate_media(media="print")

    await w.step("receipt-print", receipt)
    await page.emulate_media(media="screen")

    async def leave_file() -> None:  # the booking and the move typed on the file are not saved
        await page.locator("#person .list button").first.click()
        await page.get_by_role("dialog", name=LEAVE_QUESTION).wait_for()

    await w.step("leave-question", leave_file, full_page=False)  # the modal as the agent sees it

    async def case() -> None:
        await abandon_input(page)
        await page.locator(".timeline li").first.wait_for()

    await w.step("case", case)

    async def register() -> None:
        await page.get_by_role("button", name="Nouvelle personne").click()
        form = page.locator("#register-form")
        await form.get_by_label("Prénom(s)").fill("Ndeye Fatou")
        await form.get_by_label("Nom", exact=True).fill("Mbaye Diallo")
        await form.get_by_label("Date de naissance").fill("1994-03-12")
        await form.get_by_label("La personne consent").check()
        await form.get_by_role("button", name="Enregistrer", exact=True).click()
        await page.locator("#candidates button").first.click()
        await page.locator("#compare table").wait_for()

    await w.step("register-duplicates", register)

    async def queues() -> None:
        await page.get_by_role("button", name="Files de dossiers").click()
        await abandon_input(page)  # the registration typed is not saved
        await page.locator("#queue").select_option("unassigned")
        await page.locator("#queue-form").get_by_role("button", name="Afficher").click()
        await page.locator("#cases li").first.wait_for()

    await w.step("queues", queues)

    async def day_view() -> None:
        await page.get_by_role("button", name="Rendez-vous du jour").click()
        await page.locator("#day-form").get_by_label("Jour", exact=True).fill(day.isoformat())
        await page.locator("#day-form").get_by_role("button", name="Afficher").click()
        await page.locator("#day-list li button").first.wait_for()

    await w.step("day", day_view)

    async def day_move() -> None:
        await page.locator("#day-list li").first.get_by_role("button", name="Déplacer").click()
        form = page.locator("#day-list form")
        await form.get_by_role("button", name="Voir les créneaux libres").click()
        await form.locator("fieldset.slots input").first.wait_for()

    await w.step("day-reschedule", day_move)

    async def week() -> None:
        start = day - dt.timedelta(days=day.weekday())
        await page.locator("#week-form").get_by_label("Semaine commençant le").fill(start.isoformat())
        await page.locator("#week-form").get_by_role("button", name="Afficher la semaine").click()
        await page.locator("#week .week-day").first.wait_for()
        await page.locator("#week").scroll_into_view_if_needed()

    await w.step("week", week)

    async def week_move() -> None:
        await page.locator("#week li:has(button)").first.get_by_role("button", name="Déplacer").click()
        await page.locator("#week-move form").get_by_role("button", name="Voir les créneaux libres").click()
        await page.locator("#week-move fieldset.slots input").first.wait_for()

    await w.step("week-reschedule", week_move)

    async def reports() -> None:
        await page.get_by_role("button", name="Rapports").click()
        await page.locator("#reports-form").get_by_role("button", name="Afficher").click()
        await page.locator("#reports h2").first.wait_for()
        await page.wait_for_timeout(1000)

    await w.step("reports", reports)

    async def supervise() -> None:
        await page.get_by_role("button", name="Files de dossiers").click()
        await page.locator("#queue").select_option("unassigned")
        await page.locator("#queue-form").get_by_role("button", name="Afficher").click()
        await page.locator("#cases li button").first.click()
        await page.get_by_label("Attribuer à").wait_for()
        await page.get_by_label("Attribuer à").scroll_into_view_if_needed()

    await w.step("case-assign", supervise)

    await sign_in(page, base, ADMIN, ADMIN_PASSWORD)

    async def exports() -> None:
        await page.get_by_role("button", name="Rapports").click()
        await page.locator("#export-named").check()
        await page.locator("#export-purpose").wait_for()
        await page.locator("#export-form").scroll_into_view_if_needed()

    await w.step("exports-named", exports)

    async def imports() -> None:
        await page.get_by_role("button", name="Registres importés").click()
        await page.locator("#import-batches button").first.wait_for()

    await w.step("imports", imports)

    async def flagged() -> None:
        await page.locator("#import-batches button").first.click()
        await page.locator("#import-report form").first.wait_for()

    await w.step("import-flagged-rows", flagged)

    async def english() -> None:
        await page.get_by_role("button", name="English").click()
        await page.get_by_role("button", name="Français").wait_for()

    await w.step("import-flagged-rows-english", english)


async def shoot(base: str, out: Path, data: dict[str, Any]) -> None:
    async with async_playwright() as pw:
        browser = await pw.chromium.launch(
            executable_path=os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium"),
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"],
            env=FRENCH_BROWSER,
        )
        for width, height in SIZES:
            folder = out / f"{width}x{height}"
            folder.mkdir(parents=True, exist_ok=True)
            context = await browser.new_context(viewport={"width": width, "height": height}, locale="fr-FR")
            context.set_default_timeout(20_000)
            page = await context.new_page()
            page.on("pageerror", lambda exc: print(f"page error: {exc}"))
            await walk(page, base, folder, data)
            await context.close()
        await browser.close()


def main() -> None:
    out = Path(sys.argv[1] if len(sys.argv) > 1 else "/tmp/web-screenshots")
    with tempfile.TemporaryDirectory() as work:
        env = {
            **os.environ,
            "DATABASE_URL": f"sqlite+aiosqlite:///{work}/shots.sqlite3",
            "DATA_DIR": work,
            "SECRET_KEY": "screenshots-secret-key-screenshots-secret-key-0123",
            "DESK_ADMIN_EMAIL": ADMIN,
            "DESK_ADMIN_PASSWORD": ADMIN_PASSWORD,
            "ENVIRONMENT": "test",
            "PYTHONPATH": str(ROOT),
        }
        cli = [str(Path(sys.executable).parent / "diaspora-desk")]
        subprocess.run([*cli, "migrate"], cwd=ROOT, env=env, check=True, capture_output=True)
        subprocess.run([*cli, "seed"], cwd=ROOT, env=env, check=True, capture_output=True)
        port = free_port()
        server = subprocess.Popen(
            [sys.executable, "-m", "uvicorn", "app.asgi:app", "--port", str(port), "--log-level", "warning"],
            cwd=ROOT,
            env=env,
        )
        base = f"http://127.0.0.1:{port}"
        try:
            for _ in range(300):
                try:
                    if httpx.get(f"{base}/healthz").status_code == 200:
                        break
                except httpx.HTTPError:
                    time.sleep(0.1)
            data = seed(base)
            print(f"seeded: import {data['imported']}, appointments on {data['day']}")
            asyncio.run(shoot(base, out, data))
        finally:
            server.terminate()
            server.wait(10)


if __name__ == "__main__":
    main()
