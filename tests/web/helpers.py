"""Steps shared by the browser tests: sign in, register a person through the registration form or
the API, open a file."""

from __future__ import annotations

import datetime as dt
import json
import uuid
from typing import Any

from playwright.async_api import Locator, Page, expect
from sqlalchemy import update

from app.appointments.models import Appointment
from app.registrants.models import Registrant
from tests.appointments.helpers import local
from tests.conftest import PASSWORD
from tests.web.conftest import Agent, LiveServer


async def sign_in(page: Page, server: LiveServer, agent: Agent) -> None:
    """Open the client in this tab signed in as ``agent``, as a reload of a signed-in tab does: the
    tokens a sign-in would issue are in the tab's sessionStorage before the client's scripts run,
    and the client reads the account and its desks from the server. No password is checked (an
    Argon2 check costs 0.15-0.3 s of CPU per test). A tab already showing the client (signed out,
    or opened at a link) signs in through the form, as its agent would: a reload would wipe the
    page's state those tests look at. Tests about signing in use :func:`sign_in_with_form`."""
    if page.url.startswith(server.url):
        await sign_in_with_form(page, server, agent)
        return
    access, refresh = server.session_tokens(agent)
    # Once per tab (a marker of its own in sessionStorage): a later reload, or a navigation after a
    # sign-out, keeps what the client stored (renewed tokens, none) instead of these tokens again.
    # The top frame only: the script runs in every frame, and a document's preview frame (a blob:
    # URL of this origin) may have no sessionStorage (null) — a script error in the page.
    marker = f"test-signed-in-{uuid.uuid4().hex}"
    await page.add_init_script(
        f"""if (window === window.top && location.origin === {json.dumps(server.url)}
    && !sessionStorage.getItem({json.dumps(marker)})) {{
  sessionStorage.setItem({json.dumps(marker)}, "1");
  sessionStorage.setItem("access", {json.dumps(access)});
  sessionStorage.setItem("refresh", {json.dumps(refresh)});
}}"""
    )
    await page.goto(f"{server.url}/app/")
    await expect(page.get_by_role("heading", name="Rechercher", level=1)).to_be_visible()


async def sign_in_with_form(page: Page, server: LiveServer, agent: Agent) -> None:
    """Open the client (unless this tab already shows it) and sign in through the login form."""
    if not page.url.startswith(server.url):
        await page.goto(f"{server.url}/app/")
    await page.get_by_label("E-mail").fill(agent.email)
    await page.get_by_label("Mot de passe").fill(PASSWORD)
    await page.get_by_role("button", name="Se connecter").click()
    await expect(page.get_by_role("heading", name="Rechercher", level=1)).to_be_visible()


REGISTRATION_LABELS = {
    "desk_code": "Guichet",
    "given_names": "Prénom(s)",
    "family_name": "Nom",
    "sex": "Sexe",
    "date_of_birth": "Date de naissance",
    "phone": "Téléphone",
    "origin_region": "Région d'origine",
    "host_city": "Ville de résidence",
    "status_category": "Situation",
    "notice_language": "Langue dans laquelle la notice a été donnée",
    "name_arabic": "Nom en écriture arabe",
    "email": "Courriel de la personne",
    "nationality": "Nationalité (code pays à deux lettres, ex. SN)",
    "document_type": "Pièce d'identité (type)",
    "document_number": "Numéro de la pièce",
    "document_country": "Pays de délivrance (code à deux lettres)",
}
"""The registration form's fields (the names its inputs carry) and their French labels."""
_CHOSEN = frozenset({"desk_code", "sex", "origin_region", "status_category", "notice_language", "document_type"})


async def fill_registration(page: Page, *, submit: bool = True, **fields: str) -> Locator:
    """Open "Nouvelle personne", fill ``fields`` (names of :data:`REGISTRATION_LABELS`; a list's
    value or its option's words), in the order given, through their French labels; tick the
    person's consent; with ``submit``, press "Enregistrer". Returns the form (``#register-form``)."""
    await page.get_by_role("button", name="Nouvelle personne").click()
    form = page.locator("#register-form")
    for name, value in fields.items():
        field = form.get_by_label(REGISTRATION_LABELS[name], exact=True)
        if name in _CHOSEN:
            await field.select_option(value)
        else:
            await field.fill(value)
    await form.get_by_label("La personne consent").check()
    if submit:
        await form.get_by_role("button", name="Enregistrer", exact=True).click()
    return form


