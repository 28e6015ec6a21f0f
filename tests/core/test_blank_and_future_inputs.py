"""Values that say nothing or cannot be true yet are refused: a blank password, name or note, and
a referral answered after the desk's today."""

import typing
from collections.abc import Iterator
from typing import Any

import httpx
from fastapi import FastAPI
from pydantic import ValidationError

from app.core.text import BIDI_CONTROLS
from tests.core.request_bodies import field_validators, request_models
from tests.registrants.conftest import URL, person


async def test_a_password_or_name_of_spaces_is_refused(client: httpx.AsyncClient, make_staff) -> None:
    admin = await make_staff("admin", [])
    body = {"email": "awa@desk.example", "full_name": "Awa", "role": "agent", "password": " " * 12}
    response = await client.post("/api/v1/users", json=body, headers=admin.headers)
    assert (response.status_code, [e["loc"][-1] for e in response.json()["errors"]]) == (422, ["password"])
    blank_name = await client.post(
        "/api/v1/users", json={**body, "password": "a b c d e f", "full_name": "  "}, headers=admin.headers
    )
    assert (blank_name.status_code, [e["loc"][-1] for e in blank_name.json()["errors"]]) == (422, ["full_name"])


async def test_a_blank_note_is_refused(client: httpx.AsyncClient, make_staff) -> None:
    agent = await make_staff("agent")
    registrant = (await client.post(URL, json=person(), headers=agent.headers)).json()
    case = await client.post(
        "/api/v1/cases",
        json={"registrant_id": registrant["id"], "service_type": "SOCIAL", "channel": "walk_in"},
        headers=agent.headers,
    )
    for blank in (" \n\t ", "\u200b\u3164", " \u200f "):  # white space, or invisible characters only
        note = await client.post(
            f"/api/v1/cases/{case.json()['id']}/notes", json={"text": blank}, headers=agent.headers
        )
        assert (note.status_code, note.json()["errors"][0]["loc"][-1]) == (422, "text"), blank
    notes = await client.get(f"/api/v1/cases/{case.json()['id']}/notes", headers=agent.headers)
    assert (notes.status_code, notes.json()["items"]) == (200, [])


async def test_a_desk_named_by_invisible_characters_is_refused(client: httpx.AsyncClient, make_staff) -> None:
    admin = await make_staff("admin", [])
    body = {"code": "ABJ-2", "name": "\u200b", "country": "CI", "city": "\u3164", "time_zone": "Africa/Abidjan"}
    response = await client.post("/api/v1/desks", json=body, headers=admin.headers)
    assert (response.status_code, sorted(e["loc"][-1] for e in response.json()["errors"])) == (422, ["city", "name"])
    listing = await client.get("/api/v1/desks", headers=admin.headers)
    assert "ABJ-2" not in [d["code"] for d in listing.json()]


NOTHING = ("   ", "\u200b\u200e", "\u3164")
"""Text that shows nothing: spaces, a zero-width space with a direction mark, a Hangul filler."""

LOOKED_UP = {
    # identifiers and codes, refused by what looks them up (unknown, does not parse, does not match)
    ("CaseCreate", "service_type"), ("RequestCreate", "service_type"), ("RegistrantCreate", "desk_code"),
    ("TransitionIn", "to_desk"), ("PhoneIn", "number"), ("DocumentIn", "number"), ("CodeRequest", "phone"),
    ("SignIn", "phone"), ("LinkRequest", "code"), ("ClientCreate", "service_user_email"),
    ("MergeCreate", "survivor_etag"), ("MergeCreate", "merged_etag"), ("LogoutIn", "refresh_token"),
    ("RowResolutionIn", "registrant_etag"), ("BulkRowResolution", "registrant_etag"),
}  # fmt: skip


def _takes_text(annotation: Any) -> bool:
    return annotation is str or any(_takes_text(a) for a in typing.get_args(annotation))


def _stored_as(app: FastAPI, texts: tuple[str, ...]) -> Iterator[tuple[str, str, Any]]:
    """``(model.field, text sent, value kept)`` for every text of ``texts`` that a text field of
    a request body takes (does not refuse), but those :data:`LOOKED_UP`."""
    for model in request_models(app):
        validators = field_validators(model)
        for name, field in model.model_fields.items():
            if not _takes_text(field.annotation) or (model.__name__, name) in LOOKED_UP:
                continue
            for text in texts:
                try:
                    yield f"{model.__name__}.{name}", text, validators[name].validate_python(text)
                except ValidationError:
                    continue  # refused: 422 naming the field


async def test_no_request_field_stores_text_that_shows_nothing(app: FastAPI) -> None:
    """Every text field of every request body refuses text that shows nothing (422) or takes it as
    no value (null, or a description's empty string), unless something looks it up (:data:`LOOKED_UP`).
    A new field of plain ``str`` fails here until it says which (``NotBlank``, ``OptionalText``)."""
    assert len(request_models(app)) > 40  # the walk reached the bodies (45 models)
    stored = [f"{where} = {text!r}" for where, text, value in _stored_as(app, NOTHING) if value not in (None, "")]
    assert sorted(stored) == [], "\n".join(sorted(stored))


SPOOFING = ("\u202eevil", "Awa \u202dDiop", "\u2066Awa\u2069", "x\u202ay\u202c")
"""Text holding a bidirectional embedding, override or isolate (UAX #9): it shows reordered."""


async def test_no_request_field_stores_a_bidirectional_control(app: FastAPI) -> None:
    """Every free-text field of every request body (names, places, notes, reasons…) refuses a
    bidirectional embedding, override or isolate (422 ``text_bidi_control``) or takes it out (a
    registrant's name, whose invisible characters are removed), unless something looks it up
    (:data:`LOOKED_UP`). A new text field that stores ``"\\u202eevil"`` as sent fails here."""
    stored = [
        f"{where} = {text!r}"
        for where, text, value in _stored_as(app, SPOOFING)
        if isinstance(value, str) and BIDI_CONTROLS.search(value)
    ]
    assert sorted(stored) == [], "\n".join(sorted(stored))


async def test_a_staff_name_with_a_right_to_left_override_is_refused_naming_it(client, make_staff) -> None:
    admin = await make_staff("admin", [])
    body = {"email": "evil@desk.example", "full_name": "\u202eevil", "role": "agent", "password": "long enough words"}
    response = await client.post("/api/v1/users", json=body, headers={**admin.headers, "Accept-Language": "en"})
    assert response.status_code == 422, response.text
    [error] = response.json()["errors"]
    assert (error["loc"], error["type"]) == (["body", "full_name"], "text_bidi_control")
    assert "U+202E RIGHT-TO-LEFT OVERRIDE at position 1" in error["msg"]
    desk = {
        "code": "ABJ-9",
        "name": "Abidjan \u2067",
        "country": "CI",
        "city": "Abidjan",
        "time_zone": "Africa/Abidjan",
    }
    refused = await client.post("/api/v1/desks", json=desk, headers=admin.headers)
    assert (refused.status_code, refused.json()["errors"][0]["type"]) == (422, "text_bidi_control")


async def test_an_arabic_staff_name_keeps_its_direction_marks(client, make_staff) -> None:
    admin = await make_staff("admin", [])
    name = "\u200fعائشة ديوب\u200f (Aïssatou Diop)"
    body = {
        "email": "aissatou@desk.example",
        "full_name": name,
        "role": "agent",
        "password": "a long enough password",
        "desk_codes": ["CASA-BASE"],
    }
    response = await client.post("/api/v1/users", json=body, headers=admin.headers)
    assert (response.status_code, response.json()["full_name"]) == (201, name)
