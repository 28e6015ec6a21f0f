"""A refusal of the API names the field at fault by the API's name for it (`errors[].loc`): the
agent reads the label of the form's field instead ("Jour", not "start"), and a field the screen does
not show is said in a generic wording, never by its identifier. Each form's fields are walked
against the API's own schema (its OpenAPI document): a field added to the API without a label on
the form that sends it fails here."""

from __future__ import annotations

import datetime as dt
from typing import Any

import httpx
import pytest
from playwright.async_api import Locator, Page, expect

from tests.web.conftest import LiveServer
from tests.web.helpers import open_file, register_via_api, sign_in

pytestmark = pytest.mark.asyncio(loop_scope="session")

GENERIC = "Une donnée envoyée : "

# What each form sends and the API's fields it does not show the agent (filled by the screen itself).
NOT_SHOWN = {
    "free-slots": {"desk_id", "days"},
    "booking": {"id", "desk_id", "registrant_id", "case_id"},
    # the duplicate check's answer and the id a client may choose: every detail of the person has its field
    "registration": {"id", "confirm_duplicates"},
}


def _schema_fields(openapi: dict[str, Any], path: str, method: str) -> set[str]:
    """The query parameters and the JSON body's properties the API takes at ``method path``."""
    operation = openapi["paths"][path][method]
    names = {p["name"] for p in operation.get("parameters", []) if p["in"] == "query"}
    body = operation.get("requestBody", {}).get("content", {}).get("application/json", {}).get("schema")
    if body:
        ref = body["$ref"].rsplit("/", 1)[1]
        names |= set(openapi["components"]["schemas"][ref]["properties"])
    return names


async def _lines_for(page: Page, form: Locator, names: list[str]) -> dict[str, str]:
    """How the page says a refusal of each of the API's ``names`` on ``form`` (api.js problemLines)."""
    handle = await form.element_handle()
    return await page.evaluate(  # type: ignore[no-any-return]
        """async ([form, names]) => {
          const src = document.querySelector("script[type=module][src]").src;
          const { problemLines, clearInvalid } = await import(new URL("api.js", src).href);
          const out = {};
          for (const name of names) {
            out[name] = problemLines({ status: 422, errors: [{ loc: ["body", name], type: "missing" }] }, form)[1];
          }
          clearInvalid(form);
          return out;
        }""",
        [handle, names],
    )


def _check(lines: dict[str, str], not_shown: set[str]) -> None:
    for name, line in lines.items():
        assert name not in line.split(" : ")[0], f"{name!r} said by its identifier: {line!r}"
    unlabelled = sorted(name for name, line in lines.items() if line.startswith(GENERIC))
    assert unlabelled == sorted(not_shown & set(lines)), f"fields without a label on their form: {unlabelled}"


def _openapi(server: LiveServer) -> dict[str, Any]:
    return httpx.get(f"{server.url}/openapi.json", timeout=60).json()  # type: ignore[no-any-return]


async def _booking_form(page: Page, server: LiveServer) -> Locator:
    agent = server.make_agent()
    register_via_api(server, agent, given_names="Mariama", family_name="Ba")
    await sign_in(page, server, agent)
    await open_file(page, "Mariama Ba")
    form = page.locator("#book form.slot-form")
    await expect(form).to_be_visible()
    return form


async def test_a_day_too_far_ahead_is_said_at_the_day_field(page: Page, server: LiveServer) -> None:
    form = await _booking_form(page, server)
    far = (dt.date.today() + dt.timedelta(days=2000)).isoformat()
    await form.get_by_label("Jour", exact=True).fill(far)
    await form.get_by_role("button", name="Voir les créneaux libres").click()
    message = form.locator(".msg[role=alert]")
    await expect(message).to_contain_text("Jour : ")
    await expect(message).not_to_contain_text("start")
    await expect(form.get_by_label("Jour", exact=True)).to_have_attribute("aria-invalid", "true")


async def test_every_field_of_the_booking_form_is_said_by_its_label(page: Page, server: LiveServer) -> None:
    form = await _booking_form(page, server)
    openapi = _openapi(server)
    slots = sorted(_schema_fields(openapi, "/api/v1/appointments/free-slots", "get"))
    _check(await _lines_for(page, form, slots), NOT_SHOWN["free-slots"])
    await form.get_by_role("button", name="Voir les créneaux libres").click()  # the slots, under their legend
    await expect(form.locator("fieldset.slots legend")).to_be_visible()
    booking = sorted(_schema_fields(openapi, "/api/v1/appointments", "post"))
    _check(await _lines_for(page, form, booking), NOT_SHOWN["booking"])


async def test_every_field_of_the_registration_form_is_said_by_its_label(page: Page, server: LiveServer) -> None:
    await sign_in(page, server, server.make_agent())
    await page.get_by_role("button", name="Nouvelle personne").click()
    form = page.locator("#register-form")
    await expect(form.get_by_label("Numéro de la pièce")).to_be_visible()  # the identity fields, drawn last
    fields = sorted(_schema_fields(_openapi(server), "/api/v1/registrants", "post"))
    _check(await _lines_for(page, form, fields), NOT_SHOWN["registration"])


async def test_a_field_no_form_knows_is_never_said_by_its_identifier(page: Page, server: LiveServer) -> None:
    await sign_in(page, server, server.make_agent())
    lines = await _lines_for(page, page.locator("#search-form"), ["registrant_id", "desk_codes"])
    assert lines == {"registrant_id": f"{GENERIC}à remplir", "desk_codes": f"{GENERIC}à remplir"}