def register_via_api(server: LiveServer, agent: Agent, **fields: Any) -> dict[str, Any]:
    """Register a person as ``agent`` would from another screen; the created record."""
    body = {
        "given_names": "Awa",
        "family_name": "Diop",
        "sex": "female",
        "consents": [
            {
                "purpose": "service_delivery",
                "granted": True,
                "channel": "in_person",
                "notice_version": "2026-01",
                "language": "fr",
            }
        ],
        **fields,
    }
    with server.api(agent) as http:
        response = http.post("/api/v1/registrants?confirm_duplicates=true", json=body)
        assert response.status_code == 201, response.text
        return response.json()  # type: ignore[no-any-return]


async def open_file(page: Page, name: str) -> None:
    """Search ``name`` and open the person's file from the results."""
    await page.locator("#search-form").get_by_label("Nom, téléphone").fill(name)
    await page.get_by_role("button", name="Chercher", exact=True).click()
    await page.get_by_role("button", name=name).click()
    await expect(page.get_by_role("heading", name=name, level=1)).to_be_visible()


def desk_id(server: LiveServer, agent: Agent, code: str = "CASA-BASE") -> str:
    """The id of desk ``code`` as ``agent`` sees it."""
    with server.api(agent) as http:
        return str(next(d["id"] for d in http.get("/api/v1/desks").json() if d["code"] == code))


CONSENT = {"granted": True, "channel": "in_person", "notice_version": "2026-01", "language": "fr"}
"""What a consent recorded through the API carries besides its purpose (and partner)."""


def open_case_via_api(
    server: LiveServer, agent: Agent, person: dict[str, Any], **extra: Any
) -> tuple[dict[str, Any], str]:
    """A SOCIAL case (unless ``extra`` says otherwise) opened for ``person`` through the API: (its body, its ETag)."""
    body = {"registrant_id": person["id"], "service_type": "SOCIAL", "channel": "walk_in", **extra}
    with server.api(agent) as http:
        opened = http.post("/api/v1/cases", json=body)
        assert opened.status_code == 201, opened.text
        return opened.json(), opened.headers["etag"]


def agent_with_case(server: LiveServer, **person: Any) -> tuple[Agent, dict[str, Any]]:
    """A desk agent and a SOCIAL case opened for a person they registered (``person``:
    :func:`register_via_api`'s fields), all through the API: (agent, case)."""
    agent = server.make_agent()
    case, _ = open_case_via_api(server, agent, register_via_api(server, agent, **person))
    return agent, case


async def show_case(page: Page, server: LiveServer, case: dict[str, Any]) -> None:
    """Open ``case`` by its address, as a bookmark or a link does, once its title is drawn."""
    await page.goto(f"{server.url}/app/#/case/{case['id']}")
    await expect(page.get_by_role("heading", level=1)).to_contain_text(case["case_number"])


LEAVE_QUESTION = "Vous avez des saisies non enregistrées sur cet écran. Les abandonner ?"
"""The question asked, in the page, before a screen whose forms hold input not saved is left."""


async def answer_leaving(page: Page, *, leave: bool) -> None:
    """Answer the question asked before leaving a screen with input not saved: abandon it and go
    (``leave``), or stay on the screen."""
    dialog = page.get_by_role("dialog", name=LEAVE_QUESTION)
    await dialog.get_by_role("button", name="Abandonner les saisies" if leave else "Rester sur cet écran").click()
    await expect(dialog).to_have_count(0)


def set_appointment_day(server: LiveServer, appointment_id: str, day: dt.date, start: str, minutes: int = 30) -> None:
    """Put appointment ``appointment_id`` on ``day`` at ``start`` (Casablanca time) in the database:
    the API books no past day, and an appointment's own day is the one its arrival is recorded on."""

    async def move() -> None:
        async with server.app.state.sessionmaker() as session:
            starts = local(day, start).astimezone(dt.UTC)
            await session.execute(
                update(Appointment)
                .where(Appointment.id == uuid.UUID(appointment_id))
                .values(starts_at=starts, ends_at=starts + dt.timedelta(minutes=minutes))
            )
            await session.commit()

    server.call(move())


def set_registered_on(server: LiveServer, registrant_id: str, day: dt.date) -> None:
    """Date the registration of ``registrant_id`` back to ``day`` in the database (the API registers
    today only): a person's request cannot be received before their file existed."""

    async def back() -> None:
        async with server.app.state.sessionmaker() as session:
            await session.execute(
                update(Registrant).where(Registrant.id == uuid.UUID(registrant_id)).values(registered_on=day)
            )
            await session.commit()

    server.call(back())
